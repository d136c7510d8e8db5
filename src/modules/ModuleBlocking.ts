import { performance } from "node:perf_hooks"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import { type BlockedClient, type BlockHandler, BlockOutcome } from "../blocking/BlockedClient.js"
import type { BlockingEngine } from "../blocking/BlockingEngine.js"
import { ErrorReply, type Reply } from "../protocol/Reply.js"
import type { Server } from "../server/Server.js"
import type { BlockCallback, FreePrivdata, ModuleStatus } from "./api.js"
import type { LoadedModule } from "./LoadedModule.js"
import { ModuleBlockedClient } from "./ModuleBlockedClient.js"
import { ModuleContextImpl } from "./ModuleContextImpl.js"
import { describeFault, faultReply, isThenable } from "./ModuleFault.js"
import type { HostBlocking, HostedContext, HostThreadSafeContext, ModuleHost } from "./ModuleHost.js"
import { ReplyBuilder } from "./ReplyBuilder.js"

const INT64_MAX = 9223372036854775807

/**
 * Not a Valkey string: a module command that blocks when reached through `VM_Call` without the `K`
 * flag makes Valkey assert (module.c `moduleBlockClient` does not check deny-blocking); keyfiber
 * refuses the block.
 */
const DENY_BLOCKING_ERROR = "ERR Blocking module command called from a context that denies blocking"

/** The reply of a `blockOn` Effect interrupted from inside when no timeout reply was given. */
const BLOCK_ON_INTERRUPTED = "ERR module background work was interrupted"

/**
 * Module blocking (Valkey's module.c "Blocking clients from modules") on the blocking engine's
 * records. Every path that ends a handle goes through the drain at the end of the tick, which runs
 * the reply callback (if the client is still there), then free_privdata exactly once, then appends
 * thread-safe replies, and only then releases the handle (module.c `moduleHandleBlockedClients`).
 */
export class ModuleBlocking implements HostBlocking {
  /** Handles unblocked since the last drain, in order (Valkey's `moduleUnblockedClients`). */
  private queue: Array<ModuleBlockedClient> = []
  private drainScheduled = false
  /** The thread-safe contexts holding (or last holding) the GIL, with their module. */
  private readonly gilHolders = new Map<object, LoadedModule>()
  /** Every handle not yet released, per module (freed on unload and shutdown). */
  readonly live = new Set<ModuleBlockedClient>()

  constructor(
    readonly server: Server,
    private readonly engine: BlockingEngine,
    private readonly host: () => ModuleHost
  ) {}

  // ---- BlockClient / BlockClientOnKeys -------------------------------------------------------

  blockClient(
    ctx: HostedContext,
    reply: BlockCallback | null,
    timeout: BlockCallback | null,
    freePrivdata: FreePrivdata | null,
    timeoutMs: number,
    keys: ReadonlyArray<string> | null,
    privdata: unknown,
    unblockDeleted: boolean
  ): ModuleBlockedClient {
    const server = this.server
    const client = ctx.client
    const now = server.now()
    const bc = new ModuleBlockedClient(
      ctx.module,
      client,
      reply,
      timeout,
      freePrivdata,
      keys === null ? null : privdata,
      keys !== null,
      ctx.db,
      client?.resp ?? 2,
      ctx.command,
      ctx.argv,
      now
    )
    ctx.module.blockedClients++
    this.live.add(bc)
    const refusal = this.refusal(ctx, timeoutMs, now)
    const engine = this.engine
    if (refusal !== undefined || client === null) {
      // Refused: an already-aborted handle the module must still release. Valkey does this for scripts
      // and EXEC only (module.c `moduleBlockClient`); for the other refusals it keeps the client,
      // and releasing that handle later makes it panic, so every refusal is treated the same here.
      bc.client = null
      ctx.replyWithError(refusal ?? "ERR Blocking module command called without a client")
      return bc
    }
    // 0 waits forever; a negative timeout is a deadline in the past (times out next tick).
    // Valkey expires a block when its deadline is strictly before now; the engine when it is at or
    // before, hence the +1 (a module timer due at the same time fires first, as in Valkey).
    const deadline = timeoutMs === 0 ? 0 : timeoutMs > 0 ? now + timeoutMs + 1 : Math.max(1, now + timeoutMs)
    bc.record = engine.blockClient(client, {
      keys: keys ?? undefined,
      db: ctx.db,
      deadline,
      handler: this.handler(bc),
      unblockOnNoKey: unblockDeleted,
      data: bc
    })
    ctx.blocked = bc
    return bc
  }

