/**
 * moduleparameter: Valkey's tests/modules/moduleparameter.c in TypeScript.
 *
 * TESTMODULEPARAMETER.UPDATE.PARAMETER [args...] replaces the module's runtime arguments with its
 * own arguments (argv[0], the command name, is skipped) and replies OK. MODULE LIST shows them and
 * CONFIG REWRITE writes them into the module's `loadmodule` line.
 */
import { defineModule } from "keyfiber/module"
import type { ModuleContext } from "keyfiber/module"

const updateParameter = (ctx: ModuleContext) => {
  // As Valkey's RedisModuleString argv: the exact bytes, whatever they are.
  ctx.updateRuntimeArgs(ctx.argvBytes())
  ctx.replyWithOK()
}

export default defineModule({
  name: "moduleparameter",
  version: 1,
  onLoad: (ctx) => {
    if (ctx.createCommand("testmoduleparameter.update.parameter", updateParameter, { flags: "fast" }) === "ERR") return "ERR"
  }
})
