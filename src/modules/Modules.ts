import { performance } from "node:perf_hooks"
import { Context, Data, Duration, Effect, Exit, FiberSet, Layer, Result, Scope } from "effect"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { BlockOutcome } from "../blocking/BlockedClient.js"
import type { BlockingEngine } from "../blocking/BlockingEngine.js"
import { BlockRequest } from "../blocking/BlockRequest.js"
import type { CommandSpec } from "../commands/CommandSpec.js"
import { ConfigParam } from "../config/ConfigParam.js"
import { type ConfigJournal, ConfigSetError, configTransaction } from "../config/ConfigTransaction.js"
import { ServerCore } from "../layers/ServerCore.js"
import type { ModuleValueType } from "../keyspace/Value.js"
import { ErrorReply, RawReply, type Reply } from "../protocol/Reply.js"
import { Client } from "../server/Client.js"
import { setInfoHooks } from "../server/Info.js"
import type { Server } from "../server/Server.js"
import { LoadedModule, type ModuleTimer } from "./LoadedModule.js"
import { moduleConfigDefinition } from "./moduleConfigDefinition.js"
import { ModuleBlocking } from "./ModuleBlocking.js"
import type { CallOptions, CommandHandler } from "./ModuleContext.js"
import { importFile } from "./importFile.js"
import { ModuleContext } from "./ModuleContext.js"
import { describeFault, faultReply, installFaultNet, isThenable } from "./ModuleFault.js"
import type { ModuleDefinition, ModuleStatus } from "./ModuleDefinition.js"
import type { ModuleHost } from "./ModuleHost.js"
import { moduleCommand, moduleList } from "./moduleCommand.js"
import { RuntimeArgs, type ArgsState } from "./RuntimeArgs.js"

export const LOAD_ERROR = "ERR Error loading the extension. Please check the server logs."
/** An `async` module command inside MULTI/EXEC or a module call, where nothing can wait. */
const ASYNC_CANNOT_WAIT = "ERR module command cannot wait inside a transaction or a module call"

/** Why a load failed; the reason goes to the log only (the client gets `LOAD_ERROR`). */
export class ModuleLoadError extends Data.TaggedError("ModuleLoadError")<{ readonly message: string }> {
  constructor(message: string) {
    super({ message })
  }
}

const NO_REPLY = new RawReply("")

/** Valkey has no limit (its OnLoad is synchronous C); an `async` onLoad here gets this long. */
const DEFAULT_ONLOAD_TIMEOUT_MS = 10_000
const ONLOAD_TIMED_OUT = Symbol("onLoad timed out")

/**
 * Imports a module file. Its URL carries a hash of its content: loading the same content again
 * reuses the module Node already evaluated (an ES module is never freed, so a fresh URL per load
 * grew memory with every LOAD/UNLOAD cycle), while a changed file is evaluated afresh. So
 * module-level state survives UNLOAD/LOAD of an unchanged file, as a module initializes in onLoad.
 */
const importModuleFile = async (file: string): Promise<any> => {
  const absolute = path.resolve(file)
  const source = await fs.promises.readFile(absolute)
  const hash = createHash("sha256").update(source).digest("hex").slice(0, 16)
  return importFile(`${pathToFileURL(absolute).href}?content=${hash}`)
}

export interface LoadRequest {
  readonly path: string
  readonly args: ReadonlyArray<string>
  /** LOADEX `CONFIG name value` pairs (name lower-cased; the last one wins). */
  readonly configs?: ReadonlyMap<string, string>
  readonly loadex?: boolean
}

/**
 * The module system (Valkey's module.c): loads TypeScript/JavaScript modules, keeps them in load
 * order, runs their commands, timers and blocked clients, and implements the host side of the
 * module context.
 */