  private refusal(ctx: HostedContext, timeoutMs: number, now: number): string | undefined {
    const client = ctx.client
    if (ctx.kind === "reply") return "ERR Blocking module command called from a Reply callback context"
    if (client === null || ctx.kind !== "command") return "ERR Blocking module command called from a context without a client"
    // A command run by RM_Call may block only with `K` (the call then returns a promise).
    if (client.denyBlocking && this.host().isCallClient(client)) return DENY_BLOCKING_ERROR
    if (client.denyBlocking || client.multi !== null) return "ERR Blocking module command called from transaction"
    if (ctx.blocked !== null || client.blocked !== null) return "ERR Blocking module command called from a blocked client"
    if (timeoutMs > 0 && now + timeoutMs > INT64_MAX) return "ERR timeout is out of range"
    return undefined
  }

  /** The engine's view of module blocks (see `BlockHandler`): shared, the handle is `record.data`. */
  private readonly handlers = ((): Array<BlockHandler> => {
    const out: Array<BlockHandler> = []
    for (const onKeys of [false, true]) {
      for (const mayTimeout of [false, true]) {
        out.push({
          mayTimeout,
          keyReady: onKeys ? (record, key) => this.keyReady(record.data as ModuleBlockedClient, record, key) : undefined,
          completed: (record, outcome) => this.completed(record.data as ModuleBlockedClient, outcome)
        })
      }
    }
    return out
  })()

  private handler(bc: ModuleBlockedClient): BlockHandler {
    return this.handlers[(bc.onKeys ? 2 : 0) + (bc.timeout !== null ? 1 : 0)]
  }

  /** A key the handle waits on is ready: the reply callback decides (ERR = stay blocked). */
  private keyReady(bc: ModuleBlockedClient, record: BlockedClient, key: string): boolean {
    // The handle's client is the record's while it waits (it is cleared only once the block ends).
    if (bc.unblocked || bc.reply === null || bc.client === null) return false
    const ctx = new ModuleContextImpl(this.host(), bc.module, "reply", bc.client, undefined, bc.db)
    ctx.bc = bc
    // The blocked command's arguments: ReplicateVerbatim in the callback replicates that command.
    ctx.argv = bc.rawArgv
    ctx.readyKey = key
    const replyStart = performance.now()
    const reply = bc.reply
    const { status, out, threw } = this.runCallback(bc, "reply callback", ctx, () => reply(ctx, bc.argv))
    if (out !== undefined) record.client.reply(out)
    // A callback that threw has replied (its error): served, not left blocked.
    if (status === "ERR" && !threw) return false
    // Served: counted once here (Redis #13405); the drain frees privdata and releases the handle.
    this.count(bc, out, performance.now() - replyStart)
    bc.unblocked = true
    this.enqueue(bc)
    return true
  }

