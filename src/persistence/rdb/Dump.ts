import type { Value } from "../../keyspace/Value.js"
import { ByteReader, Corrupt, LoadFailed, ShortRead } from "./internal/ByteReader.js"
import { ByteSink } from "./internal/ByteSink.js"
import { Crc64 } from "./internal/crc64.js"
import { type EncodingLimits, EMPTY, readValue, UnknownType } from "./internal/readValue.js"
import * as T from "./internal/types.js"
import { writeValue } from "./internal/writeValue.js"
import type { ModuleTypeCodecs } from "./ModuleTypeCodecs.js"
import type { RdbWriteOptions } from "./RdbWriter.js"

/**
 * DUMP's payload (cluster.c `createDumpPayload`): the value as RDB writes it, the RDB version as
 * 2 bytes little endian, then the CRC64 of all that, 8 bytes little endian. A latin1 byte string.
 * (The CRC is always there: `rdbchecksum` does not apply to DUMP.)
 */
export const dumpPayload = (value: Value, options: RdbWriteOptions, key = "", db = 0): string => {
  const sink = new ByteSink(options.compression, true)
  writeValue(sink, value, options, key, db, false)
  const version = options.rdbVersion ?? T.RDB_VERSION
  sink.byte(version & 0xff)
  sink.byte((version >> 8) & 0xff)
  sink.raw(sink.checksumBytes())
  return sink.concat().toString("latin1")
}

/** The serialized length of a value (rdb.c `rdbSavedObjectLen`, DEBUG OBJECT's serializedlength). */
export const serializedLength = (value: Value, options: RdbWriteOptions): number => {
  const sink = new ByteSink(options.compression, false)
  try {
    writeValue(sink, value, options, "", 0, false)
  } catch {
    // A module value with no rdb_save: nothing to measure.
    return 0
  }
  // rdbSavedObjectLen counts the object without its type byte.
  return sink.length - 1
}

export interface RestoreOptions {
  readonly moduleTypes?: ModuleTypeCodecs
  /** The encoding configs the restored value is converted by (Valkey's defaults when absent). */
  readonly limits?: EncodingLimits
  /** The key and database a module's `rdb_load` sees. */
  readonly key?: string
  readonly db?: number
}

/**
 * Why a payload was refused, in Valkey's words. (A class, not a bare string: a restored string
 * value is a string too.)
 */
export class RestoreFailure {
  constructor(readonly message: string) {}
}

export const DUMP_PAYLOAD_ERROR = new RestoreFailure("ERR DUMP payload version or checksum are wrong")
export const BAD_DATA_FORMAT = new RestoreFailure("ERR Bad data format")

/** cluster.c `verifyDumpPayload`: at least 10 bytes, a version this server writes, a matching CRC64. */
const verifyDumpPayload = (bytes: Uint8Array): boolean => {
  const len = bytes.length
  if (len < 10) return false
  const version = bytes[len - 10] | (bytes[len - 9] << 8)
  if (version > T.RDB_VERSION) return false
  const crc = new Crc64()
  crc.update(bytes, 0, len - 8)
  const want = crc.bytesLE()
  for (let i = 0; i < 8; i++) if (bytes[len - 8 + i] !== want[i]) return false
  return true
}

/**
 * RESTORE's decoding (cluster.c `verifyDumpPayload` + `rdbLoadObjectType`/`rdbLoadObject`): the
 * value, or a `RestoreFailure` with Valkey's error text ("ERR DUMP payload version or checksum are
 * wrong", "ERR Bad data format"). Every structure inside is validated (as `sanitize-dump-payload yes`),
 * so a bad payload is refused here rather than breaking a later command.
 */
export const restorePayload = (payload: string, options: RestoreOptions = {}): Value | RestoreFailure => {
  const bytes = Buffer.from(payload, "latin1")
  if (!verifyDumpPayload(bytes)) return DUMP_PAYLOAD_ERROR
  // Like Valkey, the value is read from the whole argument, footer included: a value that ends
  // early leaves bytes unread (ignored), one that runs past the end is a short read.
  const r = new ByteReader(bytes)
  try {
    const type = r.byte()
    if (!T.isObjectType(type)) return BAD_DATA_FORMAT
    const value = readValue(r, type, options, options.key ?? "", options.db ?? 0)
    return value === EMPTY ? BAD_DATA_FORMAT : value
  } catch (e) {
    if (e instanceof Corrupt || e instanceof ShortRead || e instanceof LoadFailed || e instanceof UnknownType) return BAD_DATA_FORMAT
    throw e
  }
}
