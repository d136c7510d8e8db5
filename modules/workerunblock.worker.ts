/**
 * The worker thread of workerunblock.ts: it gets a handle per request and answers the blocked
 * client itself, with Valkey's thread-side calls (`UnblockClient`, `ThreadSafeContextLock`, ...).
 */
import { parentPort } from "node:worker_threads"
import { threadSafeContext, unblockClient } from "keyfiber/module/worker"
import type { WorkerHandle } from "keyfiber/module/worker"

type Request = { op: "square"; handle: WorkerHandle; n: string } | { op: "sum"; handle: WorkerHandle; key: string; n: string }

parentPort!.on("message", async (request: Request) => {
  if (request.op === "square") {
    // The work, off the main thread; the privdata is cloned to the server's reply callback.
    const square = String(BigInt(request.n) * BigInt(request.n))
    await unblockClient(request.handle, { square })
    return
  }
  const ts = threadSafeContext(request.handle)
  await ts.lock()
  // While the worker holds the GIL, the server runs no client command and no timer.
  const total = await ts.call("INCRBY", request.key, request.n)
  await ts.reply("replyWithLongLong", total)
  await ts.unlock()
  await unblockClient(request.handle, { total })
})
