/**
 * The worker-thread side of a worker handle (`keyfiber/module/worker`): what a module's
 * `worker_threads` Worker calls with the handle `ctx.workerHandle(bc)` gave it. Each call posts a
 * numbered request to the server, which runs them in order, exactly once, in its executor; the
 * returned promise settles with the server's answer.
 *
 * ```ts
 * // in the worker
 * import { parentPort } from "node:worker_threads"
 * import { unblockClient, threadSafeContext } from "keyfiber/module/worker"
 * parentPort.on("message", async ({ handle, n }) => {
 *   const ts = threadSafeContext(handle)
 *   await ts.lock()
 *   const value = await ts.call("INCRBY", "worker:sum", n) // the executor runs nothing else meanwhile
 *   await ts.unlock()
 *   await unblockClient(handle, value)
 * })
 * ```
 */
import type { MessagePort, TransferListItem } from "node:worker_threads"
import type { BytesReplyValue, ReplyValue } from "../protocol/ReplyValue.js"
import type { ModuleStatus } from "./api.js"
import type { WorkerHandle, WorkerReplyMethod, WorkerRequest, WorkerResponse } from "./workerProtocol.js"

export type { WorkerHandle } from "./workerProtocol.js"

/** An error answer from the server (`message`: its error line, e.g. `ERR ...`). */
export class WorkerRequestError extends Error {}

interface PortState {
  seq: number
  readonly pending: Map<number, { resolve: (value: unknown) => void; reject: (e: unknown) => void }>
}

const ports = new WeakMap<MessagePort, PortState>()

const stateOf = (port: MessagePort): PortState => {
  let state = ports.get(port)
  if (state !== undefined) return state
  const created: PortState = { seq: 0, pending: new Map() }
  state = created
  ports.set(port, created)
  port.on("message", (r: WorkerResponse) => {
    const waiter = created.pending.get(r.seq)
    if (waiter === undefined) return
    created.pending.delete(r.seq)
    // Only requests waiting for an answer keep the worker alive.
    if (created.pending.size === 0) port.unref()
    if ("error" in r) waiter.reject(new WorkerRequestError(r.error))
    else waiter.resolve(r.value)
  })
  port.unref()
  return created
}

type RequestBody = WorkerRequest extends infer R ? (R extends unknown ? Omit<R, "seq"> : never) : never

const request = <A>(handle: WorkerHandle, body: RequestBody, transfer?: ReadonlyArray<TransferListItem>): Promise<A> => {
  const port = handle.port
  const state = stateOf(port)
  const seq = state.seq++
  return new Promise<A>((resolve, reject) => {
    state.pending.set(seq, { resolve: resolve as (value: unknown) => void, reject })
    port.ref()
    try {
      port.postMessage({ seq, ...body }, transfer as Array<TransferListItem> | undefined)
    } catch (e) {
      // Not sent (privdata that cannot be cloned): the number is used, so later requests still run.
      state.pending.delete(seq)
      port.postMessage({ seq, op: "skip" } satisfies WorkerRequest)
      reject(e)
    }
  })
}

/**
 * `UnblockClient(bc, privdata)` from the worker: `privdata` is cloned (or moved, with `transfer`)
 * to the server, where the reply callback gets it. "ERR" when the handle was already unblocked.
 */
export const unblockClient = (handle: WorkerHandle, privdata?: unknown, transfer?: ReadonlyArray<TransferListItem>): Promise<ModuleStatus> =>
  request(handle, { op: "unblock", privdata }, transfer)

/** `AbortBlock(bc)` from the worker. */
export const abortBlock = (handle: WorkerHandle): Promise<ModuleStatus> => request(handle, { op: "abort" })

/**
 * The thread-safe context behind a worker handle (Valkey's `GetThreadSafeContext(bc)` used from a
 * thread): `lock()` waits for the GIL (while the worker holds it the server runs no client
 * command and no timer), `call` needs the lock, replies go to the blocked client when it is
 * unblocked. Arguments and replies follow the module API's rule: a string is UTF-8 text, a
 * Uint8Array exact bytes; `call` gives strings as text, `callBytes` as bytes.
 */
export interface WorkerThreadSafeContext {
  lock(): Promise<void>
  /** "ERR" when another holder has the GIL or someone waits for it. */
  tryLock(): Promise<ModuleStatus>
  unlock(): Promise<void>
  call(command: string, ...args: Array<string | number | bigint | Uint8Array>): Promise<ReplyValue>
  callBytes(command: string, ...args: Array<string | number | bigint | Uint8Array>): Promise<BytesReplyValue>
  /** One of the context's `replyWith*`/`replySet*` methods, e.g. `reply("replyWithString", "done")`. */
  reply(method: WorkerReplyMethod, ...args: Array<unknown>): Promise<void>
}

export const threadSafeContext = (handle: WorkerHandle): WorkerThreadSafeContext => ({
  lock: () => request<unknown>(handle, { op: "lock" }).then(() => undefined),
  tryLock: () => request(handle, { op: "tryLock" }),
  unlock: () => request<unknown>(handle, { op: "unlock" }).then(() => undefined),
  call: (command, ...args) => request(handle, { op: "call", argv: [command, ...args], bytes: false }),
  callBytes: (command, ...args) => request(handle, { op: "call", argv: [command, ...args], bytes: true }),
  reply: (method, ...args) => request<unknown>(handle, { op: "reply", method, args }).then(() => undefined)
})

/** Closes the worker's end of the handle (the server then treats the worker as gone). */
export const closeHandle = (handle: WorkerHandle): void => handle.port.close()
