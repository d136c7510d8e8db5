import type { BlockedClient } from "../blocking/BlockedClient.js"
import type { CommandSpec } from "../commands/CommandSpec.js"
import { CommandTable } from "../commands/CommandTable.js"
import { builtinConfigs } from "../config/builtinConfigs.js"
import { Config } from "../config/Config.js"
import type { BlockRequest } from "../contracts/BlockRequest.js"
import type { Blocker, BlockingHost } from "../contracts/Blocking.js"
import type { Log } from "../contracts/Log.js"
import { type PersistenceControl, SHUTDOWN_NOFLAGS } from "../contracts/Persistence.js"
import { Keyspace } from "../keyspace/Keyspace.js"
import type { ModuleTypeCodecs } from "../persistence/rdb/ModuleTypeCodecs.js"
import type { Reply } from "../protocol/Reply.js"
import { clientInfoString } from "../commands/client.js"
import { Client, type ClientHost } from "./Client.js"
import type { Connection } from "./Connection.js"
import { Dispatcher, type DispatcherHost } from "./Dispatcher.js"
import { genInfoString, type InfoSource } from "./Info.js"
import { InstantaneousMetrics } from "./InstantaneousMetrics.js"
import { Monitors } from "../commands/Monitors.js"
import { OutputQueue } from "./OutputQueue.js"
import { Propagator } from "./Propagator.js"
import { PubSub } from "../commands/PubSubState.js"
import { ServerHooks } from "./ServerHooks.js"
import { ServerStats } from "./ServerStats.js"
import { SlowLog } from "../commands/SlowLogState.js"
import { WatchedKeys } from "../commands/WatchedKeys.js"

/**
 * Valkey's per-client static reply buffer (PROTO_REPLY_CHUNK_BYTES): replies that fit there do not
 * count toward the output buffer limits, only what spills into the reply list does.
 */
const REPLY_BUFFER_BYTES = 16 * 1024

/**
 * The most bytes handed to a connection in one write of queued output: big enough that a burst of
 * replies takes few writes, small enough that the copy Node makes for a pending write stays small.
 */
const WRITE_PIECE_BYTES = 1024 * 1024

/** Limits read on the hot path; the config system keeps them current. */
export interface ServerLimits {
  protoMaxBulkLen: number
  clientQueryBufferLimit: number
  maxclients: number
}

interface ServerOptions {
  readonly databases: number
  /** Milliseconds since the epoch, from Effect's `Clock` (so `TestClock` drives TTLs and timeouts). */
  readonly now: () => number
  /** Wall-clock microseconds since the epoch (MONITOR's timestamps); `now` × 1000 when omitted. */
  readonly nowMicros?: () => number
  readonly limits?: Partial<ServerLimits>
  readonly log?: Log
  /** The config table (from the config file and command line); a default one when omitted. */
  readonly config?: Config
  /** The hook lists the layers fill (`ServerCore`, `Modules`); empty ones when omitted. */
  readonly hooks?: ServerHooks
}

export type { LogLevel } from "../contracts/Log.js"

/**
 * The server's state, like Valkey's global `server`: keyspace, command table, clients, stats, and
 * the hooks the layers register (`hooks`). Everything here is synchronous and runs on the one executor.
 */
