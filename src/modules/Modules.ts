import { Context, Data, Effect, Exit, Layer, Result, Scope } from "effect"
import type { BlockingEngine } from "../blocking/BlockingEngine.js"
import type { BlockRequest } from "../blocking/BlockRequest.js"
import type { CommandSpec } from "../commands/CommandSpec.js"
import { ServerCore } from "../layers/ServerCore.js"
import type { ModuleValueType } from "../keyspace/Value.js"
import type { Reply } from "../protocol/Reply.js"
import type { Client } from "../server/Client.js"
import { setInfoHooks } from "../server/Info.js"
import type { Server } from "../server/Server.js"
import type { CallOptions, CommandHandler, ModuleContext, ModuleStatus } from "./api.js"
import type { LoadedModule } from "./LoadedModule.js"
import { ModuleBlocking } from "./ModuleBlocking.js"
import { ModuleCall } from "./ModuleCall.js"
import { moduleCommand, moduleList } from "./moduleCommand.js"
import { ModuleContextImpl } from "./ModuleContextImpl.js"
import { describeFault, installFaultNet, isThenable } from "./ModuleFault.js"
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
  private readonly configListeners = new Map<LoadedModule, Set<(names: ReadonlyArray<string>) => void>>()

  constructor(
    readonly server: Server,
    context: Context.Context<never>,
    onLoadTimeoutMs = DEFAULT_ONLOAD_TIMEOUT_MS
  ) {
    this.blocking = new ModuleBlocking(server, () => this)
    this.pendingConfigs = server.config.pendingModuleConfigs
    this.loader = new ModuleLoader(this, context, onLoadTimeoutMs)
    this.calls = new ModuleCall(server)
    this.timers = new ModuleTimers(this)
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

  runCommand(module: LoadedModule, handler: CommandHandler, client: Client, argv: Array<string>, spec?: CommandSpec): Reply | BlockRequest {
    return runModuleCommand(this, module, handler, client, argv, spec)
  }

  isCallClient(client: Client): boolean {
    return this.calls.isCallClient(client)
  }

  /** `RM_Call`: runs a command through the dispatcher on a fake client; errors are values. */
  call(caller: HostedContext, options: CallOptions, argv: Array<string>): Reply {
    return this.calls.call(caller, options, argv)
  }

  createTimer(module: LoadedModule, periodMs: number, callback: (ctx: ModuleContext<any>, data: unknown) => void, data: unknown): number {
    return this.timers.createTimer(module, periodMs, callback, data)
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

export interface ModulesOptions {
  /** `loadmodule` requests to load at startup, in order (config file and command line). */
  readonly load?: ReadonlyArray<LoadRequest>
  /** How long MODULE LOAD waits for an `async` onLoad (default `DEFAULT_ONLOAD_TIMEOUT_MS`). */
  readonly onLoadTimeoutMs?: number
}

/** The module system as a service; its layer registers MODULE and wires the blocking drain. */
export class Modules extends Context.Service<Modules, ModuleRegistry>()("keyfiber/Modules") {
  static readonly make = (options: ModulesOptions = {}) =>
    Effect.gen(function* () {
      const server = yield* ServerCore
      const context = yield* Effect.context<never>()
      const registry = new ModuleRegistry(server, context, options.onLoadTimeoutMs)
      const engine = server.blocker as BlockingEngine | null
      if (engine !== null) {
        engine.beforeResume.push(() => registry.blocking.drain())
        engine.beforeTimeouts.push((now) => registry.fireDueTimers(now))
      }
      else server.endOfTickHooks.push(() => registry.blocking.drain())
      server.commands.register(moduleCommand(registry))
      server.moduleList = () => moduleList(registry)
      setInfoHooks(server, {
        moduleLines: () =>
          registry.loaded.map((m) => `module:name=${m.name},ver=${m.version},api=1,filters=0,usedby=[],using=[],options=[]`)
      })
      const config = server.config
      config.loadmoduleProvider = () => registry.loaded.map((m) => ({ path: m.path, args: m.args.raw }))
      config.changeListeners.push((names) => registry.notifyConfigChange(names))
      yield* Effect.addFinalizer(() => registry.shutdown())
      yield* Effect.acquireRelease(
        Effect.sync(() => installFaultNet((message) => server.log("warning", message), registry.files)),
        (uninstall) => Effect.sync(uninstall)
      )
      // `loadmodule` lines of the config file and command line, then the options', in order.
      for (const request of [...config.loadQueue, ...(options.load ?? [])]) {
        const result = yield* Effect.promise(() => registry.load(request))
        if (Result.isFailure(result)) {
          server.log("warning", `Can't load module from ${request.path}: server aborting`)
          return yield* Effect.fail(new ModuleLoadError(`Can't load module from ${request.path}: ${result.failure}`))
        }
      }
      if (registry.pendingConfigs.size > 0) {
        for (const name of registry.pendingConfigs.keys()) server.log("warning", `Unused Module Configuration: ${name}`)
        const message = "Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting"
        server.log("warning", message)
        return yield* Effect.fail(new ModuleLoadError(message))
      }
      return registry
    })

  static readonly layer = (options: ModulesOptions = {}) => Layer.effect(Modules, Modules.make(options))
}
