import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as path from "node:path"
import { CommandTable } from "../commands/CommandTable.js"
import { builtinCommands } from "../commands/index.js"
import type { Config } from "../config/Config.js"
import { type ConfigFileError, type ConfigOpenError, loadStartupConfig } from "../config/ConfigFile.js"
import type { Reply } from "../protocol/Reply.js"
import type { BytesReplyValue, ReplyError, ReplyValue } from "../protocol/ReplyValue.js"
import type { ModuleLoadError, ModuleRegistry } from "../modules/Modules.js"
import { Modules } from "./Modules.js"
import { AofStartupError, AppendOnlyFile } from "./AppendOnlyFile.js"
import { persistenceLayer } from "./Persistence.js"
import { Replicating } from "./Replication.js"
import type { PersistenceLoadError } from "../persistence/Persistence.js"
import { ClientClosedError, type CommandArg, InProcessClient } from "../server/InProcessClient.js"
import type { ListenError } from "../server/Listener.js"
import type { Server } from "../server/Server.js"
import { ConfigStore } from "./ConfigStore.js"
import { registered } from "./registered.js"
import { ServerCore, type ServerCoreOptions } from "./ServerCore.js"
import { defaultConfig, listenOptions } from "./StartupConfig.js"
import { TcpListener } from "./TcpListener.js"

/** A module to load at start, as `loadmodule <path> <args...>` would. */
export interface ModuleToLoad {
  /** A module file (TypeScript or JavaScript) whose default export is a module definition. */
  readonly path: string
  /** The module's arguments, as on a `loadmodule` line. */
  readonly args?: ReadonlyArray<string>
}

export interface KeyfiberOptions extends Omit<ServerCoreOptions, "config"> {
  /**
   * TCP port; 0 takes any free port (the bound port is in the service and in `CONFIG GET port`).
   * Default: the config's `port`, else 0.
   */
  readonly port?: number
  /** Address to bind. Default: the config's first `bind` address, else `127.0.0.1`. */
  readonly host?: string
  /**
   * Config text in Valkey's config file grammar, read after `configFile` (like valkey-server's
   * command-line options). `port` and `host` given here win over both.
   */
  readonly config?: string
  /** A config file to read at start; CONFIG REWRITE writes back to it. */
  readonly configFile?: string
  /** Modules to load at start, in order, after the config file's `loadmodule` lines. */
  readonly modules?: ReadonlyArray<ModuleToLoad>
}

/** A running keyfiber: where it listens, and an in-process way to run commands on it. */
export interface KeyfiberService {
  /** The address the listener bound (the real port when `port` was 0). */
  readonly host: string
  readonly port: number
  /** `redis://host:port`, for clients that take a URL. */
  readonly url: string
  /** The server state (keyspace, clients, stats): for tests and tools, not a stable API. */
  readonly server: Server
  /** The config table: `config.get("maxmemory")`, the same values CONFIG GET/SET see. */
  readonly config: Config
  /** The module system: loaded modules (`modules.loaded`), `modules.load({ path, args })`. */
  readonly modules: ModuleRegistry
  /**
   * Runs one command on a fresh in-process client (like a new connection per call) through the
   * same dispatcher as network clients, and completes with its reply, strings as UTF-8 text.
   * Arguments: a `string` is text (sent as UTF-8), a `Uint8Array` exact bytes, a number decimal.
   * An error reply fails the run with `ReplyError`. A blocking command completes when it is served
   * or times out (by the server's clock); interrupting the run aborts it: its block ends unserved
   * and its client is closed. Fails with `ClientClosedError` when the server has stopped.
   */
  readonly run: (...args: ReadonlyArray<CommandArg>) => Effect.Effect<ReplyValue, ReplyError | ClientClosedError>
  /** Like `run`, with every string of the reply as a `Buffer` of exactly the server's bytes. */
  readonly runBytes: (...args: ReadonlyArray<CommandArg>) => Effect.Effect<BytesReplyValue, ReplyError | ClientClosedError>
  /**
   * Like `run`, with the reply as the server's typed `Reply` value, for tests and tools that need
   * to tell a status from a bulk string: error replies are values, strings are byte strings (one
   * char per byte: decode with `Buffer.from(s, "latin1")`).
   */
  readonly runReply: (...args: ReadonlyArray<CommandArg>) => Effect.Effect<Reply, ClientClosedError>
  /**
   * A dedicated in-process client for the scope: state (SELECT, MULTI, CLIENT SETNAME) persists
   * across its runs, which are answered in order like a pipelined connection. It has the same
   * `run`, `runBytes` and `runReply`; interrupting one of its runs aborts that command (a blocked
   * one ends unserved) and the client stays usable.
   */
  readonly connect: Effect.Effect<InProcessClient, never, Scope.Scope>
  /**
   * Completes when a client sends SHUTDOWN (which closes every client). The server stops when the
   * layer's scope closes, so an app that should end on SHUTDOWN waits on this, as `main.ts` does.
   */
  readonly awaitShutdown: Effect.Effect<void>
}

