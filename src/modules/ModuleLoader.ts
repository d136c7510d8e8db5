import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberSet from "effect/FiberSet"
import * as Result from "effect/Result"
import * as Scope from "effect/Scope"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { ConfigParam } from "../config/ConfigParam.js"
import { type ConfigJournal, ConfigSetError, configTransaction } from "../config/ConfigTransaction.js"
import type { ModuleDefinition, ModuleStatus } from "./api.js"
import { importFile } from "./importFile.js"
import { LoadedModule } from "./LoadedModule.js"
import type { ModuleBlocking } from "./ModuleBlocking.js"
import { moduleConfigDefinition } from "./moduleConfigDefinition.js"
import { ModuleContextImpl } from "./ModuleContextImpl.js"
import { describeFault, isThenable } from "./ModuleFault.js"
import type { ModuleHost } from "./ModuleHost.js"
import { RuntimeArgs } from "./RuntimeArgs.js"

export const LOAD_ERROR = "ERR Error loading the extension. Please check the server logs."

/** Valkey has no limit (its OnLoad is synchronous C); an `async` onLoad here gets this long. */
export const DEFAULT_ONLOAD_TIMEOUT_MS = 10_000
const ONLOAD_TIMED_OUT = Symbol("onLoad timed out")

export interface LoadRequest {
  readonly path: string
  readonly args: ReadonlyArray<string>
  /** LOADEX `CONFIG name value` pairs (name lower-cased; the last one wins). */
  readonly configs?: ReadonlyMap<string, string>
  readonly loadex?: boolean
}

/** What loading needs of the module registry (implemented by `ModuleRegistry`). */
export interface LoadTarget extends ModuleHost {
  readonly blocking: ModuleBlocking
  /** Loaded modules in load order: a load appends, an unload removes. */
  readonly loaded: Array<LoadedModule>
  /** Module configs queued by the config file or LOADEX, consumed by `loadConfigs`. */
  readonly pendingConfigs: Map<string, string>
  /** Every module file loaded (real path -> module name), to attribute faults to modules. */
  readonly files: Map<string, string>
  find(name: string): LoadedModule | undefined
  /** The module is gone: its config-change listeners go too. */
  forgetConfigListeners(module: LoadedModule): void
  /** The module is gone: its keyspace and server-event subscriptions go too. */
  forgetNotifications(module: LoadedModule): void
  moduleFault(module: LoadedModule, what: string, e: unknown): void
}

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

/**
 * Loading and unloading modules (module.c `moduleLoad`/`moduleUnload`): import the file, run
 * onLoad, commit what it registered at once, or roll all of it back.
 */
export class ModuleLoader {
  private loadChain: Promise<unknown> = Promise.resolve()
  /** A failure `tryLoad` logged itself, in Valkey's order (not logged again by `loadNow`). */
  private loggedFailure: string | null = null

