/**
 * moduleconfigs: Valkey's tests/modules/moduleconfigs.c in TypeScript. Registers one config of each
 * kind; the module keeps the values (getters and setters), two apply callbacks check invariants.
 *
 *   moduleconfigs.mutable_bool    bool, default yes       (apply: both bools cannot be yes)
 *   moduleconfigs.immutable_bool  bool, default no, IMMUTABLE
 *   moduleconfigs.string          string, default "secret password" (the setter refuses "rejectisfreed")
 *   moduleconfigs.enum            enum none/five/one/two/four, default one
 *   moduleconfigs.flags           bitflags enum, default "one two"
 *   moduleconfigs.memory_numeric  MEMORY numeric 0..3000000, default 1024 (apply: numerics differ)
 *   moduleconfigs.numeric         numeric -5..2000, default -1
 *
 * `loadmodule moduleconfigs.ts noload` skips LoadConfigs (the load then fails).
 * BLOCK.REGISTER.CONFIGS.OUTSIDE.ONLOAD checks that registering after onLoad is refused.
 */
import { defineModule } from "keyfiber/module"
import type { ModuleContext } from "keyfiber/module"

const values = {
  mutable_bool: true,
  immutable_bool: false,
  string: "secret password" as string,
  enum: 1,
  flags: 3,
  memory_numeric: 1024,
  numeric: -1
}
type Name = keyof typeof values

const get = (name: string): any => values[name as Name]
const set = (name: string, value: unknown) => {
  if (name === "string" && typeof value === "string" && value.toLowerCase() === "rejectisfreed") {
    return "Cannot set string to 'rejectisfreed'"
  }
  ;(values as Record<string, unknown>)[name] = value
}

const boolApply = () => (values.mutable_bool && values.immutable_bool ? "Bool configs cannot both be yes." : undefined)
const numericApply = () => (values.numeric === values.memory_numeric ? "These configs cannot equal each other." : undefined)

const ENUM_NAMES = ["none", "five", "one", "two", "four"]
const ENUM_VALUES = [0, 5, 1, 2, 4]

const registerOutsideOnLoad = (ctx: ModuleContext) => {
  const results = [
    ctx.registerBoolConfig("late_bool", true, "default", { get, set }),
    ctx.registerStringConfig("late_string", "x", "default", { get, set }),
    ctx.registerEnumConfig("late_enum", 1, "default", ENUM_NAMES, ENUM_VALUES, { get, set }),
    ctx.registerNumericConfig("late_numeric", 1, "default", 0, 10, { get, set }),
    ctx.loadConfigs()
  ]
  if (results.some((r) => r !== "ERR")) return ctx.replyWithError("ERR registering configs outside onLoad succeeded")
  ctx.replyWithOK()
}

export default defineModule({
  name: "moduleconfigs",
  version: 1,
  onLoad: (ctx, args) => {
    Object.assign(values, {
      mutable_bool: true,
      immutable_bool: false,
      string: "secret password",
      enum: 1,
      flags: 3,
      memory_numeric: 1024,
      numeric: -1
    })
    const registered = [
      ctx.registerBoolConfig("mutable_bool", true, "default", { get, set, apply: boolApply }),
      ctx.registerBoolConfig("immutable_bool", false, "immutable", { get, set, apply: boolApply }),
      ctx.registerStringConfig("string", "secret password", "default", { get, set }),
      ctx.registerEnumConfig("enum", 1, "default", ENUM_NAMES, ENUM_VALUES, { get, set }),
      ctx.registerEnumConfig("flags", 3, "default bitflags", ENUM_NAMES, ENUM_VALUES, { get, set }),
      ctx.registerNumericConfig("memory_numeric", 1024, "default memory", 0, 3000000, { get, set, apply: numericApply }),
      ctx.registerNumericConfig("numeric", -1, "default", -5, 2000, { get, set, apply: numericApply })
    ]
    if (registered.includes("ERR")) return "ERR"
    if (args.length > 0 && args[0].toLowerCase() === "noload") return "OK"
    if (ctx.loadConfigs() === "ERR") return "ERR"
    if (ctx.createCommand("block.register.configs.outside.onload", registerOutsideOnLoad, { flags: "write" }) === "ERR") return "ERR"
  }
})
