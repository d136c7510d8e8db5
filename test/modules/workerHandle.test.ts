import { Redis } from "ioredis"
import { Worker } from "node:worker_threads"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { WorkerRequest, WorkerResponse } from "../../src/modules/workerProtocol.js"
import { modulePath, type RunningModuleServer, startModuleServer } from "../support/moduleServer.js"
import { waitFor } from "../support/waitFor.js"
import type { GilFixture } from "./fixtures/gil.js"

const GIL = new URL("./fixtures/gil.ts", import.meta.url).pathname
const GIL_WORKER = new URL("./fixtures/gilworker.ts", import.meta.url).pathname
const fixture = () => (globalThis as any).__gil as GilFixture

/**
 * Worker threads as Valkey's threads: a blocked-client handle and its thread-safe context used
 * from a `worker_threads` Worker through `ctx.workerHandle(bc)` and `keyfiber/module/worker`.
 */
describe("worker handles", () => {
  let s: RunningModuleServer
  let r: Redis
  beforeAll(async () => {
    s = await startModuleServer({ modules: { load: [{ path: modulePath("workerunblock.ts"), args: [] }, { path: GIL, args: [] }] } })
    r = new Redis(s.port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })
  })
  afterAll(async () => {
    r.disconnect()
    await s.close()
  })

  it("a Worker unblocks the client directly, with privdata; the free callback runs once per request", async () => {
    const freed = (await r.call("worker.freed")) as number
    expect(await r.call("worker.square", "12")).toBe("144")
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => r.call("worker.square", String(i))))
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => String(i * i)))
    await waitFor("every privdata freed", async () => (await r.call("worker.pending")) === 0)
    expect(await r.call("worker.freed")).toBe(freed + 51)
    expect(s.server.blockedClients).toBe(0)
  })

  it("a Worker locks the GIL, calls, replies through its thread-safe context, unlocks, unblocks", async () => {
    await r.del("worker:sum")
    const totals = await Promise.all(Array.from({ length: 20 }, () => r.call("worker.sum", "worker:sum", "3")))
    // Each INCRBY ran once, alone: the replies are exactly 3, 6, ..., 60.
    expect([...(totals as Array<number>)].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => 3 * (i + 1)))
    expect(await r.get("worker:sum")).toBe("60")
    expect(s.server.dispatcher.executorLock.held).toBe(false)
  })

  it("requests run in sequence order, each exactly once: duplicates and early numbers", async () => {
    await r.del("worker:seq")
    const handle = fixture().ctx.workerHandle(null)
    const answers: Array<WorkerResponse> = []
    handle.port.on("message", (m: WorkerResponse) => answers.push(m))
    const post = (m: WorkerRequest) => handle.port.postMessage(m)
    const incr: WorkerRequest = { seq: 1, op: "call", argv: ["INCR", "worker:seq"], bytes: false }
    post(incr) // early: waits for 0
    post({ seq: 0, op: "lock" })
    post({ seq: 0, op: "lock" }) // duplicate
    post(incr) // duplicate
    post({ seq: 2, op: "call", argv: ["INCR", "worker:seq"], bytes: false })
    post({ seq: 3, op: "unlock" })
    post({ seq: 2, op: "call", argv: ["INCR", "worker:seq"], bytes: false }) // old number
    await waitFor("four answers", () => answers.length >= 4)
    expect(answers).toEqual([
      { seq: 0, value: "OK" },
      { seq: 1, value: 1 },
      { seq: 2, value: 2 },
      { seq: 3, value: "OK" }
    ])
    expect(await r.get("worker:seq")).toBe("2")
    // Nothing more comes.
    expect(await r.ping()).toBe("PONG")
    expect(answers.length).toBe(4)
    handle.port.close()
  })

  it("a call without the GIL is refused; text and bytes follow the module rule", async () => {
    const handle = fixture().ctx.workerHandle(null)
    const answers: Array<WorkerResponse> = []
    handle.port.on("message", (m: WorkerResponse) => answers.push(m))
    handle.port.postMessage({ seq: 0, op: "call", argv: ["PING"], bytes: false } satisfies WorkerRequest)
    handle.port.postMessage({ seq: 1, op: "lock" } satisfies WorkerRequest)
    handle.port.postMessage({ seq: 2, op: "call", argv: ["SET", "worker:€", new Uint8Array([0xff, 0x00])], bytes: false } satisfies WorkerRequest)
    handle.port.postMessage({ seq: 3, op: "call", argv: ["GET", "worker:€"], bytes: true } satisfies WorkerRequest)
    handle.port.postMessage({ seq: 4, op: "unlock" } satisfies WorkerRequest)
    await waitFor("five answers", () => answers.length >= 5)
    expect(answers[0]).toEqual({ seq: 0, error: "ERR a worker's thread-safe context must hold the GIL (lock) to call" })
    expect(Buffer.from(answers[3]!.seq === 3 && "value" in answers[3] ? (answers[3].value as Uint8Array) : [])).toEqual(Buffer.from([0xff, 0x00]))
    expect(await r.getBuffer(Buffer.from("worker:€", "utf8"))).toEqual(Buffer.from([0xff, 0x00]))
    handle.port.close()
  })

  it("a Worker that exits holding the GIL releases it, with a warning; waiting clients run", async () => {
    const worker = new Worker(GIL_WORKER, { execArgv: [] })
    const exited = new Promise((resolve) => worker.once("exit", resolve))
    const handle = fixture().ctx.workerHandle(null)
    worker.postMessage({ handle }, [handle.port])
    await new Promise((resolve) => worker.once("message", resolve))
    expect(s.server.dispatcher.executorLock.held).toBe(true)
    const before = s.server.stats.netInputBytes
    let ponged = false
    const ping = r.ping().then((p) => ((ponged = true), p))
    await waitFor("the server read the PING", () => s.server.stats.netInputBytes > before)
    expect(ponged).toBe(false)
    worker.postMessage("exit")
    await exited
    expect(await ping).toBe("PONG")
    await waitFor("the warning", () => s.logs.some((l) => l.includes("<gil> a worker ended with the GIL held by its thread-safe context: released")))
    expect(s.server.dispatcher.executorLock.held).toBe(false)
  })
})
