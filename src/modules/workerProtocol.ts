/**
 * The messages between a module's worker thread and the server over a worker handle's
 * `MessagePort` (see `WorkerBridge` on the server side and `worker.ts` in the worker). Every
 * request carries a sequence number: the server runs requests in that order, each exactly once
 * (a duplicate or an old number is ignored), and answers with the same number.
 */

/** What `ctx.workerHandle(bc)` gives: post it to a Worker with `handle.port` in the transfer list. */
export interface WorkerHandle {
  readonly keyfiberWorkerHandle: 1
  readonly port: import("node:worker_threads").MessagePort
}

/** The `replyWith*`/`replySet*` methods a worker's thread-safe context forwards. */
export const WORKER_REPLY_METHODS = [
  "replyWithOK",
  "replyWithLongLong",
  "replyWithSimpleString",
  "replyWithError",
  "replyWithString",
  "replyWithEmptyString",
  "replyWithVerbatimString",
  "replyWithNull",
  "replyWithNullArray",
  "replyWithEmptyArray",
  "replyWithBool",
  "replyWithDouble",
  "replyWithBigNumber",
  "replyWithArray",
  "replySetArrayLength",
  "replyWithMap",
  "replySetMapLength",
  "replyWithSet",
  "replySetSetLength"
] as const
export type WorkerReplyMethod = (typeof WORKER_REPLY_METHODS)[number]

export type WorkerRequest = { readonly seq: number } & (
  | { readonly op: "unblock"; readonly privdata: unknown }
  | { readonly op: "abort" }
  /** A number whose request could not be sent: it runs nothing, so the ones after it still run. */
  | { readonly op: "skip" }
  | { readonly op: "lock" }
  | { readonly op: "tryLock" }
  | { readonly op: "unlock" }
  | { readonly op: "call"; readonly argv: ReadonlyArray<string | number | bigint | Uint8Array>; readonly bytes: boolean }
  | { readonly op: "reply"; readonly method: WorkerReplyMethod; readonly args: ReadonlyArray<unknown> }
)

/** The server's answer to request `seq`: a value, or an error message. */
export type WorkerResponse = { readonly seq: number } & ({ readonly value: unknown } | { readonly error: string })