const makeService = Effect.fnUntraced(function* (address: { host: string; port: number }) {
  const server = yield* ServerCore
  const modules = yield* Modules
  let stopped = false
  const clients = new Set<InProcessClient>()
  const open = (): InProcessClient => {
    const client = InProcessClient.open(server)
    clients.add(client)
    return client
  }
  const close = (client: InProcessClient): void => {
    clients.delete(client)
    client.close()
  }
  const shutdown = yield* Deferred.make<void>()
  yield* registered(server.hooks.shutdown.addHook(() => Deferred.doneUnsafe(shutdown, Exit.void)))
  // A client freed by the server (CLIENT KILL, QUIT, stopping) fails the runs still waiting on it.
  yield* registered(
    server.hooks.disconnect.addHook((client) => {
      if (client.socket === null) client.onReplies?.()
    })
  )
  yield* Effect.addFinalizer(() =>
    Effect.sync(() => {
      stopped = true
      for (const client of clients) client.close()
      clients.clear()
    })
  )
  /** Runs `f` on a client of its own, closed when it ends (an interrupted block ends with it). */
  const once = <A, E>(f: (client: InProcessClient) => Effect.Effect<A, E>): Effect.Effect<A, E | ClientClosedError> =>
    Effect.suspend((): Effect.Effect<A, E | ClientClosedError> => {
      if (stopped) return Effect.fail(new ClientClosedError({ clientId: 0 }))
      const client = open()
      return Effect.ensuring(
        f(client),
        Effect.sync(() => close(client))
      )
    })
  const host = address.host.includes(":") ? `[${address.host}]` : address.host
  const service: KeyfiberService = {
    host: address.host,
    port: address.port,
    url: `redis://${host}:${address.port}`,
    server,
    config: server.config,
    modules,
    run: (...args) => once((client) => client.run(...args)),
    runBytes: (...args) => once((client) => client.runBytes(...args)),
    runReply: (...args) => once((client) => client.runReply(...args)),
    connect: Effect.acquireRelease(
      Effect.sync(() => open()),
      (client) => Effect.sync(() => close(client))
    ),
    awaitShutdown: Deferred.await(shutdown)
  }
  return service
})

/** The config table for the options: embedding defaults, the config file, the config text, then `port`/`host`. */
const loadConfig = (options: KeyfiberOptions): Effect.Effect<Config, ConfigFileError | ConfigOpenError> =>
  Effect.suspend(() => {
    const config = defaultConfig()
    // Embedding defaults (any free port, loopback only, no save points: an app that embeds a server
    // gets no dump.rdb in its working directory unless it asks); the file or text may say otherwise.
    config.lookup("port")!.restore(0)
    config.lookup("bind")!.restore(["127.0.0.1"])
    config.lookup("save")!.restore([])
    const commands = new CommandTable()
    commands.registerAll(builtinCommands)
    const startup = {
      configFile: options.configFile === undefined ? null : path.resolve(options.configFile),
      stdin: false,
      options: options.config ?? ""
    }
    return loadStartupConfig({ config, commands }, startup).pipe(
      Effect.map(() => {
        if (options.port !== undefined) config.lookup("port")!.restore(options.port)
        if (options.host !== undefined) config.lookup("bind")!.restore([options.host])
        for (const module of options.modules ?? []) config.loadQueue.push({ path: module.path, args: module.args ?? [] })
        return config
      })
    )
  })

/**
 * keyfiber embedded in an Effect app: the server listens while the layer's scope is open, and
 * stops, clients and all, when it closes. Time comes from the `Clock` of the environment the
 * layer is built in, so under `TestClock` TTLs, the active expiry cycle and blocking timeouts move
 * only when the test adjusts the clock, while real clients keep working over the socket.
 */
export class Keyfiber extends Context.Service<Keyfiber, KeyfiberService>()("keyfiber/Keyfiber") {
  static readonly layer = (
    options: KeyfiberOptions = {}
  ): Layer.Layer<Keyfiber | ConfigStore, ListenError | ConfigFileError | ConfigOpenError | ModuleLoadError | PersistenceLoadError | AofStartupError> =>
    Layer.unwrap(
      Effect.map(loadConfig(options), (config) => {
        const core = ServerCore.layer({ config, databases: options.databases, limits: options.limits, log: options.log })
        const listener = TcpListener.layer(listenOptions(config))
        const service = Layer.effect(
          Keyfiber,
          Effect.gen(function* () {
            const address = yield* TcpListener
            // Port 0 took a free port: CONFIG GET port (and CONFIG REWRITE) report the real one.
            config.lookup("port")!.restore(address.port)
            return yield* makeService(address)
          })
        )
        // Built in this order: server, modules (the config's `loadmodule` queue), the RDB file,
        // listener, service.
        return Layer.mergeAll(service, ConfigStore.layer).pipe(
          Layer.provide(listener),
          Layer.provide(Replicating.layer),
          Layer.provide(AppendOnlyFile.layer),
          Layer.provide(persistenceLayer()),
          Layer.provide(Modules.layer()),
          Layer.provide(core)
        )
      })
    )
}
