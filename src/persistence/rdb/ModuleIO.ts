/**
 * The serialization handle a module data type's `rdbSave`/`rdbLoad`/`auxSave`/`auxLoad` get
 * (Valkey's `ValkeyModuleIO`). Values are written as Valkey's MODULE_2 opcodes (rdb.h
 * `RDB_MODULE_OPCODE_*`), so an RDB file holding them is readable by Valkey with the same module.
 *
 * Strings are latin1 byte strings (`saveStringBuffer`/`loadStringBuffer`) or UTF-8 text
 * (`saveString`/`loadString`), as elsewhere in the module API. A `load*` that finds the wrong
 * opcode or runs out of bytes marks the IO as failed (`isIOError`) and returns a zero value; the
 * load of the whole value then fails with Valkey's error.
 */
export interface ModuleIO {
  saveUnsigned(value: number | bigint): void
  loadUnsigned(): bigint
  saveSigned(value: number | bigint): void
  loadSigned(): bigint
  /** UTF-8 text. */
  saveString(value: string): void
  loadString(): string
  /** Bytes: a latin1 byte string or a Uint8Array. */
  saveStringBuffer(value: string | Uint8Array): void
  /** Bytes as a latin1 byte string. */
  loadStringBuffer(): string
  saveDouble(value: number): void
  loadDouble(): number
  saveFloat(value: number): void
  loadFloat(): number
  /** Valkey saves a long double as its `%.17Lg`-style text; JS numbers are doubles. */
  saveLongDouble(value: number): void
  loadLongDouble(): number
  /** True once a load failed (wrong opcode, short read). */
  isIOError(): boolean
  /** The database of the key being saved or loaded (-1 for aux data). */
  getDbId(): number
  /** The key being saved or loaded, as a byte string ("" for aux data). */
  getKeyName(): string
}

/** `VALKEYMODULE_AUX_BEFORE_RDB` / `_AFTER_RDB`: when a type's aux data is saved. */
export const AUX_BEFORE_RDB = 1 << 0
export const AUX_AFTER_RDB = 1 << 1
