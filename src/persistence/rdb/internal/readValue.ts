import { parseInt64 } from "../../../keyspace/int64.js"
import { HashValue } from "../../../keyspace/HashValue.js"
import { ListValue } from "../../../keyspace/ListValue.js"
import { SetValue } from "../../../keyspace/SetValue.js"
import { ModuleValue, type Value } from "../../../keyspace/Value.js"
import { ZSetValue } from "../../../keyspace/ZSetValue.js"
import type { ModuleTypeCodecs } from "../ModuleTypeCodecs.js"
import { moduleTypeDecodeId } from "../ModuleTypeCodecs.js"
import { type ByteReader, Corrupt, LoadFailed } from "./ByteReader.js"
import { readIntset } from "./intset.js"
import { readListpack } from "./listpack.js"
import { readStream } from "./stream.js"
import { LoadingModuleIO } from "./ModuleIOImpl.js"
import * as T from "./types.js"
import { readZiplist } from "./ziplist.js"
import { readZipmap } from "./zipmap.js"

/** The encoding configs a loaded value is converted by (`*-max-listpack-*`, `set-max-intset-entries`). */
export interface EncodingLimits {
  readonly hashMaxListpackEntries: number
  readonly hashMaxListpackValue: number
  readonly setMaxIntsetEntries: number
  readonly setMaxListpackEntries: number
  readonly setMaxListpackValue: number
  readonly zsetMaxListpackEntries: number
  readonly zsetMaxListpackValue: number
}

export const DEFAULT_ENCODING_LIMITS: EncodingLimits = {
  hashMaxListpackEntries: 128,
  hashMaxListpackValue: 64,
  setMaxIntsetEntries: 512,
  setMaxListpackEntries: 128,
  setMaxListpackValue: 64,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64
}

export interface ValueReadOptions {
  readonly moduleTypes?: ModuleTypeCodecs
  readonly limits?: EncodingLimits
}

/** A value that loaded as empty (rdb.c `RDB_LOAD_ERR_EMPTY_KEY`): skipped in a file, an error in RESTORE. */
export const EMPTY = Symbol("empty")

/** A type this server cannot load (Redis 7.4 hashes with field TTLs, unknown bytes). */
export class UnknownType extends Error {
  constructor(readonly type: number) {
    super(`Unknown RDB encoding type ${type}`)
  }
}

/** Limits that never convert, for building a value in the encoding already decided. */
const NO_CONVERT = { maxIntsetEntries: 2 ** 31, maxListpackEntries: Infinity, maxListpackValue: Infinity }

/** `zzlStrtod` of a listpack score, refusing text that is not a number (a corrupt payload). */
const parseScore = (s: string, at: number): number => {
  const n = parseInt64(s)
  if (n !== undefined) return Number(n)
  const t = s.toLowerCase()
  const d = t === "inf" || t === "+inf" ? Infinity : t === "-inf" ? -Infinity : s.trim() === s && s !== "" ? Number(s) : NaN
  if (Number.isNaN(d)) throw new Corrupt("Zset with NAN score detected", at)
  return d
}

/** `rdbLoadDoubleValue`: a length byte (253 nan, 254 +inf, 255 -inf) then `%lg` text. */
const readStringDouble = (r: ByteReader): number => {
  const len = r.byte()
  if (len === 255) return -Infinity
  if (len === 254) return Infinity
  if (len === 253) return NaN
  const b = r.take(len)
  const text = Buffer.from(b.buffer, b.byteOffset, b.length).toString("latin1")
  const m = /^\s*[+-]?(?:inf(?:inity)?|nan|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)/i.exec(text)
  if (m === null) throw new LoadFailed("bad double")
  const t = m[0].trim().toLowerCase()
  return t.endsWith("inf") || t.endsWith("infinity") ? (t.startsWith("-") ? -Infinity : Infinity) : t.endsWith("nan") ? NaN : Number(t)
}

const pairsToHash = (items: Array<string>, limits: EncodingLimits, checkValues: boolean): HashValue | undefined => {
  const hash = new HashValue()
  let maxLength = 0
  for (let i = 0; i < items.length; i += 2) {
    const f = items[i]
    if (hash.fields.has(f)) return undefined
    hash.set(f, items[i + 1])
    if (f.length > maxLength) maxLength = f.length
    if (items[i + 1].length > maxLength) maxLength = items[i + 1].length
  }
  if (hash.size > limits.hashMaxListpackEntries || (checkValues && maxLength > limits.hashMaxListpackValue)) hash.toHashtable()
  return hash
}

