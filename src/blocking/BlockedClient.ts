import * as Deferred from "effect/Deferred"
import * as Exit from "effect/Exit"
import type { BlockableClient } from "../contracts/Blocking.js"

/**
 * How a block ended. Exactly one of these is ever assigned to a record (the first wins):
 * - `Served`: a ready key served it (native: its command re-ran and replied), or a module
 *   unblocked it;
 * - `TimedOut`: its deadline passed;
 * - `UnblockedTimeout` / `UnblockedError`: `CLIENT UNBLOCK id [TIMEOUT|ERROR]`;
 * - `Aborted`: its owner gave up (module `AbortBlock`);
 * - `Disconnected`: the client went away (close, CLIENT KILL, SHUTDOWN).
 */
export type BlockOutcome =
  | { readonly _tag: "Served" }
  | { readonly _tag: "TimedOut" }
  | { readonly _tag: "UnblockedTimeout" }
  | { readonly _tag: "UnblockedError" }
  | { readonly _tag: "Aborted" }
  | { readonly _tag: "Disconnected" }

/** Shared outcome values, so completing a block allocates nothing. */
export const BlockOutcome = {
  Served: { _tag: "Served" } as BlockOutcome,
  TimedOut: { _tag: "TimedOut" } as BlockOutcome,
  UnblockedTimeout: { _tag: "UnblockedTimeout" } as BlockOutcome,
  UnblockedError: { _tag: "UnblockedError" } as BlockOutcome,
  Aborted: { _tag: "Aborted" } as BlockOutcome,
  Disconnected: { _tag: "Disconnected" } as BlockOutcome
} as const

const exits = new Map<BlockOutcome, Exit.Exit<BlockOutcome>>(
  Object.values(BlockOutcome).map((outcome) => [outcome, Exit.succeed(outcome)] as const)
)
const exitOf = (outcome: BlockOutcome): Exit.Exit<BlockOutcome> => exits.get(outcome) ?? Exit.succeed(outcome)

/** The error a client gets from `CLIENT UNBLOCK id ERROR`. */
export const UNBLOCKED_ERROR = "UNBLOCKED client unblocked via CLIENT UNBLOCK"

/**
 * What the owner of a block (a native command, a module) decides. Every callback runs
 * synchronously in the executor.
 */
export interface BlockHandler {
  /**
   * `CLIENT UNBLOCK` may end this block (V90 rule: native key blocks always; module blocks only
   * with a timeout callback). When false, CLIENT UNBLOCK replies `:0`.
   */
  readonly mayTimeout: boolean
  /**
   * One of the record's keys was signalled ready (blocked.c `handleClientsBlockedOnKey`). Called
   * while the record is still blocked; return true when the client was served (the engine then
   * completes the record with `Served`), false to keep waiting. To wait again at the tail of the
   * queues (Valkey's re-execution that blocks again) call `engine.requeue(record)` before returning
   * false.
   * Absent: key readiness is ignored (a non-keyed module block).
   */
  readonly keyReady?: (record: BlockedClient, key: string) => boolean
  /**
   * Runs exactly once, after the engine has unblocked the client (left every key queue and the
   * deadline index, counters updated), with the winning outcome. Write the timeout reply here for
   * `TimedOut`/`UnblockedTimeout`; for `UnblockedError` the engine has already written the
   * `-UNBLOCKED` error. For `Disconnected` the client is closed and replies are dropped.
   */
  readonly completed: (record: BlockedClient, outcome: BlockOutcome) => void
}

/**
 * One blocked client (Valkey's `client->bstate`): the client, the database and keys it waits on,
 * its deadline, and an outcome `Deferred` completed exactly once. The engine completes it
 * synchronously (`settle`, then `Deferred.doneUnsafe`); code outside the executor (a module's
 * Effect) can `Deferred.await(record.outcome)`.
 *
 * The Deferred is made on first access: a native BLPOP never awaits it, and making one per waiter
 * was measured at ~40% of the time to park and time out 100,000 clients. `result` is the
 * single-assignment cell; the Deferred always agrees with it.
 */
export class BlockedClient {
  /** How the block ended; undefined while blocked. Assigned once, by `settle`. */
  result: BlockOutcome | undefined = undefined
  private deferred: Deferred.Deferred<BlockOutcome> | undefined = undefined
  /** Position in the deadline index (-1 when not in it). */
  heapIndex = -1
  /** In its keys' queues (`BlockedClients`), so leaving them twice costs nothing. */
  queued = false

  constructor(
    readonly client: BlockableClient<BlockedClient>,
    /** The database of the keys (the client's db when it blocked). */
    readonly db: number,
    /** De-duplicated keys; empty for a block that waits on no key (module `BlockClient`). */
    readonly keys: ReadonlyArray<string>,
    /** Absolute ms on the server clock; 0 = no deadline. Kept across re-blocks. */
    readonly deadline: number,
    readonly handler: BlockHandler,
    /** Serve even when a ready key no longer exists (module `UNBLOCK_DELETED`). */
    readonly unblockOnNoKey: boolean,
    /** Owner data: a module's private data (a native command's record is a `CommandBlockedClient`). */
    public data: unknown
  ) {}

  get isDone(): boolean {
    return this.result !== undefined
  }

  /** Completed exactly once with how the block ended (already completed if it has ended). */
  get outcome(): Deferred.Deferred<BlockOutcome> {
    if (this.deferred === undefined) {
      this.deferred = Deferred.makeUnsafe<BlockOutcome>()
      if (this.result !== undefined) Deferred.doneUnsafe(this.deferred, exitOf(this.result))
    }
    return this.deferred
  }

  /** Assigns the outcome if none was assigned yet; true when this call won. */
  settle(outcome: BlockOutcome): boolean {
    if (this.result !== undefined) return false
    this.result = outcome
    if (this.deferred !== undefined) Deferred.doneUnsafe(this.deferred, exitOf(outcome))
    return true
  }
}