  /**
   * The engine ended the block (timed out, CLIENT UNBLOCK, disconnected, or served on a key): runs
   * exactly once per handle.
   */
  private completed(bc: ModuleBlockedClient, outcome: BlockOutcome): void {
    const client = bc.client
    switch (outcome) {
      case BlockOutcome.Served:
      case BlockOutcome.Aborted:
        // Ended by the drain (or a key serve), which did the work.
        return
      case BlockOutcome.TimedOut:
      case BlockOutcome.UnblockedTimeout: {
        if (bc.unblocked) {
          // A pending UnblockClient wins over the timeout: drain it now, before pipelined input.
          this.queue = this.queue.filter((q) => q !== bc)
          this.drainOne(bc)
          return
        }
        bc.disconnectCallback = null
        let out: Reply | undefined
        if (bc.timeout !== null && client !== null) {
          const ctx = new ModuleContextImpl(this.host(), bc.module, "timeout", client, undefined, bc.db)
          ctx.bc = bc
          ctx.argv = bc.rawArgv
          const timeout = bc.timeout
          out = this.runCallback(bc, "timeout callback", ctx, () => timeout(ctx, bc.argv)).out
          if (out !== undefined) client.reply(out)
        }
        this.count(bc, out ?? null, 0)
        bc.client = null
        if (bc.fiber !== null) this.interrupt(bc)
        if (bc.onKeys) this.queueByServer(bc)
        return
      }
      case BlockOutcome.UnblockedError:
        this.runDisconnect(bc)
        // Counted as native blocks are (blocked.c `unblockClientOnError`: a failed call).
        if (bc.spec !== null && client !== null && !bc.counted) {
          bc.counted = true
          this.server.dispatcher.countUnblockedError(bc.spec, client)
        }
        bc.client = null
        if (bc.fiber !== null) this.interrupt(bc)
        if (bc.onKeys) this.queueByServer(bc)
        return
      case BlockOutcome.Disconnected:
        this.runDisconnect(bc)
        bc.client = null
        if (bc.fiber !== null) this.interrupt(bc)
        if (bc.onKeys) this.queueByServer(bc)
        return
    }
  }

  private runDisconnect(bc: ModuleBlockedClient): void {
    const d = bc.disconnectCallback
    bc.disconnectCallback = null
    if (d === null || bc.client === null) return
    const ctx = new ModuleContextImpl(this.host(), bc.module, "disconnect", bc.client, null, bc.db)
    ctx.bc = bc
    this.guard(bc, "disconnect callback", () => d(ctx, bc))
  }

  /** The server releases a key-blocked handle itself (the module does not call UnblockClient). */
  private queueByServer(bc: ModuleBlockedClient): void {
    if (bc.unblocked) return
    bc.unblocked = true
    this.enqueue(bc)
  }

  // ---- UnblockClient / AbortBlock ------------------------------------------------------------

  unblockClient(bc: ModuleBlockedClient, privdata: unknown): ModuleStatus {
    if (bc.released) return "ERR"
    if (bc.onKeys) {
      // Blocked on keys (module.c `VM_UnblockClient`): privdata ignored; the timeout callback runs
      // now, replying thread-safe.
      if (bc.timeout === null) return "ERR"
      if (bc.unblocked) return "OK"
      bc.unblocked = true
      if (bc.client !== null) {
        const ctx = new ModuleContextImpl(this.host(), bc.module, "timeout", null, new ReplyBuilder(), bc.db)
        ctx.bc = bc
        ctx.resp = bc.resp
        const timeout = bc.timeout
        const out = this.runCallback(bc, "timeout callback", ctx, () => timeout(ctx, bc.argv)).out
        if (out !== undefined) bc.threadSafeReplies.add(out)
      }
      this.enqueue(bc)
      return "OK"
    }
    if (bc.unblocked) return "ERR"
    bc.privdata = privdata === undefined ? null : privdata
    bc.unblocked = true
    this.enqueue(bc)
    return "OK"
  }

  abortBlock(bc: ModuleBlockedClient): ModuleStatus {
    if (bc.released || (bc.unblocked && !bc.onKeys)) return "ERR"
    bc.reply = null
    bc.disconnectCallback = null
    // Unblocked first, so the fiber's observer sees a handle already ended.
    const status = this.unblockClient(bc, null)
    if (bc.fiber !== null) this.interrupt(bc)
    return status
  }

  signalKeyAsReady(db: number, key: string): void {
    this.engine.signalKeyAsReady(db, key)
    // From a timer, a fiber or a worker message: serve at the end of this tick.
    if (this.server.nesting === 0) this.scheduleTick()
  }

  private enqueue(bc: ModuleBlockedClient): void {
    this.queue.push(bc)
    this.scheduleTick()
  }

