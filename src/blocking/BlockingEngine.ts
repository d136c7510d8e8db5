import type { BlockRequest } from "../contracts/BlockRequest.js"
import type { BlockableClient, BlockedCommand, Blocker, BlockingHost } from "../contracts/Blocking.js"
import { Hooks } from "../contracts/Hooks.js"
import { ErrorReply } from "../protocol/Reply.js"
import { BlockedClient, type BlockHandler, BlockOutcome, UNBLOCKED_ERROR } from "./BlockedClient.js"
import { BlockedClients } from "./BlockedClients.js"
import { commandBlockHandler, CommandBlockedClient } from "./CommandBlockedClient.js"
import { DeadlineIndex } from "./DeadlineIndex.js"
import { ReadyKeys } from "./ReadyKeys.js"

/** A client as the engine keeps it: its blocked slot holds the engine's record. */
type Client = BlockableClient<BlockedClient>

/** How to block a client through `BlockingEngine.blockClient`. */
interface BlockOptions {
  /** Keys to wait on (de-duplicated by the engine); none for a block that only a callback ends. */
  readonly keys?: ReadonlyArray<string>
  /** The database of `keys`; defaults to the client's. */
  readonly db?: number
  /** Absolute ms on the server clock (`server.now()`); 0 = no deadline. */
  readonly deadline: number
  readonly handler: BlockHandler
  /** Also serve when a waited key is deleted (module `VALKEYMODULE_BLOCK_UNBLOCK_DELETED`). */
  readonly unblockOnNoKey?: boolean
  /** Owner data, kept on the record (`record.data`). */
  readonly data?: unknown
}

/**
 * The blocking engine (Valkey's blocked.c and timeout.c): one registry of blocked clients with
 * per-key FIFO queues, one deadline index served by one timer fiber, and the ready-key serving
 * pass run after each outermost command.
 *
 * Everything here is synchronous and runs in the executor. A block ends exactly once through
 * `complete`: the record's outcome is settled (first caller wins, later calls return false), the
 * client leaves every queue and the deadline index, the owner's `completed` callback runs, and the
 * client's pipelined input resumes at the end of the tick (Valkey's `processUnblockedClients`).
 *
 * Module blocking uses the same records: `blockClient` with its own `BlockHandler` (keyed or not),
 * `complete(record, BlockOutcome.Served | Aborted)` when the module unblocks it,
 * `signalKeyAsReady` for keys it changes in place, and `beforeResume` for its end-of-tick drain.
 */
export class BlockingEngine implements Blocker {
  readonly registry = new BlockedClients()
  readonly deadlines = new DeadlineIndex()
  readonly readyKeys = new ReadyKeys()
  /**
   * End-of-tick work that must run after ready keys are served and before unblocked clients
   * resume their input (Valkey's `moduleHandleBlockedClients` slot in `blockedBeforeSleep`).
   */
  readonly beforeResume = new Hooks<() => void>()
  /**
   * Timers due at `now` that must fire before blocks time out (module timers: Valkey runs
   * `processTimeEvents` before `beforeSleep` expires blocked clients, so a timer and a block
   * deadline due at the same moment resolve in the timer's favour).
   */
  readonly beforeTimeouts = new Hooks<(now: number) => void>()
  /** Blocked clients (INFO `blocked_clients`). */
  blockedClients = 0
  private readonly nativeHandler: BlockHandler
  private serving = false
  private unblocked: Array<Client> = []
  /** The deadline the timer sleeps until (Infinity: no deadline; -1: not sleeping). */
  private armedFor = -1
  private wake: (() => void) | null = null

  constructor(readonly host: BlockingHost<BlockedClient>) {
    this.nativeHandler = commandBlockHandler(this)
  }

  /** INFO `clients_in_timeout_table`. */
  get clientsInTimeoutTable(): number {
    return this.deadlines.size
  }

  /** INFO `total_blocking_keys`. */
  get totalBlockingKeys(): number {
    return this.registry.totalKeys
  }

  /** INFO `total_blocking_keys_on_nokey`. */
  get totalBlockingKeysOnNoKey(): number {
    return this.registry.totalKeysOnNoKey
  }

  // ---- blocking and completing -------------------------------------------------------------

  /** Blocks `client` (which must not be blocked already) and returns its record. */
  blockClient(client: Client, options: BlockOptions): BlockedClient {
    const record = new BlockedClient(
      client,
      options.db ?? client.db,
      options.keys === undefined ? [] : dedupe(options.keys),
      options.deadline,
      options.handler,
      options.unblockOnNoKey === true,
      options.data
    )
    this.park(record)
    return record
  }

