/** rdb.h: value types and opcodes. */
export const RDB_VERSION = 11

export const TYPE_STRING = 0
export const TYPE_LIST = 1
export const TYPE_SET = 2
export const TYPE_ZSET = 3
export const TYPE_HASH = 4
export const TYPE_ZSET_2 = 5
export const TYPE_MODULE_PRE_GA = 6
export const TYPE_MODULE_2 = 7
export const TYPE_HASH_ZIPMAP = 9
export const TYPE_LIST_ZIPLIST = 10
export const TYPE_SET_INTSET = 11
export const TYPE_ZSET_ZIPLIST = 12
export const TYPE_HASH_ZIPLIST = 13
export const TYPE_LIST_QUICKLIST = 14
export const TYPE_STREAM_LISTPACKS = 15
export const TYPE_HASH_LISTPACK = 16
export const TYPE_ZSET_LISTPACK = 17
export const TYPE_LIST_QUICKLIST_2 = 18
export const TYPE_STREAM_LISTPACKS_2 = 19
export const TYPE_SET_LISTPACK = 20
export const TYPE_STREAM_LISTPACKS_3 = 21

/** `rdbIsObjectType`: 0..7 and 9..21 (Valkey 8). */
export const isObjectType = (t: number): boolean => (t >= 0 && t <= 7) || (t >= 9 && t <= 21)

export const OPCODE_FUNCTION2 = 245
export const OPCODE_FUNCTION_PRE_GA = 246
export const OPCODE_MODULE_AUX = 247
export const OPCODE_IDLE = 248
export const OPCODE_FREQ = 249
export const OPCODE_AUX = 250
export const OPCODE_RESIZEDB = 251
export const OPCODE_EXPIRETIME_MS = 252
export const OPCODE_EXPIRETIME = 253
export const OPCODE_SELECTDB = 254
export const OPCODE_EOF = 255

export const MODULE_OPCODE_EOF = 0
export const MODULE_OPCODE_SINT = 1
export const MODULE_OPCODE_UINT = 2
export const MODULE_OPCODE_FLOAT = 3
export const MODULE_OPCODE_DOUBLE = 4
export const MODULE_OPCODE_STRING = 5

/** quicklist.h `QUICKLIST_NODE_CONTAINER_*`. */
export const CONTAINER_PLAIN = 1
export const CONTAINER_PACKED = 2
