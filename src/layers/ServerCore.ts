import { Context, Duration, Effect, Layer, Schedule } from "effect"
import { BlockingEngine } from "../blocking/BlockingEngine.js"
import { timeoutTimer } from "../blocking/TimeoutTimer.js"
import { builtinCommands } from "../commands/index.js"
import { type LogLevel, Server, type ServerLimits } from "../server/Server.js"

export interface ServerCoreOptions {
  readonly databases?: number
  readonly limits?: Partial<ServerLimits>
  readonly log?: (level: LogLevel, message: string) => void
}

/**
 * The server state with every built-in command registered, reading time from Effect's `Clock`
 * (so `TestClock` drives TTLs and timeouts), plus the active expiry cycle (Valkey's `hz` 10).
 */
export class ServerCore extends Context.Tag("keyfiber/ServerCore")<ServerCore, Server>() {
  static readonly make = (options: ServerCoreOptions = {}) =>
    Effect.gen(function* () {
      const clock = yield* Effect.clock
      const server = new Server({
        databases: options.databases ?? 16,
        now: () => clock.unsafeCurrentTimeMillis(),
        limits: options.limits,
        log: options.log
      })
      server.commands.registerAll(builtinCommands)
      const blocking = new BlockingEngine(server)
      blocking.install()
      yield* Effect.forkScoped(timeoutTimer(blocking))
      yield* Effect.sync(() => {
        server.keyspace.activeExpireCycle()
        server.endOfTick()
      }).pipe(Effect.repeat(Schedule.spaced(Duration.millis(100))), Effect.forkScoped)
      return server
    })

  static readonly layer = (options: ServerCoreOptions = {}) => Layer.scoped(ServerCore, ServerCore.make(options))
}

