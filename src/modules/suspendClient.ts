import { performance } from "node:perf_hooks"
import { BlockOutcome } from "../blocking/BlockedClient.js"
import type { BlockingEngine } from "../blocking/BlockingEngine.js"
import type { CommandClient, CommandHost, CommandSpec } from "../commands/CommandSpec.js"
import type { Reply } from "../protocol/Reply.js"
import { NO_REPLY } from "./ReplyBuilder.js"

/** What suspending a client needs of the server: count the command, end the tick. */
export interface SuspendHost {
  readonly dispatcher: CommandHost["dispatcher"]
  endOfTick(): void
}

/**
 * For commands that wait on an async step (MODULE LOAD, an `async` module command): park the
 * client, reply when done. Socket and in-process clients alike, so requests pipelined behind it
 * wait and replies stay in order.
 */
export const suspendClient = (
  server: SuspendHost,
  engine: BlockingEngine,
  client: CommandClient,
  spec: CommandSpec,
  argv: ReadonlyArray<string>,
  work: Promise<Reply>
): Reply => {
  if (client.denyBlocking || client.multi !== null) {
    // Nothing can wait here (a transaction, a module call): reply when done.
    void work.then((reply) => {
      client.reply(reply)
      server.endOfTick()
    })
    return NO_REPLY
  }
  const record = engine.blockClient(client, { deadline: 0, handler: { mayTimeout: false, completed: () => {} } })
  const start = performance.now()
  void work.then((reply) => {
    if (record.isDone) return
    client.reply(reply)
    server.dispatcher.count(spec, performance.now() - start, reply, client, argv)
    engine.complete(record, BlockOutcome.Served)
    server.endOfTick()
  })
  return NO_REPLY
}
