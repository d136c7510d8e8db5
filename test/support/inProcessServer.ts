import { Effect } from "effect"
import { builtinCommands } from "../../src/commands/index.js"
import { ErrorReply, NullArray, type Reply, SimpleString, VerbatimReply } from "../../src/protocol/Reply.js"
import { InProcessClient } from "../../src/server/InProcessClient.js"
import { registerServerHooks } from "../../src/layers/ServerCore.js"
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
    registerServerHooks(this.server)
  }

  /** The embedding API's in-process client, with a loopback address as a network client has. */
  client(): InProcessClient {
    return new InProcessClient(this.server.createClient(null, "127.0.0.1:1", "127.0.0.1:0"))
  }

  /**
   * Runs one command of `client` and returns its reply. The reply comes within the call (the end of
   * the tick runs synchronously), so a command that blocks fails here instead of waiting.
   */
  run(client: InProcessClient, ...argv: Array<string>): Reply {
    return Effect.runSync(client.runReply(...argv))
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
