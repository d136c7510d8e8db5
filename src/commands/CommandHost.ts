import type { Config } from "../config/Config.js"
import type { ConfigTarget } from "../config/ConfigParam.js"
import type { BlockRequest } from "../contracts/BlockRequest.js"
import type { Blocker } from "../contracts/Blocking.js"
import type { Log } from "../contracts/Log.js"
import type { Keyspace } from "../keyspace/Keyspace.js"
import type { RespParser } from "../protocol/RespParser.js"
import type { Reply } from "../protocol/Reply.js"
import type { RespVersion } from "../protocol/RespWriter.js"
import type { CommandSpec } from "./CommandSpec.js"
import type { CommandTable } from "./CommandTable.js"
import type { ClientSubscriptions, PubSub } from "./PubSubState.js"
import type { SlowLog } from "./SlowLogState.js"
import type { WatchedKey, WatchedKeys } from "./WatchedKeys.js"

/**
 * The contracts commands run against: the client handle a command receives and the host it
 * reaches through `client.server`. The server's `Client` and `Server` implement them, so no
 * command needs the whole server (and the server room may import commands, never the reverse).
 */

/** A command queued between MULTI and EXEC. */
export interface QueuedCommand {
  readonly spec: CommandSpec
  readonly argv: Array<string>
}

export interface MultiState {
  readonly queue: Array<QueuedCommand>
  /** A command failed to queue: EXEC replies EXECABORT. */
  aborted: boolean
}

/** The client as a command sees it. */
export interface CommandClient {
  readonly server: CommandHost
  readonly id: number
  db: number
  resp: RespVersion
  name: string
  libName: string
  libVer: string
  authenticated: boolean
  readonly createdAt: number
  readonly lastInteraction: number
  readonly lastCommand: string
  multi: MultiState | null
  dirtyCas: boolean
  watched: Array<WatchedKey>
  denyBlocking: boolean
  noEvict: boolean
  noTouch: boolean
  readonly isBlocked: boolean
  subscriptions: ClientSubscriptions | null
  closeAfterReply: boolean
  readonly closed: boolean
  readonly isLocal: boolean
  readonly parser: RespParser
  readonly addr: string
  readonly laddr: string
  /** CLIENT LIST `fd` (-1 for an in-process client). */
  readonly socket: { readonly fd: number } | null
  /** CLIENT LIST `oll`: the reply chunks waiting behind the socket. */
  readonly queued: { readonly length: number } | null
  readonly outputBytes: number
  readonly netInputBytes: number
  readonly netOutputBytes: number
  readonly commandsProcessed: number
  reply(reply: Reply): void
}

/** What commands reach through `client.server` (CONFIG SET applies to it too). */
export interface CommandHost extends ConfigTarget {
  readonly keyspace: Keyspace
  readonly config: Config
  readonly commands: CommandTable
  readonly clients: ReadonlyMap<number, CommandClient>
  readonly pubsub: PubSub
  readonly watchedKeys: WatchedKeys
  readonly slowLog: SlowLog
  readonly blocker: Blocker | null
  readonly startedAt: number
  readonly now: () => number
  readonly log: Log
  /** Runs a command for a client (EXEC's queued commands) and counts it. */
  readonly dispatcher: CommandRunner
  /** HELLO's `modules` (MODULE LIST replies); null without a module system. */
  readonly moduleList: (() => Array<Reply>) | null
  /** INFO `blocked_clients`. */
  readonly blockedClients: number
  closeClient(client: CommandClient, afterReply: boolean): void
  closeOnOutputBufferLimit(client: CommandClient, building?: number): boolean
  prepareForShutdown(requestedBy: CommandClient | null): void
  resetStats(): void
  /** INFO [section ...]: the text of the sections asked for. */
  info(sections: ReadonlyArray<string>, client: CommandClient): string
}

/**
 * A gate run before a command executes (authentication, protected commands, OOM): an error text
 * rejects the command, `undefined` lets it through.
 */
export type Admission = (client: CommandClient, spec: CommandSpec, argv: Array<string>) => string | undefined

/** The dispatcher's entry points a command may use. */
export interface CommandRunner {
  call(client: CommandClient, spec: CommandSpec, argv: Array<string>): Reply | BlockRequest
  count(spec: CommandSpec, elapsedMs: number, reply: Reply, client: CommandClient | null, argv: ReadonlyArray<string>): void
}