const pairsToZSet = (items: Array<string>, limits: EncodingLimits, at: number): ZSetValue | undefined => {
  const zset = new ZSetValue("listpack")
  for (let i = 0; i < items.length; i += 2) {
    if (zset.scores.has(items[i])) return undefined
    zset.set(items[i], parseScore(items[i + 1], at), NO_CONVERT)
  }
  if (zset.size > limits.zsetMaxListpackEntries) zset.encoding = "skiplist"
  return zset
}

/**
 * `rdbLoadObject`: the value of RDB type `type`. Throws `Corrupt` (Valkey's corruption reasons),
 * `ShortRead`, `LoadFailed` or `UnknownType`; returns `EMPTY` for a value with no elements.
 */
export const readValue = (
  r: ByteReader,
  type: number,
  options: ValueReadOptions,
  key: string,
  db: number
): Value | typeof EMPTY => {
  if (type === T.TYPE_STRING) return r.string()
  return readCollection(r, type, options, key, db)
}

const readCollection = (
  r: ByteReader,
  type: number,
  options: ValueReadOptions,
  key: string,
  db: number
): Value | typeof EMPTY => {
  const limits = options.limits ?? DEFAULT_ENCODING_LIMITS
  const corrupt = (reason: string): never => {
    throw new Corrupt(reason, r.pos)
  }
  switch (type) {
    case T.TYPE_LIST: {
      const len = r.len()
      if (len === 0) return EMPTY
      const list = new ListValue()
      for (let i = 0; i < len; i++) list.pushRight(r.string())
      return list
    }
    case T.TYPE_SET: {
      const len = r.len()
      if (len === 0) return EMPTY
      const intsetMax = Math.min(limits.setMaxIntsetEntries, 1 << 30)
      let encoding: "intset" | "listpack" | "hashtable" = len > intsetMax ? "hashtable" : "intset"
      const members: Array<string> = []
      const seen = new Set<string>()
      let maxLength = 0
      let sumLength = 0
      for (let i = 0; i < len; i++) {
        const m = r.string()
        sumLength += m.length
        if (m.length > maxLength) maxLength = m.length
        if (encoding === "intset" && parseInt64(m) === undefined) {
          encoding =
            seen.size < limits.setMaxListpackEntries && maxLength <= limits.setMaxListpackValue && sumLength < 1 << 30
              ? "listpack"
              : "hashtable"
        }
        if (encoding === "listpack" && !(seen.size < limits.setMaxListpackEntries && m.length <= limits.setMaxListpackValue)) {
          encoding = "hashtable"
        }
        if (seen.has(m)) corrupt("Duplicate set members detected")
        seen.add(m)
        members.push(m)
      }
      const set = new SetValue(encoding)
      for (const m of members) set.add(m, NO_CONVERT)
      return set
    }
    case T.TYPE_ZSET_2:
    case T.TYPE_ZSET: {
      const len = r.len()
      if (len === 0) return EMPTY
      const zset = new ZSetValue("skiplist")
      let maxLength = 0
      for (let i = 0; i < len; i++) {
        const member = r.string()
        const score = type === T.TYPE_ZSET_2 ? r.f64le() : readStringDouble(r)
        if (Number.isNaN(score)) corrupt("Zset with NAN score detected")
        if (member.length > maxLength) maxLength = member.length
        if (zset.scores.has(member)) corrupt("Duplicate zset fields detected")
        zset.set(member, score, NO_CONVERT)
      }
      if (zset.size <= limits.zsetMaxListpackEntries && maxLength <= limits.zsetMaxListpackValue) zset.encoding = "listpack"
      return zset
    }
    case T.TYPE_HASH: {
      const len = r.len()
      if (len === 0) return EMPTY
      const hash = new HashValue()
      if (len > limits.hashMaxListpackEntries) hash.toHashtable()
      for (let i = 0; i < len; i++) {
        const field = r.string()
        const value = r.string()
        if (hash.fields.has(field)) corrupt(hash.encoding === "listpack" ? "Hash with dup elements" : "Duplicate hash fields detected")
        if (field.length > limits.hashMaxListpackValue || value.length > limits.hashMaxListpackValue) hash.toHashtable()
        hash.set(field, value)
      }
      return hash
    }
    case T.TYPE_LIST_QUICKLIST:
    case T.TYPE_LIST_QUICKLIST_2: {
      const len = r.len()
      if (len === 0) return EMPTY
      const list = new ListValue()
      for (let i = 0; i < len; i++) {
        let container = T.CONTAINER_PACKED
        if (type === T.TYPE_LIST_QUICKLIST_2) {
          container = r.len()
          if (container !== T.CONTAINER_PACKED && container !== T.CONTAINER_PLAIN) corrupt("Quicklist integrity check failed.")
        }
        if (container === T.CONTAINER_PLAIN) {
          const element = r.string()
          if (element.length === 0) throw new LoadFailed("empty quicklist node")
          list.pushRight(element)
          continue
        }
        const data = r.blob()
        if (data.length === 0) throw new LoadFailed("empty quicklist node")
        const items = type === T.TYPE_LIST_QUICKLIST_2 ? readListpack(data) : readZiplist(data)
        if (items === undefined) corrupt(type === T.TYPE_LIST_QUICKLIST_2 ? "Listpack integrity check failed." : "Ziplist integrity check failed.")
        for (const item of items!) list.pushRight(item)
      }
      return list.length === 0 ? EMPTY : list
    }
    case T.TYPE_HASH_ZIPMAP: {
      const items = readZipmap(r.blob())
      if (items === undefined) return corrupt("Zipmap integrity check failed.")
      const hash = pairsToHash(items, limits, true)
      if (hash === undefined) return corrupt("Hash zipmap with dup elements, or big length (0)")
      return hash
    }
    case T.TYPE_LIST_ZIPLIST: {
      const items = readZiplist(r.blob())
      if (items === undefined) return corrupt("List ziplist integrity check failed.")
      return items.length === 0 ? EMPTY : ListValue.of(items)
    }
    case T.TYPE_SET_INTSET: {
      const items = readIntset(r.blob())
      if (items === undefined) return corrupt("Intset integrity check failed.")
      const set = new SetValue(items.length > limits.setMaxIntsetEntries ? "hashtable" : "intset")
      for (const m of items) set.add(m, NO_CONVERT)
      return set
    }
    case T.TYPE_SET_LISTPACK: {
      const items = readListpack(r.blob())
      if (items === undefined || new Set(items).size !== items.length) return corrupt("Set listpack integrity check failed.")
      if (items.length === 0) return EMPTY
      const set = new SetValue(items.length > limits.setMaxListpackEntries ? "hashtable" : "listpack")
      for (const m of items) set.add(m, NO_CONVERT)
      return set
    }
    case T.TYPE_ZSET_ZIPLIST:
    case T.TYPE_ZSET_LISTPACK: {
      const items = type === T.TYPE_ZSET_ZIPLIST ? readZiplist(r.blob()) : readListpack(r.blob())
      const reason = type === T.TYPE_ZSET_ZIPLIST ? "Zset ziplist integrity check failed." : "Zset listpack integrity check failed."
      if (items === undefined || items.length % 2 !== 0) return corrupt(reason)
      if (items.length === 0) return EMPTY
      const zset = pairsToZSet(items, limits, r.pos)
      if (zset === undefined) return corrupt(reason)
      return zset
    }
    case T.TYPE_HASH_ZIPLIST:
    case T.TYPE_HASH_LISTPACK: {
      const items = type === T.TYPE_HASH_ZIPLIST ? readZiplist(r.blob()) : readListpack(r.blob())
      const reason = type === T.TYPE_HASH_ZIPLIST ? "Hash ziplist integrity check failed." : "Hash listpack integrity check failed."
      if (items === undefined || items.length % 2 !== 0) return corrupt(reason)
      if (items.length === 0) return EMPTY
      const hash = pairsToHash(items, limits, false)
      if (hash === undefined) return corrupt(reason)
      return hash
    }
    case T.TYPE_STREAM_LISTPACKS:
    case T.TYPE_STREAM_LISTPACKS_2:
    case T.TYPE_STREAM_LISTPACKS_3:
      return readStream(r, type)
    case T.TYPE_MODULE_PRE_GA:
      return corrupt("Pre-release module format not supported")
    case T.TYPE_MODULE_2: {
      const id = r.len64()
      const { name, encver } = moduleTypeDecodeId(id)
      const codec = options.moduleTypes?.byName(name)
      if (codec === undefined) return corrupt(`The RDB file contains module data I can't load: no matching module type '${name}'`)
      const io = new LoadingModuleIO(r, key, db)
      let data: unknown
      try {
        data = codec.rdbLoad(io, encver)
      } catch {
        data = undefined
      }
      const eof = r.len()
      if (eof !== T.MODULE_OPCODE_EOF) {
        return corrupt(
          `The RDB file contains module data for the module '${codec.type.module}' that is not terminated by the proper module value EOF marker`
        )
      }
      if (data === undefined || data === null || io.isIOError()) {
        return corrupt(
          `The RDB file contains module data for the module type '${codec.type.module}', that the responsible module is not able to load. Check for modules log above for additional clues.`
        )
      }
      return new ModuleValue(codec.type, data)
    }
    default:
      throw new UnknownType(type)
  }
}
