import { RawReply, type Reply } from "../protocol/Reply.js"
import { quoteArg } from "../protocol/splitArgs.js"
import { redactArgv } from "./redactArgv.js"

/** A client as the monitors see it (the command's client, or a monitor). */
interface MonitorClient {
  monitor: boolean
  readonly db: number
  readonly addr: string
  /** Connected through the `unixsocket` listener: shown as `unix:<path>`. */
  readonly unixSocket?: boolean
  readonly closed: boolean
  /** Null for a client without a connection. */
  readonly socket: object | null
  reply(reply: Reply): void
}

/**
 * The clients in MONITOR mode (Valkey's `server.monitors`) and the feed of every command to them
 * (replication.c `replicationFeedMonitors`). The dispatcher asks `size` before anything else, so a
 * server without monitors pays one length check per command.
 */
export class Monitors {
  private readonly clients: Array<MonitorClient> = []
  /** A monitor whose own lines wait for its reply (see `hold`), and those lines. */
  private held: { readonly client: MonitorClient; readonly lines: Array<Reply> } | null = null

  constructor(
    /** Wall-clock microseconds since the epoch, for the line's `<sec>.<usec>` (Valkey's gettimeofday). */
    private readonly nowMicros: () => number,
    private readonly isSensitive: (name: string) => boolean
  ) {}

  get size(): number {
    return this.clients.length
  }

  /** MONITOR: the client receives every command from now on. */
  add(client: MonitorClient): void {
    if (client.monitor) return
    client.monitor = true
    this.clients.push(client)
  }

  /** The client leaves monitor mode (RESET, disconnect). */
  remove(client: MonitorClient): void {
    if (!client.monitor) return
    client.monitor = false
    const index = this.clients.indexOf(client)
    if (index !== -1) this.clients.splice(index, 1)
  }

  /**
   * Lines for `client` wait until `release`: a monitor running EXEC sees each command's line right
   * after that command's reply, inside the EXEC array, as Valkey writes EXEC's replies as they come.
   */
  hold(client: MonitorClient): void {
    this.held = { client, lines: [] }
  }

  release(): void {
    const held = this.held
    this.held = null
    if (held !== null) for (const line of held.lines) held.client.reply(line)
  }

  /**
   * Feeds a command that ran to every monitor, after it ran (server.c `call`): its `db` is the
   * client's database once the command is done (`SELECT 3` shows `[3 ...]`). Administrative
   * commands (`admin`) and those that feed themselves (`skip_monitor`) are never shown, as in
   * Valkey; passwords are redacted.
   */
  feed(client: MonitorClient, spec: { readonly flags: ReadonlyArray<string> }, argv: ReadonlyArray<string>): void {
    if (this.clients.length === 0) return
    const flags = spec.flags
    if (flags.includes("admin") || flags.includes("skip_monitor")) return
    // replication.c `replicationFeedMonitors`: a Unix socket client is `unix:<path>` (its addr is
    // `<path>:0`), any other its `ip:port`.
    this.feedLine(client.db, client.unixSocket === true ? "unix:" + client.addr.slice(0, -2) : client.addr, argv)
  }

  /**
   * `+<sec>.<usec> [<db> <peer>] "arg" ...` with each argument in `sdscatrepr` form. The peer is the
   * client's `ip:port` or `unix:<path>` (empty for a module's RM_Call client, as Valkey's fake
   * clients); Valkey's `lua` form belongs to scripts, which keyfiber has not.
   */
  feedLine(db: number, peer: string, argv: ReadonlyArray<string>): void {
    const micros = this.nowMicros()
    const seconds = Math.floor(micros / 1_000_000)
    const usec = String(micros - seconds * 1_000_000).padStart(6, "0")
    let line = `+${seconds}.${usec} [${db} ${peer}]`
    const shown = redactArgv(argv, this.isSensitive)
    for (let i = 0; i < shown.length; i++) line += " " + quoteArg(shown[i])
    const reply = new RawReply(line + "\r\n")
    // A monitor over its output buffer limit is only flagged here (closed at the end of the tick),
    // so the list does not change while it is walked. A client without a connection (in-process)
    // gets nothing, as Valkey's fake clients get no output.
    const clients = this.clients
    for (let i = 0; i < clients.length; i++) {
      const monitor = clients[i]
      if (monitor.closed || monitor.socket === null) continue
      if (this.held !== null && this.held.client === monitor) this.held.lines.push(reply)
      else monitor.reply(reply)
    }
  }
}
