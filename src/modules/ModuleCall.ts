import { performance } from "node:perf_hooks"
import { BlockRequest } from "../blocking/BlockRequest.js"
import { ErrorReply, RawReply, type Reply } from "../protocol/Reply.js"
import { Client } from "../server/Client.js"
import type { Server } from "../server/Server.js"
import type { CallOptions } from "./api.js"
import type { HostedContext } from "./ModuleHost.js"

/**
 * `RM_Call` (module.c `VM_Call`): runs a command from module code through the dispatcher, on a
 * fake client of its own; errors come back as reply values.
 */
export class ModuleCall {
  private readonly callClients = new WeakSet<Client>()
  private nextCallClientId = 1

  constructor(private readonly server: Server) {}

  /** The client runs a command for `call` (it never waits, whatever its flags). */
  isCallClient(client: Client): boolean {
    return this.callClients.has(client)
  }

  call(caller: HostedContext, options: CallOptions, argv: Array<string>): Reply {
    const server = this.server
    const client = new Client(server, -this.nextCallClientId++, null, "", "")
    this.callClients.add(client)
    client.db = caller.db
    client.resp = options.resp === 3 ? 3 : options.resp === "auto" ? caller.resp : 2
    client.denyBlocking = options.allowBlocking !== true
    // Errors are not counted in errorstats here: only when the module relays them to a client
    // (Valkey's module clients skip `afterErrorReply`); the command's calls/failed_calls are.
    const found = server.dispatcher.lookup(argv)
    if (typeof found === "string") return new ErrorReply(found)
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
    if (propagating) {
      propagation.exit(client.db, found.name, argv, found.module === undefined && server.keyspace.dirty !== dirty)
      if (server.nesting === 0) propagation.flush(null)
    }
    // A blocking command through call never waits: it gets its timeout reply at once.
    if (result instanceof BlockRequest) result = result.timeoutReply
    const stat = server.stats.command(found.fullName)
    const usec = Math.round((performance.now() - start) * 1000)
    stat.calls++
    stat.usec += usec
    server.stats.totalCommands++
    if (result instanceof ErrorReply) stat.failedCalls++
    // Valkey logs commands of module calls too, from a client without a connection ("?:0").
    if (!found.flags.includes("skip_slowlog")) server.slowLog.push(argv, usec, "?:0", "", server.now())
    if (result instanceof RawReply && result.bytes === "" && client.replies!.length > 0) return client.replies![0]
    return result
  }
}
