/**
 * moduleconfigstwo: Valkey's tests/modules/moduleconfigstwo.c: one bool config, `configs.test`.
 * (keyfiber) CONFIGS.CHANGES lists the config names CONFIG SET changed, as the module heard them.
 */
import { defineModule } from "keyfiber/module"

let test = true
const changes: Array<string> = []

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
    changes.length = 0
    ctx.onConfigChange((names) => void changes.push(...names))
    ctx.createCommand("configs.changes", (c) => {
      c.replyWithArray(changes.length)
      for (const name of changes) c.replyWithString(name)
    })
  }
})
