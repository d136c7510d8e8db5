import type { Value } from "../keyspace/Value.js"
import type { Reply } from "../protocol/Reply.js"
import { BlockRequest } from "../contracts/BlockRequest.js"
import type { BlockableClient, BlockedCommand, BlockingHost } from "../contracts/Blocking.js"
import { BlockedClient, type BlockHandler, BlockOutcome } from "./BlockedClient.js"

/**
 * The record of a native blocking command (BLPOP, BLMOVE, BLMPOP ...): what to re-run and how it
 * times out, on the record itself. Ten thousand parked clients are ten thousand of these, so one
 * object instead of a record, a command and a request is less for the young-generation GC to copy.
 */
export class CommandBlockedClient extends BlockedClient {
  constructor(
    client: BlockableClient<BlockedClient>,
    keys: ReadonlyArray<string>,
    deadline: number,
    handler: BlockHandler,
    readonly spec: BlockedCommand,
    readonly argv: Array<string>,
    /** The reply when the deadline passes (or CLIENT UNBLOCK TIMEOUT); from the latest run. */
    public timeoutReply: Reply,
    /** Whether a ready key's value can serve the command (`BlockRequest.accepts`); from the latest run. */
    public accepts: (value: Value) => boolean,
    unblockOnNoKey = false
  ) {
    super(client, client.db, keys, deadline, handler, unblockOnNoKey, undefined)
  }
}

/** What the native handler needs of the engine (the engine passes itself). */
interface CommandBlockingEngine {
  readonly host: BlockingHost<BlockedClient>
  /** Takes a record out of its key queues for a re-run. */
  leaveQueues(record: BlockedClient): void
  /** Puts a record back at the tails of its queues (the re-run blocked again). */
  requeue(record: BlockedClient): void
}

/**
 * The handler of native blocking commands. A ready key whose value the command accepts re-runs the
 * command from scratch (Valkey 7+); if it blocks again it goes to the tail of its queues keeping its
 * first deadline. A timeout replies the command's timeout reply; CLIENT UNBLOCK ERROR counts as a
 * rejected call. Each blocked command is counted in commandstats once, when it completes.
 */
export const commandBlockHandler = (engine: CommandBlockingEngine): BlockHandler => ({
  mayTimeout: true,
  keyReady: (blocked, key) => {
    const record = blocked as CommandBlockedClient
    const host = engine.host
    const value = host.keyspace.lookup(record.db, key)?.value
    // XREADGROUP (`unblockOnNoKey`) re-runs whatever the key holds now, even nothing.
    if (!record.unblockOnNoKey && (value === undefined || !record.accepts(value))) return false
    const client = record.client
    engine.leaveQueues(record)
    const result = host.rerun(client, record.spec, record.argv)
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
    if (outcome === BlockOutcome.TimedOut || outcome === BlockOutcome.UnblockedTimeout) {
      record.client.reply(record.timeoutReply)
      engine.host.countCompleted(record.spec, record.timeoutReply, record.client, record.argv)
    } else if (outcome === BlockOutcome.UnblockedError) {
      engine.host.countUnblockedError(record.spec, record.client)
    }
  }
})
