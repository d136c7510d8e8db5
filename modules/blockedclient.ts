/**
 * blockedclient: the parts of Valkey's tests/modules/blockedclient.c that keyfiber supports.
 *
 * acquire_gil            blocks; a background fiber takes the GIL, checks that a second "thread"
 *                        cannot (TryLock fails), releases it, replies OK thread-safe and unblocks.
 * do_rm_call cmd args    runs a command through ctx.call and relays its reply.
 * do_bg_rm_call cmd args blocks; a fiber takes the GIL, runs the command, replies thread-safe.
 * do_fake_bg_true        blocks, replies boolean true thread-safe and unblocks inside the handler.
 * unblock_by_timer p t   blocks with no callbacks and timeout t; a timer after p ms replies OK
 *                        thread-safe and unblocks.
 */
import { Effect } from "effect"
import { defineModule } from "keyfiber/module"
import type { ModuleContext } from "keyfiber/module"

const parseInteger = (s: string): number | undefined => (/^-?\d+$/.test(s) ? Number(s) : undefined)

/** The context-flag checks every blocking command here makes before blocking, as Valkey's test module does. */
const refuseBlocking = (ctx: ModuleContext): boolean => {
  const flags = ctx.getContextFlags()
  if (flags & ctx.CTX_FLAGS.MULTI) {
    ctx.replyWithSimpleString("Blocked client is not supported inside multi")
    return true
  }
  if (flags & ctx.CTX_FLAGS.DENY_BLOCKING) {
    ctx.replyWithSimpleString("Blocked client is not allowed")
    return true
  }
  return false
}

const acquireGil = (ctx: ModuleContext) => {
  if (refuseBlocking(ctx)) return
  const bc = ctx.blockClient(null, null, null, 0)
  ctx.fork(
    Effect.gen(function* () {
      const ts = ctx.getThreadSafeContext(bc)
      yield* ts.lock()
      // A second "thread" must not get the lock while this one holds it.
      const other = ctx.getThreadSafeContext(null)
      const nested = other.tryLock()
      if (nested === "OK") other.unlock()
      ts.unlock()
      if (nested === "OK") ts.replyWithError("ERR GIL was acquired twice")
      else ts.replyWithOK()
      ts.free()
      ctx.unblockClient(bc, null)
    })
  )
}

const doRmCall = (ctx: ModuleContext, argv: Array<string>) => {
  if (argv.length < 2) return ctx.wrongArity()
  const reply = ctx.call(argv[1], ...argv.slice(2))
  ctx.replyWithCallReply(reply)
}

const doBgRmCall = (ctx: ModuleContext, argv: Array<string>) => {
  if (argv.length < 2) return ctx.wrongArity()
  if (refuseBlocking(ctx)) return
  const bc = ctx.blockClient(null, null, null, 0)
  ctx.fork(
    Effect.gen(function* () {
      const ts = ctx.getThreadSafeContext(bc)
      yield* ts.lock()
      const reply = ts.call(argv[1], ...argv.slice(2))
      ts.unlock()
      ts.replyWithCallReply(reply)
      ts.free()
      ctx.unblockClient(bc, null)
    })
  )
}

const doFakeBgTrue = (ctx: ModuleContext) => {
  if (refuseBlocking(ctx)) return
  const bc = ctx.blockClient(null, null, null, 0)
  const ts = ctx.getThreadSafeContext(bc)
  ts.replyWithBool(true)
  ts.free()
  ctx.unblockClient(bc, null)
}

const unblockByTimer = (ctx: ModuleContext, argv: Array<string>) => {
  if (argv.length !== 3) return ctx.wrongArity()
  const period = parseInteger(argv[1])
  if (period === undefined || period < 0) return ctx.replyWithError("ERR invalid period")
  const timeout = parseInteger(argv[2])
  if (timeout === undefined || timeout < 0) return ctx.replyWithError("ERR invalid timeout")
  const bc = ctx.blockClient(null, null, null, timeout)
  ctx.createTimer(
    period,
    (tctx) => {
      const ts = tctx.getThreadSafeContext(bc)
      ts.replyWithOK()
      ts.free()
      tctx.unblockClient(bc, null)
    },
    null
  )
}

export default defineModule({
  name: "blockedclient",
  version: 1,
  onLoad: (ctx) => {
    const commands: Array<[string, (ctx: ModuleContext, argv: Array<string>) => void, string]> = [
      ["acquire_gil", acquireGil, ""],
      ["do_rm_call", doRmCall, "write"],
      ["do_bg_rm_call", doBgRmCall, ""],
      ["do_fake_bg_true", doFakeBgTrue, ""],
      ["unblock_by_timer", unblockByTimer, ""]
    ]
    for (const [name, handler, flags] of commands) if (ctx.createCommand(name, handler, { flags }) === "ERR") return "ERR"
  }
})
