import { assert, describe, it } from "@effect/vitest"
import { Effect, Metric } from "effect"
import * as fs from "node:fs"
import * as net from "node:net"
import { Keyfiber, start } from "../src/index.js"
import { waitFor as pollFor } from "./support/waitFor.js"

const CYCLES = 200

/** Active handles and requests by kind (`TCPWrap`, `TCPServerWrap`, `Timeout`, ...). */
const resources = (): Map<string, number> => {
  const counts = new Map<string, number>()
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1)
  return counts
}

const openFds = (): number => fs.readdirSync("/proc/self/fd").length

/** True when no kind of resource has more instances than in `baseline`. */
const noMoreThan = (baseline: Map<string, number>) => (): boolean => {
  for (const [kind, count] of resources()) if (count > (baseline.get(kind) ?? 0)) return false
  return true
}

/**
 * Counts the fibers started under it that have not ended yet: the runtime reports each fiber's
 * start and end to the `FiberRuntimeMetrics` service of the context it runs in.
 */
const trackFibers = () => {
  let running = 0
  const service: Metric.FiberRuntimeMetricsService = {
    recordFiberStart: () => void running++,
    recordFiberEnd: () => void running--
  }
  return { service, running: () => running }
}

/** A raw connection that sends PING and resolves with the reply, then with `closed` when the server hangs up. */
const pingOverSocket = (port: number) =>
  new Promise<{ reply: string; closed: Promise<void> }>((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1" })
    const closed = new Promise<void>((done) => socket.once("close", () => done()))
    socket.once("error", reject)
    socket.once("data", (chunk) => resolve({ reply: chunk.toString("latin1"), closed }))
    socket.write("PING\r\n")
  })

describe(`starting and stopping ${CYCLES} embedded servers`, () => {
  it.live("the Layer leaks no sockets, timers, fds or fibers", () =>
    Effect.gen(function* () {
      const baseline = resources()
      const fds = openFds()
      const fibers = trackFibers()
      for (let i = 0; i < CYCLES; i++) {
        const closed = yield* Effect.scoped(
          Effect.gen(function* () {
            const kf = yield* Keyfiber
            const { reply, closed } = yield* Effect.promise(() => pingOverSocket(kf.port))
            assert.strictEqual(reply, "+PONG\r\n")
            assert.strictEqual(yield* kf.run("SET", "k", "v"), "OK")
            const client = yield* kf.connect
            assert.strictEqual(yield* client.run("GET", "k"), "v")
            // The tracker sees the server's fibers (the active expiry cycle) while it runs.
            assert.isAbove(fibers.running(), 0)
            return closed
          }).pipe(Effect.provide(Keyfiber.layer()), Effect.provideService(Metric.FiberRuntimeMetrics, fibers.service))
        )
        // Stopping the server closed the connection from its side.
        yield* Effect.promise(() => closed)
      }
      yield* Effect.promise(() => pollFor("handles to be released", noMoreThan(baseline)))
      yield* Effect.promise(() => pollFor("fds to be closed", () => openFds() <= fds))
      assert.strictEqual(fibers.running(), 0)
    }), 60_000)

  it("the Promise facade leaks no sockets, timers or fds", async () => {
    const baseline = resources()
    const fds = openFds()
    for (let i = 0; i < CYCLES; i++) {
      const kf = await start({ testClock: i % 2 === 0 })
      const { reply, closed } = await pingOverSocket(kf.port)
      assert.strictEqual(reply, "+PONG\r\n")
      assert.strictEqual(await kf.run("SET", "k", "v"), "OK")
      await kf.close()
      await closed
    }
    await pollFor("handles to be released", noMoreThan(baseline))
    await pollFor("fds to be closed", () => openFds() <= fds)
  }, 60_000)
})
