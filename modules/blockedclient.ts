/**
 * blockedclient: a TypeScript port of Valkey's tests/modules/blockedclient.c (all 17 commands), for
 * its moduleapi units `blockedclient` and `async_rm_call`. Valkey's threads are background fibers
 * (the "worker" holds the thread-safe context's lock as the C thread holds the GIL).
 *
 * acquire_gil                  blocks; a fiber takes the lock, checks that a second "thread" cannot
 *                              (TryLock fails), releases it, replies OK thread-safe and unblocks.
 * do_rm_call cmd args          RM_Call "Ev": relays the reply ("NULL reply returned" on NULL,
 *                              which is `undefined` here: `null` is the null-bulk reply); a long
 *                              module command (slow_fg_command) gives a pending reply, awaited.
 * do_rm_call_async cmd args    RM_Call "K" (when blocking is allowed) "Ev!": a reply is relayed; a
 *                              promise blocks the client until the unblock handler relays the reply.
 *                              `_script_mode` adds "S", `_no_replicate` drops "!".
 * do_rm_call_async_on_thread   RM_Call "KEv"; the unblock handler replies from a background fiber.
 * do_rm_call_fire_and_forget   RM_Call "!KEv": "Blocked" when it blocked (its reply is dropped).
 * wait_and_do_rm_call cmd args RM_Call WAIT 1 0 with "K", then `cmd args` as do_rm_call_async does.
 * blpop_and_set_multiple_keys l k v [k v ...]
 *                              BLPOP l 0 with "K"; when it is served, SET each k v; replies OK.
 * do_bg_rm_call cmd args       blocks; a fiber takes the lock, RM_Call "v" (after a slow yielding
 *                              loop while set_slow_bg_operation is on), replies thread-safe.
 * do_bg_rm_call_format fmt cmd args  the same with format "v" + fmt + "E".
 * do_fake_bg_true              blocks, replies boolean true thread-safe and unblocks inside the handler.
 * slow_fg_command t            runs until stop_slow_fg_command (t = 0, yielding with CLIENTS) or for
 *                              t microseconds (yielding without CLIENTS); replies 1.
 * stop_slow_fg_command         (allow-busy) ends slow_fg_command.
 * set_slow_bg_operation 0|1    (allow-busy) turns do_bg_rm_call's slow loop on or off.
 * is_in_slow_bg_operation      (allow-busy) 1 while do_bg_rm_call is in its slow loop.
 * unblock_by_timer p t         blocks with no callbacks and timeout t; a timer after p ms replies OK
 *                              thread-safe and unblocks.
 */
import { performance } from "node:perf_hooks"
import { Effect } from "effect"
import { defineModule } from "keyfiber/module"
import type { CallReplyPromise, CallResult, ModuleBlockedClient, ModuleContext } from "keyfiber/module"

type Reply = Parameters<ModuleContext["replyWithCallReply"]>[0]
type Handler = (ctx: ModuleContext, argv: Array<string>) => unknown

const INT64 = /^-?\d{1,19}$/
/** `StringToLongLong`. */
const parseInteger = (s: string): number | undefined => {
  if (!INT64.test(s)) return undefined
  const n = BigInt(s)
  return n > 9223372036854775807n || n < -9223372036854775808n ? undefined : Number(n)
}

/** The context-flag checks the blocking commands here make before blocking, as Valkey's test module does. */
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

// Used to test processing events during a slow background operation.
let slowBgOperation = false
let inSlowBgOperation = false
// Set by stop_slow_fg_command: slow_fg_command ends its loop and clears it.
let abortFlag = false

const acquireGil: Handler = (ctx) => {
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
      else ts.replyWithSimpleString("OK")
      ts.free()
      ctx.unblockClient(bc, null)
    })
  )
}

const relay = (ctx: ModuleContext, reply: CallResult): void => {
  if (reply === undefined) ctx.replyWithError("NULL reply returned")
  else ctx.replyWithCallReply(reply as Reply)
}

const doRmCall: Handler = (ctx, argv) => {
  if (argv.length < 2) return ctx.wrongArity()
  const rep = ctx.callWith("Ev", argv[1], ...argv.slice(2))
  // A long module command (slow_fg_command): wait for its reply, holding the server as it does.
  if (ctx.replies.isPending(rep)) return rep.then((reply) => relay(ctx, reply))
  relay(ctx, rep)
}

/** The blocked command's reply arrived: relay it to the client blocked on `bc` and unblock it. */
const onUnblocked = (ctx: ModuleContext, reply: Reply, bc: ModuleBlockedClient): void => {
  const bctx = ctx.getThreadSafeContext(bc)
  bctx.replyWithCallReply(reply)
  bctx.free()
  ctx.unblockClient(bc, ctx.blockClientGetPrivateData(bc))
}