  /** Registers a new record: its client is blocked, in its keys' queues and the deadline index. */
  private park(record: BlockedClient): void {
    const client = record.client
    if (client.blocked !== null) throw new Error(`client ${client.id} is already blocked`)
    client.blocked = record
    if (client.onUnblocked == null) this.blockedClients++
    if (record.keys.length > 0) this.registry.enqueue(record)
    if (record.deadline !== 0) {
      this.deadlines.add(record)
      if (record.deadline < this.armedFor) this.rearm()
    }
  }

  /**
   * Ends a block with `outcome` if it has not ended yet; returns whether this call won. Safe to call
   * from any callback in the executor; never re-entrant on the same record.
   */
  complete(record: BlockedClient, outcome: BlockOutcome, unblockedError: string = UNBLOCKED_ERROR): boolean {
    if (!record.settle(outcome)) return false
    const client = record.client
    this.registry.dequeue(record)
    this.deadlines.remove(record)
    const onUnblocked = client.onUnblocked
    if (onUnblocked == null) this.blockedClients--
    if (client.blocked === record) client.blocked = null
    if (outcome === BlockOutcome.UnblockedError) {
      client.reply(new ErrorReply(unblockedError))
      this.host.countErrorReply("UNBLOCKED")
    }
    try {
      record.handler.completed(record, outcome)
    } finally {
      if (outcome !== BlockOutcome.Disconnected) {
        if (onUnblocked == null) this.unblocked.push(client)
        else onUnblocked()
      }
    }
    return true
  }

  /**
   * Puts a record that a `keyReady` callback took out of its queues back at their tails, still
   * blocked and keeping its deadline (a re-run that blocks again).
   */
  requeue(record: BlockedClient): void {
    if (record.isDone) return
    record.client.blocked = record
    if (record.keys.length > 0) this.registry.enqueue(record)
  }

  /** Takes a record out of its key queues for a re-run (`requeue` puts it back). */
  leaveQueues(record: BlockedClient): void {
    this.registry.dequeue(record)
    if (record.client.blocked === record) record.client.blocked = null
  }

  // ---- the dispatcher's entry points (server `Blocker`) ------------------------------------

  /** A native command returned a `BlockRequest`: park the client; it re-runs when a key is ready. */
  block(client: Client, spec: BlockedCommand, argv: Array<string>, request: BlockRequest): void {
    this.park(
      new CommandBlockedClient(
        client,
        dedupe(request.keys),
        request.deadline,
        this.nativeHandler,
        spec,
        argv,
        request.timeoutReply,
        request.accepts,
        request.unblockOnNoKey
      )
    )
  }

  /** The client is going away: end its block at once without a reply. */
  disconnect(client: Client): void {
    const record = client.blocked
    if (record !== null) this.complete(record, BlockOutcome.Disconnected)
  }

  /**
   * The caller of the blocked command gave up on it (an interrupted in-process run): the block ends
   * with the `Disconnected` outcome, so nothing is served to it and no reply is written (a native
   * command consumes nothing; a module block runs its disconnect callback and frees its privdata,
   * its background Effect is interrupted), but the client stays connected and its pipelined input
   * resumes at the end of the tick. True when the client was blocked.
   */
  abandon(client: Client): boolean {
    const record = client.blocked
    if (record === null) return false
    if (this.complete(record, BlockOutcome.Disconnected)) this.unblocked.push(client)
    return true
  }

  /**
   * `CLIENT UNBLOCK id [TIMEOUT|ERROR]`: true when the client exists, is blocked and its block may
   * time out (Valkey 9 rule); it then ends as a timeout or with the `-UNBLOCKED` error.
   */
  clientUnblock(id: number, error: boolean): boolean {
    const record = this.host.clients.get(id)?.blocked
    if (record === null || record === undefined || !record.handler.mayTimeout) return false
    this.complete(record, error ? BlockOutcome.UnblockedError : BlockOutcome.UnblockedTimeout)
    return true
  }

  /**
   * The server turns into a replica (blocked.c `disconnectAllBlockedClients`): every blocked client
   * gets `-UNBLOCKED ... (master -> replica?)`; the caller closes the returned clients after that
   * reply. A module's blocked client runs its disconnect callback (which aborts an async RM_Call it
   * waits on); the client of such a call is left to its owner, as it is no connection.
   */
  disconnectAllBlockedClients(): Array<Client> {
    const unblocked: Array<Client> = []
    for (const client of Array.from(this.host.clients.values())) {
      const record = client.blocked
      if (record === null || client.onUnblocked != null) continue
      if (this.complete(record, BlockOutcome.UnblockedError, FORCE_UNBLOCKED_ERROR)) unblocked.push(client)
    }
    return unblocked
  }

  // ---- ready keys ---------------------------------------------------------------------------

