/**
 * workerunblock: unblocking a client from a `worker_threads` worker. A blocked-client handle
 * cannot cross threads, so the worker gets a request id and posts the result back; the message
 * handler (on the main thread, outside any command) calls `unblockClient`, and the reply callback
 * runs at the end of that tick.
 *
 * WORKER.SQUARE <n> [timeout_ms]   the worker computes n*n; the reply is that integer.
 * WORKER.PENDING                   requests the worker has not answered yet.
 */
import { Worker } from "node:worker_threads"
import { defineModule } from "keyfiber/module"
import type { ModuleBlockedClient, ModuleContext } from "keyfiber/module"

const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads")
parentPort.on("message", ({ id, n }) => {
  // Pretend to work a little, off the main thread.
  setTimeout(() => parentPort.postMessage({ id, result: String(BigInt(n) * BigInt(n)) }), 5)
})
`

let worker: Worker | null = null
let nextId = 1
const pending = new Map<number, { ctx: ModuleContext; bc: ModuleBlockedClient }>()

const square = (ctx: ModuleContext, argv: Array<string>) => {
  if (argv.length < 2 || argv.length > 3) return ctx.wrongArity()
  if (!/^-?\d+$/.test(argv[1])) return ctx.replyWithError("ERR invalid number")
  const timeout = argv.length === 3 ? Number(argv[2]) : 0
  if (!Number.isInteger(timeout) || timeout < 0) return ctx.replyWithError("ERR invalid timeout")
  const bc = ctx.blockClient(
    (rctx) => void rctx.replyWithBigNumber(rctx.getBlockedClientPrivateData() as string),
    (tctx) => void tctx.replyWithSimpleString("Request timedout"),
    null,
    timeout
  )
  const id = nextId++
  pending.set(id, { ctx, bc })
  worker!.postMessage({ id, n: argv[1] })
}

export default defineModule({
  name: "workerunblock",
  version: 1,
  onLoad: (ctx) => {
    // A plain worker: no loader hooks or flags inherited from the server process.
    worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] })
    worker.unref()
    worker.on("error", (e) => ctx.log("warning", `worker failed: ${String(e)}`))
    worker.on("message", ({ id, result }: { id: number; result: string }) => {
      const request = pending.get(id)
      if (request === undefined) return
      pending.delete(id)
      // Called from a worker message: safe, the unblock is queued for the end of the tick.
      request.ctx.unblockClient(request.bc, result)
    })
    if (ctx.createCommand("worker.square", square) === "ERR") return "ERR"
    if (ctx.createCommand("worker.pending", (c) => void c.replyWithLongLong(pending.size), { flags: "fast" }) === "ERR") return "ERR"
  },
  onUnload: () => {
    void worker?.terminate()
    worker = null
  }
})
