import type { ModuleValueType } from "../../keyspace/Value.js"
import type { ModuleIO } from "./ModuleIO.js"

/**
 * How a module data type is saved and loaded (the `rdb_save`/`rdb_load`/`aux_save`/`aux_load`
 * methods of Valkey's `ValkeyModuleTypeMethods`), with the type's encoding version.
 */
export interface ModuleTypeCodec {
  readonly type: ModuleValueType
  /** 0..1023, stored in the low 10 bits of the 64-bit module type id. */
  readonly encver: number
  rdbSave(io: ModuleIO, value: unknown): void
  /** The loaded value; `undefined`/`null` (or an IO error) fails the load as Valkey does. */
  rdbLoad(io: ModuleIO, encver: number): unknown
  /** `AUX_BEFORE_RDB | AUX_AFTER_RDB` bits; aux data is saved only with `auxSave` set. */
  readonly auxSaveTriggers?: number
  auxSave?(io: ModuleIO, when: number): void
  /** Returns false (or throws) to fail the load. */
  auxLoad?(io: ModuleIO, encver: number, when: number): boolean | void
}

/** The module types known to the server, looked up by their 9-character name. */
export interface ModuleTypeCodecs {
  byName(name: string): ModuleTypeCodec | undefined
  all(): Iterable<ModuleTypeCodec>
}

/** The 64 characters a module type name may use, in Valkey's order (module.c `ModuleTypeNameCharSet`). */
export const MODULE_TYPE_NAME_CHARSET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/**
 * module.c `moduleTypeEncodeId`: 9 characters of 6 bits each, then 10 bits of encoding version,
 * in one unsigned 64-bit id. Undefined for a name not 9 characters of the charset or encver > 1023.
 */
export const moduleTypeEncodeId = (name: string, encver: number): bigint | undefined => {
  if (name.length !== 9 || encver < 0 || encver > 1023) return undefined
  let id = 0n
  for (let i = 0; i < 9; i++) {
    const p = MODULE_TYPE_NAME_CHARSET.indexOf(name[i])
    if (p < 0) return undefined
    id = (id << 6n) | BigInt(p)
  }
  return (id << 10n) | BigInt(encver)
}

/** module.c `moduleTypeNameByID`: the name and encver of a 64-bit module type id. */
export const moduleTypeDecodeId = (id: bigint): { readonly name: string; readonly encver: number } => {
  const encver = Number(id & 1023n)
  let rest = id >> 10n
  let name = ""
  for (let i = 8; i >= 0; i--) {
    name = MODULE_TYPE_NAME_CHARSET[Number(rest & 63n)] + name
    rest >>= 6n
  }
  return { name, encver }
}