const doRmCallAsync: Handler = (ctx, argv) => {
  if (argv.length < 2) return ctx.wrongArity()
  let format = ""
  // Allowed to block the client, so the call may block too.
  if (!(ctx.getContextFlags() & ctx.CTX_FLAGS.DENY_BLOCKING)) format += "K"
  const invoked = argv[0].toLowerCase()
  if (invoked === "do_rm_call_async_script_mode") format += "S"
  format += "Ev"
  // Without "!" a replica would diverge; used only to check "!" on blocked commands.
  if (invoked !== "do_rm_call_async_no_replicate") format += "!"
  const rep = ctx.callWith(format, argv[1], ...argv.slice(2))
  if (!ctx.replies.isPromise(rep)) return relay(ctx, rep)
  const bc = ctx.blockClient(null, null, () => {}, 0)
  ctx.setDisconnectCallback(bc, (dctx, handle) => {
    const promise = dctx.blockClientGetPrivateData(handle) as CallReplyPromise
    promise.abort()
    dctx.abortBlock(handle)
  })
  ctx.blockClientSetPrivateData(bc, rep)
  rep.setUnblockHandler(onUnblocked, bc)
}

const doRmCallAsyncOnThread: Handler = (ctx, argv) => {
  if (argv.length < 2) return ctx.wrongArity()
  const rep = ctx.callWith("KEv", argv[1], ...argv.slice(2))
  if (!ctx.replies.isPromise(rep)) return relay(ctx, rep)
  const bc = ctx.blockClient(null, null, null, 0)
  // The reply is the handler's own: a "thread" relays it after the handler returned.
  rep.setUnblockHandler((hctx, reply, handle: ModuleBlockedClient) => {
    hctx.fork(Effect.sync(() => onUnblocked(hctx, reply, handle)))
  }, bc)
}

const doRmCallFireAndForget: Handler = (ctx, argv) => {
  if (argv.length < 2) return ctx.wrongArity()
  const rep = ctx.callWith("!KEv", argv[1], ...argv.slice(2))
  if (!ctx.replies.isPromise(rep)) relay(ctx, rep)
  else ctx.replyWithSimpleString("Blocked")
}

const waitAndDoRmCall: Handler = (ctx, argv) => {
  if (argv.length < 2) return ctx.wrongArity()
  if (ctx.getContextFlags() & ctx.CTX_FLAGS.DENY_BLOCKING) {
    return ctx.replyWithError("Err can not run wait, blocking is not allowed.")
  }
  const rep = ctx.callWith("!EKcc", "wait", "1", "0")
  if (!ctx.replies.isPromise(rep)) return relay(ctx, rep)
  const bc = ctx.blockClient(null, null, null, 0)
  const args = argv.slice(1)
  rep.setUnblockHandler((hctx, reply) => {
    let next: CallResult = reply
    if (typeof reply === "number" && reply === 1) next = hctx.callWith("!EKv", args[0], ...args.slice(1))
    if (!hctx.replies.isPromise(next)) {
      const bctx = hctx.getThreadSafeContext(bc)
      relay(bctx, next)
      bctx.free()
      hctx.unblockClient(bc, null)
    } else next.setUnblockHandler(onUnblocked, bc)
  }, null)
}

const blpopAndSetMultipleKeys: Handler = (ctx, argv) => {
  if (argv.length < 2 || argv.length % 2 !== 0) return ctx.wrongArity()
  if (ctx.getContextFlags() & ctx.CTX_FLAGS.DENY_BLOCKING) {
    return ctx.replyWithError("Err can not run wait, blocking is not allowed.")
  }
  const rep = ctx.callWith("!EKsc", "blpop", argv[1], "0")
  if (!ctx.replies.isPromise(rep)) return relay(ctx, rep)
  const bc = ctx.blockClient(null, null, null, 0)
  const pairs = argv.slice(2)
  rep.setUnblockHandler((hctx) => {
    // The popped element is not used: the SETs run as one unit with the pop.
    for (let i = 0; i < pairs.length; i += 2) hctx.callWith("!ss", "set", pairs[i], pairs[i + 1])
    const bctx = hctx.getThreadSafeContext(bc)
    bctx.replyWithSimpleString("OK")
    bctx.free()
    hctx.unblockClient(bc, null)
  }, null)
}

const doBgRmCall: Handler = (ctx, argv) => {
  if (refuseBlocking(ctx)) return
  const args = argv.slice()
  const bc = ctx.blockClient(null, null, null, 0)
  ctx.fork(
    Effect.gen(function* () {
      const ts = ctx.getThreadSafeContext(bc)
      yield* ts.lock()
      // A slow operation that yields, holding the lock.
      if (slowBgOperation) {
        inSlowBgOperation = true
        while (slowBgOperation) {
          ts.yield(ts.YIELD_FLAGS.CLIENTS, "Slow module operation")
          yield* Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 1)))
        }
        inSlowBgOperation = false
      }
      let cmdPos = 1
      let format = "v"
      if (args[0].toLowerCase() === "do_bg_rm_call_format") {
        cmdPos = 2
        format += (args[1] ?? "") + "E"
      }
      const rep = args.length > cmdPos ? ts.callWith(format, args[cmdPos], ...args.slice(cmdPos + 1)) : undefined
      ts.unlock()
      relay(ts, rep)
      ts.free()
      ctx.unblockClient(bc, null)
    })
  )
}

