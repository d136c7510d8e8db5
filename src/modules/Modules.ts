import type * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Result from "effect/Result"
import * as Scope from "effect/Scope"
import type { BlockingEngine } from "../blocking/BlockingEngine.js"
import type { BlockRequest } from "../blocking/BlockRequest.js"
import type { CommandClient, CommandSpec } from "../commands/CommandSpec.js"
import type { ModuleValueType } from "../keyspace/Value.js"
import type { Reply } from "../protocol/Reply.js"
import type { Server } from "../server/Server.js"
import type { CallOptions, CallResult, CommandHandler, ModuleContext, ModuleStatus } from "./api.js"
import type { LoadedModule } from "./LoadedModule.js"
import { ModuleBlocking } from "./ModuleBlocking.js"
import { ModuleCall } from "./ModuleCall.js"
import { ModuleContextImpl } from "./ModuleContextImpl.js"
import { ModuleNotifications } from "./ModuleNotifications.js"
import { describeFault, isThenable } from "./ModuleFault.js"
import type { HostedContext } from "./ModuleHost.js"
import { DEFAULT_ONLOAD_TIMEOUT_MS, type LoadRequest, type LoadTarget, ModuleLoader } from "./ModuleLoader.js"
import { type TimerHost, ModuleTimers } from "./ModuleTimers.js"
import type { ArgsState } from "./RuntimeArgs.js"
import { type CommandHost, runModuleCommand } from "./runModuleCommand.js"

export type { LoadRequest } from "./ModuleLoader.js"

/** Why a load failed; the reason goes to the log only (the client gets `LOAD_ERROR`). */
export class ModuleLoadError extends Data.TaggedError("ModuleLoadError")<{ readonly message: string }> {
  constructor(message: string) {
    super({ message })
  }
}

/**
 * The module system (Valkey's module.c): the loaded modules in load order and the host side of
 * the module context. Loading (`ModuleLoader`), running commands (`runModuleCommand`), `call`
 * (`ModuleCall`), timers (`ModuleTimers`) and blocking (`ModuleBlocking`) each live in their own
 * file; this runs detached work and keeps the subscriptions.
 */
export class ModuleRegistry implements LoadTarget, TimerHost, CommandHost {
  readonly loaded: Array<LoadedModule> = []
  readonly blocking: ModuleBlocking
  /** Module configs queued by the config file or LOADEX, consumed by `loadConfigs`. */
  readonly pendingConfigs: Map<string, string>
  /** Every module file loaded (real path -> module name), to attribute faults to modules. */
  readonly files = new Map<string, string>()
  private readonly loader: ModuleLoader
  private readonly calls: ModuleCall
  private readonly timers: ModuleTimers
  /** Keyspace notifications, post-notification jobs and the key event (see `ModuleNotifications`). */
  readonly notifications: ModuleNotifications
  private readonly configListeners = new Map<LoadedModule, Set<(names: ReadonlyArray<string>) => void>>()

  constructor(
    readonly server: Server,
    readonly engine: BlockingEngine,
    context: Context.Context<never>,
    onLoadTimeoutMs = DEFAULT_ONLOAD_TIMEOUT_MS
  ) {
    this.blocking = new ModuleBlocking(server, engine, () => this)
    this.pendingConfigs = server.config.pendingModuleConfigs
    this.loader = new ModuleLoader(this, context, onLoadTimeoutMs)
    this.calls = new ModuleCall(server, (module, db, f) => f(new ModuleContextImpl(this, module, "detached", null, null, db)))
    this.timers = new ModuleTimers(this)
    this.notifications = new ModuleNotifications({
      server,
      context: (module, db) => new ModuleContextImpl(this, module, "detached", null, null, db),
      moduleFault: (module, what, e) => this.moduleFault(module, what, e)
    })
  }

  find(name: string): LoadedModule | undefined {
    return this.loaded.find((m) => m.name === name)
  }

  findType(name: string): ModuleValueType | undefined {
    for (const m of this.loaded) for (const t of m.types) if (t.name === name) return t
    return undefined
  }

  // ---- loading (ModuleLoader) ---------------------------------------------------------------

  /** Loads a module; loads are serialized. Fails with a reason for the log. */
  load(request: LoadRequest): Promise<Result.Result<LoadedModule, string>> {
    return this.loader.load(request)
  }

  /** MODULE UNLOAD (module.c `moduleUnload`): an error reason, or undefined when unloaded. */
  unload(name: string): string | undefined {
    return this.loader.unload(name)
  }

