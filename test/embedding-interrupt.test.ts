import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { Keyfiber, type KeyfiberOptions, type KeyfiberService, start } from "../src/index.js"
import { waitFor as pollFor } from "./support/waitFor.js"

/**
 * Interrupting an embedded run aborts its command: a blocked command ends unserved (nothing is
 * consumed), a command not yet sent is never sent, and the connection goes on in sync.
 */

const withKeyfiber = <A, E, R>(body: Effect.Effect<A, E, R>, options: KeyfiberOptions = {}) =>
  Effect.scoped(body).pipe(Effect.provide(Keyfiber.layer(options)))

const waitFor = (condition: () => boolean, what: string) => Effect.promise(() => pollFor(what, condition))

const blocked = (kf: KeyfiberService, n: number) => waitFor(() => kf.server.blockedClients === n, `${n} blocked clients`)

const blockModule = new URL("../modules/block.ts", import.meta.url).pathname

describe("interrupting a blocked run on kf.connect", () => {
  it.effect("an interrupted in-process BLPOP consumes nothing; the connection stays in sync", () =>
    withKeyfiber(
      Effect.gen(function* () {
        const kf = yield* Keyfiber
        const conn = yield* kf.connect
        const fiber = yield* Effect.forkChild(conn.run("BLPOP", "k", 0))
        yield* blocked(kf, 1)
        yield* Fiber.interrupt(fiber)
        assert.isTrue(Exit.hasInterrupts(yield* Fiber.await(fiber)))
        assert.strictEqual(kf.server.blockedClients, 0)
        assert.strictEqual(yield* kf.run("RPUSH", "k", "a"), 1)
        assert.strictEqual(yield* kf.run("LLEN", "k"), 1)
        // The next command on the same connection gets its own reply, and can pop.
        assert.strictEqual(yield* conn.run("ECHO", "next"), "next")
        assert.deepStrictEqual(yield* conn.run("BLPOP", "k", 0), ["k", "a"])
        // The aborted BLPOP was not counted as a call, as a disconnected one is not.
        const stats = (yield* kf.run("INFO", "commandstats")) as string
        assert.match(stats, /cmdstat_blpop:calls=1,/)
      })
    ))

  it.effect("BLMOVE and BZPOPMIN are aborted the same way; a timeout after the abort replies to nobody", () =>
    withKeyfiber(
      Effect.gen(function* () {
        const kf = yield* Keyfiber
        const conn = yield* kf.connect
        const move = yield* Effect.forkChild(conn.run("BLMOVE", "src", "dst", "LEFT", "RIGHT", 1))
        yield* blocked(kf, 1)
        yield* Fiber.interrupt(move)
        const zpop = yield* Effect.forkChild(conn.run("BZPOPMIN", "z", 1))
        yield* blocked(kf, 1)
        yield* Fiber.interrupt(zpop)
        assert.strictEqual(kf.server.blockedClients, 0)
        // Their deadlines pass: no timeout reply is written for them.
        yield* TestClock.adjust("2 seconds")
        yield* kf.run("RPUSH", "src", "x")
        yield* kf.run("ZADD", "z", 1, "m")
        assert.deepStrictEqual(yield* conn.run("LRANGE", "src", 0, -1), ["x"])
        assert.deepStrictEqual(yield* conn.run("LRANGE", "dst", 0, -1), [])
        assert.deepStrictEqual(yield* conn.run("ZRANGE", "z", 0, -1), ["m"])
      })
    ))

  it.effect("runs queued behind a blocked run: interrupted ones are never sent, the others go on in order", () =>
    withKeyfiber(
      Effect.gen(function* () {
        const kf = yield* Keyfiber
        const conn = yield* kf.connect
        const first = yield* Effect.forkChild(conn.run("BLPOP", "q", 0))
        yield* blocked(kf, 1)
        // Behind it: a pop that would consume (interrupted before it is sent), then an ECHO.
        const queuedPop = yield* Effect.forkChild(conn.run("LPOP", "q"))
        const echo = yield* Effect.forkChild(conn.run("ECHO", "after"))
        yield* Effect.yieldNow
        yield* Fiber.interrupt(queuedPop)
        assert.strictEqual(yield* kf.run("RPUSH", "q", "a", "b"), 2)
        assert.deepStrictEqual(yield* Fiber.join(first), ["q", "a"])
        assert.strictEqual(yield* Fiber.join(echo), "after")
        assert.deepStrictEqual(yield* kf.run("LRANGE", "q", 0, -1), ["b"])
        // Now interrupt the blocked head with runs queued behind it: they run after the abort.
        const head = yield* Effect.forkChild(conn.run("BLPOP", "empty", 0))
        yield* blocked(kf, 1)
        const behind = yield* Effect.forkChild(conn.run("LPOP", "q"))
        yield* Effect.yieldNow
        yield* Fiber.interrupt(head)
        assert.strictEqual(yield* Fiber.join(behind), "b")
      })
    ))

  it.effect("interrupting a served run changes nothing: its reply was delivered", () =>
    withKeyfiber(
      Effect.gen(function* () {
        const kf = yield* Keyfiber
        const conn = yield* kf.connect
        const fiber = yield* Effect.forkChild(conn.run("BLPOP", "k", 0))
        yield* blocked(kf, 1)
        yield* kf.run("RPUSH", "k", "a")
        yield* Fiber.interrupt(fiber)
        assert.deepStrictEqual(yield* Fiber.await(fiber), Exit.succeed(["k", "a"]))
        assert.strictEqual(yield* conn.run("PING"), "PONG")
      })
    ))

  it.effect("kf.run: an interrupted one-shot BLPOP consumes nothing either", () =>
    withKeyfiber(
      Effect.gen(function* () {
        const kf = yield* Keyfiber
        const fiber = yield* Effect.forkChild(kf.run("BLPOP", "k", 0))
        yield* blocked(kf, 1)
        yield* Fiber.interrupt(fiber)
        assert.strictEqual(yield* kf.run("RPUSH", "k", "a"), 1)
        assert.strictEqual(yield* kf.run("LLEN", "k"), 1)
      })
    ))

  it.effect("a module block: the disconnect and free callbacks run once, no reply reaches the connection", () =>
    withKeyfiber(
      Effect.gen(function* () {
        const kf = yield* Keyfiber
        const conn = yield* kf.connect
        const stats = Effect.map(kf.run("BLOCK.STATS"), (m) => Object.fromEntries(m as Map<string, number>))
        // BLOCK.DEBUG: a background fiber unblocks it after 1 s with a number (privdata).
        const debug = yield* Effect.forkChild(conn.run("BLOCK.DEBUG", 1000, 0))
        yield* blocked(kf, 1)
        yield* Fiber.interrupt(debug)
        assert.strictEqual(kf.server.blockedClients, 0)
        assert.strictEqual((yield* stats).disconnect, 1)
        // The background work ends later: its privdata is freed once, in a disconnected context.
        yield* TestClock.adjust("1 second")
        yield* Effect.promise(() => pollFor("the background work to end", async () => (await Effect.runPromise(stats)).free === 1))
        const after = yield* stats
        assert.strictEqual(after.free, 1)
        assert.strictEqual(after.freeDisconnected, 1)
        assert.strictEqual(after.reply, 0)
        assert.strictEqual(yield* conn.run("ECHO", "mine"), "mine")
        // The Effect shape: the Effect is interrupted, and nothing replies.
        const effect = yield* Effect.forkChild(conn.run("BLOCK.EFFECT", 1000, 0))
        yield* blocked(kf, 1)
        yield* Fiber.interrupt(effect)
        assert.strictEqual(kf.server.blockedClients, 0)
        yield* Effect.promise(() => pollFor("the Effect to be interrupted", async () => (await Effect.runPromise(stats)).interrupted === 1))
        yield* TestClock.adjust("1 second")
        assert.strictEqual(yield* conn.run("ECHO", "still mine"), "still mine")
      }),
      { modules: [{ path: blockModule }] }
    ))
})

describe("the Promise facade", () => {
  it("a blocking run still waiting when the server stops rejects; other runs were answered meanwhile", async () => {
    const kf = await start({ testClock: true })
    try {
      const pending = kf.run("BLPOP", "k", 0)
      await pollFor("BLPOP to block", () => kf.server.blockedClients === 1)
      assert.strictEqual(await kf.run("PING"), "PONG")
      await kf.close()
      await pending.then(
        () => assert.fail("expected a rejection"),
        // Closing the runtime interrupts the run: it rejects (an interruption), its block aborted.
        (e: unknown) => assert.instanceOf(e, Error)
      )
    } finally {
      await kf.close()
    }
  })
})