export class ModuleRegistry implements ModuleHost {
  readonly loaded: Array<LoadedModule> = []
  readonly blocking: ModuleBlocking
  /** Module configs queued by the config file or LOADEX, consumed by `loadConfigs`. */
  readonly pendingConfigs: Map<string, string>
  private readonly callClients = new WeakSet<Client>()
  private nextTimerId = 1
  private nextCallClientId = 1
  private loadChain: Promise<unknown> = Promise.resolve()
  /** Every module file loaded (real path -> module name), to attribute faults to modules. */
  readonly files = new Map<string, string>()
  /** How long MODULE LOAD waits for an `async` onLoad before failing the load. */
  onLoadTimeoutMs: number
  private readonly configListeners = new Map<LoadedModule, Set<(names: ReadonlyArray<string>) => void>>()

  constructor(
    readonly server: Server,
    private readonly context: Context.Context<never>,
    onLoadTimeoutMs = DEFAULT_ONLOAD_TIMEOUT_MS
  ) {
    this.onLoadTimeoutMs = onLoadTimeoutMs
    this.blocking = new ModuleBlocking(server, () => this)
    this.pendingConfigs = server.config.pendingModuleConfigs
  }

  find(name: string): LoadedModule | undefined {
    return this.loaded.find((m) => m.name === name)
  }

  findType(name: string): ModuleValueType | undefined {
    for (const m of this.loaded) for (const t of m.types) if (t.name === name) return t
    return undefined
  }

  // ---- loading ------------------------------------------------------------------------------

  /** Loads a module; loads are serialized. Fails with a reason for the log. */
  load(request: LoadRequest): Promise<Result.Result<LoadedModule, string>> {
    const run = this.loadChain.then(() => this.loadNow(request))
    this.loadChain = run.catch(() => {})
    return run
  }

  /**
   * One load as a config transaction: the module configs `LoadConfigs` sets (from LOADEX `CONFIG`
   * pairs, the config file or their defaults) are journaled, and a load that fails at any step
   * after them puts every one back at the value it had before the load.
   */
  private loadNow(request: LoadRequest): Promise<Result.Result<LoadedModule, string>> {
    const server = this.server
    if (request.configs !== undefined) for (const [k, v] of request.configs) this.pendingConfigs.set(k, v)
    const log = (line: string) => server.log("warning", line)
    const load = configTransaction("module configs of a failed load", log, (journal) =>
      Effect.flatMap(
        Effect.promise(() => this.tryLoad(request, journal)),
        Result.match({
          onSuccess: (module) => Effect.succeed(module),
          onFailure: (reason) => {
            server.log("warning", reason)
            if (request.loadex) this.pendingConfigs.clear()
            return Effect.fail(new ConfigSetError({ reply: reason, rollbackFailures: [] }))
          }
        })
      )
    )
    return Effect.runPromise(Effect.result(Effect.mapError(load, (e) => e.reply)))
  }

