import type { Value } from "../../keyspace/Value.js"
import { ByteSink } from "./internal/ByteSink.js"
import { SavingModuleIO } from "./internal/ModuleIOImpl.js"
import * as T from "./internal/types.js"
import { writeValue } from "./internal/writeValue.js"
import { AUX_AFTER_RDB, AUX_BEFORE_RDB } from "./ModuleIO.js"
import { moduleTypeEncodeId, type ModuleTypeCodecs } from "./ModuleTypeCodecs.js"

export interface RdbWriteOptions {
  /** `rdbcompression`: LZF for strings over 20 bytes when it saves at least 4 bytes. */
  readonly compression: boolean
  /** `rdbchecksum`: CRC64 (Jones) at the end, 0 when off. */
  readonly checksum: boolean
  /** How to save module values; a module value without a codec fails the save. */
  readonly moduleTypes?: ModuleTypeCodecs
  /** `list-max-listpack-size`: how lists are cut into quicklist nodes (default -2, 8 KB). */
  readonly listMaxListpackSize?: number
  /**
   * The RDB version to write: 11 (Valkey 8, the default) or 10, which Redis 7.0 can read (a
   * listpack set is then written as a plain SET, the only encoding version 10 lacks).
   */
  readonly rdbVersion?: 10 | 11
}

/**
 * The options as the configuration sets them: `rdbcompression`, `rdbchecksum`,
 * `list-max-listpack-size` and `rdb-version`, read at each call so CONFIG SET applies.
 */
export const rdbWriteOptionsFromConfig = (
  config: { get<T>(name: string): T },
  moduleTypes: ModuleTypeCodecs | undefined
): RdbWriteOptions => ({
  compression: config.get<boolean>("rdbcompression"),
  checksum: config.get<boolean>("rdbchecksum"),
  listMaxListpackSize: config.get<number>("list-max-listpack-size"),
  rdbVersion: config.get<number>("rdb-version") === 10 ? 10 : 11,
  moduleTypes
})

/** What precedes a key besides its expire (rdb.c writes IDLE under an LRU policy, FREQ under LFU). */
export interface EntryOptions {
  /** LRU idle time in seconds (RDB_OPCODE_IDLE). */
  readonly idle?: number
  /** LFU counter 0..255 (RDB_OPCODE_FREQ). */
  readonly freq?: number
}

/** Valkey 8's RDB_VERSION. */
export const RDB_VERSION = T.RDB_VERSION

/**
 * Writes an RDB file as Valkey 8 does (rdb.c `rdbSaveRio`), one piece at a time, so the caller
 * can write the bytes out between slices of work (`drain`). Module types with `auxSave` write
 * their aux data after the header (AUX_BEFORE_RDB) and before the EOF (AUX_AFTER_RDB).
 */
export class RdbWriter {
  private readonly sink: ByteSink

  constructor(readonly options: RdbWriteOptions) {
    this.sink = new ByteSink(options.compression, options.checksum)
  }

  /** Bytes written so far (drained or not). */
  get length(): number {
    return this.sink.length
  }

  /** "REDIS0011" (Valkey 8's RDB_VERSION) and AUX fields (valkey-ver, redis-bits, ctime, used-mem, aof-base, ...). */
  header(aux: ReadonlyArray<readonly [string, string]>): void {
    this.sink.latin1(`REDIS${String(this.options.rdbVersion ?? RDB_VERSION).padStart(4, "0")}`)
    for (const [name, value] of aux) {
      this.sink.byte(T.OPCODE_AUX)
      this.sink.string(name)
      this.sink.string(value)
    }
    this.moduleAux(AUX_BEFORE_RDB)
  }

  /** SELECTDB db, then RESIZEDB keys expires. */
  selectDb(db: number, keys: number, expires: number): void {
    this.sink.byte(T.OPCODE_SELECTDB)
    this.sink.len(db)
    this.sink.byte(T.OPCODE_RESIZEDB)
    this.sink.len(keys)
    this.sink.len(expires)
  }

  /** One key: EXPIRETIME_MS when expireAt > 0, IDLE/FREQ when given, then the value's type byte, the key, the value. */
  entry(key: string, value: Value, expireAt: number, meta?: EntryOptions, db = 0): void {
    if (expireAt > 0) {
      this.sink.byte(T.OPCODE_EXPIRETIME_MS)
      this.sink.i64le(expireAt)
    }
    if (meta?.idle !== undefined) {
      this.sink.byte(T.OPCODE_IDLE)
      this.sink.len(Math.max(0, Math.floor(meta.idle)))
    }
    if (meta?.freq !== undefined) {
      this.sink.byte(T.OPCODE_FREQ)
      this.sink.byte(meta.freq & 0xff)
    }
    writeValue(this.sink, value, this.options, key, db, true)
  }

  /** EOF opcode and the CRC64 of everything written (zero when checksum is off). */
  footer(): void {
    this.moduleAux(AUX_AFTER_RDB)
    this.sink.byte(T.OPCODE_EOF)
    this.sink.raw(this.sink.checksumBytes())
  }

  /** The bytes produced since the last drain (the caller writes them to the file between slices). */
  drain(): Array<Uint8Array> {
    return this.sink.take()
  }

  /** rdb.c `rdbSaveModulesAux` / `rdbSaveSingleModuleAux`. */
  private moduleAux(when: number): void {
    const types = this.options.moduleTypes
    if (types === undefined) return
    for (const codec of types.all()) {
      if (codec.auxSave === undefined || ((codec.auxSaveTriggers ?? 0) & when) === 0) continue
      const id = moduleTypeEncodeId(codec.type.name, codec.encver)
      if (id === undefined) continue
      this.sink.byte(T.OPCODE_MODULE_AUX)
      this.sink.len(id)
      this.sink.len(T.MODULE_OPCODE_UINT)
      this.sink.len(when)
      codec.auxSave(new SavingModuleIO(this.sink, "", -1), when)
      this.sink.len(T.MODULE_OPCODE_EOF)
    }
  }
}
