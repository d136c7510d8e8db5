import type { Value } from "../../keyspace/Value.js"
import type { ModuleTypeCodecs } from "./ModuleTypeCodecs.js"

export interface RdbWriteOptions {
  /** `rdbcompression`: LZF for strings over 20 bytes when it saves at least 4 bytes. */
  readonly compression: boolean
  /** `rdbchecksum`: CRC64 (Jones) at the end, 0 when off. */
  readonly checksum: boolean
  /** How to save module values; a module value without a codec fails the save. */
  readonly moduleTypes?: ModuleTypeCodecs
}

/**
 * Writes an RDB file as Valkey 8 does (RDB_VERSION 11), one piece at a time, so the caller can
 * write the bytes out between slices of work (`drain`).
 */
export class RdbWriter {
  constructor(readonly options: RdbWriteOptions) {}

  /** "REDIS0011" (Valkey 8's RDB_VERSION) and AUX fields (valkey-ver, redis-bits, ctime, used-mem, aof-base, ...). */
  header(_aux: ReadonlyArray<readonly [string, string]>): void {
    throw new Error("not implemented")
  }

  /** SELECTDB db, then RESIZEDB keys expires. */
  selectDb(_db: number, _keys: number, _expires: number): void {
    throw new Error("not implemented")
  }

  /** One key: EXPIRETIME_MS when expireAt > 0, then the value's type byte, the key, the value. */
  entry(_key: string, _value: Value, _expireAt: number): void {
    throw new Error("not implemented")
  }

  /** EOF opcode and the CRC64 of everything written (zero when checksum is off). */
  footer(): void {
    throw new Error("not implemented")
  }

  /** The bytes produced since the last drain (the caller writes them to the file between slices). */
  drain(): Array<Uint8Array> {
    throw new Error("not implemented")
  }
}