  constructor(
    private readonly target: LoadTarget,
    private readonly context: Context.Context<never>,
    /** How long MODULE LOAD waits for an `async` onLoad before failing the load. */
    readonly onLoadTimeoutMs: number
  ) {}

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
    const server = this.target.server
    const pendingConfigs = this.target.pendingConfigs
    if (request.configs !== undefined) for (const [k, v] of request.configs) pendingConfigs.set(k, v)
    const log = (line: string) => server.log("warning", line)
    const load = configTransaction("module configs of a failed load", log, (journal) =>
      Effect.flatMap(
        Effect.promise(() => this.tryLoad(request, journal)),
        Result.match({
          onSuccess: (module) => Effect.succeed(module),
          onFailure: (reason) => {
            if (reason !== this.loggedFailure) server.log("warning", reason)
            this.loggedFailure = null
            if (request.loadex) pendingConfigs.clear()
            return Effect.fail(new ConfigSetError({ reply: reason, rollbackFailures: [] }))
          }
        })
      )
    )
    return Effect.runPromise(Effect.result(Effect.mapError(load, (e) => e.reply)))
  }

  private async tryLoad(request: LoadRequest, journal: ConfigJournal): Promise<Result.Result<LoadedModule, string>> {
    const target = this.target
    const server = target.server
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
    if (target.find(definition.name) !== undefined) {
      // module.c `moduleLoad` names the module by its path in these two lines.
      return Result.fail(`Module ${request.path} initialization failed. Module name is busy.`)
    }
    const args = RuntimeArgs.make(definition.name, definition.argsSchema, request.args)
    if (Result.isFailure(args)) {
      return Result.fail(`Module ${definition.name} initialization failed: invalid arguments: ${args.failure.message}`)
    }
    try {
      target.files.set(fs.realpathSync(request.path), definition.name)
    } catch {
      // Imported, so it exists; a path that vanished since only loses attribution.
    }
    const module = new LoadedModule(definition.name, Number(definition.version ?? 0), request.path, definition, args.success)
    module.configJournal = journal
    module.scope = Effect.runSync(Scope.make())
    module.runFork = Effect.runSyncWith(this.context)(FiberSet.makeRuntime<never>().pipe(Scope.provide(module.scope))) as any

    const ctx = new ModuleContextImpl(target, module, "load", null, null)
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
      return Result.fail(`Module ${request.path} initialization failed. Module not loaded.`)
    }
    // module.c `moduleLoad`: these two checks come after the module is counted as loaded, so it is
    // logged as loaded, then unloaded.
    const postLoadError =
      module.configs.length > 0 && !module.configsLoaded
        ? "Module Configurations were not set, likely a missing LoadConfigs call. Unloading the module."
        : request.loadex && target.pendingConfigs.size > 0
          ? "Loadex configurations were not applied, likely due to invalid arguments. Unloading the module."
          : undefined
    if (postLoadError !== undefined) {
      server.log("notice", `Module '${module.name}' loaded from ${request.path}`)
      server.log("warning", postLoadError)
      this.runUnload(module)
      this.rollback(module)
      server.log("notice", `Module ${module.name} unloaded`)
      this.loggedFailure = postLoadError
      return Result.fail(postLoadError)
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
    target.loaded.push(module)
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
  private runOnLoad(module: LoadedModule, ctx: ModuleContextImpl<any>, args: unknown): Promise<void | ModuleStatus | typeof ONLOAD_TIMED_OUT> {
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
          if (module.unloaded) this.target.moduleFault(module, "onLoad (after its load had failed)", e)
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
    this.target.blocking.releaseAll(module)
    module.commands.length = 0
    module.types.length = 0
    module.configs.length = 0
    this.target.forgetConfigListeners(module)
    this.target.forgetNotifications(module)
    Effect.runFork(Scope.close(module.scope, Exit.void))
  }

  private runUnload(module: LoadedModule): ModuleStatus {
    const onUnload = module.definition.onUnload
    if (onUnload === undefined) return "OK"
    try {
      return onUnload(new ModuleContextImpl(this.target, module, "unload", null, null)) === "ERR" ? "ERR" : "OK"
    } catch (e) {
      this.target.server.log("warning", `Module ${module.name} onUnload threw: ${String(e)}`)
      return "ERR"
    }
  }

  /** MODULE UNLOAD (module.c `moduleUnload`): an error reason, or undefined when unloaded. */
  unload(name: string): string | undefined {
    const target = this.target
    const server = target.server
    const module = target.find(name)
    if (module === undefined) return "no such module with that name"
    if (module.types.length > 0) return "the module exports one or more module-side data types, can't unload"
    if (module.blockedClients > 0) return "the module has blocked clients. Please wait for them to be unblocked and try again"
    if (module.timers.size > 0) return "the module holds timer that is not fired. Please stop the timer or wait until it fires."
    if (this.runUnload(module) === "ERR") return "operation not possible."
    for (const spec of module.commands) if (server.commands.lookup(spec.name) === spec) server.commands.unregister(spec.name)
    this.onConfigsUnregistered(module)
    target.loaded.splice(target.loaded.indexOf(module), 1)
    this.rollback(module)
    server.log("notice", `Module ${name} unloaded`)
    return undefined
  }

  /** Adds a loaded module's configs to the config table (CONFIG GET/SET/REWRITE see them). */
  private onConfigsRegistered(module: LoadedModule): void {
    const server = this.target.server
    for (const config of module.configs) {
      const error = server.config.registerModuleConfig(moduleConfigDefinition(config))
      if (error !== undefined) server.log("warning", `Module ${module.name}: ${error}`)
    }
  }

  private onConfigsUnregistered(module: LoadedModule): void {
    this.target.server.config.unregisterModuleConfigs(module.name)
  }

  /**
   * `LoadConfigs` (module.c `loadModuleConfigs`): the pending value or the default of each config,
   * in registration order, without apply callbacks. Each old value goes to the load's journal first.
   */
  loadConfigs(module: LoadedModule): ModuleStatus {
    const server = this.target.server
    const pendingConfigs = this.target.pendingConfigs
    for (const config of module.configs) {
      const name = config.fullName
      module.configJournal?.backup(new ConfigParam(moduleConfigDefinition(config)))
      const pending = pendingConfigs.get(name)
      let error: string | undefined
      if (pending !== undefined) {
        const parsed = config.parse(pending)
        error = "error" in parsed ? parsed.error : config.setValue(parsed.value)
        pendingConfigs.delete(name)
        if (error !== undefined) {
          server.log("warning", `Issue during loading of configuration ${name} : ${error}`)
        }
      } else {
        error = config.setValue(config.defaultValue)
        if (error !== undefined) {
          server.log("warning", `Issue during loading of default value for configuration ${name} : ${error}`)
        }
      }
      if (error !== undefined) {
        pendingConfigs.clear()
        return "ERR"
      }
    }
    module.configsLoaded = true
    return "OK"
  }
}
