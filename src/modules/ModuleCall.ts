import { performance } from "node:perf_hooks"
import { BlockRequest } from "../blocking/BlockRequest.js"
import type { CommandClient, CommandSpec } from "../commands/CommandSpec.js"
import type { BlockingEngine } from "../blocking/BlockingEngine.js"
import { ErrorReply, RawReply, type Reply } from "../protocol/Reply.js"
import { Client } from "../server/Client.js"
import { OOM } from "../server/MemoryGate.js"
import type { Server } from "../server/Server.js"
import type { CallOptions, CallResult, ModuleContext } from "./api.js"
import { CallReplyPromise } from "./CallReplyPromise.js"
import type { LoadedModule } from "./LoadedModule.js"
import type { HostedContext } from "./ModuleHost.js"
import { PendingCallReply } from "./PendingCallReply.js"

/**
 * Valkey's `RM_Call` format modifiers (module.c `moduleCreateArgvFromUserFormat`) as options; the
 * argument specifiers `c s b l v` are skipped. Undefined for any other letter (Valkey's EBADF).
 */
export const parseCallFormat = (format: string): CallOptions | undefined => {
  const o: { -readonly [K in keyof CallOptions]: CallOptions[K] } = {}
  let noAof = false
  for (const c of format) {
    switch (c) {
      case "c":
      case "s":
      case "b":
      case "l":
      case "v":
        break
      case "!":
        o.replicate = true
        break
      case "A":
        noAof = true
        break
      case "R":
        // No replicas here.
        break
      case "3":
        o.resp = 3
        break
      case "0":
        o.resp = "auto"
        break
      case "C":
        // Run as the context's user: keyfiber has no ACL users, every command is allowed.
        break
      case "S":
        o.scriptMode = true
        break
      case "W":
        o.noWrites = true
        break
      case "M":
        o.respectDenyOom = true
        break
      case "E":
        o.errorsAsReplies = true
        break
      case "D":
        o.dryRun = true
        o.errorsAsReplies = true
        break
      case "K":
        o.allowBlocking = true
        break
      default:
        return undefined
    }
  }
  if (noAof) o.replicate = false
  return o
}

/**
 * `RM_Call` (module.c `VM_Call`): runs a command from module code through the dispatcher, on a
 * fake client of its own. The command's error replies are values; errors found before it runs are
 * `undefined` (Valkey's NULL call reply; `null` is a reply, the null bulk) unless `E` asks for them
 * as replies. With `K` a command that blocks leaves its client
 * blocked and the call returns a `CallReplyPromise`; without it, a long (`async`) module command
 * goes on after the call returned, which then returns a `PendingCallReply`.
 */
export class ModuleCall {
  /** Each call client and the context that called (a long command it runs holds the server for it). */
  private readonly callers = new WeakMap<CommandClient, HostedContext>()
  /** The reply to come of a long (`async`) module command a call client runs, set while it runs. */
  private readonly pending = new WeakMap<CommandClient, Promise<Reply>>()
  /** Call clients whose caller takes a pending reply (`callWith`; `call` never returns one). */
  private readonly pendable = new WeakSet<CommandClient>()
  private nextCallClientId = 1

  constructor(
    private readonly server: Server,
    /** Runs a promise's unblock handler in a module context (the module system builds it). */
    private readonly runHandler: (module: LoadedModule, db: number, f: (ctx: ModuleContext<any>) => void) => void
  ) {}

  /** The client runs a command for `call`. */
  isCallClient(client: CommandClient): boolean {
    return this.callers.has(client)
  }

  /** The context whose call runs on `client` (undefined: not a call client). */
  callerOf(client: CommandClient): HostedContext | undefined {
    return this.callers.get(client)
  }

  /**
   * A long (`async`) module command running on a call client that cannot block (no `K`): its reply
   * comes later, and the call returns a `PendingCallReply` for it. False for any other client.
   */
  pend(client: CommandClient, reply: () => Promise<Reply>): boolean {
    if (!this.pendable.has(client) || !client.denyBlocking || client.multi !== null || client.blocked !== null) return false
    this.pending.set(client, reply())
    return true
  }