  /** Marks (db, key) ready if someone waits on it (Valkey's `signalKeyAsReady`). */
  signalKeyAsReady(db: number, key: string): void {
    if (this.registry.hasWaiters(db, key)) this.readyKeys.add(db, key)
  }

  /** A waited key was deleted: ready only for waiters that want to hear about it. */
  signalDeletedKeyAsReady(db: number, key: string): void {
    // Only module blocks wait for deletions; skip the lookup on every delete when none does.
    if (this.registry.totalKeysOnNoKey === 0) return
    if (this.registry.hasNoKeyWaiters(db, key)) this.readyKeys.add(db, key)
  }

  /**
   * A database was swapped or flushed: every waited key that now exists is ready, and every waited
   * key that is gone is ready for no-key waiters (Valkey's `scanDatabaseForReadyKeys` and
   * `scanDatabaseForDeletedKeys`).
   */
  databaseReplaced(db: number): void {
    const keys = this.registry.keysOf(db)
    if (keys === undefined) return
    for (const key of Array.from(keys)) {
      if (this.host.keyspace.lookup(db, key) !== undefined) this.readyKeys.add(db, key)
      else this.signalDeletedKeyAsReady(db, key)
    }
  }

  /**
   * Serves clients blocked on ready keys (blocked.c `handleClientsBlockedOnKeys`): never recursive;
   * per round, each key in signal order, walking only the waiters present when its turn started,
   * FIFO. Keys signalled meanwhile (a BLMOVE pushing to a key others wait on) are served in the
   * next round.
   */
  serveReadyKeys(): void {
    if (this.serving || this.readyKeys.size === 0) return
    this.serving = true
    try {
      while (this.readyKeys.size > 0) {
        const { dbs, keys } = this.readyKeys.take()
        for (let i = 0; i < keys.length; i++) {
          const db = dbs[i]
          const key = keys[i]
          this.readyKeys.unmark(db, key)
          const waiters = this.registry.waiters(db, key)
          if (waiters === undefined) continue
          if (waiters instanceof BlockedClient) {
            this.serveWaiter(waiters, key)
            continue
          }
          let count = waiters.size
          for (const record of waiters) {
            if (count-- === 0) break
            this.serveWaiter(record, key)
          }
        }
      }
    } finally {
      this.serving = false
    }
  }

  private serveWaiter(record: BlockedClient, key: string): void {
    const keyReady = record.handler.keyReady
    if (record.isDone || keyReady === undefined) return
    const host = this.host
    host.enterExecutionUnit()
    try {
      if (keyReady(record, key)) this.complete(record, BlockOutcome.Served)
    } finally {
      host.exitExecutionUnit()
    }
  }

  // ---- timeouts -----------------------------------------------------------------------------

  /** The earliest deadline in the index. */
  nextDeadline(): number | undefined {
    return this.deadlines.earliest()
  }

  /** Times out every block whose deadline is at or before `now` (never early). */
  handleTimeouts(now = this.host.now()): number {
    for (const fireDue of this.beforeTimeouts.list) fireDue(now)
    let n = 0
    for (let record = this.deadlines.popDue(now); record !== undefined; record = this.deadlines.popDue(now)) {
      if (this.complete(record, BlockOutcome.TimedOut)) n++
    }
    return n
  }

  /** Called by the timer before it sleeps until `deadline` (Infinity: until woken). */
  armTimer(deadline: number, wake: () => void): void {
    this.armedFor = deadline
    this.wake = wake
  }

  private rearm(): void {
    const wake = this.wake
    this.armedFor = -1
    this.wake = null
    wake?.()
  }

  // ---- end of tick --------------------------------------------------------------------------

  /**
   * Valkey's `blockedBeforeSleep` steps 3-5: serve keys signalled outside commands, run the
   * `beforeResume` hooks (module drain), then resume the input of clients unblocked this tick.
   */
  endOfTick(): void {
    this.serveReadyKeys()
    const hooks = this.beforeResume.list
    for (let i = 0; i < hooks.length; i++) hooks[i]()
    this.processUnblockedClients()
  }

  /** Runs the pipelined commands of clients unblocked since the last call, in unblock order. */
  processUnblockedClients(): void {
    if (this.unblocked.length === 0) return
    for (let i = 0; i < this.unblocked.length; i++) {
      const client = this.unblocked[i]
      // Most unblocked clients have nothing pipelined behind the command that blocked.
      if (!client.closed && client.blocked === null && client.parser.pendingBytes > 0) this.host.processInput(client)
    }
    this.unblocked = []
  }
}

const FORCE_UNBLOCKED_ERROR = "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)"

const dedupe = (keys: ReadonlyArray<string>): ReadonlyArray<string> => {
  if (keys.length <= 1) return keys
  const seen = new Set(keys)
  return seen.size === keys.length ? keys : Array.from(seen)
}