export class Server implements ClientHost, DispatcherHost, InfoSource, BlockingHost<BlockedClient> {
  readonly keyspace: Keyspace
  readonly commands = new CommandTable()
  readonly clients = new Map<number, Client>()
  readonly stats = new ServerStats()
  readonly limits: ServerLimits
  /** Every config parameter (see `src/config/`); CONFIG GET/SET/REWRITE work on it. */
  readonly config: Config
  readonly now: () => number
  readonly log: Log
  readonly startedAt: number
  readonly dispatcher: Dispatcher
  /** WATCH registry (MULTI/EXEC optimistic locking). */
  readonly watchedKeys: WatchedKeys
  /** SLOWLOG (configs `slowlog-log-slower-than`, `slowlog-max-len`). */
  readonly slowLog: SlowLog
  /** INFO `instantaneous_*` rates. */
  readonly metrics = new InstantaneousMetrics()
  /** Pub/Sub channels and patterns, and keyspace notifications. */
  readonly pubsub: PubSub
  /** MONITOR clients; the dispatcher feeds them every command while there is one. */
  readonly monitors: Monitors
  /** The blocking engine (`blocking/BlockingEngine.ts`), installed by ServerCore. */
  blocker: Blocker | null = null
  /** End of tick, disconnect, shutdown, admissions, module list: registered by the layers. */
  readonly hooks: ServerHooks
  /** How module data types are saved and loaded (null: no module system). */
  get moduleTypes(): ModuleTypeCodecs | null {
    return this.hooks.moduleTypes.current
  }
  /**
   * What a command's effect is propagated to (the AOF), as Valkey's `call()` feeds it; idle until
   * the AOF attaches.
   */
  readonly propagation = new Propagator()
  /** CONFIG SET appendonly (see `ConfigTarget`): the AOF layer's. */
  get appendonlyApply(): (() => string | undefined) | null {
    return this.hooks.appendonlyApply.current
  }
  /** RDB persistence (SAVE, BGSAVE, the shutdown save), installed by the persistence layer. */
  get persistence(): PersistenceControl | null {
    return this.hooks.persistence.current
  }
  get debugLoadAof(): (() => string | null) | null {
    return this.hooks.debugLoadAof.current
  }
  /** `requirepass`: when set, new clients must AUTH (the config system keeps it current). */
  requirepass = ""
  /** Nesting depth of command execution: EXEC bodies and module calls run at depth > 1. */
  nesting = 0
  /**
   * Work for the end of the execution unit, before its propagation (module.c
   * `modulePostExecUnitJobs`, filled by `AddPostNotificationJob`): FIFO, jobs added by jobs included.
   */
  readonly postUnitJobs: Array<() => void> = []
  /** `performance.now()` when the running execution unit started (Valkey's cached `server.ustime`). */
  unitStartedAt = performance.now()
  private nextClientId = 1
  /**
   * Clients with output to write at the end of the tick, each once (`Client.pendingWrite` marks
   * membership): an array and a flag are cheaper than a Set on a path taken for every request.
   * Freed clients stay in it until the end of the tick and are skipped.
   */
  private pendingWrites: Array<Client> = []
  /** `client-output-buffer-limit normal <hard> <soft> <soft seconds>` (0: no limit); the config keeps it current. */
  outputBufferLimit = { hard: 0, soft: 0, softSeconds: 0 }
  /** `client-output-buffer-limit pubsub ...`: for clients with subscriptions (Valkey's pubsub class). */
  pubsubOutputBufferLimit = { hard: 0, soft: 0, softSeconds: 0 }

  /** `busy-reply-threshold` (alias `lua-time-limit`) in ms, read live: when a yielding module command starts answering `-BUSY`. */
  readonly busyReplyThreshold: () => number

  constructor(options: ServerOptions) {
    this.now = options.now
    this.keyspace = new Keyspace(options.databases, options.now)
    this.limits = {
      protoMaxBulkLen: 512 * 1024 * 1024,
      clientQueryBufferLimit: 1024 * 1024 * 1024,
      maxclients: 10000,
      ...options.limits
    }
    this.config = options.config ?? new Config(builtinConfigs())
    this.log = options.log ?? (() => {})
    this.slowLog = new SlowLog(this.config)
    const busyThreshold = this.config.lookup("busy-reply-threshold")
    this.busyReplyThreshold = () => (busyThreshold?.value as number | undefined) ?? 5000
    this.startedAt = this.now()
    this.hooks = options.hooks ?? new ServerHooks()
    this.dispatcher = new Dispatcher(this, this.hooks.admissions)
    this.watchedKeys = new WatchedKeys(this.keyspace)
    this.pubsub = new PubSub()
    const now = options.now
    const config = this.config
    this.monitors = new Monitors(options.nowMicros ?? (() => now() * 1000), (name) => config.isSensitive(name))
  }

  /**
   * INFO `instantaneous_*`: called by the server cron (Valkey samples them from serverCron too), not
   * at every end of tick, which would read the clock once more per request.
   */
  sampleMetrics(): void {
    this.metrics.maybeSample(this.now(), this.stats.totalCommands, this.stats.netInputBytes, this.stats.netOutputBytes)
  }

