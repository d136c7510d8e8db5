/**
 * What a command returns instead of a reply when it must wait (Valkey's `blockForKeys`). The
 * dispatcher hands it to the blocking engine; the command runs again when a key is ready.
 */
export class BlockRequest {
  constructor(
    /** The keys to wait on, de-duplicated, in the command's order. */
    readonly keys: ReadonlyArray<string>,
    /** Absolute deadline in ms from the server clock; 0 waits forever. */
    readonly deadline: number,
    /** The reply when the deadline passes (or CLIENT UNBLOCK TIMEOUT). */
    readonly timeoutReply: import("../protocol/Reply.js").Reply
  ) {}
}
