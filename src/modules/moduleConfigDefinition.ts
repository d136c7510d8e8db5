import type { ConfigFlag } from "../config/ConfigParam.js"
import { defineExternalConfig } from "../config/Config.js"
import type { ModuleConfig } from "./ModuleConfig.js"

/**
 * A module config as an entry of the config table: CONFIG GET/SET/REWRITE and the config file go
 * through the module's parse, getter, setter and apply (config.c `addModuleStringConfig` and its
 * siblings). SENSITIVE is ignored, as in Valkey.
 */
export const moduleConfigDefinition = (config: ModuleConfig) => {
  const flags: Array<ConfigFlag> = []
  for (const f of ["immutable", "protected", "hidden", "deny-loading", "memory"] as const) if (config.has(f)) flags.push(f)
  const apply = config.callbacks.apply
  return defineExternalConfig({
    name: config.fullName,
    module: config.module,
    defaultText: config.format(config.defaultValue),
    parse: (text) => config.parse(text),
    format: (value) => config.format(value),
    get: () => config.currentValue(),
    set: (value) => config.setValue(value),
    apply: apply === undefined ? undefined : () => config.apply(),
    applyKey: apply,
    flags,
    multiArg: config.has("bitflags"),
    rewriteAs: config.kind.type === "string" ? "quoted" : config.has("memory") ? "memory" : undefined
  })
}
