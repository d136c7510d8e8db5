import type { BlockingEngine } from "../blocking/BlockingEngine.js"
import type { BlockRequest } from "../blocking/BlockRequest.js"
import type { CommandClient, CommandSpec } from "../commands/CommandSpec.js"
import { ErrorReply, type Reply } from "../protocol/Reply.js"
import { bytesToText } from "../protocol/ReplyValue.js"
import type { CommandHandler } from "./api.js"
import type { LoadedModule } from "./LoadedModule.js"
import type { ModuleBlocking } from "./ModuleBlocking.js"
import { ModuleContextImpl } from "./ModuleContextImpl.js"
import { describeFault, faultReply, isThenable } from "./ModuleFault.js"
import type { ModuleHost } from "./ModuleHost.js"
import { NO_REPLY } from "./ReplyBuilder.js"
import { suspendClient } from "./suspendClient.js"

/** An `async` module command inside MULTI/EXEC or a module call, where nothing can wait. */
const ASYNC_CANNOT_WAIT = "ERR module command cannot wait inside a transaction or a module call"

/** What running a module command needs of the module system (implemented by `ModuleRegistry`). */
export interface CommandHost extends ModuleHost {
  readonly blocking: ModuleBlocking
  /** The blocking engine (the `Blocking` service), where an `async` command's client waits. */
  readonly engine: BlockingEngine
}

/**
 * Runs a module command's handler (module.c `ModuleCommandDispatcher`) in a command context: what
 * it replied, an error reply if it threw, or a parked client while an `async` handler runs.
 */
export const runModuleCommand = (
  host: CommandHost,
  module: LoadedModule,
  handler: CommandHandler,
  client: CommandClient,
  argv: Array<string>,
  spec?: CommandSpec
): Reply | BlockRequest => {
  const server = host.server
  const ctx = new ModuleContextImpl(host, module, "command", client)
  ctx.command = spec ?? server.commands.lookup(argv[0]) ?? null
  ctx.argv = argv
  let result: unknown
  try {
    // The handler sees text; `ctx.argvBytes()` gives the exact bytes.
    result = handler(ctx, argv.map(bytesToText))
  } catch (e) {
    server.log("warning", `<${module.name}> command ${argv[0]} failed: ${describeFault(e)}`)
    ctx.finished = true
    server.dispatcher.busy.release(ctx)
    if (ctx.blocked !== null) host.blocking.abortBlock(ctx.blocked)
    return faultReply(e)
  }
  // A command that yielded keeps the server busy until it ends (see `BusyModule`).
  const busy = server.dispatcher.busy
  if (isThenable(result)) {
    const release = () => {
      ctx.finished = true
      busy.release(ctx)
    }
    result.then(release, release)
    return awaitCommand(host, module, ctx, client, argv, result)
  }
  ctx.finished = true
  if (busy.active) busy.release(ctx)
  const out = ctx.builder!.take(client.resp)
  return out === undefined ? NO_REPLY : out
}

/**
 * An `async` handler: the client waits (pipelined commands behind it too) until its promise
 * settles; then it gets what the handler replied, or an error reply if it rejected. A handler
 * that blocked the client first keeps its block: a rejection then ends the block with the error.
 */
const awaitCommand = (
  host: CommandHost,
  module: LoadedModule,
  ctx: ModuleContextImpl<any>,
  client: CommandClient,
  argv: Array<string>,
  result: PromiseLike<unknown>
): Reply => {
  const server = host.server
  const failed = (e: unknown): ErrorReply => {
    server.log("warning", `<${module.name}> command ${argv[0]} failed: ${describeFault(e)}`)
    return faultReply(e)
  }
  const blocked = ctx.blocked
  if (blocked !== null) {
    result.then(undefined, (e) => {
      host.blocking.failBlock(blocked, failed(e))
      server.endOfTick()
    })
    const out = ctx.builder!.take(client.resp)
    return out === undefined ? NO_REPLY : out
  }
  const reply = (): Promise<Reply> =>
    Promise.resolve(result).then(
      () => ctx.builder!.take(client.resp) ?? NO_REPLY,
      (e) => {
        ctx.builder!.take(client.resp)
        return failed(e) as Reply
      }
    )
  // Through `callWith` (no `K`): the caller gets a pending reply and may wait for it.
  if (host.pendCall(client, reply)) return NO_REPLY
  const spec = ctx.command
  if (spec === null || client.denyBlocking || client.multi !== null || client.blocked !== null) {
    // Nothing can wait here (a transaction, a module call): what it replied before its first
    // `await`, else an error; a later rejection is only logged.
    result.then(undefined, (e) => void failed(e))
    const out = ctx.builder!.take(client.resp)
    if (out !== undefined) return out
    server.log("warning", `<${module.name}> command ${argv[0]} cannot wait here (a transaction or a module call)`)
    return new ErrorReply(ASYNC_CANNOT_WAIT)
  }
  return suspendClient(server, host.engine, client, spec, argv, reply())
}
