import { performance } from "node:perf_hooks"
import { BlockRequest } from "../contracts/BlockRequest.js"
import type { Admission, CommandClient, CommandSpec } from "../commands/CommandSpec.js"
import type { CommandTable } from "../commands/CommandTable.js"
import type { Monitors } from "../commands/Monitors.js"
import type { SlowLog } from "../commands/SlowLogState.js"
import { discardTransaction } from "../commands/transactions.js"
import { ProtocolError } from "../protocol/RespParser.js"
import { ErrorReply, QUEUED, type Reply } from "../protocol/Reply.js"
import { BusyModule } from "./BusyModule.js"
import type { Client } from "./Client.js"
import { ExecutorLock } from "./ExecutorLock.js"
import type { Blocker } from "../contracts/Blocking.js"
import type { Hooks } from "../contracts/Hooks.js"
import type { Log } from "../contracts/Log.js"
import type { Propagator } from "./Propagator.js"
import type { ServerStats } from "./ServerStats.js"

/** Commands that run at once inside MULTI instead of being queued (Valkey's processCommand). */
const MULTI_CONTROL = new Set(["exec", "discard", "multi", "watch", "quit", "reset"])

const NOAUTH = "NOAUTH Authentication required."

/** Valkey's `is_read_command || is_write_command || is_may_replicate_command`. */
const touchesKeyspace = (spec: CommandSpec): boolean =>
  spec.flags.includes("readonly") || spec.flags.includes("write") || spec.flags.includes("may_replicate")

/** What the dispatcher needs of the server (the server implements it). */
export interface DispatcherHost {
  readonly commands: CommandTable
  readonly stats: ServerStats
  readonly slowLog: SlowLog
  readonly blocker: Blocker | null
  readonly limits: { readonly clientQueryBufferLimit: number }
  readonly now: () => number
  readonly log: Log
  /** `busy-reply-threshold` in ms. */
  readonly busyReplyThreshold: () => number
  /** Ends the tick (after postponed clients ran their input). */
  endOfTick(): void
  /** Valkey's `server.dirty`: a command that moved it changed the data set and is propagated. */
  readonly keyspace: { readonly dirty: number }
  readonly propagation: Propagator
  /** MONITOR clients, fed each command after it runs. */
  readonly monitors: Monitors
  /** Nesting depth of command execution (EXEC bodies and module calls run at depth > 1). */
  nesting: number
  /** `performance.now()` when the running execution unit started. */
  unitStartedAt: number
  /** Jobs for the end of the execution unit (see `Server.endExecutionUnit`). */
  readonly postUnitJobs: ReadonlyArray<() => void>
  endExecutionUnit(command: string | null): void
  closeClient(client: Client, afterReply: boolean): void
}

/**
 * Looks up, checks and runs commands: Valkey's `processCommand` and `call`. Synchronous from start
 * to end, so each command is atomic.
 */
export class Dispatcher {
  /**
   * While a read's requests run, the end time of the previous command: the next command's start,
   * so each command reads the clock once (0 outside `processInput`).
   */
  private clockMark = 0
  /**
   * The GIL: while a module's thread-safe context holds it, client input waits here and runs
   * when it is let go (Valkey's main thread waits on the GIL before it processes events).
   */
  readonly executorLock = new ExecutorLock()
  /** Clients whose input arrived while the lock was held, in arrival order. */
  private waitingInput: Set<Client> | null = null
  /** A module command that runs long and yields: other clients wait or get `-BUSY`. */
  readonly busy: BusyModule

  /** `admissions`: the gates after authentication, registered by the layers. */
  constructor(
    readonly server: DispatcherHost,
    private readonly admissions: Hooks<Admission>
  ) {
    // Postponed clients run in the next turn of the event loop, after the busy command's own reply
    // went out (Valkey serves them once the command returned to its event loop).
    this.busy = new BusyModule(server.busyReplyThreshold, (clients) =>
      setImmediate(() => {
        for (const client of clients) if (!client.closed && client.blocked === null) this.processInput(client)
        server.endOfTick()
      })
    )
  }

