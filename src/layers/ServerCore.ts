import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Blocking } from "../blocking/Blocking.js"
import { BlockingEngine } from "../blocking/BlockingEngine.js"
import { timeoutTimer } from "../blocking/TimeoutTimer.js"
import { protectedCommandGate } from "../commands/config.js"
import { subscribedModeGate } from "../commands/pubsub.js"
import { builtinCommands } from "../commands/index.js"
import type { Admission } from "../commands/CommandSpec.js"
import { builtinConfigs } from "../config/builtinConfigs.js"
import { Config } from "../config/Config.js"
import { setInfoHooks } from "../server/Info.js"
import { clientsMemory, HeapGuard, oomGate } from "../server/MemoryGate.js"
import { NOTIFY, notifyKeyspaceEvent } from "../commands/PubSubState.js"
import { type LogLevel, Server, type ServerLimits } from "../server/Server.js"
import { registered } from "./registered.js"

export interface ServerCoreOptions {
  /** The config table, loaded from a config file and options (`src/config/ConfigFile.ts`). */
  readonly config?: Config
  /** Overrides of the config for tests and embedding (set without validation). */
  readonly databases?: number
  readonly limits?: Partial<ServerLimits>
  /** Where log lines go; the `loglevel` config filters them. */
  readonly log?: (level: LogLevel, message: string) => void
}

const LIMIT_CONFIGS: Record<keyof ServerLimits, string> = {
  protoMaxBulkLen: "proto-max-bulk-len",
  clientQueryBufferLimit: "client-query-buffer-limit",
  maxclients: "maxclients"
}

const LEVELS = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 } as const

/** Keeps the lines at or above the `loglevel` config, read at each line so CONFIG SET applies. */
const filterByLogLevel =
  (config: Config, sink: (level: LogLevel, message: string) => void) =>
  (level: LogLevel, message: string): void => {
    if (LEVELS[level] >= LEVELS[config.get<keyof typeof LEVELS>("loglevel")]) sink(level, message)
  }

/**
 * `timeout` (clientsCronHandleTimeout): closes clients idle longer than `timeout` seconds. Blocked
 * clients are left to their own deadlines, and monitors and Pub/Sub subscribers are never idle, as
 * in Valkey.
 */
const closeIdleClients = (server: Server, now: number): void => {
  const timeout = server.config.get<number>("timeout")
  if (timeout === 0) return
  for (const client of Array.from(server.clients.values())) {
    if (client.socket === null || client.isBlocked || client.closed || client.monitor) continue
    if (client.subscriptions !== null && client.subscriptions.total > 0) continue
    if (now - client.lastInteraction > timeout * 1000) {
      server.log("verbose", "Closing idle client")
      server.closeClient(client, false)
    }
  }
}

/**
 * The server's own hooks and gates, in the order they run (keyspace notifications, WATCH and
 * Pub/Sub cleanup on disconnect, the admission gates); returns their unregister. `ServerCore`
 * registers them with the memory and protected-command gates; a bare `Server` (in-process tests,
 * the micro benchmark) with neither.
 */
export const registerServerHooks = (
  server: Server,
  gates: { readonly memory?: Admission; readonly protectedCommands?: Admission } = {}
): (() => void) => {
  const { hooks, keyspace } = server
  keyspace.onExpired = (db, key) => notifyKeyspaceEvent(server, NOTIFY.x, "expired", key, db)
  // An expiry or eviction outside a command is an execution unit of its own.
  keyspace.deletionDone = () => server.endExecutionUnit(null)
  keyspace.onKeyMiss = (db, key) => notifyKeyspaceEvent(server, NOTIFY.m, "keymiss", key, db)
  const unregister = [
    () => {
      keyspace.onExpired = null
      keyspace.deletionDone = null
      keyspace.onKeyMiss = null
    },
    // Valkey's dbAdd: the `new` event (class `n`, not part of `A`).
    keyspace.listen({ keyCreated: (db, key) => notifyKeyspaceEvent(server, NOTIFY.n, "new", key, db) }),
    hooks.disconnect.addHook((client) => server.watchedKeys.unwatchAll(client)),
    hooks.disconnect.addHook((client) => server.pubsub.clear(client)),
    // maxmemory (evict, or refuse denyoom commands) and the heap safety net come before the
    // Pub/Sub-context check, as in Valkey's processCommand.
    ...(gates.memory === undefined ? [] : [hooks.admissions.addHook(gates.memory)]),
    hooks.admissions.addHook(subscribedModeGate),
    ...(gates.protectedCommands === undefined ? [] : [hooks.admissions.addHook(gates.protectedCommands)])
  ]
  return () => {
    for (const f of unregister) f()
  }
}

/**
 * The server state with every built-in command registered, reading time from Effect's `Clock`
 * (so `TestClock` drives TTLs and timeouts), configured from the config table (`rename-command`s
 * replayed, applies run once), plus the active expiry cycle at `hz` times per second.
 */