  private async tryLoad(request: LoadRequest, journal: ConfigJournal): Promise<Result.Result<LoadedModule, string>> {
    const server = this.server
    let definition: ModuleDefinition<any>
    try {
      const imported = await importModuleFile(request.path)
      definition = (imported.default?.default ?? imported.default) as ModuleDefinition<any>
    } catch (e) {
      return Result.fail(`Module ${request.path} failed to load: ${e instanceof Error ? e.message : String(e)}`)
    }
    if (
      definition === null ||
      typeof definition !== "object" ||
      typeof definition.name !== "string" ||
      typeof definition.onLoad !== "function"
    ) {
      return Result.fail(`Module ${request.path} does not export a module definition (default export with name and onLoad)`)
    }
    if (this.find(definition.name) !== undefined) {
      return Result.fail(`Module ${definition.name} initialization failed. Module name is busy.`)
    }
    const args = RuntimeArgs.make(definition.name, definition.argsSchema, request.args)
    if (Result.isFailure(args)) {
      return Result.fail(`Module ${definition.name} initialization failed: invalid arguments: ${args.failure.message}`)
    }
    try {
      this.files.set(fs.realpathSync(request.path), definition.name)
    } catch {
      // Imported, so it exists; a path that vanished since only loses attribution.
    }
    const module = new LoadedModule(definition.name, Number(definition.version ?? 0), request.path, definition, args.success)
    module.configJournal = journal
    module.scope = Effect.runSync(Scope.make())
    module.runFork = Effect.runSyncWith(this.context)(FiberSet.makeRuntime<never>().pipe(Scope.provide(module.scope))) as any

    const ctx = new ModuleContext(this, module, "load", null, null)
    let status: void | ModuleStatus | typeof ONLOAD_TIMED_OUT
    try {
      status = await this.runOnLoad(module, ctx, args.success.value)
    } catch (e) {
      server.log("warning", `Module ${definition.name} onLoad threw: ${describeFault(e)}`)
      status = "ERR"
    }
    if (status === ONLOAD_TIMED_OUT) {
      this.rollback(module)
      return Result.fail(`Module ${definition.name} initialization failed: onLoad did not finish within ${this.onLoadTimeoutMs} ms`)
    }
    if (status === "ERR") {
      this.rollback(module)
      return Result.fail(`Module ${definition.name} initialization failed. Module not loaded`)
    }
    if (module.configs.length > 0 && !module.configsLoaded) {
      this.runUnload(module)
      this.rollback(module)
      return Result.fail("Module Configurations were not set, likely a missing LoadConfigs call. Unloading the module.")
    }
    if (request.loadex && this.pendingConfigs.size > 0) {
      this.runUnload(module)
      this.rollback(module)
      return Result.fail("Loadex configurations were not applied, likely due to invalid arguments. Unloading the module.")
    }
    for (const spec of module.commands) {
      if (server.commands.has(spec.name)) {
        this.rollback(module)
        return Result.fail(`Module ${definition.name} initialization failed: command ${spec.name} already exists`)
      }
    }
    // Commit: everything registered becomes visible at once.
    module.loading = false
    module.configJournal = null
    for (const spec of module.commands) server.commands.register(spec)
    this.loaded.push(module)
    this.onConfigsRegistered(module)
    server.log("notice", `Module '${module.name}' loaded from ${request.path}`)
    return Result.succeed(module)
  }

  /**
   * Runs `onLoad`, waiting at most `onLoadTimeoutMs` (on the server clock) for an `async` one, so
   * an onLoad that never settles fails its load instead of holding every later load. If it settles
   * later, it is too late: the module was rolled back (and refuses registrations), a rejection is
   * only logged.
   */
  private runOnLoad(module: LoadedModule, ctx: ModuleContext<any>, args: unknown): Promise<void | ModuleStatus | typeof ONLOAD_TIMED_OUT> {
    const result = module.definition.onLoad(ctx, args)
    if (!isThenable(result)) return Promise.resolve(result)
    const settled = Promise.resolve(result)
    return new Promise((resolve, reject) => {
      const timer = Effect.runForkWith(this.context)(
        Effect.sleep(Duration.millis(this.onLoadTimeoutMs)).pipe(Effect.andThen(Effect.sync(() => resolve(ONLOAD_TIMED_OUT))))
      )
      settled.then(
        (status) => {
          timer.interruptUnsafe()
          resolve(status)
        },
        (e) => {
          timer.interruptUnsafe()
          if (module.unloaded) this.moduleFault(module, "onLoad (after its load had failed)", e)
          reject(e)
        }
      )
    })
  }

  /** Undoes a failed load: nothing it registered stays. */
  private rollback(module: LoadedModule): void {
    module.loading = false
    module.configJournal = null
    module.unloaded = true
    for (const worker of module.workers) void worker.terminate().catch(() => {})
    module.workers.clear()
    for (const t of module.timers.values()) t.fiber.interruptUnsafe()
    module.timers.clear()
    this.blocking.releaseAll(module)
    module.commands.length = 0
    module.types.length = 0
    module.configs.length = 0
    this.configListeners.delete(module)
    Effect.runFork(Scope.close(module.scope, Exit.void))
  }

