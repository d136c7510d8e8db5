import { HashValue } from "../../../keyspace/HashValue.js"
import { ListValue } from "../../../keyspace/ListValue.js"
import { SetValue } from "../../../keyspace/SetValue.js"
import { StreamValue } from "../../../keyspace/StreamValue.js"
import { type Value } from "../../../keyspace/Value.js"
import { ZSetValue } from "../../../keyspace/ZSetValue.js"
import { formatDouble } from "../../../protocol/RespWriter.js"
import type { ModuleTypeCodecs } from "../ModuleTypeCodecs.js"
import { moduleTypeEncodeId } from "../ModuleTypeCodecs.js"
import type { ByteSink } from "./ByteSink.js"
import { writeIntset } from "./intset.js"
import { ListpackBuilder, listpackEntrySize } from "./listpack.js"
import { SavingModuleIO } from "./ModuleIOImpl.js"
import { writeStream } from "./stream.js"
import * as T from "./types.js"

export interface ValueWriteOptions {
  readonly moduleTypes?: ModuleTypeCodecs
  /** `list-max-listpack-size` (default -2: 8 KB listpacks). */
  readonly listMaxListpackSize?: number
  /** 10 writes what Redis 7.0 can read (sets never as SET_LISTPACK); default 11. */
  readonly rdbVersion?: number
}

/** quicklist.c `optimization_level`. */
const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536]
const SIZE_SAFETY_LIMIT = 8192
const SIZE_ESTIMATE_OVERHEAD = 8

/** util.c `double2ll`: the integer a double is exactly, within ±LLONG_MAX/2 (as a double). */
const LLONG_HALF = 4611686018427387904
const double2ll = (d: number): number | bigint | undefined => {
  if (!Number.isInteger(d) || d < -LLONG_HALF || d > LLONG_HALF) return undefined
  if (Object.is(d, -0)) return 0
  return Number.isSafeInteger(d) ? d : BigInt(d)
}

/**
 * The quicklist nodes Valkey would hold for the list, in order: listpacks filled up to
 * `list-max-listpack-size` (quicklist.c `_quicklistNodeAllowInsert`), and PLAIN nodes for
 * elements too large for any listpack (`isLargeElement`).
 */
const writeList = (sink: ByteSink, list: ListValue, fill: number): void => {
  const sizeLimit = fill < 0 ? OPTIMIZATION_LEVEL[Math.min(-fill, OPTIMIZATION_LEVEL.length) - 1] : Infinity
  const countLimit = fill < 0 ? Infinity : fill === 0 ? 1 : fill
  const isLarge = (sz: number) => (fill >= 0 ? sz > SIZE_SAFETY_LIMIT : sz > sizeLimit)
  type Node = { plain: string } | ListpackBuilder
  const nodes: Array<Node> = []
  let current: ListpackBuilder | undefined
  const n = list.length
  for (let i = 0; i < n; i++) {
    const element = list.at(i)!
    const sz = element.length
    if (isLarge(sz)) {
      nodes.push({ plain: element })
      current = undefined
      continue
    }
    if (current !== undefined) {
      const newSize = current.size + sz + SIZE_ESTIMATE_OVERHEAD
      const exceeds = fill < 0 ? newSize > sizeLimit : newSize > SIZE_SAFETY_LIMIT || current.count + 1 > countLimit
      if (exceeds) current = undefined
    }
    if (current === undefined) {
      current = new ListpackBuilder(Math.min(sizeLimit === Infinity ? 8192 : sizeLimit, 64 + listpackEntrySize(element)))
      nodes.push(current)
    }
    current.append(element)
  }
  sink.len(nodes.length)
  for (const node of nodes) {
    if (node instanceof ListpackBuilder) {
      sink.len(T.CONTAINER_PACKED)
      sink.blob(node.bytes())
    } else {
      sink.len(T.CONTAINER_PLAIN)
      sink.string(node.plain)
    }
  }
}

