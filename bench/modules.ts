/**
 * Module blocking benchmark (`node --expose-gc --import tsx bench/modules.ts`).
 *
 * In-process, 10,000 (BENCH_MODULE_BLOCKED) clients each blocked by a module command:
 * 1. BENCHBLOCK.PARK: Valkey-shaped BlockClient with reply/timeout/free callbacks; then one
 *    background fiber unblocks them all (UnblockClient from outside the executor).
 *    Reports: time to park all, heap per blocked client beyond an idle client, time from the
 *    release until every client has its reply, and blocked_clients back at 0.
 * 2. BENCHBLOCK.SLEEP: HELLO.BLOCK exactly: one background fiber per block sleeping on the Clock,
 *    then UnblockClient. Reports the same figures (the per-block fiber dominates the heap).
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import { ServerCore } from "../src/layers/ServerCore.js"
import { configFromCommandLine } from "../src/layers/StartupConfig.js"
import { type ModuleRegistry, Modules } from "../src/modules/Modules.js"
import type { Client } from "../src/server/Client.js"
import type { Server } from "../src/server/Server.js"

const N = Number(process.env.BENCH_MODULE_BLOCKED ?? 10_000)
const gc = (globalThis as { gc?: () => void }).gc

const heap = (): number => {
  gc?.()
  gc?.()
  return process.memoryUsage().heapUsed
}

const waitFor = async (cond: () => boolean, ms = 120_000) => {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("benchmark condition not met in time")
    await new Promise((r) => setImmediate(r))
  }
}

interface Figures {
  readonly parkMs: number
  readonly bytesPerBlocked: number
  readonly unblockMs: number
  readonly blockedAfter: number
}

const scenario = async (server: Server, modules: ModuleRegistry, command: Array<string>, release: (c: Client) => void): Promise<Figures> => {
  const clients = Array.from({ length: N }, (_, i) => server.createClient(null, `bench${i}`, "inproc"))
  const control = server.createClient(null, "control", "inproc")
  const idle = heap()
  const t0 = performance.now()
  for (const c of clients) server.dispatcher.processCommand(c, command)
  server.endOfTick()
  const parkMs = performance.now() - t0
  if (server.blockedClients !== N) throw new Error(`expected ${N} blocked, got ${server.blockedClients}`)
  const parked = heap()
  const t1 = performance.now()
  release(control)
  await waitFor(() => server.blockedClients === 0 && clients.every((c) => c.replies!.length === 1))
  const unblockMs = performance.now() - t1
  const figures = { parkMs, bytesPerBlocked: (parked - idle) / N, unblockMs, blockedAfter: server.blockedClients }
  for (const c of [...clients, control]) server.freeClient(c)
  if (modules.find("benchblock")!.blockedClients !== 0) throw new Error("handles left unreleased")
  return figures
}

const main = async () => {
  if (gc === undefined) console.log("(run with node --expose-gc for heap figures)")
  const config = await Effect.runPromise(configFromCommandLine([]))
  const path = new URL("./fixtures/benchblock.ts", import.meta.url).pathname
  const runtime = ManagedRuntime.make(Modules.layer({ load: [{ path, args: [] }] }).pipe(Layer.provideMerge(ServerCore.layer({ config }))))
  const { server, modules } = await runtime.runPromise(Effect.all({ server: ServerCore, modules: Modules }))
  const rows: Array<[string, Figures]> = []
  rows.push([
    "BlockClient + one background unblocker",
    await scenario(server, modules, ["benchblock.park"], (c) => server.dispatcher.processCommand(c, ["benchblock.release_all"]))
  ])
  rows.push(["HELLO.BLOCK (fiber per block, 50 ms)", await scenario(server, modules, ["benchblock.sleep", "50"], () => {})])
  console.log(`\n== modules: ${N} module-blocked clients, in-process`)
  console.log("scenario                                  park ms   bytes/blocked   unblock-all ms")
  for (const [label, f] of rows) {
    console.log(
      `${label.padEnd(40)} ${f.parkMs.toFixed(1).padStart(8)} ${(gc ? f.bytesPerBlocked.toFixed(0) : "n/a").padStart(15)} ${f.unblockMs.toFixed(1).padStart(16)}`
    )
  }
  await runtime.dispose()
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