  /** Unblocks may come from outside any tick (fibers, timers, workers): make sure one ends soon. */
  private scheduleTick(): void {
    if (this.drainScheduled) return
    this.drainScheduled = true
    setImmediate(() => {
      this.drainScheduled = false
      this.server.endOfTick()
    })
  }

  // ---- the drain (Valkey's moduleHandleBlockedClients) ---------------------------------------

  /** Runs every queued handle; handles queued while draining are drained too. */
  drain(): void {
    while (this.queue.length > 0) {
      const batch = this.queue
      this.queue = []
      for (const bc of batch) this.drainOne(bc)
    }
  }

  private drainOne(bc: ModuleBlockedClient): void {
    if (bc.released) return
    const record = bc.record
    const client = bc.client
    let replied: Reply | undefined
    const replyStart = performance.now()
    // 1. The reply callback, with the client still blocked (not for key-blocked handles).
    if (client !== null && bc.reply !== null && !bc.onKeys) {
      const ctx = new ModuleContextImpl(this.host(), bc.module, "reply", client, undefined, bc.db)
      ctx.bc = bc
      ctx.argv = bc.rawArgv
      const reply = bc.reply
      replied = this.runCallback(bc, "reply callback", ctx, () => reply(ctx, bc.argv)).out
      if (replied !== undefined) client.reply(replied)
    }
    // 2. free_privdata, exactly once, in a DISCONNECTED context when the client is gone.
    this.free(bc, client)
    // 3. Replies from thread-safe contexts, after the reply callback's.
    const ts = bc.takeThreadSafeReplies()
    if (client !== null && ts !== undefined) client.reply(ts)
    // 4. Stats, then the client is unblocked and its pipelined input resumes.
    if (client !== null) {
      this.count(bc, replied ?? ts ?? null, performance.now() - replyStart)
      if (record !== null && !record.isDone) this.engine.complete(record, bc.reply === null && !bc.onKeys ? BlockOutcome.Aborted : BlockOutcome.Served)
    }
    this.release(bc)
  }

  private free(bc: ModuleBlockedClient, client: ModuleBlockedClient["client"]): void {
    if (bc.freePrivdata === null || bc.privdata === null || bc.privdata === undefined) return
    const ctx = new ModuleContextImpl(this.host(), bc.module, "free", client, null, bc.db)
    ctx.bc = bc
    const privdata = bc.privdata
    this.guard(bc, "free_privdata", () => bc.freePrivdata!(ctx, privdata))
  }

  private release(bc: ModuleBlockedClient): void {
    bc.released = true
    bc.client = null
    bc.module.blockedClients--
    this.live.delete(bc)
  }

  /**
   * Counts the blocked command once, when it completes (commandstats and the slow log): its first
   * run (kept on the client), the background time measured by MeasureTimeStart/End (module.c
   * `VM_BlockedClientMeasureTimeEnd`), and the
   * reply callback's time (Valkey's `updateStatsOnUnblock`; 0 for a timeout).
   */
  private count(bc: ModuleBlockedClient, reply: Reply | null | undefined, replyMs: number): void {
    if (bc.spec === null || bc.counted) return
    bc.counted = true
    this.server.dispatcher.count(bc.spec, bc.backgroundMs + replyMs, reply === undefined ? null : reply, bc.client, bc.rawArgv)
  }

  private guard(bc: ModuleBlockedClient, what: string, f: () => unknown): void {
    try {
      this.watchAsync(bc, what, f())
    } catch (e) {
      this.fault(bc, what, e)
    }
  }

  private fault(bc: ModuleBlockedClient, what: string, e: unknown): void {
    this.server.log("warning", `<${bc.module.name}> ${what} failed: ${describeFault(e)}`)
  }

  /** An `async` callback: its replies after an `await` are lost, but its rejection is only logged. */
  private watchAsync(bc: ModuleBlockedClient, what: string, result: unknown): void {
    if (isThenable(result)) result.then(undefined, (e) => this.fault(bc, what, e))
  }

