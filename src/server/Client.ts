import type { BlockedClient } from "../blocking/BlockedClient.js"
import type { CommandClient, CommandHost, MultiState } from "../commands/CommandSpec.js"
import type { ClientSubscriptions } from "../commands/PubSubState.js"
import { NO_WATCHES, type WatchedKey } from "../commands/WatchedKeys.js"
import type { BlockableClient } from "../contracts/Blocking.js"
import { RespParser } from "../protocol/RespParser.js"
import { RawReply, type Reply, SimpleString } from "../protocol/Reply.js"
import { encodeReply, REPLY_PIECE_BYTES, type ReplySink, type RespVersion, writeReply } from "../protocol/RespWriter.js"
import type { Connection, Endpoint } from "./Connection.js"
import { OutputQueue } from "./OutputQueue.js"
import type { ServerStats } from "./ServerStats.js"

/** `ip:port`, or `[ipv6]:port`; IPv4-mapped IPv6 addresses are shown as IPv4 (Valkey's formatting). */
/**
 * The server as its clients reach it (`client.server`): what commands use, plus the connection
 * events' way in (run input, write output, close) and the limits a client reads. The server
 * implements it.
 */
export interface ClientHost extends CommandHost {
  readonly limits: { protoMaxBulkLen: number; clientQueryBufferLimit: number; maxclients: number }
  readonly stats: ServerStats
  readonly dispatcher: CommandHost["dispatcher"] & { processInput(client: Client): void }
  markPendingWrite(client: Client): void
  flush(client: Client): void
  closeClient(client: Client, afterReply: boolean): void
  freeClient(client: Client): void
  scheduleEndOfTick(): void
  endOfTick(): void
}

