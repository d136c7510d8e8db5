import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { type CommandArg, commandArgBytes } from "../protocol/CommandArg.js"
import { ErrorReply, PushReply, RawReply, type Reply } from "../protocol/Reply.js"
import { decodeReplies } from "../protocol/RespReplyDecoder.js"
import { bytesToText, type BytesReplyValue, ReplyError, replyToBytes, replyToText, type ReplyValue } from "../protocol/ReplyValue.js"
import type { Client } from "./Client.js"
import type { Server } from "./Server.js"

export type { CommandArg } from "../protocol/CommandArg.js"

/** The in-process client was closed (by `close`, `CLIENT KILL`, `QUIT` or the server stopping). */
export class ClientClosedError extends Data.TaggedError("ClientClosedError")<{
  readonly clientId: number
}> {
  get message(): string {
    return `in-process client ${this.clientId} is closed`
  }
}

/** The bytes a network client sends for `argv` (byte strings): one RESP multibulk request. */
const encodeRequest = (argv: ReadonlyArray<string>): Buffer => {
  let text = `*${argv.length}\r\n`
  for (const arg of argv) text += `$${arg.length}\r\n${arg}\r\n`
  return Buffer.from(text, "latin1")
}

interface PendingRun {
  /** The request, encoded when the run is made (the arguments are converted once). */
  readonly request: Buffer
  readonly resume: (effect: Effect.Effect<Reply, ClientClosedError>) => void
  /** The caller stopped waiting: its reply, if one comes, is dropped. */
  abandoned: boolean
}

/** An error reply fails the run with `ReplyError`; any other reply is converted by `decode`. */
const decoded =
  <A>(decode: (reply: Reply) => A) =>
  (reply: Reply): Effect.Effect<A, ReplyError> =>
    reply instanceof ErrorReply ? Effect.fail(new ReplyError({ message: bytesToText(reply.message) })) : Effect.succeed(decode(reply))
/**
 * Replies the server encoded ahead (a module's postponed lengths, pushes inside EXEC) as values:
 * one reply as itself, several as an array of them, none as null.
 */
const decodedRaw = (raw: RawReply): Reply => {
  const replies = decodeReplies(raw.bytes)
  return replies.length === 0 ? null : replies.length === 1 ? replies[0] : replies
}

const asText = decoded(replyToText)
const asBytes = decoded(replyToBytes)

/**
 * A client without a socket, for code in the same process (the embedding API, tests). Requests go
 * through the client's parser and the dispatcher exactly like a network client's bytes, so MULTI,
 * blocking and client state behave the same; replies come back as values instead of bytes.
 *
 * Arguments: a JS `string` is text (its UTF-8 bytes are sent), a `Uint8Array` exact bytes, a
 * number decimal. Replies, by the method: `run` with strings as UTF-8 text, `runBytes` with
 * strings as `Buffer`s, `runReply` as the server's typed `Reply` (whose strings are byte strings,
 * one char per byte). `run` and `runBytes` fail with `ReplyError` on an error reply.
 *
 * Runs are answered in order, one reply each. A run's command is handed to the server when the
 * run before it has its reply, so a run waiting behind a blocked command has not started.
 * Interrupting a run is an abort: a run not started is never sent; a run whose command is blocked
 * (BLPOP, BLMOVE, a module block...) ends that block without being served, as a disconnect would
 * (nothing is consumed), and the client stays usable, the next run getting its own reply. RESP3
 * pushes go to `onPush`; replies no run asked for (a RESP2 SUBSCRIBE to several channels) are
 * dropped.
 */
export class InProcessClient {
  /** Runs not answered yet, oldest first; the head is in flight when `inFlight` is set. */
  private readonly queue: Array<PendingRun> = []
  private inFlight = false
  private delivering = false
  /** Out-of-band pushes (RESP3 `>`), which answer no request. */
  onPush: ((push: PushReply) => void) | null = null

  constructor(readonly client: Client) {
    client.onReplies = () => this.deliver()
  }