  /** CONFIG RESETSTAT: zero the INFO counters (Valkey's `resetServerStats`). */
  resetStats(): void {
    this.stats.reset()
    this.keyspace.stats.hits = 0
    this.keyspace.stats.misses = 0
    this.keyspace.stats.expiredKeys = 0
    this.keyspace.stats.evictedKeys = 0
    this.metrics.reset()
  }

  /** A new client; a connection's `addr` and `laddr` are read from its socket when first needed. */
  createClient(socket: Client["socket"], addr: string | null = null, laddr: string | null = null, unixSocket = false): Client {
    const client = new Client(this, this.nextClientId++, socket, addr, laddr, unixSocket)
    this.clients.set(client.id, client)
    this.stats.totalConnections++
    return client
  }

  /** Frees a client's server-side state; the connection is closed by its owner. */
  freeClient(client: Client): void {
    if (client.closed) return
    client.closed = true
    const hooks = this.hooks.disconnect.list
    for (let i = 0; i < hooks.length; i++) hooks[i](client)
    if (client.isBlocked) this.blocker?.disconnect(client)
    if (client.monitor) this.monitors.remove(client)
    this.clients.delete(client.id)
  }

  /**
   * The shutdown sequence shared by SHUTDOWN and the SIGTERM/SIGINT handler (server.c
   * `prepareForShutdown`, `finishShutdown`): it logs, saves as `flags` and the save points say
   * (a failed save refuses the shutdown: false), closes every client (blocked ones included), says
   * goodbye and asks the lifecycle layer to stop.
   */
  prepareForShutdown(requestedBy: Client | null, flags: number = SHUTDOWN_NOFLAGS): boolean {
    this.log(
      "notice",
      requestedBy === null ? "User requested shutdown..." : `User requested shutdown... (user request from '${clientInfoString(requestedBy)}')`
    )
    if (this.persistence !== null && !this.persistence.beforeShutdown(flags)) return false
    for (const client of Array.from(this.clients.values())) this.closeClient(client, false)
    this.log("warning", "Valkey is now ready to exit, bye bye...")
    for (const hook of this.hooks.shutdown.list) hook()
    return true
  }

  /** HELLO's `modules` field: the loaded modules as MODULE LIST replies them (none without a module system). */
  moduleList(): Array<Reply> {
    return this.hooks.moduleList.list.flatMap((list) => list())
  }

  /**
   * Closes a client: at once, or after its pending replies are written (QUIT, protocol errors,
   * CLIENT KILL of itself).
   */
  closeClient(client: Client, afterReply: boolean): void {
    if (afterReply && !client.closed) {
      client.closeAfterReply = true
      this.markPendingWrite(client)
      return
    }
    this.freeClient(client)
    client.socket?.destroy()
  }

  private endOfTickScheduled = false
  private endOfTickDeferred = false
  private readonly runDeferredEndOfTick = (): void => {
    this.endOfTickDeferred = false
    this.endOfTick()
  }
  /** Runs `f` now, or after the module holding the GIL lets it go (timers, cron). */
  whenExecutorFree(f: () => void): void {
    this.dispatcher.executorLock.whenFree(f)
  }
  private readonly runScheduledEndOfTick = (): void => {
    this.endOfTickScheduled = false
    this.endOfTick()
  }

  /**
   * Socket reads end their tick here: the end of tick runs once after every socket that was
   * readable in this event-loop turn has been read (setImmediate runs right after libuv's poll
   * phase), as Valkey writes replies in beforeSleep after its whole epoll batch. Writing per read
   * instead wakes the peer once per socket write, which costs more kernel time than the work.
   */
  scheduleEndOfTick(): void {
    if (this.endOfTickScheduled) return
    this.endOfTickScheduled = true
    setImmediate(this.runScheduledEndOfTick)
  }

