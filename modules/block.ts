/**
 * block: Valkey's tests/modules/blockonbackground.c in TypeScript. Background work runs in fibers
 * of the module's scope ("threads"), sleeping on the server clock.
 *
 * BLOCK.DEBUG <delay_ms> <timeout_ms>          reply: a random integer after `delay`; timeout:
 *                                               "Request timedout". Background time is measured.
 * BLOCK.DEBUG_NO_TRACK <delay_ms> <timeout_ms>  the same without time measurement.
 * BLOCK.DOUBLE_DEBUG <delay_ms>                 no timeout; two measured sleeps.
 * BLOCK.BLOCK <timeout_ms>                      one global blocked client; released by BLOCK.RELEASE.
 * BLOCK.IS_BLOCKED                              :1 while BLOCK.BLOCK waits.
 * BLOCK.RELEASE <reply>                         unblocks BLOCK.BLOCK with <reply>.
 * BLOCK.STATS                                   (keyfiber) how many times each callback ran.
 *
 * The Effect shape (keyfiber): the client waits on an Effect run in the module's scope.
 * BLOCK.EFFECT <delay_ms> <timeout_ms> [FAIL]   replies "done" after the delay (or fails, which is
 *                                               an error reply); timeout, CLIENT UNBLOCK and
 *                                               disconnect interrupt the Effect.
 * BLOCK.EFFECT_ABORT                            aborts the last BLOCK.EFFECT: interrupted, no reply.
 */
import { Effect } from "effect"
import { defineModule } from "keyfiber/module"
import type { ModuleBlockedClient, ModuleContext } from "keyfiber/module"

const parseInteger = (s: string): number | undefined => (/^-?\d+$/.test(s) ? Number(s) : undefined)

/** Counters a test can read with BLOCK.STATS. */
const stats = { reply: 0, timeout: 0, disconnect: 0, free: 0, freeDisconnected: 0, interrupted: 0 }

const debugReply = (ctx: ModuleContext) => {
  stats.reply++
  ctx.replyWithLongLong(ctx.getBlockedClientPrivateData() as number)
}

const debugTimeout = (ctx: ModuleContext) => {
  stats.timeout++
  const bc = ctx.getBlockedClientHandle()
  if (bc !== null) ctx.blockedClientMeasureTimeEnd(bc)
  ctx.replyWithSimpleString("Request timedout")
}

const debugFree = (ctx: ModuleContext) => {
  stats.free++
  if (ctx.blockedClientDisconnected()) stats.freeDisconnected++
}

const onDisconnect = (ctx: ModuleContext, bc: ModuleBlockedClient) => {
  stats.disconnect++
  ctx.log("warning", `Blocked client ${String(bc)} disconnected!`)
}

/** The "thread" of BLOCK.DEBUG: sleep (measured or not), then unblock with a random number. */
const worker = (ctx: ModuleContext, bc: ModuleBlockedClient, delayMs: number, measure: boolean) =>
  Effect.gen(function* () {
    if (measure) ctx.blockedClientMeasureTimeStart(bc)
    yield* ctx.sleep(delayMs)
    if (measure) ctx.blockedClientMeasureTimeEnd(bc)
    ctx.unblockClient(bc, Math.floor(Math.random() * 1_000_000_000))
  })

const debug = (measure: boolean) => (ctx: ModuleContext, argv: Array<string>) => {
  if (argv.length !== 3) return ctx.wrongArity()
  const delay = parseInteger(argv[1])
  const timeout = parseInteger(argv[2])
  if (delay === undefined || timeout === undefined) return ctx.replyWithError("ERR invalid count")
  const bc = ctx.blockClient(debugReply, debugTimeout, debugFree, timeout)
  ctx.setDisconnectCallback(bc, onDisconnect)
  ctx.fork(worker(ctx, bc, delay, measure))
}

