import { Effect, Fiber, Layer, ManagedRuntime } from "effect"
import { TestClock } from "effect/testing"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ServerCore } from "../../src/layers/ServerCore.js"
import { configFromCommandLine } from "../../src/layers/StartupConfig.js"
import { Modules } from "../../src/layers/Modules.js"
import { NullArray } from "../../src/protocol/Reply.js"
import type { ThreadSafeContext } from "keyfiber/module"
import type { Server } from "../../src/server/Server.js"
import { type RunningModuleServer, startModuleServer } from "../support/moduleServer.js"
import { waitFor } from "../support/waitFor.js"
import type { GilFixture } from "./fixtures/gil.js"

const FIXTURE = new URL("./fixtures/gil.ts", import.meta.url).pathname
const fixture = () => (globalThis as any).__gil as GilFixture
const tsc = (): ThreadSafeContext => fixture().ctx.getDetachedThreadSafeContext()
const text = (ts: ThreadSafeContext, ...argv: [string, ...Array<string>]) => ts.replies.text(ts.call(...argv)!)

/**
 * A GIL that is one (Valkey's module.c `moduleAcquireGIL`): while a thread-safe context holds it,
 * no client command and no timer runs; what arrived meanwhile runs after `unlock()`. The lock is
 * FIFO, a waiter can be interrupted without taking it, and a holder that dies lets it go.
 */
describe("the GIL over TCP", () => {
  let s: RunningModuleServer
  let r: Redis
  let r2: Redis
  const gil = () => s.server.dispatcher.executorLock
  beforeAll(async () => {
    s = await startModuleServer({ modules: { load: [{ path: FIXTURE, args: [] }] } })
    r = new Redis(s.port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })
    r2 = new Redis(s.port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })
    await r.ping()
    await r2.ping()
  })
  afterAll(async () => {
    r.disconnect()
    r2.disconnect()
    await s.close()
  })

  /** Sends a command and waits until the server has read it (not run it). */
  const sendAndWaitRead = async <T>(send: () => Promise<T>): Promise<{ promise: Promise<T> }> => {
    const before = s.server.stats.netInputBytes
    const promise = send()
    await waitFor("the server read the request", () => s.server.stats.netInputBytes > before)
    return { promise }
  }

  it("while a context holds the lock, clients' commands wait; they run after unlock, seeing its writes", async () => {
    await r.set("gil:n", "1")
    const ts = tsc()
    expect(ts.tryLock()).toBe("OK")
    const calls = s.server.stats.totalCommands
    const { promise } = await sendAndWaitRead(() => r.incr("gil:n"))
    const { promise: ping } = await sendAndWaitRead(() => r2.ping())
    let settled = false
    void promise.then(() => (settled = true))
    // Read, not run: the value is the holder's to see and change.
    expect(text(ts, "GET", "gil:n")).toBe("1")
    expect(text(ts, "SET", "gil:n", "10")).toBe("OK")
    expect(s.server.stats.totalCommands).toBe(calls + 2) // only the holder's GET and SET ran
    expect(settled).toBe(false)
    ts.unlock()
    expect(await promise).toBe(11)
    expect(await ping).toBe("PONG")
    expect(gil().held).toBe(false)
  })

  it("is FIFO: a context queued before a client's input runs before it, one queued after runs after", async () => {
    await r.set("gil:f", "0")
    const first = tsc()
    expect(first.tryLock()).toBe("OK")
    const seen: Array<string> = []
    const turn = (name: string) => {
      const ts = tsc()
      return fixture().ctx.fork(
        Effect.gen(function* () {
          yield* ts.lock()
          seen.push(`${name}:${text(ts, "GET", "gil:f")}`)
          ts.unlock()
        })
      )
    }
    const b = turn("B")
    await waitFor("B waits", () => gil().waiting === 1)
    const { promise } = await sendAndWaitRead(() => r.incr("gil:f"))
    expect(gil().waiting).toBe(2) // B, then the executor with the client's input
    const c = turn("C")
    await waitFor("C waits", () => gil().waiting === 3)
    // tryLock never jumps the queue.
    expect(tsc().tryLock()).toBe("ERR")
    first.unlock()
    await Effect.runPromise(Fiber.join(b))
    await Effect.runPromise(Fiber.join(c))
    expect(await promise).toBe(1)
    expect(seen).toEqual(["B:0", "C:1"])
    expect(gil().held).toBe(false)
  })

  it("interrupting a waiter leaves the lock usable: tryLock succeeds afterwards", async () => {
    const holder = tsc()
    expect(holder.tryLock()).toBe("OK")
    const waiter = tsc()
    const fiber = fixture().ctx.fork(waiter.lock())
    await waitFor("the waiter waits", () => gil().waiting === 1)
    await Effect.runPromise(Fiber.interrupt(fiber))
    expect(gil().waiting).toBe(0)
    holder.unlock()
    expect(gil().held).toBe(false)
    const next = tsc()
    expect(next.tryLock()).toBe("OK")
    next.unlock()
    expect(await r.ping()).toBe("PONG")
  })

  it("a holder fiber that ends without unlocking lets the lock go, with a warning; waiting input runs", async () => {
    const ts = tsc()
    const fiber = fixture().ctx.fork(
      Effect.gen(function* () {
        yield* ts.lock()
        yield* Effect.never
      })
    )
    await waitFor("the fiber holds the lock", () => gil().held)
    const { promise } = await sendAndWaitRead(() => r.ping())
    await Effect.runPromise(Fiber.interrupt(fiber))
    expect(await promise).toBe("PONG")
    expect(gil().held).toBe(false)
    expect(s.logs.some((l) => l.includes("<gil> a thread-safe context's holder ended with the GIL held: released"))).toBe(true)
  })

  it("unloading the module that holds the lock releases it, with a warning", async () => {
    const ts = tsc()
    expect(ts.tryLock()).toBe("OK")
    const { promise } = await sendAndWaitRead(() => r.ping())
    expect(s.modules.unload("gil")).toBeUndefined()
    expect(gil().held).toBe(false)
    expect(await promise).toBe("PONG")
    expect(s.logs.some((l) => l.includes("<gil> unloaded with the GIL held by a thread-safe context: released"))).toBe(true)
  })
})

describe("the GIL and timers (TestClock)", () => {
  let runtime: ManagedRuntime.ManagedRuntime<ServerCore | Modules, unknown>
  let server: Server
  beforeAll(async () => {
    const config = await Effect.runPromise(configFromCommandLine([]))
    runtime = ManagedRuntime.make(
      Modules.layer({ load: [{ path: FIXTURE, args: [] }] }).pipe(Layer.provideMerge(ServerCore.layer({ config })), Layer.provideMerge(TestClock.layer()))
    )
    server = await runtime.runPromise(Effect.map(ServerCore, (s) => s))
  })
  afterAll(() => runtime.dispose())

  it("no blocking timeout and no module timer fires while the lock is held; both run after unlock", async () => {
    const client = server.createClient(null, "t", "inproc")
    server.dispatcher.processCommand(client, ["gil.timer", "500"])
    server.dispatcher.processCommand(client, ["BLPOP", "gil:list", "1"])
    expect(client.isBlocked).toBe(true)
    const ts = tsc()
    expect(ts.tryLock()).toBe("OK")
    await runtime.runPromise(TestClock.adjust("5 seconds"))
    expect(fixture().timerFired).toBe(0)
    expect(client.isBlocked).toBe(true)
    ts.unlock()
    await waitFor("the deferred timers ran", () => !client.isBlocked && fixture().timerFired === 1)
    expect(client.replies?.at(-1)).toBeInstanceOf(NullArray)
  })
})
