import type { CommandSpec } from "../commands/CommandSpec.js"
import type { Value } from "../keyspace/Value.js"
import type { Reply } from "../protocol/Reply.js"
import type { Client } from "../server/Client.js"
import { BlockedClient, type BlockHandler, BlockOutcome } from "./BlockedClient.js"
import type { BlockingEngine } from "./BlockingEngine.js"
import { BlockRequest } from "./BlockRequest.js"

/**
 * The record of a native blocking command (BLPOP, BLMOVE, BLMPOP ...): what to re-run and how it
 * times out, on the record itself. Ten thousand parked clients are ten thousand of these, so one
 * object instead of a record, a command and a request is less for the young-generation GC to copy.
 */
export class CommandBlockedClient extends BlockedClient {
  constructor(
    client: Client,
    keys: ReadonlyArray<string>,
    deadline: number,
    handler: BlockHandler,
    readonly spec: CommandSpec,
    readonly argv: Array<string>,
    /** The reply when the deadline passes (or CLIENT UNBLOCK TIMEOUT); from the latest run. */
    public timeoutReply: Reply,
    /** Whether a ready key's value can serve the command (`BlockRequest.accepts`); from the latest run. */
    public accepts: (value: Value) => boolean
  ) {
    super(client, client.db, keys, deadline, handler, false, undefined)
  }
}

/**
 * The handler of native blocking commands. A ready key whose value the command accepts re-runs the
 * command from scratch (Valkey 7+); if it blocks again it goes to the tail of its queues keeping its
 * first deadline. A timeout replies the command's timeout reply; CLIENT UNBLOCK ERROR counts as a
 * rejected call. Each blocked command is counted in commandstats once, when it completes.
 */
export const commandBlockHandler = (engine: BlockingEngine): BlockHandler => ({
  mayTimeout: true,
  keyReady: (blocked, key) => {
    const record = blocked as CommandBlockedClient
    const server = engine.server
    const value = server.keyspace.lookup(record.db, key)?.value
    if (value === undefined || !record.accepts(value)) return false
    const client = record.client
    engine.leaveQueues(record)
    const result = server.dispatcher.call(client, record.spec, record.argv)
    if (result instanceof BlockRequest) {
      record.timeoutReply = result.timeoutReply
      record.accepts = result.accepts
      engine.requeue(record)
      return false
    }
    client.reply(result)
    return true
  },
  completed: (blocked, outcome) => {
    const record = blocked as CommandBlockedClient
    const server = engine.server
    if (outcome === BlockOutcome.TimedOut || outcome === BlockOutcome.UnblockedTimeout) {
      record.client.reply(record.timeoutReply)
      server.dispatcher.count(record.spec, 0, record.timeoutReply, record.client, record.argv)
    } else if (outcome === BlockOutcome.UnblockedError) {
      // Valkey's updateStatsOnUnblock(c, 0, 0, ERROR_COMMAND_REJECTED): a call, and a rejected one.
      const stat = server.stats.command(record.spec.fullName)
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
