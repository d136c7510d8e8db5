import type { CommandSpec } from "../commands/CommandSpec.js"
import type { BlockHandler } from "./BlockedClient.js"
import { BlockOutcome } from "./BlockedClient.js"
import type { BlockingEngine } from "./BlockingEngine.js"
import { BlockRequest } from "./BlockRequest.js"

/** The data of a native blocking command's record: what to re-run and how it times out. */
export class CommandBlock {
  constructor(
    readonly spec: CommandSpec,
    readonly argv: Array<string>,
    public request: BlockRequest
  ) {}
}

/**
 * The handler of native blocking commands (BLPOP, BLMOVE, BLMPOP ...). A ready key whose value
 * the command accepts re-runs the command from scratch (Valkey 7+); if it blocks again it goes to
 * the tail of its queues keeping its first deadline. A timeout replies the command's timeout
 * reply; CLIENT UNBLOCK ERROR counts as a rejected call. Each blocked command is counted in
 * commandstats once, when it completes.
 */
export const commandBlockHandler = (engine: BlockingEngine): BlockHandler => ({
  mayTimeout: true,
  keyReady: (record, key) => {
    const block = record.data as CommandBlock
    const server = engine.server
    const value = server.keyspace.lookup(record.db, key)?.value
    if (value === undefined || !block.request.accepts(value)) return false
    const client = record.client
    engine.leaveQueues(record)
    const result = server.dispatcher.call(client, block.spec, block.argv)
    if (result instanceof BlockRequest) {
      block.request = result
      engine.requeue(record)
      return false
    }
    client.reply(result)
    return true
  },
  completed: (record, outcome) => {
    const block = record.data as CommandBlock
    const server = engine.server
    if (outcome === BlockOutcome.TimedOut || outcome === BlockOutcome.UnblockedTimeout) {
      record.client.reply(block.request.timeoutReply)
      server.dispatcher.count(block.spec, 0, block.request.timeoutReply, record.client, block.argv)
    } else if (outcome === BlockOutcome.UnblockedError) {
      // Valkey's updateStatsOnUnblock(c, 0, 0, ERROR_COMMAND_REJECTED): a call, and a rejected one.
      const stat = server.stats.command(block.spec.fullName)
      const ms = record.client.duration
      record.client.duration = 0
      stat.calls++
      stat.rejectedCalls++
      stat.usec += Math.round(ms * 1000)
      server.stats.recordLatency(stat, ms)
      server.stats.totalCommands++
    }
  }
})
