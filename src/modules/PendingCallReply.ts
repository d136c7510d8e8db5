import type { Reply } from "../protocol/Reply.js"
import type * as api from "./api.js"

/**
 * The reply to come of a long module command reached through `ctx.callWith` (see
 * `api.PendingCallReply`): Valkey runs it inside `RM_Call` to its end on the main thread; here its
 * `async` handler goes on after the call returned, and this settles with what it replied.
 */
export class PendingCallReply implements api.PendingCallReply {
  readonly _tag = "PendingCallReply" as const

  constructor(private readonly reply: Promise<Reply>) {}

  then<R1 = Reply, R2 = never>(
    onfulfilled?: ((value: Reply) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null
  ): Promise<R1 | R2> {
    return this.reply.then(onfulfilled, onrejected)
  }
}