  /**
   * Runs a reply or timeout callback whose replies go to the client. The replies are a
   * transaction: they count only if the callback returns normally; if it throws, the client gets
   * one error reply instead of whatever it had started (never a cut-short array).
   */
  private runCallback(
    bc: ModuleBlockedClient,
    what: string,
    ctx: ModuleContextImpl<any>,
    f: () => void | ModuleStatus | PromiseLike<unknown>
  ): { status: unknown; out: Reply | undefined; threw: boolean } {
    let status: unknown
    try {
      status = f()
    } catch (e) {
      this.fault(bc, what, e)
      ctx.builder?.take(ctx.resp)
      return { status: "ERR", out: faultReply(e), threw: true }
    }
    this.watchAsync(bc, what, status)
    return { status, out: ctx.builder?.take(ctx.resp), threw: false }
  }

  /**
   * The module's code failed while the client waits on this handle (an `async` command that
   * blocked, then rejected): the client gets `reply` now and the handle is released at the drain
   * without its reply callback. A no-op once the handle was unblocked or the client is gone.
   */
  failBlock(bc: ModuleBlockedClient, reply: Reply): void {
    if (bc.released || bc.unblocked) return
    const client = bc.client
    const record = bc.record
    bc.reply = null
    bc.disconnectCallback = null
    if (client !== null && record !== null && !record.isDone) {
      client.reply(reply)
      this.count(bc, reply, 0)
    }
    bc.takeThreadSafeReplies()
    bc.unblocked = true
    if (bc.fiber !== null) this.interrupt(bc)
    this.enqueue(bc)
  }

  // ---- the Effect shape ----------------------------------------------------------------------

  /**
   * Blocks on an Effect forked in the module's scope. Success is the reply; failure an error reply
   * (and a log line); timeout, CLIENT UNBLOCK and disconnect interrupt it; AbortBlock interrupts it
   * without a reply.
   */
  blockOn<E>(ctx: HostedContext, effect: Effect.Effect<Reply, E>, timeoutMs: number, timeoutReply: Reply | undefined): ModuleBlockedClient {
    const bc = this.blockClient(
      ctx,
      (rctx) => {
        const value = rctx.getBlockedClientPrivateData() as { reply: Reply } | null
        if (value !== null) rctx.replyWithCallReply(value.reply)
      },
      (tctx) => {
        tctx.replyWithCallReply(timeoutReply ?? null)
      },
      null,
      timeoutMs,
      null,
      null,
      false
    )
    if (bc.client === null) {
      this.unblockClient(bc, null)
      return bc
    }
    bc.disconnectCallback = () => {}
    const module = bc.module
    const fiber = module.runFork(effect)
    bc.fiber = fiber as Fiber.Fiber<unknown, unknown>
    fiber.addObserver((exit) => {
      bc.fiber = null
      if (bc.released || (bc.unblocked && !bc.onKeys)) return
      if (Exit.isSuccess(exit)) {
        this.unblockClient(bc, { reply: exit.value })
      } else if (Cause.hasInterruptsOnly(exit.cause)) {
        // The server interrupts it only after the client is gone (timeout, CLIENT UNBLOCK,
        // disconnect). Interrupted from inside while the client still waits: it must still get
        // one reply, the timeout reply or an error.
        if (bc.client === null) this.unblockClient(bc, null)
        else {
          this.server.log("warning", `<${module.name}> background fiber was interrupted before it replied`)
          this.unblockClient(bc, { reply: timeoutReply ?? new ErrorReply(BLOCK_ON_INTERRUPTED) })
        }
      } else {
        this.server.log("warning", `<${module.name}> background fiber failed: ${Cause.pretty(exit.cause)}`)
        const failure = Cause.squash(exit.cause)
        const message = failure instanceof Error ? failure.message : String(failure)
        this.unblockClient(bc, { reply: new ErrorReply(/^[A-Z]+ /.test(message) ? message : "ERR " + message) })
      }
    })
    return bc
  }

