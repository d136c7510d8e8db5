import { builtinCommands } from "../../src/commands/index.js"
import { ErrorReply, NullArray, type Reply, SimpleString, VerbatimReply } from "../../src/protocol/Reply.js"
import type { Client } from "../../src/server/Client.js"
import { Server } from "../../src/server/Server.js"

/**
 * A server with no sockets and a hand-driven clock: commands run through the real dispatcher and
 * replies come back as values. For exact tests of TTL-dependent behaviour without sleeping.
 */
export class InProcessServer {
  time = 1_700_000_000_000
  readonly server: Server

  constructor(databases = 16) {
    this.server = new Server({ databases, now: () => this.time })
    this.server.commands.registerAll(builtinCommands)
  }

  client(): InProcessClient {
    return new InProcessClient(this.server, this.server.createClient(null, "127.0.0.1:1", "127.0.0.1:0"))
  }

  advance(ms: number): void {
    this.time += ms
  }

  /** Gives `key` in `db` a TTL of `ms` from now. */
  expireIn(db: number, key: string, ms: number): void {
    const entry = this.server.keyspace.dbs[db].raw(key)
    if (entry === undefined) throw new Error(`no key ${key}`)
    this.server.keyspace.setExpire(db, entry, this.time + ms)
  }
}

export class InProcessClient {
  constructor(
    readonly server: Server,
    readonly client: Client
  ) {}

  /** Runs one command as if it came from the network and returns its reply. */
  run(...argv: Array<string>): Reply {
    const replies = this.client.replies!
    const before = replies.length
    this.server.dispatcher.processCommand(this.client, argv)
    this.server.endOfTick()
    if (replies.length !== before + 1) throw new Error(`expected one reply, got ${replies.length - before}`)
    return replies.pop()!
  }

  close(): void {
    this.server.freeClient(this.client)
  }
}

/** A reply as a plain value for assertions: `+OK`, `-ERR ...`, `*nil`, strings, numbers, arrays. */
export const show = (reply: Reply): unknown => {
  if (reply === null || typeof reply !== "object") return reply
  if (Array.isArray(reply)) return reply.map(show)
  if (reply instanceof SimpleString) return "+" + reply.value
  if (reply instanceof ErrorReply) return "-" + reply.message
  if (reply instanceof NullArray) return "*nil"
  if (reply instanceof VerbatimReply) return reply.text
  return reply
}