/** Simulates a blocked client replying through a thread-safe context without a thread. */
const doFakeBgTrue: Handler = (ctx) => {
  const bc = ctx.blockClient(null, null, null, 0)
  const bctx = ctx.getThreadSafeContext(bc)
  bctx.replyWithBool(true)
  bctx.free()
  ctx.unblockClient(bc, null)
}

/**
 * Busy work in the foreground: an `async` handler that yields between its steps (keyfiber's
 * shape of Valkey's loop of `Yield` + `usleep(1000)`).
 */
const slowFgCommand: Handler = async (ctx, argv) => {
  if (argv.length !== 2) return ctx.wrongArity()
  const blockTime = parseInteger(argv[1])
  if (blockTime === undefined) return ctx.replyWithError("Invalid integer value")
  const start = performance.now()
  // When not blocking indefinitely, other clients' commands are not processed.
  const flags = blockTime !== 0 ? ctx.YIELD_FLAGS.NONE : ctx.YIELD_FLAGS.CLIENTS
  while (!abortFlag) {
    ctx.yield(flags, "Slow module operation")
    await new Promise<void>((resolve) => setTimeout(resolve, 1))
    if (blockTime !== 0 && (performance.now() - start) * 1000 > blockTime) break
  }
  abortFlag = false
  ctx.replyWithLongLong(1)
}

const stopSlowFgCommand: Handler = (ctx) => {
  abortFlag = true
  ctx.replyWithLongLong(1)
}

const setSlowBgOperation: Handler = (ctx, argv) => {
  if (argv.length !== 2) return ctx.wrongArity()
  const n = parseInteger(argv[1])
  if (n === undefined) return ctx.replyWithError("Invalid integer value")
  slowBgOperation = n !== 0
  ctx.replyWithSimpleString("OK")
}

const isInSlowBgOperation: Handler = (ctx, argv) => {
  if (argv.length !== 1) return ctx.wrongArity()
  ctx.replyWithLongLong(inSlowBgOperation ? 1 : 0)
}

const unblockByTimer: Handler = (ctx, argv) => {
  if (argv.length !== 3) return ctx.wrongArity()
  const period = parseInteger(argv[1])
  if (period === undefined) return ctx.replyWithError("ERR invalid period")
  const timeout = parseInteger(argv[2])
  if (timeout === undefined) return ctx.replyWithError("ERR invalid timeout")
  const bc = ctx.blockClient(null, null, null, timeout)
  ctx.createTimer(
    period,
    (tctx) => {
      const ts = tctx.getThreadSafeContext(bc)
      ts.replyWithSimpleString("OK")
      tctx.unblockClient(bc, null)
      ts.free()
    },
    null
  )
}


export default defineModule({
  name: "blockedclient",
  version: 1,
  onLoad: (ctx) => {
    const commands: Array<[string, Handler, string]> = [
      ["acquire_gil", acquireGil, ""],
      ["do_rm_call", doRmCall, "write"],
      ["do_rm_call_async", doRmCallAsync, "write"],
      ["do_rm_call_async_on_thread", doRmCallAsyncOnThread, "write"],
      ["do_rm_call_async_script_mode", doRmCallAsync, "write"],
      ["do_rm_call_async_no_replicate", doRmCallAsync, "write"],
      ["do_rm_call_fire_and_forget", doRmCallFireAndForget, "write"],
      ["wait_and_do_rm_call", waitAndDoRmCall, "write"],
      ["blpop_and_set_multiple_keys", blpopAndSetMultipleKeys, "write"],
      ["do_bg_rm_call", doBgRmCall, ""],
      ["do_bg_rm_call_format", doBgRmCall, ""],
      ["do_fake_bg_true", doFakeBgTrue, ""],
      ["slow_fg_command", slowFgCommand, ""],
      ["stop_slow_fg_command", stopSlowFgCommand, "allow-busy"],
      ["set_slow_bg_operation", setSlowBgOperation, "allow-busy"],
      ["is_in_slow_bg_operation", isInSlowBgOperation, "allow-busy"],
      ["unblock_by_timer", unblockByTimer, ""]
    ]
    for (const [name, handler, flags] of commands) {
      if (ctx.createCommand(name, handler as (ctx: ModuleContext, argv: Array<string>) => void, { flags }) === "ERR") return "ERR"
    }
  }
})
