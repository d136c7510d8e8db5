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
import { spawn } from "node:child_process"
import * as nodePath from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Effect, Layer, ManagedRuntime } from "effect"
import { ServerCore } from "../src/layers/ServerCore.js"
import { configFromCommandLine } from "../src/layers/StartupConfig.js"
import { Modules } from "../src/layers/Modules.js"
import type { ModuleRegistry } from "../src/modules/Modules.js"
import type { Client } from "../src/server/Client.js"
import type { Server } from "../src/server/Server.js"
import { waitFor } from "../test/support/waitFor.js"

const N = Number(process.env.BENCH_MODULE_BLOCKED ?? 10_000)
const gc = (globalThis as { gc?: () => void }).gc

const heap = (): number => {
  gc?.()
  gc?.()
  return process.memoryUsage().heapUsed
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
  // Polled every turn of the event loop: the poll is part of the unblock time.
  await waitFor("every client to be unblocked and replied", () => server.blockedClients === 0 && clients.every((c) => c.replies!.length === 1), 120_000, 0)
  const unblockMs = performance.now() - t1
  const figures = { parkMs, bytesPerBlocked: (parked - idle) / N, unblockMs, blockedAfter: server.blockedClients }
  for (const c of [...clients, control]) server.freeClient(c)
  if (modules.find("benchblock")!.blockedClients !== 0) throw new Error("handles left unreleased")
  return figures
}

const measure = async (): Promise<Array<[string, Figures]>> => {
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
  await runtime.dispose()
  return rows
}

const ROOT = nodePath.resolve(nodePath.dirname(fileURLToPath(import.meta.url)), "..")

/** `measure()` in a child Node with `--expose-gc` (heap figures need it). */
const measureInChild = async (): Promise<Array<[string, Figures]>> => {
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", "bench/modules.ts", "--json"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"]
  })
  let out = ""
  child.stdout!.setEncoding("utf8")
  child.stdout!.on("data", (d: string) => (out += d))
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve))
  if (code !== 0) throw new Error(`module blocking bench exited with ${code}`)
  return JSON.parse(out.trim().split("\n").pop()!) as Array<[string, Figures]>
}

/** Scenario for bench/run.ts (redis has no module equivalent: keyfiber figures only). */
export const modules = {
  name: "modules",
  description: `${N} module-blocked clients in-process (BlockClient/UnblockClient, HELLO.BLOCK)`,
  unit: "",
  digits: 1,
  async run() {
    const rows = gc === undefined ? await measureInChild() : await measure()
    return rows.flatMap(([label, f]) => [
      { label: `${label}: park all (ms)`, keyfiber: f.parkMs, redis: NaN },
      { label: `${label}: heap per blocked (B)`, keyfiber: f.bytesPerBlocked, redis: NaN },
      { label: `${label}: unblock all (ms)`, keyfiber: f.unblockMs, redis: NaN },
      { label: `${label}: blocked after`, keyfiber: f.blockedAfter, redis: NaN, limit: 0 }
    ])
  }
}

const main = async () => {
  if (gc === undefined) console.log("(run with node --expose-gc for heap figures)")
  const rows = await measure()
  console.log(`\n== modules: ${N} module-blocked clients, in-process`)
  console.log("scenario                                  park ms   bytes/blocked   unblock-all ms")
  for (const [label, f] of rows) {
    console.log(
      `${label.padEnd(40)} ${f.parkMs.toFixed(1).padStart(8)} ${(gc ? f.bytesPerBlocked.toFixed(0) : "n/a").padStart(15)} ${f.unblockMs.toFixed(1).padStart(16)}`
    )
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const done = process.argv.includes("--json")
    ? measure().then((rows) => console.log(JSON.stringify(rows)))
    : main()
  done.then(
    () => process.exit(0),
    (e) => {
      console.error(e)
      process.exit(1)
    }
  )
}