/**
 * `rdbSaveObjectType` + `rdbSaveObject`: the value's type byte, the key when `withKey`, then the value as Valkey 8 writes
 * it for its current encoding.
 */
export const writeValue = (
  sink: ByteSink,
  value: Value,
  options: ValueWriteOptions,
  key: string,
  db: number,
  /** RDB entries carry the key between the type and the value; DUMP payloads do not. */
  withKey: boolean
): void => {
  if (typeof value === "string") {
    // The common case, without the closure below.
    sink.byte(T.TYPE_STRING)
    if (withKey) sink.string(key)
    sink.string(value)
    return
  }
  const head = (type: number): void => {
    sink.byte(type)
    if (withKey) sink.string(key)
  }
  if (value instanceof ListValue) {
    head(T.TYPE_LIST_QUICKLIST_2)
    writeList(sink, value, options.listMaxListpackSize ?? -2)
  } else if (value instanceof SetValue) {
    const members = value.members
    if (value.encoding === "intset") {
      head(T.TYPE_SET_INTSET)
      sink.blob(writeIntset(members))
    } else if (value.encoding === "listpack" && (options.rdbVersion ?? T.RDB_VERSION) >= 11) {
      head(T.TYPE_SET_LISTPACK)
      const lp = new ListpackBuilder(64 + members.size * 8)
      for (const m of members) lp.append(m)
      sink.blob(lp.bytes())
    } else {
      head(T.TYPE_SET)
      sink.len(members.size)
      for (const m of members) sink.string(m)
    }
  } else if (value instanceof HashValue) {
    if (value.encoding === "listpack") {
      head(T.TYPE_HASH_LISTPACK)
      const lp = new ListpackBuilder(64 + value.fields.size * 16)
      for (const [f, v] of value.fields) {
        lp.append(f)
        lp.append(v)
      }
      sink.blob(lp.bytes())
    } else {
      head(T.TYPE_HASH)
      sink.len(value.fields.size)
      for (const [f, v] of value.fields) {
        sink.string(f)
        sink.string(v)
      }
    }
  } else if (value instanceof ZSetValue) {
    if (value.encoding === "listpack") {
      head(T.TYPE_ZSET_LISTPACK)
      const lp = new ListpackBuilder(64 + value.size * 16)
      for (let node = value.list.first; node !== null; node = node.forward[0]) {
        lp.append(node.member)
        // t_zset.c `zzlInsertAt`: an integral score is stored as an integer, else as d2string text.
        const asInteger = double2ll(node.score)
        if (asInteger !== undefined) lp.appendInteger(asInteger)
        else lp.appendString(formatDouble(node.score))
      }
      sink.blob(lp.bytes())
    } else {
      head(T.TYPE_ZSET_2)
      sink.len(value.size)
      // From the greatest to the smallest, as Valkey does (cheaper skiplist inserts on load).
      for (let node = value.list.tail; node !== null; node = node.backward) {
        sink.string(node.member)
        sink.f64le(node.score)
      }
    }
  } else if (value instanceof StreamValue) {
    // Redis 7.0 (RDB 10) reads STREAM_LISTPACKS_2; Valkey writes _3 (consumers' active time).
    const type = (options.rdbVersion ?? T.RDB_VERSION) >= 11 ? T.TYPE_STREAM_LISTPACKS_3 : T.TYPE_STREAM_LISTPACKS_2
    head(type)
    writeStream(sink, value, type)
  } else {
    const codec = options.moduleTypes?.byName(value.type.name)
    if (codec === undefined) throw new Error(`no rdb_save for module type '${value.type.name}'`)
    const id = moduleTypeEncodeId(codec.type.name, codec.encver)
    if (id === undefined) throw new Error(`invalid module type '${codec.type.name}'`)
    head(T.TYPE_MODULE_2)
    sink.len(id)
    const io = new SavingModuleIO(sink, key, db)
    codec.rdbSave(io, value.data)
    sink.len(T.MODULE_OPCODE_EOF)
  }
}