const formatAddress = (end: Endpoint | null): string | null => {
  if (end === null) return null
  const { address, port } = end
  if (address.startsWith("::ffff:")) return `${address.slice(7)}:${port}`
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`
}

const isLoopback = (host: string | undefined): boolean =>
  host !== undefined && (host === "::1" || host.startsWith("127.") || host.startsWith("::ffff:127."))

/**
 * One client: its connection (or none, for in-process clients), protocol state, selected database,
 * transaction and blocking state. Replies are encoded into `output` and written once per tick;
 * what grows past one small string waits in `queued` and is written as the socket drains.
 */
export class Client implements ReplySink, CommandClient, BlockableClient<BlockedClient> {
  resp: RespVersion = 2
  db = 0
  name = ""
  libName = ""
  libVer = ""
  /** Valkey's CLIENT_AUTHENTICATED: set at connect when no password is required, else by AUTH/HELLO. */
  authenticated: boolean
  readonly createdAt: number
  lastInteraction: number
  /** The command being run or last run, for CLIENT LIST `cmd=`. */
  lastCommand = "NULL"
  multi: MultiState | null = null
  /** Set by a write to a watched key: EXEC fails with a null reply. */
  dirtyCas = false
  /** WATCHed keys (`commands/WatchedKeys.ts`); the shared empty `NO_WATCHES` until the first WATCH. */
  watched: Array<WatchedKey> = NO_WATCHES
  /** A replica's connection to this primary (CLIENT LIST flag `S`), or this replica's primary client (`M`). */
  replicationRole: "" | "replica" | "primary" = ""
  /** Running inside EXEC or a module call: blocking commands act as if they timed out at once. */
  denyBlocking = false
  /**
   * Commands come from a source that must be obeyed as written, the AOF (Valkey's
   * `mustObeyClient`): XADD/XTRIM then trim exactly as propagated, whatever their LIMIT.
   */
  mustObey = false
  noEvict = false
  noTouch = false
  /**
   * The client of a module's `RM_Call` without `!`: its commands are not propagated themselves, also
   * when a blocked one is re-run (Valkey's CLIENT_MODULE_PREVENT_AOF_PROP / _REPL_PROP).
   */
  preventPropagation = false
  /** In MONITOR mode (see `commands/Monitors.ts`). */
  monitor = false
  /** Runs a module's RM_Call (set by the module system when it makes the client). */
  moduleCaller = false
  /** The client of a module's `RM_Call` with `K`: what runs when its block ends (see `BlockableClient`). */
  onUnblocked: (() => void) | null = null
  /** The blocking engine's record while this client is blocked (see `blocking/`). */
  blocked: BlockedClient | null = null
  /** Pub/Sub subscriptions (`commands/PubSubState.ts`); null until the first SUBSCRIBE. */
  subscriptions: ClientSubscriptions | null = null
  /**
   * Milliseconds the current command has run so far without completing (Valkey's `c->duration`):
   * the first run of a command that blocked, added to its duration when it completes.
   */
  duration = 0
  /** Close the connection once the pending output is written (QUIT, protocol errors, KILL). */
  closeAfterReply = false
  closed = false
  /** In the server's list of clients to flush at the end of the tick (`Server.markPendingWrite`). */
  pendingWrite = false
  /**
   * Encoded replies not yet written to the socket, after those in `queued`: one string, kept under
   * `REPLY_PIECE_BYTES` (the common case: one append per reply, one write per tick).
   */
  output = ""
  /** Older replies waiting for the socket to drain (Valkey's reply list); null when none. */
  queued: OutputQueue | null = null
  /**
   * Passed its `client-output-buffer-limit` (Valkey's CLIENT_CLOSE_ASAP): nothing more is read,
   * run or replied, and the connection is closed at the end of the tick without its output.
   */
  closeAsap = false
  /** When the output buffer first passed the soft limit, in unix seconds (0: it is under it). */
  obufSoftLimitReachedAt = 0
  /** In-process clients collect reply values here instead of bytes. */
  readonly replies: Array<Reply> | null
  /** In-process clients: called at the end of a tick that added to `replies` (the embedding API). */
  onReplies: (() => void) | null = null
  readonly parser: RespParser
  /** CLIENT LIST `tot-net-in`, `tot-net-out`, `tot-cmds`. */
  netInputBytes = 0
  netOutputBytes = 0
  commandsProcessed = 0

  /**
   * Loopback or in-process: protected mode and `enable-*-command local` allow it. Known from the
   * accept, as Valkey's `connIsLocal` in `acceptCommonHandler`.
   */
  readonly isLocal: boolean
  /** `addr` and `laddr`, formatted when first asked for (most clients never are). */
  private formattedAddr: string | null
  private formattedLaddr: string | null

  constructor(
    readonly server: ClientHost,
    readonly id: number,
    readonly socket: Connection | null,
    addr: string | null = null,
    laddr: string | null = null,
    /** Connected through the `unixsocket` listener (CLIENT LIST flag `U`); such a client is local. */
    readonly unixSocket = false
  ) {
    this.formattedAddr = addr
    this.formattedLaddr = laddr
    this.isLocal = socket === null || unixSocket || isLoopback(socket.remote?.address)
    this.createdAt = server.now()
    this.lastInteraction = this.createdAt
    this.authenticated = server.requirepass === ""
    this.parser = new RespParser(this)
    this.replies = socket === null ? [] : null
  }

  /** The parser's limits (`ParserLimits`), read live so CONFIG SET and AUTH apply at once. */
  get maxBulkLen(): number {
    return this.server.limits.protoMaxBulkLen
  }

  get unauthenticated(): boolean {
    return !this.authenticated
  }

  get isBlocked(): boolean {
    return this.blocked !== null
  }

  /** CLIENT LIST `addr`: the peer's `ip:port` (`?:0` once the connection is gone, as Valkey shows an unknown peer). */
  get addr(): string {
    if (this.formattedAddr === null && this.socket !== null) this.formattedAddr = formatAddress(this.socket.remote)
    return this.formattedAddr ?? "?:0"
  }

  /** CLIENT LIST `laddr`: the local `ip:port` the client connected to. */
  get laddr(): string {
    if (this.formattedLaddr === null && this.socket !== null) this.formattedLaddr = formatAddress(this.socket.local)
    return this.formattedLaddr ?? "?:0"
  }

  /** Bytes of replies not yet handed to the kernel: queued here and in the connection's write queue. */
  get outputBytes(): number {
    return this.output.length + (this.queued?.bytes ?? 0) + (this.socket?.queuedBytes ?? 0)
  }

  /** Queues a reply for this client. */
  reply(reply: Reply): void {
    if (this.closed || this.closeAsap) return
    // Nothing to send (a module command that blocked without writing anything).
    if (reply instanceof RawReply && reply.bytes === "") return
    if (this.replies !== null) {
      this.replies.push(reply)
      this.server.markPendingWrite(this)
      return
    }
    if (!this.pendingWrite) this.server.markPendingWrite(this)
    // The common replies (small bulks, integers, statuses) are one string append, as `add` does.
    if (typeof reply === "string" ? reply.length < REPLY_PIECE_BYTES : typeof reply !== "object" || reply === null || reply instanceof SimpleString) {
      const bytes = encodeReply(reply, this.resp)
      if (this.output.length + bytes.length < REPLY_PIECE_BYTES) this.output += bytes
      else this.spill(bytes)
    } else writeReply(reply, this.resp, this)
  }

  /** Appends encoded bytes to the output (`ReplySink`, for `writeReply`). */
  add(bytes: string): void {
    if (this.output.length + bytes.length < REPLY_PIECE_BYTES) this.output += bytes
    else this.spill(bytes)
  }

  /**
   * The output grew past one piece: it moves to the queue, and the output buffer limits are
   * checked as Valkey checks them when its reply list grows (`_addReplyProtoToList`).
   */
  private spill(bytes: string): void {
    if (this.closeAsap) return
    const queue = (this.queued ??= new OutputQueue())
    // A long string is queued as it is, never copied into a longer one.
    if (bytes.length >= REPLY_PIECE_BYTES) {
      queue.push(this.output)
      queue.push(bytes)
    } else queue.push(this.output + bytes)
    this.output = ""
    this.server.closeOnOutputBufferLimit(this)
  }

  /** Drops every reply not yet handed to the connection. */
  discardOutput(): void {
    this.output = ""
    this.queued = null
  }
}