  private runUnload(module: LoadedModule): ModuleStatus {
    const onUnload = module.definition.onUnload
    if (onUnload === undefined) return "OK"
    try {
      return onUnload(new ModuleContext(this, module, "unload", null, null)) === "ERR" ? "ERR" : "OK"
    } catch (e) {
      this.server.log("warning", `Module ${module.name} onUnload threw: ${String(e)}`)
      return "ERR"
    }
  }

  /** MODULE UNLOAD (module.c `moduleUnload`): an error reason, or undefined when unloaded. */
  unload(name: string): string | undefined {
    const module = this.find(name)
    if (module === undefined) return "no such module with that name"
    if (module.types.length > 0) return "the module exports one or more module-side data types, can't unload"
    if (module.blockedClients > 0) return "the module has blocked clients. Please wait for them to be unblocked and try again"
    if (module.timers.size > 0) return "the module holds timer that is not fired. Please stop the timer or wait until it fires."
    if (this.runUnload(module) === "ERR") return "operation not possible."
    for (const spec of module.commands) if (this.server.commands.lookup(spec.name) === spec) this.server.commands.unregister(spec.name)
    this.onConfigsUnregistered(module)
    this.loaded.splice(this.loaded.indexOf(module), 1)
    this.rollback(module)
    this.server.log("notice", `Module ${name} unloaded`)
    return undefined
  }

  /** Adds a loaded module's configs to the config table (CONFIG GET/SET/REWRITE see them). */
  private onConfigsRegistered(module: LoadedModule): void {
    for (const config of module.configs) {
      const error = this.server.config.registerModuleConfig(moduleConfigDefinition(config))
      if (error !== undefined) this.server.log("warning", `Module ${module.name}: ${error}`)
    }
  }

  private onConfigsUnregistered(module: LoadedModule): void {
    this.server.config.unregisterModuleConfigs(module.name)
  }

  // ---- commands -----------------------------------------------------------------------------

  runCommand(module: LoadedModule, handler: CommandHandler, client: Client, argv: Array<string>, spec?: CommandSpec): Reply | BlockRequest {
    const ctx = new ModuleContext(this, module, "command", client)
    ctx.command = spec ?? this.server.commands.lookup(argv[0]) ?? null
    ctx.argv = argv
    let result: unknown
    try {
      result = handler(ctx, argv)
    } catch (e) {
      this.server.log("warning", `<${module.name}> command ${argv[0]} failed: ${describeFault(e)}`)
      if (ctx.blocked !== null) this.blocking.abortBlock(ctx.blocked)
      return faultReply(e)
    }
    if (isThenable(result)) return this.awaitCommand(module, ctx, client, argv, result)
    const out = ctx.builder!.take(client.resp)
    return out === undefined ? NO_REPLY : out
  }

  /**
   * An `async` handler: the client waits (pipelined commands behind it too) until its promise
   * settles; then it gets what the handler replied, or an error reply if it rejected. A handler
   * that blocked the client first keeps its block: a rejection then ends the block with the error.
   */
  private awaitCommand(module: LoadedModule, ctx: ModuleContext<any>, client: Client, argv: Array<string>, result: PromiseLike<unknown>): Reply {
    const failed = (e: unknown): ErrorReply => {
      this.server.log("warning", `<${module.name}> command ${argv[0]} failed: ${describeFault(e)}`)
      return faultReply(e)
    }
    const blocked = ctx.blocked
    if (blocked !== null) {
      result.then(undefined, (e) => {
        this.blocking.failBlock(blocked, failed(e))
        this.server.endOfTick()
      })
      const out = ctx.builder!.take(client.resp)
      return out === undefined ? NO_REPLY : out
    }
    const engine = this.server.blocker as BlockingEngine | null
    const spec = ctx.command
    if (engine === null || spec === null || client.denyBlocking || client.multi !== null || client.blocked !== null) {
      // Nothing can wait here (a transaction, a module call): what it replied before its first
      // `await`, else an error; a later rejection is only logged.
      result.then(undefined, (e) => void failed(e))
      const out = ctx.builder!.take(client.resp)
      if (out !== undefined) return out
      this.server.log("warning", `<${module.name}> command ${argv[0]} cannot wait here (a transaction or a module call)`)
      return new ErrorReply(ASYNC_CANNOT_WAIT)
    }
    const work = Promise.resolve(result).then(
      () => ctx.builder!.take(client.resp) ?? NO_REPLY,
      (e) => {
        ctx.builder!.take(client.resp)
        return failed(e) as Reply
      }
    )
    return suspendClient(this.server, client, spec, argv, work)
  }

