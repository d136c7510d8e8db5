import type { Value } from "../keyspace/Value.js"
import type { Reply } from "../protocol/Reply.js"

/**
 * What a command returns instead of a reply when it must wait (Valkey's `blockForKeys`). The
 * dispatcher hands it to the blocking engine; the command runs again from scratch when one of its
 * keys is ready, and blocks again (keeping its first deadline) if it still cannot be served.
 */
export class BlockRequest {
  constructor(
    /** The keys to wait on, de-duplicated, in the command's order. */
    readonly keys: ReadonlyArray<string>,
    /** Absolute deadline in ms from the server clock; 0 waits forever. */
    readonly deadline: number,
    /** The reply when the deadline passes (or CLIENT UNBLOCK TIMEOUT). */
    readonly timeoutReply: Reply,
    /**
     * Whether a ready key's value can serve this command (Valkey's block type: a list for BLPOP,
     * a sorted set for BZPOPMIN). A key of another type leaves the client blocked in its place.
     */
    readonly accepts: (value: Value) => boolean = () => true,
    /**
     * Re-run also when a waited key is deleted or changes type (Valkey's `unblock_on_nokey`, set by
     * XREADGROUP: its group is gone then, and the re-run replies the error).
     */
    readonly unblockOnNoKey: boolean = false
  ) {}
}
