import type { Keyspace } from "../keyspace/Keyspace.js"
import type { Reply } from "../protocol/Reply.js"
import type { BlockRequest } from "./BlockRequest.js"
import type { Log } from "./Log.js"

/** A command as blocking sees it: handed back to the host to re-run or count. */
export interface BlockedCommand {
  readonly fullName: string
}

/**
 * What blocking needs of a client. `Record` is the blocking engine's record kept in the client's
 * blocked slot (opaque to the client).
 */
export interface BlockableClient<Record = unknown> {
  readonly id: number
  readonly db: number
  /** The block the client is in, null when not blocked. */
  blocked: Record | null
  readonly closed: boolean
  /** Time spent by a first run that blocked, counted when the command completes. */
  duration: number
  readonly parser: { readonly pendingBytes: number }
  reply(reply: Reply): void
  /**
   * Set on the client of a module's `RM_Call` with `K` (Valkey's module temp client): when its
   * block ends this runs instead of resuming input (module.c `moduleCallCommandUnblockedHandler`),
   * and the block is not counted in `blocked_clients` (Valkey counts only real clients).
   */
  readonly onUnblocked?: (() => void) | null
}

/** The blocking engine's entry points for the dispatcher, commands and INFO (see `blocking/`). */
export interface Blocker {
  /** Parks `client` as `request` says; the command will be re-run when a key is ready. */
  block(client: BlockableClient, command: BlockedCommand, argv: Array<string>, request: BlockRequest): void
  /**
   * A key changed in a way its waiters may care about (XADD to an existing stream, XGROUP DESTROY):
   * mark it ready if someone waits on it (Valkey's `signalKeyAsReady`).
   */
  signalKeyAsReady(db: number, key: string): void
  /** After the outermost command: serve clients waiting on keys that became ready. */
  serveReadyKeys(): void
  /** The client is going away: drop its blocked state without replying. */
  disconnect(client: BlockableClient): void
  /**
   * The caller of the client's blocked command gave up on it (an interrupted in-process run): end
   * the block without a reply, as a disconnect would, while the client stays; true when it was
   * blocked.
   */
  abandon(client: BlockableClient): boolean
  /** `CLIENT UNBLOCK id [TIMEOUT|ERROR]`: whether the client was unblocked. */
  clientUnblock(id: number, error: boolean): boolean
  /** INFO clients counters. */
  readonly blockedClients: number
  readonly clientsInTimeoutTable: number
  readonly totalBlockingKeys: number
  readonly totalBlockingKeysOnNoKey: number
}

/** What the blocking engine needs of the server it runs in; the server implements it. */
export interface BlockingHost<Record = unknown> {
  readonly keyspace: Keyspace
  readonly clients: ReadonlyMap<number, BlockableClient<Record>>
  readonly now: () => number
  readonly log: Log
  /** Re-runs a blocked command for its client (counted like any call); a block request if it must wait again. */
  rerun(client: BlockableClient<Record>, command: BlockedCommand, argv: Array<string>): Reply | BlockRequest
  /** Counts a completed blocked command that replied `reply` (commandstats, errorstats, slow log). */
  countCompleted(command: BlockedCommand, reply: Reply, client: BlockableClient<Record>, argv: ReadonlyArray<string>): void
  /**
   * Counts a call ended by `CLIENT UNBLOCK ... ERROR`: a failed call (blocked.c
   * `unblockClientOnError` calls `updateStatsOnUnblock` with `had_errors`).
   */
  countUnblockedError(command: BlockedCommand, client: BlockableClient<Record>): void
  /** INFO errorstats: one more error reply with this code. */
  countErrorReply(code: string): void
  /** Runs the client's pipelined input (a client resumed after its block ended). */
  processInput(client: BlockableClient<Record>): void
  /** Ends the tick: end-of-tick work, then each touched client's output written. */
  endOfTick(): void
  /** Runs `f` now, or after a module's thread-safe context lets go of the GIL. */
  whenExecutorFree(f: () => void): void
  /**
   * Enter and exit an execution unit (server.c `enterExecutionUnit`/`exitExecutionUnit` +
   * `afterCommand`): a served waiter's re-run and what its unblocking runs, such as an RM_Call
   * unblock handler (blocked.c `unblockClientOnKey`), propagate together, after the unit's
   * post-notification jobs.
   */
  enterExecutionUnit(): void
  exitExecutionUnit(): void
}