  /** Runs every complete request in the client's input until it blocks, closes or runs dry. */
  processInput(client: Client): void {
    // A context yielding while it holds the GIL hands clients to `busy` (postponed or -BUSY).
    if (this.executorLock.held && !this.busy.active) return this.deferInput(client)
    // Valkey sets last_interaction once per read, from its cached clock.
    client.lastInteraction = this.server.now()
    this.clockMark = performance.now()
    try {
      this.runRequests(client)
    } finally {
      this.clockMark = 0
    }
    this.queryBufferTooBig(client, client.parser.pendingBytes)
  }

  private deferInput(client: Client): void {
    if (this.waitingInput === null) {
      this.waitingInput = new Set()
      this.executorLock.whenFree(this.resumeInput)
    }
    this.waitingInput.add(client)
  }

  private readonly resumeInput = (): void => {
    const clients = this.waitingInput
    this.waitingInput = null
    if (clients !== null) for (const client of clients) if (!client.closed) this.processInput(client)
  }

  /**
   * Closes the client if its query buffer (`pending` bytes) passed the limit (Valkey's
   * `client-query-buffer-limit`).
   */
  private queryBufferTooBig(client: Client, pending: number): boolean {
    // Valkey caps an unauthenticated client's query buffer at 1 MB whatever the configured limit.
    const limit = client.authenticated ? this.server.limits.clientQueryBufferLimit : 1024 * 1024
    if (client.closed || pending <= limit) return false
    this.server.log("warning", `Closing client that reached max query buffer length: id=${client.id} addr=${client.addr}`)
    this.server.stats.clientQbufLimitDisconnections++
    // Through closeClient, so the connection is really closed at the end of the tick.
    this.server.closeClient(client, true)
    return true
  }

  private runRequests(client: Client): void {
    while (!client.closed && !client.closeAfterReply && !client.closeAsap && !client.isBlocked) {
      // A module command is running long: this client's commands wait in its query buffer.
      if (this.busy.active && this.busy.postpones(client)) break
      let argv: Array<string> | undefined
      // Valkey checks the query buffer right after the read, before running what it holds: a
      // request that made the buffer pass the limit is not run (parse errors still come first).
      const pending = client.parser.pendingBytes
      try {
        argv = client.parser.next()
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e
        this.server.log("verbose", `Protocol error (${e.reason}) from client: id=${client.id} addr=${client.addr}`)
        client.reply(new ErrorReply("ERR " + e.message))
        this.server.stats.errorReply("ERR")
        client.closeAfterReply = true
        return
      }
      if (argv === undefined) break
      if (this.queryBufferTooBig(client, pending)) return
      this.processCommand(client, argv)
    }
  }

  /** One top-level command from a client. */
  processCommand(client: Client, argv: Array<string>): void {
    const server = this.server
    client.commandsProcessed++
    client.duration = 0
    const found = this.find(argv)
    if (typeof found === "string") return this.reject(client, found, undefined)
    const spec = found
    const arityError = this.checkArity(spec, argv)
    // Valkey counts an arity error as a rejected call of the command.
    if (arityError !== undefined) return this.reject(client, arityError, spec, argv)
    client.lastCommand = spec.fullName
    // Valkey's processCommand: unknown-command and arity errors first, then authentication.
    if (!client.authenticated && !spec.flags.includes("no_auth")) return this.reject(client, NOAUTH, spec, argv)
    const admissions = this.admissions.list
    for (let i = 0; i < admissions.length; i++) {
      const denied = admissions[i](client, spec, argv)
      if (denied !== undefined) return this.reject(client, denied, spec, argv)
    }
    // After the Pub/Sub subset check, as in Valkey's processCommand.
    if (this.busy.active) {
      const busy = this.busy.rejection(spec.flags.includes("allow_busy"))
      if (busy !== undefined) return this.reject(client, busy, spec, argv)
    }
    // A monitor (Valkey marks it a replica) may not touch the keyspace (server.c processCommand).
    if (client.monitor && touchesKeyspace(spec)) return this.reject(client, "ERR Replica can't interact with the keyspace", spec, argv)
    if (client.multi !== null) {
      // Valkey 8 flags MULTI and WATCH no_multi too, so nesting them aborts the transaction.
      if (spec.flags.includes("no_multi")) return this.reject(client, "ERR Command not allowed inside a transaction", spec, argv)
    }
    if (client.multi !== null && !MULTI_CONTROL.has(spec.name)) {
      client.multi.queue.push({ spec, argv })
      client.reply(QUEUED)
      return
    }
    const result = this.execute(client, spec, argv, false)
    if (result instanceof BlockRequest) this.block(client, spec, argv, result)
    else client.reply(result)
    // After the reply: a monitor that runs a command sees its reply before the command's line.
    if (server.monitors.size !== 0) server.monitors.feed(client, spec, argv)
    server.blocker?.serveReadyKeys()
  }

