import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { TestClock } from "effect/testing"
import { Keyfiber, type KeyfiberOptions } from "./layers/Keyfiber.js"
import {
  BigNumberReply,
  DoubleReply,
  ErrorReply,
  MapReply,
  NullArray,
  PushReply,
  RawReply,
  type Reply,
  SetReply,
  SimpleString,
  VerbatimReply
} from "./protocol/Reply.js"
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

/** A JavaScript value for a reply: what `run` resolves with. */
export type ReplyValue = string | number | bigint | boolean | null | ReadonlyArray<ReplyValue> | Map<ReplyValue, ReplyValue> | Set<ReplyValue>

/** An error reply, as a rejection of `run`: `message` is the whole error line (`ERR ...`). */
export class ReplyError extends Error {
  readonly code: string
  constructor(message: string) {
    super(message)
    this.name = "ReplyError"
    this.code = message.split(" ", 1)[0]
  }
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
   * Runs a command in-process (a new client per call). Strings are sent as UTF-8 text, `Buffer`s
   * as bytes; bulk replies come back as UTF-8 strings, error replies reject with `ReplyError`.
   */
  run(...args: ReadonlyArray<string | number | bigint | Uint8Array>): Promise<ReplyValue>
  /** Like `run`, with the reply as the server's typed `Reply` value (byte strings in latin1 form). */
  runReply(...args: ReadonlyArray<CommandArg>): Promise<Reply>
  /** With `testClock`: moves the clock forward by `ms`, running what falls due, in order. */
  advance(ms: number): Promise<void>
  /** Stops the server: closes the listener and every client. */
  close(): Promise<void>
}

const textArg = (arg: string | number | bigint | Uint8Array): CommandArg =>
  typeof arg === "string" ? Buffer.from(arg, "utf8") : arg

const utf8 = (bytes: string): string => Buffer.from(bytes, "latin1").toString("utf8")

/** A reply as plain JavaScript values, decoding byte strings as UTF-8. */
export const replyToValue = (reply: Reply): ReplyValue => {
  if (reply === null || typeof reply === "number" || typeof reply === "bigint" || typeof reply === "boolean") return reply
  if (typeof reply === "string") return utf8(reply)
  if (Array.isArray(reply)) return reply.map(replyToValue)
  if (reply instanceof SimpleString) return utf8(reply.value)
  if (reply instanceof ErrorReply) throw new ReplyError(utf8(reply.message))
  if (reply instanceof NullArray) return null
  if (reply instanceof MapReply) {
    const map = new Map<ReplyValue, ReplyValue>()
    for (let i = 0; i + 1 < reply.entries.length; i += 2) map.set(replyToValue(reply.entries[i]), replyToValue(reply.entries[i + 1]))
    return map
  }
  if (reply instanceof SetReply) return new Set(reply.items.map(replyToValue))
  if (reply instanceof DoubleReply) return reply.value
  if (reply instanceof VerbatimReply) return utf8(reply.text)
  if (reply instanceof BigNumberReply) return BigInt(reply.digits)
  if (reply instanceof PushReply) return reply.items.map(replyToValue)
  if (reply instanceof RawReply) return utf8(reply.bytes)
  return null
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
    run: (...args) => runtime.runPromise(kf.run(...args.map(textArg))).then(replyToValue),
    runReply: (...args) => runtime.runPromise(kf.run(...args)),
    advance: (ms) =>
      options.testClock
        ? runtime.runPromise(TestClock.adjust(Duration.millis(ms)))
        : Promise.reject(new Error("advance needs start({ testClock: true })")),
    close: () => runtime.dispose()
  }
}
