import { MessageChannel } from "node:worker_threads"
import type { Reply } from "../protocol/Reply.js"
import { replyToBytes, replyToText } from "../protocol/ReplyValue.js"
import type { LoadedModule } from "./LoadedModule.js"
import type { ModuleBlockedClient } from "./ModuleBlockedClient.js"
import type { HostBlocking, HostThreadSafeContext } from "./ModuleHost.js"
import { PendingCallReply } from "./PendingCallReply.js"
import { WORKER_REPLY_METHODS, type WorkerHandle, type WorkerRequest, type WorkerResponse } from "./workerProtocol.js"

const REPLY_METHODS = new Set<string>(WORKER_REPLY_METHODS)

/**
 * The server's end of a worker handle (Valkey's blocked-client handle and thread-safe context
 * used from another thread): requests from the worker's port run in the executor in sequence
 * order, each exactly once. A port closed by its worker (exit, crash, `close()`) releases the GIL
 * if that worker held it, with a warning, and withdraws a lock request still waiting.
 */
export const openWorkerHandle = (
  blocking: HostBlocking,
  module: LoadedModule,
  bc: ModuleBlockedClient | null,
  log: (message: string) => void
): WorkerHandle => {
  const { port1, port2 } = new MessageChannel()
  let ts: HostThreadSafeContext | null = null
  const context = () => (ts ??= blocking.threadSafeContext(module, bc))
  let cancelLock: (() => void) | null = null
  let next = 0
  const early = new Map<number, WorkerRequest>()

  const answer = (seq: number, result: { value: unknown } | { error: string }) => {
    const response: WorkerResponse = { seq, ...result }
    try {
      port1.postMessage(response)
    } catch (e) {
      // A value that cannot be cloned: the worker still gets its answer.
      port1.postMessage({ seq, error: `ERR the reply could not be sent to the worker: ${String(e)}` } satisfies WorkerResponse)
    }
  }

  const run = (r: WorkerRequest): void => {
    switch (r.op) {
      case "skip":
        return
      case "unblock":
        if (bc === null) return answer(r.seq, { error: "ERR no blocked client behind this handle" })
        return answer(r.seq, { value: blocking.unblockClient(bc, r.privdata) })
      case "abort":
        if (bc === null) return answer(r.seq, { error: "ERR no blocked client behind this handle" })
        return answer(r.seq, { value: blocking.abortBlock(bc) })
      case "lock": {
        const cancel = context().lockWith(() => {
          cancelLock = null
          answer(r.seq, { value: "OK" })
        })
        if (context().holdsLock()) return
        cancelLock = cancel
        return
      }
      case "tryLock":
        return answer(r.seq, { value: context().tryLock() })
      case "unlock":
        context().unlock()
        return answer(r.seq, { value: "OK" })
      case "call": {
        const ctx = context()
        if (!ctx.holdsLock()) return answer(r.seq, { error: "ERR a worker's thread-safe context must hold the GIL (lock) to call" })
        const [command, ...args] = r.argv
        // Errors before the run (unknown command, arity) come back as error replies too (`E`).
        const reply = ctx.callWith({ errorsAsReplies: true }, String(command), ...args)
        const value = (reply: Reply) => (r.bytes ? replyToBytes(reply) : replyToText(reply))
        // A long module command: the answer comes when it ends.
        if (reply instanceof PendingCallReply) return void reply.then((done) => answer(r.seq, { value: value(done) }))
        return answer(r.seq, { value: value(reply as Reply) })
      }
      case "reply": {
        if (!REPLY_METHODS.has(r.method)) return answer(r.seq, { error: `ERR unknown reply method '${String(r.method)}'` })
        const value = (context()[r.method] as (...args: Array<unknown>) => unknown)(...r.args)
        return answer(r.seq, { value: value ?? "OK" })
      }
    }
  }

  port1.on("message", (r: WorkerRequest) => {
    if (typeof r?.seq !== "number" || r.seq < next || early.has(r.seq)) return
    early.set(r.seq, r)
    for (;;) {
      const request = early.get(next)
      if (request === undefined) break
      early.delete(next)
      next++
      try {
        run(request)
      } catch (e) {
        log(`worker request '${request.op}' failed: ${e instanceof Error ? e.message : String(e)}`)
        answer(request.seq, { error: `ERR ${e instanceof Error ? e.message : String(e)}` })
      }
    }
  })
  port1.on("close", () => {
    cancelLock?.()
    cancelLock = null
    if (ts !== null && ts.holdsLock()) {
      log("a worker ended with the GIL held by its thread-safe context: released")
      ts.unlock()
    }
  })
  // The handle keeps nothing alive by itself: the worker's side decides when it is done.
  port1.unref()
  return { keyfiberWorkerHandle: 1, port: port2 }
}