  loadConfigs(module: LoadedModule): ModuleStatus {
    return this.loader.loadConfigs(module)
  }

  // ---- commands (runModuleCommand), call (ModuleCall) and timers (ModuleTimers) ----------------

  runCommand(module: LoadedModule, handler: CommandHandler, client: CommandClient, argv: Array<string>, spec?: CommandSpec): Reply | BlockRequest {
    return runModuleCommand(this, module, handler, client, argv, spec)
  }

  isCallClient(client: CommandClient): boolean {
    return this.calls.isCallClient(client)
  }

  callerOf(client: CommandClient): HostedContext | undefined {
    return this.calls.callerOf(client)
  }

  pendCall(client: CommandClient, reply: () => Promise<Reply>): boolean {
    return this.calls.pend(client, reply)
  }

  /** `RM_Call`: runs a command through the dispatcher on a fake client (see `ModuleCall`). */
  call(caller: HostedContext, options: CallOptions | string, argv: Array<string>, mayPend?: boolean): CallResult {
    return this.calls.call(caller, options, argv, mayPend)
  }

  createTimer(module: LoadedModule, periodMs: number, callback: (ctx: ModuleContext<any>, data: unknown) => void, data: unknown, db: number): number {
    return this.timers.createTimer(module, periodMs, callback, data, db)
  }

  stopTimer(module: LoadedModule, id: number): { data: unknown } | undefined {
    return this.timers.stopTimer(module, id)
  }

  // ---- detached work ------------------------------------------------------------------------

  runDetached(module: LoadedModule, f: (ctx: ModuleContext<any>) => void): void {
    const ctx = new ModuleContextImpl(this, module, "detached", null, null)
    this.runInExecutor(module, "detached work", () => f(ctx))
  }

  /** Runs module code outside any command (a timer, a fiber) as one executor step, then ends the tick. */
  runInExecutor(module: LoadedModule, what: string, f: () => unknown): void {
    // While a thread-safe context holds the GIL, timers and detached work wait for it.
    if (this.server.dispatcher.executorLock.held) return this.server.whenExecutorFree(() => this.runInExecutor(module, what, f))
    try {
      const result = f()
      if (isThenable(result)) result.then(undefined, (e) => this.moduleFault(module, what, e))
    } catch (e) {
      this.moduleFault(module, what, e)
    }
    if (this.server.nesting === 0) {
      this.server.blocker?.serveReadyKeys()
      this.server.endOfTick()
    }
  }

  /** Logs a fault of module code (Valkey prefixes a module's log lines with `<name>`). */
  moduleFault(module: LoadedModule, what: string, e: unknown): void {
    this.server.log("warning", `<${module.name}> ${what} failed: ${describeFault(e)}`)
  }

  // ---- subscriptions ------------------------------------------------------------------------

  subscribeArgs(module: LoadedModule, f: (args: ArgsState<any>) => void): () => void {
    return module.args.subscribe(f)
  }

  subscribeConfigs(module: LoadedModule, f: (names: ReadonlyArray<string>) => void): () => void {
    let set = this.configListeners.get(module)
    if (set === undefined) this.configListeners.set(module, (set = new Set()))
    set.add(f)
    return () => set.delete(f)
  }

  forgetConfigListeners(module: LoadedModule): void {
    this.configListeners.delete(module)
  }

  forgetNotifications(module: LoadedModule): void {
    this.notifications.forget(module)
  }

  /** After a CONFIG SET: tells each module which of its configs changed. */
  notifyConfigChange(names: ReadonlyArray<string>): void {
    for (const module of this.loaded) {
      const listeners = this.configListeners.get(module)
      if (listeners === undefined) continue
      const prefix = module.name.toLowerCase() + "."
      const mine = names.filter((n) => n.toLowerCase().startsWith(prefix))
      if (mine.length === 0) continue
      for (const f of listeners) {
        try {
          f(mine)
        } catch (e) {
          this.server.log("warning", `<${module.name}> config listener failed: ${String(e)}`)
        }
      }
    }
  }

  /**
   * Fires every module timer due at `now`, in due order, before the blocking engine expires
   * blocks (Valkey's timer events run before `beforeSleep`'s timeouts).
   */
  fireDueTimers(now: number): void {
    this.timers.fireDueTimers(now)
  }

  /** Shutdown: release every handle and stop every module's fibers. */
  shutdown(): Effect.Effect<void> {
    return Effect.forEach(this.loaded, (m) => Effect.sync(() => this.blocking.releaseAll(m)).pipe(Effect.andThen(Scope.close(m.scope, Exit.void))), {
      discard: true
    })
  }
}

