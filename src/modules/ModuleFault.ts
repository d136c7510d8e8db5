import { ErrorReply } from "../protocol/Reply.js"

/**
 * A fault in module code (an exception, a rejection): how it is logged and the error reply that
 * stands in for whatever the failing code was replying.
 */

/** What went wrong, for the log: the stack when there is one. */
export const describeFault = (e: unknown): string => (e instanceof Error ? (e.stack ?? e.message) : String(e))

/** The thrown message as an error reply; an `ERR` code is added unless it carries its own. */
export const faultReply = (e: unknown): ErrorReply => {
  const message = (e instanceof Error ? e.message : String(e)).replace(/[\r\n]+/g, " ")
  return new ErrorReply(/^[A-Z]+ /.test(message) ? message : "ERR " + message)
}

/** A command handler or callback that returned a promise (an `async` function). */
export const isThenable = (x: unknown): x is PromiseLike<unknown> =>
  x !== null && typeof x === "object" && typeof (x as { then?: unknown }).then === "function"
