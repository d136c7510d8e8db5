import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { PushReply, type Reply } from "../protocol/Reply.js"
import type { Client } from "./Client.js"
import type { Server } from "./Server.js"

/** An argument for an in-process command: bytes, text, or a number written in decimal. */
export type CommandArg = string | number | bigint | Uint8Array

/** The in-process client was closed (by `close`, `CLIENT KILL`, `QUIT` or the server stopping). */
export class ClientClosedError extends Data.TaggedError("ClientClosedError")<{
  readonly clientId: number
}> {
  get message(): string {
    return `in-process client ${this.clientId} is closed`
  }
}

const NON_LATIN1 = /[^\x00-\xff]/

/**
 * One argument as the server's latin1 byte string. A string is taken as bytes (one char per byte,
 * the server's own convention, so replies can be passed back as they are) unless it holds a char
 * above 0xFF: then it can only be text, and is sent as UTF-8, as a network client would.
 */
const toArg = (arg: CommandArg): string => {
  if (typeof arg === "string") return NON_LATIN1.test(arg) ? Buffer.from(arg, "utf8").toString("latin1") : arg
  if (typeof arg === "number" || typeof arg === "bigint") return String(arg)
  return Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength).toString("latin1")
}

/** The bytes a network client sends for `argv`: one RESP multibulk request. */
const encodeRequest = (argv: ReadonlyArray<string>): Buffer => {
  let text = `*${argv.length}\r\n`
  for (const arg of argv) text += `$${arg.length}\r\n${arg}\r\n`
  return Buffer.from(text, "latin1")
}

interface PendingRun {
  readonly resume: (effect: Effect.Effect<Reply, ClientClosedError>) => void
  /** The caller stopped waiting: its reply is dropped when it arrives. */
  abandoned: boolean
}

/**
 * A client without a socket, for code in the same process (the embedding API, tests). Requests go
 * through the client's parser and the dispatcher exactly like a network client's bytes, so
 * pipelining, MULTI and blocking behave the same; replies are typed `Reply` values instead of bytes.
 *
 * Runs are answered in order, one reply each. A blocking command's run completes when the client
 * is served, times out or is unblocked; runs sent meanwhile wait behind it, as they would on a
 * connection. RESP3 pushes go to `onPush`; commands that answer with several replies (SUBSCRIBE to
 * several channels in RESP2, MONITOR) do not fit this one-reply-per-run shape.
 */
export class InProcessClient {
  private readonly pending: Array<PendingRun> = []
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

  /** Sends one command; completes with its reply. */
  run(...args: ReadonlyArray<CommandArg>): Effect.Effect<Reply, ClientClosedError> {
    return Effect.callback<Reply, ClientClosedError>((resume) => {
      const client = this.client
      if (client.closed) return resume(Effect.fail(new ClientClosedError({ clientId: client.id })))
      const run: PendingRun = { resume, abandoned: false }
      this.pending.push(run)
      const server = client.server
      client.parser.push(encodeRequest(args.map(toArg)))
      server.dispatcher.processInput(client)
      server.endOfTick()
      // QUIT or CLIENT KILL of itself free the client before the end of the tick delivers.
      this.deliver()
      return Effect.sync(() => {
        run.abandoned = true
      })
    })
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

  /** Hands collected replies to their runs, in order; fails the rest once the client is closed. */
  deliver(): void {
    const replies = this.client.replies!
    if (replies.length > 0) {
      const batch = replies.splice(0, replies.length)
      for (const reply of batch) {
        if (reply instanceof PushReply) {
          this.onPush?.(reply)
          continue
        }
        const run = this.pending.shift()
        if (run !== undefined && !run.abandoned) run.resume(Effect.succeed(reply))
      }
    }
    if (this.client.closed && this.pending.length > 0) {
      const failure = Effect.fail(new ClientClosedError({ clientId: this.client.id }))
      for (const run of this.pending.splice(0, this.pending.length)) if (!run.abandoned) run.resume(failure)
    }
  }
}