export class ServerCore extends Context.Service<ServerCore, Server>()("keyfiber/ServerCore") {
  /** The server and its blocking engine, wired together (the layer provides both services). */
  static readonly makeWithBlocking = (options: ServerCoreOptions = {}) =>
    Effect.gen(function* () {
      const clock = yield* Clock.Clock
      const config = options.config ?? new Config(builtinConfigs())
      if (options.databases !== undefined) config.lookup("databases")!.restore(options.databases)
      for (const [key, value] of Object.entries(options.limits ?? {})) {
        if (value !== undefined) config.lookup(LIMIT_CONFIGS[key as keyof ServerLimits])!.restore(value)
      }
      const server = new Server({
        databases: config.get<number>("databases"),
        now: () => clock.currentTimeMillisUnsafe(),
        nowMicros: () => Number(clock.currentTimeNanosUnsafe() / 1000n),
        config,
        log: options.log === undefined ? undefined : filterByLogLevel(config, options.log)
      })
      server.commands.registerAll(builtinCommands)
      const heap = new HeapGuard(server)
      yield* registered(registerServerHooks(server, { memory: oomGate(server, heap), protectedCommands: protectedCommandGate }))
      const eviction = server.keyspace.eviction
      eviction.onEvicted = (db, key) => notifyKeyspaceEvent(server, NOTIFY.e, "evicted", key, db)
      eviction.schedule = (continuation) =>
        setImmediate(() => {
          continuation()
          server.endOfTick()
        })
      for (const [from, to] of config.renamedCommands) server.commands.rename(from, to)
      setInfoHooks(server, {
        configFile: () => config.configFile ?? "",
        hz: () => config.get<number>("hz"),
        extendedRedisCompatibility: () => config.get<boolean>("extended-redis-compatibility"),
        maxmemory: () => config.get<number>("maxmemory"),
        maxmemoryPolicy: () => config.get<string>("maxmemory-policy")
      })
      for (const error of config.applyAll(server)) server.log("warning", `Config apply failed: ${error}`)
      if (eviction.maxmemory > heap.threshold) {
        server.log(
          "warning",
          `WARNING: maxmemory (${eviction.maxmemory}) is above what the JS heap can hold (${heap.oldGenerationLimit} bytes): writes will be refused at ${heap.threshold} bytes of heap first. Run node with a larger --max-old-space-size.`
        )
      }
      // The blocking engine: the server's blocker, fed by keyspace writes (composed with the
      // listeners already there), and its end-of-tick work (serve keys signalled outside
      // commands, module drain, resume unblocked clients).
      const blocking = new BlockingEngine(server)
      server.blocker = blocking
      server.keyspace.listen({
        keyCreated: (db, key) => blocking.signalKeyAsReady(db, key),
        keyDeleted: (db, key) => blocking.signalDeletedKeyAsReady(db, key),
        databaseReplaced: (db) => blocking.databaseReplaced(db)
      })
      yield* registered(server.hooks.endOfTick.addHook(() => blocking.endOfTick()))
      yield* Effect.forkScoped(timeoutTimer(blocking))
      // serverCron: the expiry cycle `hz` times per second (read each time, so CONFIG SET hz
      // applies), and once a second the idle-client `timeout`.
      let lastClientsCron = 0
      yield* Effect.sync(() => {
        // Nothing runs while a module's thread-safe context holds the GIL: this round is skipped.
        if (server.dispatcher.executorLock.held) return
        server.keyspace.updateClock()
        heap.check()
        eviction.clientsMemory = clientsMemory(server)
        // Valkey evicts before each command; the cron also catches up when no command comes.
        if (eviction.maxmemory !== 0) eviction.performEvictions()
        server.keyspace.activeExpireCycle()
        const now = server.now()
        if (now - lastClientsCron >= 1000) {
          lastClientsCron = now
          closeIdleClients(server, now)
        }
        server.sampleMetrics()
        server.checkOutputBufferLimits()
        server.endOfTick()
      }).pipe(
        Effect.andThen(Effect.suspend(() => Effect.sleep(Duration.millis(1000 / config.get<number>("hz"))))),
        Effect.forever,
        Effect.forkScoped
      )
      return { server, blocking }
    })

  static readonly make = (options: ServerCoreOptions = {}) =>
    Effect.map(ServerCore.makeWithBlocking(options), ({ server }) => server)

  /**
   * Completes once a shutdown (SHUTDOWN, SIGTERM, SIGINT) has closed every client: the lifecycle's
   * cue to stop the server. Its shutdown hook is removed when it completes or is interrupted.
   */
  static readonly awaitShutdown: Effect.Effect<void, never, ServerCore> = Effect.gen(function* () {
    const server = yield* ServerCore
    yield* Effect.callback<void>((resume) => Effect.sync(server.hooks.shutdown.addHook(() => resume(Effect.void))))
  })

  /** Provides `ServerCore` and `Blocking`. */
  static readonly layer = (options: ServerCoreOptions = {}) =>
    Layer.effectContext(
      Effect.map(ServerCore.makeWithBlocking(options), ({ server, blocking }) =>
        Context.make(ServerCore, server).pipe(Context.add(Blocking, blocking))
      )
    )
}
