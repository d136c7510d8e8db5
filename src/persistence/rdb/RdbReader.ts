import type { Value } from "../../keyspace/Value.js"
import { ByteReader, Corrupt, LoadFailed, ShortRead } from "./internal/ByteReader.js"
import { Crc64 } from "./internal/crc64.js"
import { LoadingModuleIO } from "./internal/ModuleIOImpl.js"
import { type EncodingLimits, EMPTY, readValue, UnknownType } from "./internal/readValue.js"
import { reportLine } from "./internal/reportLines.js"
import * as T from "./internal/types.js"
import { moduleTypeDecodeId, type ModuleTypeCodecs } from "./ModuleTypeCodecs.js"
import { RdbError, SHORT_READ_MESSAGE } from "./RdbError.js"

export type { EncodingLimits } from "./internal/readValue.js"
export { DEFAULT_ENCODING_LIMITS } from "./internal/readValue.js"

/** What precedes a key besides its expire: LRU idle seconds (IDLE) or LFU counter (FREQ), -1 when absent. */
export interface EntryMeta {
  readonly idle: number
  readonly freq: number
}

export interface RdbVisitor {
  aux?(name: string, value: string): void
  selectDb?(db: number): void
  resizeDb?(keys: number, expires: number): void
  /** expireAt: absolute unix ms, 0 for none. */
  entry(db: number, key: string, value: Value, expireAt: number, meta?: EntryMeta): void
  /** A key whose value has no elements (Valkey skips it with "rdbLoadObject skipping empty key: KEY"). */
  emptyKey?(db: number, key: string): void
  /** A FUNCTION2 library; without this hook the file fails as Valkey does without the engine. */
  functionLibrary?(code: string): void
}

export interface RdbReadOptions {
  readonly moduleTypes?: ModuleTypeCodecs
  /** The encoding configs loaded values are converted by (Valkey's defaults when absent). */
  readonly limits?: EncodingLimits
  /** `databases`: a SELECTDB at or above fails the load (Valkey exits). Default 16. */
  readonly databases?: number
  /** `rdbchecksum`: verify the CRC64 at the end (a zero CRC means "not computed"). Default true. */
  readonly checksum?: boolean
}

/** The highest RDB version read: Redis 7.4 writes 12 (whose new types still fail as unknown). */
export const MAX_READ_VERSION = 12

const shortRead = (offset: number): RdbError =>
  new RdbError({
    kind: "short-read",
    message: SHORT_READ_MESSAGE,
    log: [SHORT_READ_MESSAGE, reportLine(offset, "Unexpected EOF reading RDB file")]
  })

const toRdbError = (e: unknown, r: ByteReader): RdbError => {
  if (e instanceof RdbError) return e
  if (e instanceof Corrupt) {
    const line = reportLine(e.offset, e.reason)
    const kind = e.reason.startsWith("The RDB file contains module") ? "module" : "corrupt"
    return new RdbError({ kind, message: e.reason, log: [line] })
  }
  if (e instanceof UnknownType) return new RdbError({ kind: "unknown-type", message: e.message, log: [reportLine(r.pos, e.message)] })
  if (e instanceof ShortRead || e instanceof LoadFailed) return shortRead(r.pos)
  throw e
}

const hex = (b: Uint8Array): string => {
  let v = 0n
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i])
  return v.toString(16)
}

/** The engine named by a library's `#!<engine> name=<lib>` first line. */
const engineOf = (code: string): string => /^#!(\S+)/.exec(code)?.[1] ?? ""

/**
 * Reads a whole RDB file (versions 1..12 as Redis 7.x and Valkey 7/8 write them, older encodings
 * included). Throws `RdbError` (with Valkey's message and log lines) on a bad file: the caller
 * discards whatever the visitor saw, so a bad file never yields a partial data set.
 */
export const readRdb = (bytes: Uint8Array, visitor: RdbVisitor, options: RdbReadOptions = {}): void => {
  const r = new ByteReader(bytes)
  try {
    readBody(r, visitor, options)
  } catch (e) {
    throw toRdbError(e, r)
  }
}