  isCallClient(client: Client): boolean {
    return this.callClients.has(client)
  }

  /** `RM_Call`: runs a command through the dispatcher on a fake client; errors are values. */
  call(ctx: ModuleContext<any>, options: CallOptions, argv: Array<string>): Reply {
    const server = this.server
    const client = new Client(server, -this.nextCallClientId++, null, "", "")
    this.callClients.add(client)
    client.db = ctx.db
    client.resp = options.resp === 3 ? 3 : options.resp === "auto" ? ctx.resp : 2
    client.denyBlocking = options.allowBlocking !== true
    // Errors are not counted in errorstats here: only when the module relays them to a client
    // (Valkey's module clients skip `afterErrorReply`); the command's calls/failed_calls are.
    const found = server.dispatcher.lookup(argv)
    if (typeof found === "string") return new ErrorReply(found)
    const start = performance.now()
    let result: Reply | BlockRequest
    server.nesting++
    try {
      result = found.run(client, argv)
    } catch (e) {
      server.log("warning", `Command ${found.fullName} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
      const message = e instanceof Error ? e.message : String(e)
      result = new ErrorReply(/^[A-Z]+ /.test(message) ? message : "ERR " + message)
    } finally {
      server.nesting--
    }
    // A blocking command through call never waits: it gets its timeout reply at once.
    if (result instanceof BlockRequest) result = result.timeoutReply
    const stat = server.stats.command(found.fullName)
    const usec = Math.round((performance.now() - start) * 1000)
    stat.calls++
    stat.usec += usec
    server.stats.totalCommands++
    if (result instanceof ErrorReply) stat.failedCalls++
    // Valkey logs commands of module calls too, from a client without a connection ("?:0").
    if (!found.flags.includes("skip_slowlog")) server.slowLog.push(argv, usec, "?:0", "", server.now())
    if (result instanceof RawReply && result.bytes === "" && client.replies!.length > 0) return client.replies![0]
    return result
  }

  // ---- timers and detached work -------------------------------------------------------------

  createTimer(module: LoadedModule, periodMs: number, callback: (ctx: ModuleContext<any>, data: unknown) => void, data: unknown): number {
    const id = this.nextTimerId++
    const delay = Math.max(0, periodMs)
    const fire = Effect.sync(() => this.fireTimer(module, id, callback, data))
    const fiber = module.runFork(Effect.sleep(Duration.millis(delay)).pipe(Effect.andThen(fire)))
    module.timers.set(id, { id, data, dueAt: this.server.now() + delay, fiber: fiber as any, callback })
    return id
  }

  /** Runs a timer's callback once: from its own fiber, or earlier from `fireDueTimers`. */
  private fireTimer(module: LoadedModule, id: number, callback: (ctx: ModuleContext<any>, data: unknown) => void, data: unknown): void {
    if (!module.timers.delete(id)) return
    const ctx = new ModuleContext(this, module, "timer", null, null)
    this.runInExecutor(module, "timer", () => callback(ctx, data))
  }

  /**
   * Fires every module timer due at `now`, in due order, before the blocking engine expires
   * blocks (Valkey's timer events run before `beforeSleep`'s timeouts).
   */
  fireDueTimers(now: number): void {
    const due: Array<[LoadedModule, ModuleTimer]> = []
    for (const module of this.loaded) for (const timer of module.timers.values()) if (timer.dueAt <= now) due.push([module, timer])
    if (due.length === 0) return
    due.sort((a, b) => a[1].dueAt - b[1].dueAt || a[1].id - b[1].id)
    for (const [module, timer] of due) {
      timer.fiber.interruptUnsafe()
      this.fireTimer(module, timer.id, timer.callback as (ctx: ModuleContext<any>, data: unknown) => void, timer.data)
    }
  }

  stopTimer(module: LoadedModule, id: number): { data: unknown } | undefined {
    const timer = module.timers.get(id)
    if (timer === undefined) return undefined
    module.timers.delete(id)
    timer.fiber.interruptUnsafe()
    return { data: timer.data }
  }

  runDetached(module: LoadedModule, f: (ctx: ModuleContext<any>) => void): void {
    const ctx = new ModuleContext(this, module, "detached", null, null)
    this.runInExecutor(module, "detached work", () => f(ctx))
  }

  /** Runs module code outside any command (a timer, a fiber) as one executor step, then ends the tick. */
  private runInExecutor(module: LoadedModule, what: string, f: () => unknown): void {
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
  moduleFault(module: LoadedModule | string, what: string, e: unknown): void {
    const name = typeof module === "string" ? module : module.name
    this.server.log("warning", `<${name}> ${what} failed: ${describeFault(e)}`)
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

  // ---- configs ------------------------------------------------------------------------------

  /**
   * `LoadConfigs` (module.c `loadModuleConfigs`): the pending value or the default of each config,
   * in registration order, without apply callbacks. Each old value goes to the load's journal first.
   */
  loadConfigs(module: LoadedModule): ModuleStatus {
    for (const config of module.configs) {
      const name = config.fullName
      module.configJournal?.backup(new ConfigParam(moduleConfigDefinition(config)))
      const pending = this.pendingConfigs.get(name)
      let error: string | undefined
      if (pending !== undefined) {
        const parsed = config.parse(pending)
        error = "error" in parsed ? parsed.error : config.setValue(parsed.value)
        this.pendingConfigs.delete(name)
        if (error !== undefined) {
          this.server.log("warning", `Issue during loading of configuration ${name} : ${error}`)
        }
      } else {
        error = config.setValue(config.defaultValue)
        if (error !== undefined) {
          this.server.log("warning", `Issue during loading of default value for configuration ${name} : ${error}`)
        }
      }
      if (error !== undefined) {
        this.pendingConfigs.clear()
        return "ERR"
      }
    }
    module.configsLoaded = true
    return "OK"
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

/**
 * For commands that wait on an async step (MODULE LOAD): park the client, reply when done. Socket
 * and in-process clients alike, so requests pipelined behind it wait and replies stay in order.
 */
export const suspendClient = (
  server: Server,
  client: Client,
  spec: CommandSpec,
  argv: ReadonlyArray<string>,
  work: Promise<Reply>
): Reply => {
  const engine = server.blocker as BlockingEngine | null
  if (engine === null || client.denyBlocking || client.multi !== null) {
    // Nothing can wait here (no blocking engine, a transaction, a module call): reply when done.
    void work.then((reply) => {
      client.reply(reply)
      server.endOfTick()
    })
    return NO_REPLY
  }
  const record = engine.blockClient(client, { deadline: 0, handler: { mayTimeout: false, completed: () => {} } })
  const start = performance.now()
  void work.then((reply) => {
    if (record.isDone) return
    client.reply(reply)
    server.dispatcher.count(spec, performance.now() - start, reply, client, argv)
    engine.complete(record, BlockOutcome.Served)
    server.endOfTick()
  })
  return NO_REPLY
}