const doubleDebug = (ctx: ModuleContext, argv: Array<string>) => {
  if (argv.length !== 2) return ctx.wrongArity()
  const delay = parseInteger(argv[1])
  if (delay === undefined) return ctx.replyWithError("ERR invalid count")
  const bc = ctx.blockClient(debugReply, null, debugFree, 0)
  ctx.fork(
    Effect.gen(function* () {
      for (let i = 0; i < 2; i++) {
        ctx.blockedClientMeasureTimeStart(bc)
        yield* ctx.sleep(delay)
        ctx.blockedClientMeasureTimeEnd(bc)
      }
      ctx.unblockClient(bc, Math.floor(Math.random() * 1_000_000_000))
    })
  )
}

/** BLOCK.BLOCK's handle; one blocked client at a time. */
let blocked: ModuleBlockedClient | null = null

/** One function as command, reply callback and timeout callback, told apart by the predicates. */
const blockCommand = (ctx: ModuleContext, argv: ReadonlyArray<string>): void => {
  if (ctx.isBlockedReplyRequest()) {
    ctx.replyWithString(ctx.getBlockedClientPrivateData() as string)
    return
  }
  if (ctx.isBlockedTimeoutRequest()) {
    if (blocked !== null) ctx.unblockClient(blocked, null)
    blocked = null
    ctx.replyWithSimpleString("Timed out")
    return
  }
  if (argv.length !== 2) return void ctx.wrongArity()
  const timeout = parseInteger(argv[1])
  if (timeout === undefined) return void ctx.replyWithError("ERR invalid timeout")
  if (blocked !== null) return void ctx.replyWithError("ERR another client already blocked")
  // A timeout <= 0 registers no timeout callback (CLIENT UNBLOCK then replies 0).
  blocked = ctx.blockClient(blockCommand, timeout > 0 ? blockCommand : null, () => {}, timeout > 0 ? timeout : 0)
}

let lastEffect: ModuleBlockedClient | null = null

const blockEffect = (ctx: ModuleContext, argv: Array<string>) => {
  if (argv.length < 3 || argv.length > 4) return ctx.wrongArity()
  const delay = parseInteger(argv[1])
  const timeout = parseInteger(argv[2])
  if (delay === undefined || timeout === undefined) return ctx.replyWithError("ERR invalid count")
  const fail = argv.length === 4 && argv[3].toLowerCase() === "fail"
  const work = ctx.sleep(delay).pipe(
    Effect.andThen(() => (fail ? Effect.fail(new Error("the background work failed")) : Effect.succeed("done"))),
    Effect.onInterrupt(() => Effect.sync(() => void stats.interrupted++))
  )
  lastEffect = ctx.blockOn(work, { timeoutMs: timeout, timeoutReply: ctx.replies.simple("Effect timedout") })
}

const blockEffectAbort = (ctx: ModuleContext) => {
  if (lastEffect === null) return ctx.replyWithError("ERR No blocked client")
  const status = ctx.abortBlock(lastEffect)
  lastEffect = null
  ctx.replyWithSimpleString(status)
}

export default defineModule({
  name: "block",
  version: 1,
  onLoad: (ctx) => {
    const commands: Array<[string, (ctx: ModuleContext, argv: Array<string>) => void]> = [
      ["block.debug", debug(true)],
      ["block.effect", blockEffect],
      ["block.effect_abort", blockEffectAbort],
      ["block.debug_no_track", debug(false)],
      ["block.double_debug", doubleDebug],
      ["block.block", blockCommand],
      [
        "block.is_blocked",
        (c) => {
          c.replyWithLongLong(blocked !== null ? 1 : 0)
        }
      ],
      [
        "block.release",
        (c, argv) => {
          if (argv.length !== 2) return void c.wrongArity()
          if (blocked === null) return void c.replyWithError("ERR No blocked client")
          c.unblockClient(blocked, argv[1])
          blocked = null
          c.replyWithOK()
        }
      ],
      [
        "block.stats",
        (c) => {
          c.replyWithMap(Object.keys(stats).length)
          for (const [k, v] of Object.entries(stats)) {
            c.replyWithString(k)
            c.replyWithLongLong(v)
          }
        }
      ]
    ]
    for (const [name, handler] of commands) if (ctx.createCommand(name, handler) === "ERR") return "ERR"
  }
})
