import { assert, layer } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { Keyfiber, type ReplyValue } from "../src/index.js"

/**
 * Interruption is an abort on the embedding surface, under random schedules: blocking runs
 * (BLPOP, BLMOVE, BZPOPMIN, with and without timeouts) on shared `kf.connect` connections and on
 * one-shot `kf.run`, concurrent pushes, ECHOs on the same connections, clock advances, and
 * interruptions at random points. Whatever the interleaving: no element is lost or duplicated
 * (each one pushed is either still there, or was returned by exactly one run that completed), an
 * interrupted run consumed nothing, and every run got exactly one reply, its own.
 */

const CONNECTIONS = 3

type Block = "blpop" | "blmove" | "bzpopmin"

type Step =
  /** A blocking run on connection `conn` (CONNECTIONS: a one-shot `kf.run`). */
  | { readonly t: "block"; readonly conn: number; readonly cmd: Block; readonly timeout: number }
  | { readonly t: "push"; readonly list: boolean }
  | { readonly t: "echo"; readonly conn: number }
  | { readonly t: "interrupt"; readonly pick: number }
  | { readonly t: "advance"; readonly ms: number }
  | { readonly t: "yield" }

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant("block" as const), conn: fc.integer({ min: 0, max: CONNECTIONS }), cmd: fc.constantFrom<Block>("blpop", "blmove", "bzpopmin"), timeout: fc.constantFrom(0, 0, 1, 2) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("push" as const), list: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("echo" as const), conn: fc.integer({ min: 0, max: CONNECTIONS - 1 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("interrupt" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("advance" as const), ms: fc.constantFrom(500, 1000) }) },
  { weight: 2, arbitrary: fc.constant({ t: "yield" as const }) }
)

interface Started {
  readonly kind: Block | "echo"
  readonly token: string
  readonly fiber: Fiber.Fiber<ReplyValue, unknown>
}

let runSeq = 0

const sorted = (xs: ReadonlyArray<string>) => [...xs].sort()

layer(Keyfiber.layer())("interrupting embedded blocking runs", (it) => {
  it.effect("never loses or duplicates an element, and every run gets exactly one reply", () =>
    Effect.gen(function* () {
      const kf = yield* Keyfiber
      const run = Effect.runPromiseWith(yield* Effect.context<never>())
      const scenario = (steps: ReadonlyArray<Step>) =>
        Effect.scoped(
          Effect.gen(function* () {
            const prefix = `run${runSeq++}:`
            const src = prefix + "src"
            const dst = prefix + "dst"
            const zset = prefix + "z"
            const conns = yield* Effect.forEach(Array.from({ length: CONNECTIONS }), () => kf.connect)
            const runOn = (conn: number) => (conn === CONNECTIONS ? kf : conns[conn])
            const started: Array<Started> = []
            const pushedList: Array<string> = []
            const pushedZset: Array<string> = []
            let element = 0
            for (const s of steps) {
              switch (s.t) {
                case "block": {
                  const client = runOn(s.conn)
                  const command =
                    s.cmd === "blpop"
                      ? client.run("BLPOP", src, s.timeout)
                      : s.cmd === "blmove"
                        ? client.run("BLMOVE", src, dst, "LEFT", "RIGHT", s.timeout)
                        : client.run("BZPOPMIN", zset, s.timeout)
                  started.push({ kind: s.cmd, token: "", fiber: yield* Effect.forkChild(command) })
                  break
                }
                case "push": {
                  const e = `e${element++}`
                  if (s.list) {
                    pushedList.push(e)
                    yield* kf.run("RPUSH", src, e)
                  } else {
                    pushedZset.push(e)
                    yield* kf.run("ZADD", zset, element, e)
                  }
                  break
                }
                case "echo": {
                  const token = `${prefix}echo${started.length}`
                  started.push({ kind: "echo", token, fiber: yield* Effect.forkChild(conns[s.conn].run("ECHO", token)) })
                  break
                }
                case "interrupt":
                  if (started.length > 0) yield* Fiber.interrupt(started[s.pick % started.length].fiber)
                  break
                case "advance":
                  yield* TestClock.adjust(s.ms)
                  break
                case "yield":
                  yield* Effect.yieldNow
                  break
              }
            }
            // The end: every run still waiting is interrupted.
            for (const { fiber } of started) yield* Fiber.interrupt(fiber)
            const popped: Array<string> = []
            const moved: Array<string> = []
            const zpopped: Array<string> = []
            for (const { kind, token, fiber } of started) {
              const exit = yield* Fiber.await(fiber)
              if (Exit.isFailure(exit)) {
                // Only an interruption: no run failed or got someone else's error.
                assert.isTrue(Cause.hasInterruptsOnly(exit.cause), `${kind} failed: ${Cause.pretty(exit.cause)}`)
                continue
              }
              const value = exit.value
              // Each reply has its own command's shape: nothing answered the wrong run.
              if (kind === "echo") assert.strictEqual(value, token)
              else if (value === null) continue // timed out
              else if (kind === "blpop") {
                const [key, e] = value as [string, string]
                assert.strictEqual(key, src)
                popped.push(e)
              } else if (kind === "blmove") {
                assert.isString(value)
                moved.push(value as string)
              } else {
                const [key, member] = value as [string, string, number]
                assert.strictEqual(key, zset)
                zpopped.push(member)
              }
            }
            assert.strictEqual(kf.server.blockedClients, 0)
            const remaining = (yield* kf.run("LRANGE", src, 0, -1)) as Array<string>
            const inDst = (yield* kf.run("LRANGE", dst, 0, -1)) as Array<string>
            const zRemaining = (yield* kf.run("ZRANGE", zset, 0, -1)) as Array<string>
            // Moved elements are in dst, and nothing else is (the runs' order is not the moves' order:
            // a run queued behind a blocked one on its connection is sent later).
            assert.deepStrictEqual(sorted(inDst), sorted(moved))
            assert.deepStrictEqual(sorted([...popped, ...moved, ...remaining]), sorted(pushedList))
            assert.deepStrictEqual(sorted([...zpopped, ...zRemaining]), sorted(pushedZset))
            // The connections are still in sync after all that.
            for (let i = 0; i < CONNECTIONS; i++) assert.strictEqual(yield* conns[i].run("ECHO", `${prefix}last${i}`), `${prefix}last${i}`)
          })
        )
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => run(scenario(steps))),
          { numRuns: Number(process.env.KEYFIBER_PROPERTY_RUNS ?? 200) }
        )
      )
    }), 120_000)
})