const readBody = (r: ByteReader, visitor: RdbVisitor, options: RdbReadOptions): void => {
  const magic = Buffer.from(r.take(9)).toString("latin1")
  if (!magic.startsWith("REDIS")) {
    const message = "Wrong signature trying to load DB from file"
    throw new RdbError({ kind: "version", message, log: [message] })
  }
  const version = Number.parseInt(magic.slice(5), 10) || 0
  if (version < 1 || version > MAX_READ_VERSION) {
    const message = `Can't handle RDB format version ${version}`
    throw new RdbError({ kind: "version", message, log: [message] })
  }
  const databases = options.databases ?? 16
  let db = 0
  let expireAt = -1
  let idle = -1
  let freq = -1
  for (;;) {
    const type = r.byte()
    if (type === T.OPCODE_EXPIRETIME) {
      expireAt = r.i32le() * 1000
      continue
    }
    if (type === T.OPCODE_EXPIRETIME_MS) {
      expireAt = r.i64le()
      continue
    }
    if (type === T.OPCODE_FREQ) {
      freq = r.byte()
      continue
    }
    if (type === T.OPCODE_IDLE) {
      idle = r.len()
      continue
    }
    if (type === T.OPCODE_EOF) break
    if (type === T.OPCODE_SELECTDB) {
      db = r.len()
      if (db >= databases) {
        const message = `FATAL: Data file was created with a Valkey server configured to handle more than ${databases} databases. Exiting\n`
        throw new RdbError({ kind: "databases", message, log: [message] })
      }
      visitor.selectDb?.(db)
      continue
    }
    if (type === T.OPCODE_RESIZEDB) {
      const keys = r.len()
      const expires = r.len()
      visitor.resizeDb?.(keys, expires)
      continue
    }
    if (type === T.OPCODE_AUX) {
      const name = r.string()
      const value = r.string()
      visitor.aux?.(name, value)
      continue
    }
    if (type === T.OPCODE_MODULE_AUX) {
      readModuleAux(r, options)
      continue
    }
    if (type === T.OPCODE_FUNCTION_PRE_GA) throw new Corrupt("Pre-release function format not supported.", r.pos)
    if (type === T.OPCODE_FUNCTION2) {
      const code = r.string()
      if (visitor.functionLibrary === undefined) {
        const message = `Failed loading library, Engine '${engineOf(code)}' not found`
        throw new RdbError({ kind: "function", message, log: [message, SHORT_READ_MESSAGE, reportLine(r.pos, "Unexpected EOF reading RDB file")] })
      }
      visitor.functionLibrary(code)
      continue
    }
    const key = r.string()
    const value = readValue(r, type, options, key, db)
    if (value === EMPTY) visitor.emptyKey?.(db, key)
    else visitor.entry(db, key, value, expireAt === -1 ? 0 : expireAt, idle === -1 && freq === -1 ? undefined : { idle, freq })
    expireAt = -1
    idle = -1
    freq = -1
  }
  if (version >= 5) {
    const expected = new Crc64()
    expected.update(r.bytes, 0, r.pos)
    const stored = r.take(8)
    if (options.checksum !== false && stored.some((b) => b !== 0)) {
      const want = expected.bytesLE()
      if (stored.some((b, i) => b !== want[i])) {
        const message = `Wrong RDB checksum expected: (${hex(want)}) but got (${hex(stored)}). Aborting now.`
        throw new RdbError({ kind: "checksum", message, log: [message, reportLine(r.pos, "RDB CRC error")] })
      }
    }
  }
}

/** RDB_OPCODE_MODULE_AUX: module id, the `when` (after a UINT opcode), the module's data, EOF. */
const readModuleAux = (r: ByteReader, options: RdbReadOptions): void => {
  const id = r.len64()
  const whenOpcode = r.len()
  const when = r.len()
  if (whenOpcode !== T.MODULE_OPCODE_UINT) throw new Corrupt("bad when_opcode", r.pos)
  const { name, encver } = moduleTypeDecodeId(id)
  const codec = options.moduleTypes?.byName(name)
  if (codec === undefined) {
    const message = `The RDB file contains AUX module data I can't load: no matching module '${name}'`
    throw new RdbError({ kind: "module", message, log: [message] })
  }
  if (codec.auxLoad === undefined) {
    const message = `The RDB file contains module AUX data, but the module '${name}' doesn't seem to support it.`
    throw new RdbError({ kind: "module", message, log: [message] })
  }
  const io = new LoadingModuleIO(r, "", -1)
  let ok: boolean | void
  try {
    ok = codec.auxLoad(io, encver, when)
  } catch {
    ok = false
  }
  if (ok === false || io.isIOError()) {
    const message = `The RDB file contains module AUX data for the module type '${name}', that the responsible module is not able to load. Check for modules log above for additional clues.`
    throw new RdbError({ kind: "module", message, log: [message, SHORT_READ_MESSAGE] })
  }
  if (r.len() !== T.MODULE_OPCODE_EOF) {
    const message = `The RDB file contains module AUX data for the module '${name}' that is not terminated by the proper module value EOF marker`
    throw new RdbError({ kind: "module", message, log: [message, SHORT_READ_MESSAGE] })
  }
}
