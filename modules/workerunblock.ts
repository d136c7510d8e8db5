/**
 * workerunblock: Valkey's seed pattern for blocking commands, with a `worker_threads` Worker as
 * the thread. The command blocks its client and hands the worker a handle
 * (`ctx.workerHandle(bc)`); the worker does the work and unblocks the client itself
 * (`unblockClient(handle, privdata)` from `keyfiber/module/worker`); the reply callback turns the
 * privdata into the reply, the timeout callback answers a client that waited too long, and the
 * free callback runs once for every privdata, however the block ended.
 *
 *   WORKER.SQUARE <n> [timeout_ms]   the worker computes n*n; the reply is that integer
 *                                    (a big number), or "Request timedout".
 *   WORKER.SUM <key> <n>             the worker takes the GIL, INCRBY key n through its
 *                                    thread-safe context, writes the reply there, lets the GIL go,
 *                                    and unblocks: the reply is the new value.
 *   WORKER.PENDING                   requests whose privdata has not been freed yet.
 *   WORKER.FREED                     privdata freed so far.
 *
 * The worker's code is `workerunblock.worker.ts`, next to this file.
 */
import { Worker } from "node:worker_threads"
import { defineModule } from "keyfiber/module"
import type { ModuleContext } from "keyfiber/module"

let worker: Worker | null = null
let pending = 0
let freed = 0

/** The free callback: runs once per privdata, after the reply or timeout callback. */
const freePrivdata = () => {
  pending--
  freed++
}

const square = (ctx: ModuleContext, argv: Array<string>) => {
  if (argv.length < 2 || argv.length > 3) return ctx.wrongArity()
  if (!/^-?\d+$/.test(argv[1])) return ctx.replyWithError("ERR invalid number")
  const timeout = argv.length === 3 ? Number(argv[2]) : 0
  if (!Number.isInteger(timeout) || timeout < 0) return ctx.replyWithError("ERR invalid timeout")
  const bc = ctx.blockClient(
    (rctx) => void rctx.replyWithBigNumber((rctx.getBlockedClientPrivateData() as { square: string }).square),
    (tctx) => void tctx.replyWithSimpleString("Request timedout"),
    freePrivdata,
    timeout
  )
  pending++
  const handle = ctx.workerHandle(bc)
  // The port moves to the worker: from there on the worker talks to this blocked client directly.
  worker!.postMessage({ op: "square", handle, n: argv[1] }, [handle.port])
}

const sum = (ctx: ModuleContext, argv: Array<string>) => {
  if (argv.length !== 3) return ctx.wrongArity()
  // No reply callback: the worker's thread-safe context writes the reply, sent at the unblock.
  const bc = ctx.blockClient(null, (tctx) => void tctx.replyWithSimpleString("Request timedout"), freePrivdata, 0)
  pending++
  const handle = ctx.workerHandle(bc)
  worker!.postMessage({ op: "sum", handle, key: argv[1], n: argv[2] }, [handle.port])
}

export default defineModule({
  name: "workerunblock",
  version: 1,
  onLoad: (ctx) => {
    pending = 0
    freed = 0
    // A plain worker: no loader hooks or flags inherited from the server process.
    worker = ctx.adoptWorker(new Worker(new URL("./workerunblock.worker.ts", import.meta.url), { execArgv: [] }))
    worker.unref()
    if (ctx.createCommand("worker.square", square) === "ERR") return "ERR"
    if (ctx.createCommand("worker.sum", sum, { flags: "write" }) === "ERR") return "ERR"
    if (ctx.createCommand("worker.pending", (c) => void c.replyWithLongLong(pending), { flags: "fast" }) === "ERR") return "ERR"
    if (ctx.createCommand("worker.freed", (c) => void c.replyWithLongLong(freed), { flags: "fast" }) === "ERR") return "ERR"
  },
  onUnload: () => {
    void worker?.terminate()
    worker = null
  }
})