  /**
   * The end of a tick (Valkey's beforeSleep): run the queued work (module unblocks, resumed
   * clients), then write each touched client's output once.
   */
  /**
   * The execution unit ended (server.c `postExecutionUnitOperations`, a no-op inside one): the
   * post-unit jobs run inside it, so what they propagate goes out with it, then the unit's commands
   * are propagated (MULTI/EXEC-wrapped when more than one). `command` is the unit's command, null
   * outside commands (expiry, eviction, a thread-safe context's call).
   */
  endExecutionUnit(command: string | null): void {
    if (this.nesting !== 0) return
    const jobs = this.postUnitJobs
    if (jobs.length > 0) {
      this.nesting++
      try {
        // A job that throws is the module's fault (its runner logs it); the rest still run.
        for (let job = jobs.shift(); job !== undefined; job = jobs.shift()) job()
      } finally {
        this.nesting--
      }
    }
    if (this.propagation.enabled) this.propagation.flush(command)
  }

  endOfTick(): void {
    // Nothing runs while a module's thread-safe context holds the GIL: the tick ends after it.
    // (Unless it yields: then replies such as -BUSY go out, as Valkey's processEventsWhileBlocked.)
    if (this.dispatcher.executorLock.held && !this.dispatcher.busy.active) {
      if (!this.endOfTickDeferred) {
        this.endOfTickDeferred = true
        this.dispatcher.executorLock.whenFree(this.runDeferredEndOfTick)
      }
      return
    }
    const hooks = this.hooks.endOfTick.list
    for (let i = 0; i < hooks.length; i++) hooks[i]()
    // Jobs left by work that ended no unit of its own (a module reading an expired key from a timer).
    if (this.postUnitJobs.length > 0) this.endExecutionUnit(null)
    this.hooks.beforeReplies.current?.()
    // Clients marked while flushing (an in-process client's callback running commands, a nested
    // end of tick) go to a fresh list and are flushed in the next round, so no output is left
    // behind; a client's flag is cleared just before its flush, so it is never listed twice.
    while (this.pendingWrites.length > 0) {
      const batch = this.pendingWrites
      this.pendingWrites = []
      // A round after the first holds replies to commands run while flushing.
      this.hooks.beforeReplies.current?.()
      for (let i = 0; i < batch.length; i++) {
        const client = batch[i]
        client.pendingWrite = false
        if (!client.closed) this.flush(client)
      }
    }
  }

  /**
   * Writes what the client is owed (at the end of a tick, and when its connection drained), and
   * closes it when it asked to be closed after its replies or passed its output buffer limit.
   */
  flush(client: Client): void {
    const socket = client.socket
    if (socket === null) {
      client.onReplies?.()
      if (client.closeAfterReply) this.freeClient(client)
      return
    }
    if (socket.destroyed) client.discardOutput()
    else if (client.closeAsap || this.closeOnOutputBufferLimit(client)) {
      // Valkey's freeClientsInAsyncFreeQueue: closed without its pending replies.
      this.freeClient(client)
      socket.destroy()
      return
    } else this.writeOutput(client, socket)
    if (client.closeAfterReply && client.queued === null) {
      this.freeClient(client)
      socket.end()
    }
  }

  /**
   * Hands the client's output to its connection. The common case is one write of this tick's
   * replies; output that waits behind a write the kernel has not taken yet is queued and written
   * in pieces as the connection drains (`Connection.backlogged`, the `drained` event).
   */
  private writeOutput(client: Client, socket: Connection): void {
    // Also reached when a connection drains, possibly before this tick's end: its output may hold
    // replies to writes not yet in the AOF.
    this.hooks.beforeReplies.current?.()
    let queue = client.queued
    if (queue === null) {
      const output = client.output
      if (output.length === 0) return
      client.output = ""
      if (!socket.backlogged) return this.write(client, socket, output)
      queue = client.queued = new OutputQueue()
      queue.push(output)
    } else if (client.output.length > 0) {
      queue.push(client.output)
      client.output = ""
    }
    while (!socket.backlogged && !socket.destroyed && queue.bytes > 0) this.write(client, socket, queue.take(WRITE_PIECE_BYTES))
    if (queue.bytes === 0) client.queued = null
  }

  private write(client: Client, socket: Connection, bytes: string): void {
    this.stats.netOutputBytes += bytes.length
    client.netOutputBytes += bytes.length
    // A client that does not read its replies stops being read (see `Connection.write`).
    socket.write(bytes)
  }

