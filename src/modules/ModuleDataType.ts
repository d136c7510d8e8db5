import type { ModuleValueType } from "../keyspace/Value.js"
import type { ModuleTypeCodec, ModuleTypeCodecs } from "../persistence/rdb/ModuleTypeCodecs.js"
import type { DataTypeMethods } from "./api.js"

/** A data type registered by `createDataType`: its name, encoding version and methods. */
export interface ModuleDataType extends ModuleValueType {
  readonly encver: number
  readonly methods: DataTypeMethods
}

const isDataType = (type: ModuleValueType): type is ModuleDataType => "methods" in type

/**
 * A type's methods as the RDB codec calls them. A type without `rdbSave` cannot be saved (the save
 * fails, where Valkey would call a null pointer); without `rdbLoad` its values cannot be loaded.
 */
const codecOf = (type: ModuleDataType): ModuleTypeCodec => {
  const m = type.methods
  return {
    type,
    encver: type.encver,
    rdbSave: (io, value) => {
      if (m.rdbSave === undefined) throw new Error(`module type '${type.name}' has no rdb_save`)
      m.rdbSave(io, value)
    },
    rdbLoad: (io, encver) => m.rdbLoad?.(io, encver),
    auxSaveTriggers: m.auxSaveTriggers,
    auxSave: m.auxSave === undefined ? undefined : (io, when) => m.auxSave!(io, when),
    auxLoad: m.auxLoad === undefined ? undefined : (io, encver, when) => m.auxLoad!(io, encver, when)
  }
}

/** The loaded modules' data types as RDB codecs, looked up when a value is saved or loaded. */
export const moduleTypeCodecs = (types: () => Iterable<ModuleValueType>): ModuleTypeCodecs => ({
  byName: (name) => {
    for (const type of types()) if (type.name === name && isDataType(type)) return codecOf(type)
    return undefined
  },
  all: function* () {
    for (const type of types()) if (isDataType(type)) yield codecOf(type)
  }
})