  /** Opens an in-process client on `server`. */
  static open(server: Server): InProcessClient {
    return new InProcessClient(server.createClient(null, "in-process:0", "in-process:0"))
  }

  get id(): number {
    return this.client.id
  }

  get closed(): boolean {
    return this.client.closed
  }

  /** Sends one command; completes with its reply, strings as UTF-8 text. */
  run(...args: ReadonlyArray<CommandArg>): Effect.Effect<ReplyValue, ReplyError | ClientClosedError> {
    return Effect.flatMap(this.runReply(...args), asText)
  }

  /** Sends one command; completes with its reply, strings as `Buffer`s of exactly their bytes. */
  runBytes(...args: ReadonlyArray<CommandArg>): Effect.Effect<BytesReplyValue, ReplyError | ClientClosedError> {
    return Effect.flatMap(this.runReply(...args), asBytes)
  }

  /** Sends one command; completes with the server's typed reply (error replies are values). */
  runReply(...args: ReadonlyArray<CommandArg>): Effect.Effect<Reply, ClientClosedError> {
    return Effect.callback<Reply, ClientClosedError>((resume) => {
      if (this.client.closed) return resume(Effect.fail(new ClientClosedError({ clientId: this.client.id })))
      const run: PendingRun = { request: encodeRequest(args.map(commandArgBytes)), resume, abandoned: false }
      this.queue.push(run)
      this.deliver()
      return Effect.sync(() => this.abort(run))
    })
  }

  /** The caller of `run` was interrupted: its command is not sent, or its block ends unserved. */
  private abort(run: PendingRun): void {
    run.abandoned = true
    const index = this.queue.indexOf(run)
    if (index === -1) return
    if (index > 0 || !this.inFlight) {
      // Not sent yet: it never will be.
      this.queue.splice(index, 1)
      return
    }
    const client = this.client
    const server = client.server
    if (client.blocked === null || server.blocker === null) return
    // In flight and blocked: end the block unserved. A reply it still produces is dropped by
    // `deliver` (the run is abandoned); once the tick has ended with none, none will come.
    server.blocker.abandon(client)
    server.endOfTick()
    if (this.inFlight && this.queue[0] === run && client.blocked === null) {
      this.queue.shift()
      this.inFlight = false
    }
    this.deliver()
  }

  /** Frees the client; runs still waiting fail with `ClientClosedError`. */
  close(): void {
    const server = this.client.server
    if (!this.client.closed) {
      server.closeClient(this.client, false)
      server.endOfTick()
    }
    this.deliver()
  }

  /**
   * Hands replies to their runs in order and sends the next run's command once the one before has
   * its reply; fails the waiting runs once the client is closed. Re-entrant calls (a command's own
   * end of tick, a resumed caller's next run) leave the work to the loop already running.
   */
  deliver(): void {
    if (this.delivering) return
    this.delivering = true
    try {
      const client = this.client
      const replies = client.replies!
      for (;;) {
        if (replies.length > 0) {
          const reply = replies.shift()!
          if (reply instanceof PushReply) {
            this.onPush?.(reply)
            continue
          }
          if (!this.inFlight) continue
          const run = this.queue.shift()!
          this.inFlight = false
          if (!run.abandoned) run.resume(Effect.succeed(reply instanceof RawReply ? decodedRaw(reply) : reply))
          continue
        }
        if (client.closed) {
          this.inFlight = false
          if (this.queue.length === 0) break
          const failure = Effect.fail(new ClientClosedError({ clientId: client.id }))
          for (const run of this.queue.splice(0, this.queue.length)) if (!run.abandoned) run.resume(failure)
          continue
        }
        if (this.inFlight || this.queue.length === 0) break
        this.inFlight = true
        const server = client.server
        client.parser.push(this.queue[0].request)
        server.dispatcher.processInput(client)
        // The end of the tick collects the reply (and QUIT or CLIENT KILL of itself free the client).
        server.endOfTick()
      }
    } finally {
      this.delivering = false
    }
  }
}