  /**
   * Valkey's `closeClientOnOutputBufferLimitReached` (async): a client whose pending output passed
   * its class's hard limit, or its soft limit for longer than the soft seconds, is flagged to be
   * closed at the end of the tick; its output is dropped and nothing more is run for it. Returns
   * whether it is (now or already) flagged. `building` counts a reply still being built (a long
   * HRANDFIELD with a negative count checks as it goes, as Valkey's loop stops at CLOSE_ASAP).
   */
  closeOnOutputBufferLimit(client: Client, building = 0): boolean {
    if (client.closeAsap) return true
    const socket = client.socket
    if (socket === null || !this.hasOutputBufferLimit(client)) return false
    // Valkey counts its reply list: what does not fit the 16 KB static reply buffer.
    const used = client.outputBytes + building - REPLY_BUFFER_BYTES
    if (used <= 0 || !this.overOutputBufferLimit(client, used)) return false
    this.log("warning", `Client ${clientInfoString(client)} scheduled to be closed ASAP for overcoming of output buffer limits.`)
    this.stats.clientObufLimitDisconnections++
    client.closeAsap = true
    client.discardOutput()
    this.markPendingWrite(client)
    return true
  }

  /**
   * Valkey's clientsCron check of every client: a client held over its soft limit closes when its
   * seconds pass even if nothing more is added to its output.
   */
  checkOutputBufferLimits(): void {
    for (const client of this.clients.values()) if (client.socket !== null) this.closeOnOutputBufferLimit(client)
  }

  /** The `client-output-buffer-limit` class of a client: pubsub while subscribed, else normal. */
  private outputLimitOf(client: Client): { hard: number; soft: number; softSeconds: number } {
    const subs = client.subscriptions
    return subs !== null && subs.total > 0 ? this.pubsubOutputBufferLimit : this.outputBufferLimit
  }

  /** The client's class has a limit (`normal 0 0 0`, the default, has none: no need to measure). */
  private hasOutputBufferLimit(client: Client): boolean {
    const { hard, soft } = this.outputLimitOf(client)
    if (hard > 0 || soft > 0) return true
    client.obufSoftLimitReachedAt = 0
    return false
  }

  /**
   * Valkey's `checkClientOutputBufferLimits`: the hard limit, or the soft limit held continuously
   * for more than its seconds (whole seconds of the server clock, as Valkey's `server.unixtime`).
   */
  private overOutputBufferLimit(client: Client, used: number): boolean {
    const { hard, soft, softSeconds } = this.outputLimitOf(client)
    if (hard > 0 && used >= hard) return true
    if (soft > 0 && used >= soft) {
      const now = Math.floor(this.now() / 1000)
      if (client.obufSoftLimitReachedAt === 0) {
        client.obufSoftLimitReachedAt = now
        return false
      }
      return now - client.obufSoftLimitReachedAt > softSeconds
    }
    client.obufSoftLimitReachedAt = 0
    return false
  }

  markPendingWrite(client: Client): void {
    if (client.pendingWrite) return
    client.pendingWrite = true
    this.pendingWrites.push(client)
  }

  /** INFO [section ...] for a command (the text; `client` is the asking client). */
  info(sections: ReadonlyArray<string>, client: Client): string {
    return genInfoString(this, sections, client)
  }

  // ---- the blocking engine's host (`BlockingHost`) ------------------------------------------

  enterExecutionUnit(): void {
    if (this.nesting++ === 0) this.unitStartedAt = performance.now()
  }

  exitExecutionUnit(): void {
    this.nesting--
    this.endExecutionUnit(null)
  }

  rerun(client: Client, spec: CommandSpec, argv: Array<string>): Reply | BlockRequest {
    return this.dispatcher.call(client, spec, argv, true)
  }

  countCompleted(spec: CommandSpec, reply: Reply, client: Client, argv: ReadonlyArray<string>): void {
    this.dispatcher.count(spec, 0, reply, client, argv)
  }

  countUnblockedError(spec: CommandSpec, client: Client): void {
    this.dispatcher.countUnblockedError(spec, client)
  }

  countErrorReply(code: string): void {
    this.stats.errorReply(code)
  }

  processInput(client: Client): void {
    this.dispatcher.processInput(client)
  }

  /** INFO `blocked_clients` (a counter kept by the blocking engine). */
  get blockedClients(): number {
    return this.blocker?.blockedClients ?? 0
  }
}
