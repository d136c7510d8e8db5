import type * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"
import type { CommandSpec } from "../commands/CommandSpec.js"
import type { ConfigJournal } from "../config/ConfigTransaction.js"
import type { ModuleValueType } from "../keyspace/Value.js"
import type { ModuleDefinition, WorkerLike } from "./api.js"
import type { ModuleConfig } from "./ModuleConfig.js"
import type { RuntimeArgs } from "./RuntimeArgs.js"

/** A timer created by `ctx.createTimer`; its fiber sleeps on Effect's Clock. */
export interface ModuleTimer {
  readonly id: number
  readonly data: unknown
  /** When it is due, on the server clock. */
  readonly dueAt: number
  /** Its callback, called with a timer context and `data`. */
  readonly callback: (ctx: never, data: unknown) => void
  /** The database its context selects: the creator's (module.c `timer->dbid`). */
  readonly db: number
  readonly fiber: Fiber.Fiber<void, never>
}

/**
 * A loaded module (Valkey's `ValkeyModule`): what it registered, so UNLOAD and a failed load can
 * remove it, and the counters that refuse UNLOAD (blocked clients, timers, data types).
 */
export class LoadedModule {
  readonly commands: Array<CommandSpec> = []
  readonly types: Array<ModuleValueType> = []
  readonly configs: Array<ModuleConfig> = []
  readonly timers = new Map<number, ModuleTimer>()
  /** Blocked-client handles not yet released (Valkey's `module->blocked_clients`). */
  blockedClients = 0
  /** Set once `loadConfigs` ran (a module with configs must call it in onLoad). */
  configsLoaded = false
  /** True while onLoad runs: only then may configs be registered. */
  loading = true
  /** The load's undo record while it runs: `LoadConfigs` backs each config's old value up there. */
  configJournal: ConfigJournal | null = null
  /** Workers adopted with `ctx.adoptWorker`: terminated on unload. */
  readonly workers = new Set<WorkerLike>()
  /** `SetModuleOptions` bits (`MODULE_OPTIONS`). */
  options = 0
  /** Rolled back or unloaded: late code (an onLoad that settled too late) can register nothing. */
  unloaded = false
  /** Runs an Effect in the background, in this module's scope (interrupted on unload). */
  runFork!: <A, E>(effect: Effect.Effect<A, E>) => Fiber.Fiber<A, E>
  scope!: Scope.Closeable

  constructor(
    readonly name: string,
    readonly version: number,
    /** The path exactly as given at load time (MODULE LIST, CONFIG REWRITE). */
    readonly path: string,
    readonly definition: ModuleDefinition<any>,
    readonly args: RuntimeArgs<any>
  ) {}
}