  call(caller: HostedContext, format: CallOptions | string, argv: Array<string>, mayPend = true): CallResult {
    const options = typeof format === "string" ? parseCallFormat(format) : format
    if (options === undefined) return undefined
    const server = this.server
    const refused = (message: string): CallResult => (options.errorsAsReplies === true ? new ErrorReply(message) : undefined)
    // Errors are not counted in errorstats here: only when the module relays them to a client
    // (Valkey's module clients skip `afterErrorReply`); the command's calls/failed_calls are.
    const found = server.dispatcher.lookup(argv)
    if (typeof found === "string") return refused(found)
    if (options.scriptMode === true && found.flags.includes("noscript")) {
      return refused(`ERR command '${found.fullName}' is not allowed on script mode`)
    }
    if (options.noWrites === true && found.flags.includes("write")) {
      return refused(`ERR Write command '${found.fullName}' was called while write is not allowed.`)
    }
    if (options.respectDenyOom === true && found.flags.includes("denyoom")) {
      // Valkey checks the memory state (`getMaxmemoryState`) without evicting for the call.
      const eviction = server.keyspace.eviction
      if (eviction.maxmemory !== 0 && eviction.usedMemory > eviction.maxmemory) return refused(OOM)
    }
    if (options.dryRun === true) return undefined
    const client = new Client(server, -this.nextCallClientId++, null, "", "")
    this.callers.set(client, caller)
    if (mayPend) this.pendable.add(client)
    client.moduleCaller = true
    client.db = caller.db
    client.resp = options.resp === 3 ? 3 : options.resp === "auto" ? caller.resp : 2
    const engine = server.blocker as BlockingEngine | null
    const mayBlock = options.allowBlocking === true && engine !== null
    client.denyBlocking = !mayBlock
    // Without `!` a blocked command re-run when served is not propagated either.
    client.preventPropagation = options.replicate !== true
    // Made before the run so a block on this client is known as a call's from the start.
    const promise = mayBlock ? new CallReplyPromise(caller.module, client, engine, this.runHandler) : null
    const start = performance.now()
    let result: Reply | BlockRequest
    // With `!` the command propagates like a client's (module.c `VM_Call`, CMD_CALL_PROPAGATE).
    const propagation = server.propagation
    const propagating = options.replicate === true && propagation.enabled
    const dirty = server.keyspace.dirty
    if (propagating) propagation.enter()
    server.nesting++
    try {
      result = found.run(client, argv)
    } catch (e) {
      server.log("warning", `Command ${found.fullName} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
      const message = e instanceof Error ? e.message : String(e)
      result = new ErrorReply(/^[A-Z]+ /.test(message) ? message : "ERR " + message)
    } finally {
      server.nesting--
    }
    // Monitors see the call, before the command that made it (server.c `call`); its client has no
    // address (`[0 ]`). A call client cannot stay a monitor: nothing ever reads its output.
    if (server.monitors.size !== 0) server.monitors.feed(client, found, argv)
    if (client.monitor) server.monitors.remove(client)
    if (propagating) propagation.exit(client.db, found.name, argv, found.module === undefined && server.keyspace.dirty > dirty)
    // Outside any command (a thread-safe context, a timer) the call is its own execution unit.
    if (server.nesting === 0) server.endExecutionUnit(null)
    if (result instanceof BlockRequest) {
      // Without K a blocking command never waits: it gets its timeout reply at once.
      if (promise === null) result = result.timeoutReply
      else engine!.block(client, found, argv, result)
    }
    const usec = Math.round((performance.now() - start) * 1000)
    if (promise !== null && client.blocked !== null) {
      // Counted when it completes, like any blocked command.
      client.duration += usec / 1000
      return promise
    }
    client.onUnblocked = null
    const pending = this.pending.get(client)
    if (pending !== undefined) {
      // A long module command goes on: counted when it ends, with the time it ran.
      this.pending.delete(client)
      return new PendingCallReply(
        pending.then((reply) => this.finish(client, found, argv, reply, Math.round((performance.now() - start) * 1000)))
      )
    }
    return this.finish(client, found, argv, result as Reply, usec)
  }

  /** The call's command is done: its stats and slow log entry, and the reply the caller gets. */
  private finish(client: Client, found: CommandSpec, argv: Array<string>, reply: Reply, usec: number): Reply {
    const server = this.server
    const stat = server.stats.command(found.fullName)
    stat.calls++
    stat.usec += usec
    server.stats.totalCommands++
    if (reply instanceof ErrorReply) stat.failedCalls++
    // Valkey logs commands of module calls too, from a client without a connection ("?:0").
    if (!found.flags.includes("skip_slowlog")) server.slowLog.push(argv, usec, "?:0", "", server.now())
    if (reply instanceof RawReply && reply.bytes === "" && client.replies!.length > 0) return client.replies![0]
    return reply
  }
}
