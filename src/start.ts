import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Scope from "effect/Scope"
import { TestClock } from "effect/testing"
import { Keyfiber, type KeyfiberOptions } from "./layers/Keyfiber.js"
import type { Reply } from "./protocol/Reply.js"
import type { BytesReplyValue, ReplyValue } from "./protocol/ReplyValue.js"
import type { Config } from "./config/Config.js"
import type { CommandArg } from "./server/InProcessClient.js"
import type { Server } from "./server/Server.js"

export interface StartOptions extends KeyfiberOptions {
  /**
   * Run on Effect's `TestClock`: time starts at 0 and moves only by `advance`, so TTLs, active
   * expiry and blocking timeouts are under the test's control. Default: the real clock.
   */
  readonly testClock?: boolean
}

export interface RunningKeyfiber {
  readonly host: string
  readonly port: number
  /** `redis://host:port` */
  readonly url: string
  readonly server: Server
  /** The config table (the values CONFIG GET/SET see). */
  readonly config: Config
  /**
   * Runs a command in-process (a new client per call), as the Effect service's `run`: a `string`
   * argument is text (sent as UTF-8), a `Uint8Array`/`Buffer` exact bytes, a number decimal;
   * strings in the reply come back as UTF-8 text; an error reply rejects with `ReplyError`.
   */
  run(...args: ReadonlyArray<CommandArg>): Promise<ReplyValue>
  /** Like `run`, with every string of the reply as a `Buffer` of exactly the server's bytes. */
  runBytes(...args: ReadonlyArray<CommandArg>): Promise<BytesReplyValue>
  /** Like `run`, with the reply as the server's typed `Reply` value (strings as byte strings, errors as values). */
  runReply(...args: ReadonlyArray<CommandArg>): Promise<Reply>
  /**
   * A dedicated in-process client, as the Effect service's `connect`: its state (SELECT, MULTI,
   * CLIENT SETNAME) lasts across its runs, answered in order, until `close`.
   */
  connect(): Promise<Connection>
  /** With `testClock`: moves the clock forward by `ms`, running what falls due, in order. */
  advance(ms: number): Promise<void>
  /** Stops the server: closes the listener and every client. */
  close(): Promise<void>
}

/** A dedicated in-process client of the Promise facade (`kf.connect()`). */
export interface Connection {
  /** The client's id (CLIENT ID, CLIENT KILL ID). */
  readonly id: number
  run(...args: ReadonlyArray<CommandArg>): Promise<ReplyValue>
  runBytes(...args: ReadonlyArray<CommandArg>): Promise<BytesReplyValue>
  runReply(...args: ReadonlyArray<CommandArg>): Promise<Reply>
  /** Frees the client; its runs still waiting reject with `ClientClosedError`. */
  close(): Promise<void>
}

/**
 * Starts keyfiber in this process for code that does not use Effect (vitest, jest, scripts):
 * resolves once it listens, with its address, an in-process `run` and `close`.
 *
 * ```ts
 * const kf = await start({ port: 0 })
 * const client = createClient({ url: kf.url })
 * ...
 * await kf.close()
 * ```
 */
export const start = async (options: StartOptions = {}): Promise<RunningKeyfiber> => {
  // Without Effect's loggers, TestClock's "not advancing" warning (the expiry cycle always
  // sleeps) stays quiet; the server logs through its own `log` option.
  const layer = options.testClock
    ? Keyfiber.layer(options).pipe(Layer.provideMerge(TestClock.layer()), Layer.provide(Logger.layer([])))
    : Keyfiber.layer(options)
  const runtime = ManagedRuntime.make(layer)
  const exit = await runtime.runPromiseExit(Effect.service(Keyfiber))
  if (Exit.isFailure(exit)) {
    await runtime.dispose()
    throw Cause.squash(exit.cause)
  }
  const kf = exit.value
  return {
    host: kf.host,
    port: kf.port,
    url: kf.url,
    server: kf.server,
    config: kf.config,
    run: (...args) => runtime.runPromise(kf.run(...args)),
    runBytes: (...args) => runtime.runPromise(kf.runBytes(...args)),
    runReply: (...args) => runtime.runPromise(kf.runReply(...args)),
    connect: async () => {
      const scope = Scope.makeUnsafe()
      const client = await runtime.runPromise(Scope.provide(kf.connect, scope))
      return {
        id: client.id,
        run: (...args) => runtime.runPromise(client.run(...args)),
        runBytes: (...args) => runtime.runPromise(client.runBytes(...args)),
        runReply: (...args) => runtime.runPromise(client.runReply(...args)),
        close: () => runtime.runPromise(Scope.close(scope, Exit.void))
      }
    },
    advance: (ms) =>
      options.testClock
        ? runtime.runPromise(TestClock.adjust(Duration.millis(ms)))
        : Promise.reject(new Error("advance needs start({ testClock: true })")),
    close: () => runtime.dispose()
  }
}