  /**
   * Runs a command and counts it (Valkey's `call`). Used for top-level commands, EXEC bodies and
   * re-runs of blocked commands (`reprocessing`). A blocked command is counted when it completes,
   * not here; monitors see it once, when it first runs.
   */
  call(client: Client, spec: CommandSpec, argv: Array<string>, reprocessing = false): Reply | BlockRequest {
    return this.execute(client, spec, argv, !reprocessing)
  }

  /** `call`, feeding monitors when `feed` (a top-level command is fed after its reply instead). */
  private execute(client: Client, spec: CommandSpec, argv: Array<string>, feed: boolean): Reply | BlockRequest {
    const server = this.server
    const start = this.clockMark > 0 ? this.clockMark : performance.now()
    // Propagation (AOF) costs this test alone while it is off.
    const propagation = server.propagation
    const propagating = propagation.enabled
    const dirty = propagating ? server.keyspace.dirty : 0
    if (propagating) propagation.enter()
    if (server.nesting++ === 0) server.unitStartedAt = start
    let result: Reply | BlockRequest
    try {
      result = spec.run(client, argv)
    } catch (e) {
      server.log("warning", `Command ${spec.fullName} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
      const message = e instanceof Error ? e.message : String(e)
      result = new ErrorReply(/^[A-Z]+ /.test(message) ? message : "ERR " + message)
    } finally {
      server.nesting--
    }
    if (feed && server.monitors.size !== 0) server.monitors.feed(client, spec, argv)
    // A module command propagates only what it replicates (server.c `call`: CMD_MODULE).
    if (propagating) {
      propagation.exit(client.db, spec.name, argv, spec.module === undefined && server.keyspace.dirty > dirty && !client.preventPropagation)
    }
    if (server.nesting === 0 && (propagating || server.postUnitJobs.length > 0)) server.endExecutionUnit(spec.name)
    const end = performance.now()
    if (this.clockMark > 0) this.clockMark = end
    // A blocked command (a BlockRequest, or a module that parked the client) is counted when it
    // completes, with this first run's time.
    if (result instanceof BlockRequest || client.blocked !== null) {
      client.duration += end - start
      return result
    }
    this.count(spec, end - start, result, client, argv)
    return result
  }

  /**
   * A completed command: commandstats, errorstats and the slow log. `elapsedMs` is the last run
   * (or the background time of a blocked module command); the client's pending `duration` from a
   * first run that blocked is added here.
   */
  count(spec: CommandSpec, elapsedMs: number, reply: Reply, client: CommandClient | null, argv: ReadonlyArray<string>): void {
    const server = this.server
    const stats = server.stats
    const stat = stats.commandStat(spec)
    let ms = elapsedMs
    if (client !== null) {
      ms += client.duration
      client.duration = 0
    }
    const usec = Math.round(ms * 1000)
    stat.calls++
    stat.usec += usec
    stats.recordLatency(stat, ms)
    stats.totalCommands++
    if (reply instanceof ErrorReply) {
      stat.failedCalls++
      stats.errorReply(reply.code)
    }
    if (server.slowLog.accepts(usec) && !spec.flags.includes("skip_slowlog")) {
      server.slowLog.push(argv, usec, client?.addr ?? "", client?.name ?? "", server.now())
    }
  }

  /**
   * A call ended by `CLIENT UNBLOCK ... ERROR`: one call, failed (blocked.c `unblockClientOnError`
   * calls `updateStatsOnUnblock(c, 0, 0, 1)`); its UNBLOCKED error is counted where it is replied.
   */
  countUnblockedError(spec: CommandSpec, client: CommandClient): void {
    const stats = this.server.stats
    const stat = stats.command(spec.fullName)
    const ms = client.duration
    client.duration = 0
    stat.calls++
    stat.failedCalls++
    stat.usec += Math.round(ms * 1000)
    stats.recordLatency(stat, ms)
    stats.totalCommands++
  }

  private block(client: Client, spec: CommandSpec, argv: Array<string>, request: BlockRequest): void {
    const blocker = this.server.blocker
    if (blocker === null || client.denyBlocking) {
      // No engine, or blocking is not allowed: act as if the timeout passed at once.
      this.count(spec, 0, request.timeoutReply, client, argv)
      client.reply(request.timeoutReply)
      return
    }
    blocker.block(client, spec, argv, request)
  }

  /** The command for `argv`, or Valkey's error text for an unknown command or wrong arity. */
  lookup(argv: Array<string>): CommandSpec | string {
    const spec = this.find(argv)
    return typeof spec === "string" ? spec : (this.checkArity(spec, argv) ?? spec)
  }

  /** The command (or subcommand) for `argv`, or the unknown command/subcommand error text. */
  find(argv: Array<string>): CommandSpec | string {
    let spec = this.server.commands.lookup(argv[0])
    if (spec === undefined) {
      let args = ""
      for (let i = 1; i < argv.length && args.length < 128; i++) args += `'${argv[i].slice(0, 128 - args.length)}' `
      return `ERR unknown command '${argv[0].slice(0, 128)}', with args beginning with: ${args}`
    }
    if (spec.subcommands !== undefined && argv.length >= 2) {
      const sub = spec.subcommands.get(argv[1].toLowerCase())
      if (sub === undefined) {
        return `ERR unknown subcommand '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`
      }
      spec = sub
    }
    return spec
  }