  private interrupt(bc: ModuleBlockedClient): void {
    const fiber = bc.fiber
    if (fiber === null) return
    bc.fiber = null
    // The observer sees an interruption and releases the handle with UnblockClient(bc, null).
    fiber.interruptUnsafe()
  }

  // ---- thread-safe contexts and the GIL ------------------------------------------------------

  threadSafeContext(module: LoadedModule, bc: ModuleBlockedClient | null): HostThreadSafeContext {
    const ctx = new ModuleContextImpl(
      this.host(),
      module,
      bc === null ? "detached" : "thread-safe",
      null,
      bc === null ? null : bc.threadSafeReplies,
      bc?.db ?? 0
    )
    ctx.bc = bc
    ctx.resp = bc?.resp ?? 2
    const gil = this.server.dispatcher.executorLock
    const token = { module }
    const holders = this.gilHolders
    // Let go when its holder ends without unlocking (a fiber that finished or was interrupted).
    let stopWatching = (): void => {}
    const taken = (fiber: Fiber.Fiber<unknown, unknown> | null) => {
      holders.set(token, module)
      if (fiber === null) return
      stopWatching = fiber.addObserver(() => {
        if (!gil.holds(token)) return
        this.server.log("warning", `<${module.name}> a thread-safe context's holder ended with the GIL held: released`)
        unlock()
      })
    }
    const lock = () =>
      Effect.withFiber((fiber) =>
        Effect.callback<void>((resume) => {
          // FIFO behind the other contexts and the executor's deferred work; interrupting the
          // wait withdraws the request, so the lock stays usable.
          const cancel = gil.acquire(token, () => {
            taken(fiber as Fiber.Fiber<unknown, unknown>)
            resume(Effect.void)
          })
          return Effect.sync(cancel)
        })
      )
    const tryLock = (): ModuleStatus => {
      if (!gil.tryAcquire(token)) return "ERR"
      taken(null)
      return "OK"
    }
    const unlock = () => {
      stopWatching()
      stopWatching = () => {}
      holders.delete(token)
      if (!gil.release(token)) return
      this.server.dispatcher.busy.release(token)
      // Writes made under the lock may have readied keys.
      this.scheduleTick()
    }
    /**
     * The lock for a holder that is not a fiber (a worker thread, through its port): `grant` runs
     * when it is taken; the returned cancel withdraws a request not yet granted. Its holder's end
     * is the caller's to watch (a closed port).
     */
    const lockWith = (grant: () => void): (() => void) =>
      gil.acquire(token, () => {
        taken(null)
        grant()
      })
    const holdsLock = () => gil.holds(token)
    // `yield` acts while this context holds the lock (Valkey's thread that yields with the GIL).
    const yieldOwner = () => (gil.holds(token) ? token : null)
    return Object.assign(ctx, { lock, tryLock, unlock, lockWith, holdsLock, free: () => {}, yieldOwner })
  }

  // ---- background time -----------------------------------------------------------------------

  measureTimeStart(bc: ModuleBlockedClient): ModuleStatus {
    bc.measureStart = performance.now()
    return "OK"
  }

  measureTimeEnd(bc: ModuleBlockedClient): ModuleStatus {
    if (bc.measureStart < 0) return "ERR"
    bc.backgroundMs += performance.now() - bc.measureStart
    bc.measureStart = -1
    return "OK"
  }

  /** Unload and shutdown: release what the module never released. */
  releaseAll(module: LoadedModule): void {
    const gil = this.server.dispatcher.executorLock
    for (const [token, holder] of this.gilHolders) {
      if (holder !== module) continue
      this.gilHolders.delete(token)
      // A context of this module yielding while it held the lock must not leave the server busy.
      this.server.dispatcher.busy.release(token)
      if (gil.release(token)) this.server.log("warning", `<${module.name}> unloaded with the GIL held by a thread-safe context: released`)
    }
    for (const bc of Array.from(this.live)) {
      if (bc.module !== module) continue
      if (bc.record !== null && !bc.record.isDone) this.engine.complete(bc.record, BlockOutcome.Aborted)
      this.release(bc)
    }
  }
}
