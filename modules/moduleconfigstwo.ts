/** moduleconfigstwo: Valkey's tests/modules/moduleconfigstwo.c: one bool config, `configs.test`. */
import { defineModule } from "../src/modules/ModuleDefinition.js"

let test = true

export default defineModule({
  name: "configs",
  version: 1,
  onLoad: (ctx) => {
    test = true
    const registered = ctx.registerBoolConfig("test", true, "default", {
      get: () => test,
      set: (_name, value) => void (test = value)
    })
    if (registered === "ERR" || ctx.loadConfigs() === "ERR") return "ERR"
  }
})