  /** Valkey's arity error text, or undefined when `argv` has a valid number of arguments. */
  checkArity(spec: CommandSpec, argv: Array<string>): string | undefined {
    if ((spec.arity > 0 && argv.length !== spec.arity) || argv.length < -spec.arity) {
      return `ERR wrong number of arguments for '${spec.fullName}' command`
    }
    return undefined
  }

  /**
   * Valkey's `rejectCommand`: the error reply, and inside MULTI the transaction is aborted; a
   * rejected EXEC discards the transaction with EXECABORT (`execCommandAbort`).
   */
  private reject(client: Client, message: string, spec: CommandSpec | undefined, argv?: ReadonlyArray<string>): void {
    if (client.multi !== null) client.multi.aborted = true
    if (spec !== undefined) this.server.stats.commandStat(spec).rejectedCalls++
    if (spec?.name === "exec") {
      // multi.c `execCommandAbort`, also without MULTI; the error's own `ERR` is not repeated.
      discardTransaction(client)
      message = "EXECABORT Transaction discarded because of: " + (message.startsWith("ERR ") ? message.slice(4) : message)
      // Monitors saw MULTI, so they see the transaction end.
      if (argv !== undefined) this.server.monitors.feed(client, spec, argv)
    }
    const reply = new ErrorReply(message)
    this.server.stats.errorReply(reply.code)
    client.reply(reply)
  }
}
