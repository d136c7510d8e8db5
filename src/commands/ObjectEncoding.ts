import type { Entry } from "../keyspace/Database.js"
import { HashValue } from "../keyspace/HashValue.js"
import { ListValue } from "../keyspace/ListValue.js"
import { SetValue } from "../keyspace/SetValue.js"
import { StreamValue } from "../keyspace/StreamValue.js"
import { ZSetValue } from "../keyspace/ZSetValue.js"
import { parseInt64 } from "./args.js"

/**
 * What `OBJECT ENCODING` reports. Values are plain strings here, so a string's encoding is derived
 * from its bytes the way Valkey's `tryObjectEncoding` would choose it, except where the command
 * that wrote it left a hint: APPEND and SETRANGE make `raw` strings, INCRBYFLOAT makes
 * `embstr`/`raw` strings even for integer-looking results (it never tries the `int` encoding).
 */
export type StringHint = "raw" | "noint"

const hints = new WeakMap<Entry, StringHint>()
/** No hint was ever set: a plain SET then has nothing to clear (skips a WeakMap delete per write). */
let anyHint = false

/** Records how the command that just wrote `entry` encoded it (`undefined`: the usual rules). */
export const setStringHint = (entry: Entry, hint: StringHint | undefined): void => {
  if (hint === undefined) {
    if (anyHint) hints.delete(entry)
  } else {
    anyHint = true
    hints.set(entry, hint)
  }
}

export const stringHint = (entry: Entry): StringHint | undefined => hints.get(entry)

/** `sdsReqSize` plus the 1-byte header-size prefix of an embedded key (Valkey 8.1 object.c). */
const embeddedKeySize = (length: number): number => {
  // `sdsReqType`: type 5 below 32 bytes, then the smallest header whose length field fits.
  const header = length < 32 ? 1 : length <= 252 ? 3 : length <= 65530 ? 5 : 9
  return header + length + 1 + 1
}

/**
 * Valkey 8.1+ `shouldEmbedStringObject`: the value is embedded with its key (and expire) in one
 * allocation when robj header (8) + key + expire + value sds (type 8) fit in 64 bytes.
 */
const embeds = (entry: Entry, length: number): boolean => {
  if (length > 255 - 4) return false
  const size = 8 + embeddedKeySize(entry.key.length) + (entry.expireAt !== 0 ? 8 : 0) + 3 + length + 1
  return size <= 64
}

const isLongEncodable = (value: string): boolean => value.length <= 20 && parseInt64(value) !== undefined

const stringEncoding = (entry: Entry, value: string): string => {
  const hint = hints.get(entry)
  if (hint === "raw") return "raw"
  if (hint === undefined && isLongEncodable(value)) return "int"
  return embeds(entry, value.length) ? "embstr" : "raw"
}

/** Valkey's `list-max-listpack-size` default: a listpack holds at most 8 KB. */
const DEFAULT_LIST_MAX_LISTPACK_SIZE = -2

/** quicklist.c `optimization_level`: the byte limits of negative `list-max-listpack-size`s. */
const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536]
/** quicklist.c `SIZE_SAFETY_LIMIT`: a count-limited listpack still stops at 8 KB. */
const SIZE_SAFETY_LIMIT = 8192

/** Bytes one element takes in a listpack (`lpEncodeBacklen` + the entry's encoding). */
const listpackEntrySize = (s: string): number => {
  let size: number
  const n = s.length <= 20 ? parseInt64(s) : undefined
  if (n !== undefined) {
    const v = typeof n === "bigint" ? n : BigInt(n)
    if (v >= 0n && v <= 127n) size = 1
    else if (v >= -4096n && v <= 4095n) size = 2
    else if (v >= -32768n && v <= 32767n) size = 3
    else if (v >= -8388608n && v <= 8388607n) size = 4
    else if (v >= -2147483648n && v <= 2147483647n) size = 5
    else size = 9
  } else if (s.length < 64) size = 1 + s.length
  else if (s.length < 4096) size = 2 + s.length
  else size = 5 + s.length
  const backlen = size < 128 ? 1 : size < 16384 ? 2 : size < 2097152 ? 3 : size < 268435456 ? 4 : 5
  return size + backlen
}

/**
 * A list is a listpack while it fits in one listpack under `list-max-listpack-size` (quicklist.c
 * `quicklistNodeExceedsLimit`: a byte limit when negative, an entry count when positive), else a
 * quicklist. Valkey decides at each write and converts back only once a list shrinks to half the
 * limit; that history is not kept here, so a list near the limit may read as the other encoding.
 */
const listEncoding = (list: ListValue, fill = DEFAULT_LIST_MAX_LISTPACK_SIZE): string => {
  const sizeLimit = fill < 0 ? OPTIMIZATION_LEVEL[Math.min(-fill, OPTIMIZATION_LEVEL.length) - 1] : SIZE_SAFETY_LIMIT
  if (fill >= 0 && list.length > Math.max(fill, 1)) return "quicklist"
  // Listpack header (6 bytes) and end marker (1 byte).
  let bytes = 7
  for (let i = 0; i < list.length; i++) {
    bytes += listpackEntrySize(list.at(i)!)
    if (bytes > sizeLimit) return "quicklist"
  }
  return "listpack"
}

/** The `OBJECT ENCODING` reply for a live entry. */
export const objectEncoding = (entry: Entry, listMaxListpackSize = DEFAULT_LIST_MAX_LISTPACK_SIZE): string => {
  const value = entry.value
  if (typeof value === "string") return stringEncoding(entry, value)
  if (value instanceof ListValue) return listEncoding(value, listMaxListpackSize)
  if (value instanceof HashValue || value instanceof SetValue || value instanceof ZSetValue) return value.encoding
  if (value instanceof StreamValue) return "stream"
  return "raw"
}
