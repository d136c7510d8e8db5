import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { Redis } from "ioredis"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { createClient } from "redis"
import { ClientClosedError, Keyfiber, type KeyfiberOptions, Reply, ReplyError, start } from "../src/index.js"
import { waitFor as pollFor } from "./support/waitFor.js"

/** Runs `body` with an embedded keyfiber whose scope closes when `body` ends. */
const withKeyfiber = <A, E, R>(body: Effect.Effect<A, E, R>, options: KeyfiberOptions = {}) =>
  Effect.scoped(body).pipe(Effect.provide(Keyfiber.layer(options)))

/** An ioredis client that does not reconnect, closed with the scope. */
const ioredis = (port: number) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const client = new Redis({ port, host: "127.0.0.1", lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null })
      await client.connect()
      return client
    }),
    (client) => Effect.sync(() => client.disconnect())
  )

const waitFor = (condition: () => boolean, what: string) => Effect.promise(() => pollFor(what, condition))

describe("Keyfiber layer", () => {
  it.effect("runs commands in-process and over the socket on the same keyspace", () =>
    withKeyfiber(
      Effect.gen(function* () {
        const kf = yield* Keyfiber
        assert.isAbove(kf.port, 0)
        assert.strictEqual(kf.url, `redis://127.0.0.1:${kf.port}`)
        assert.strictEqual(yield* kf.run("SET", "k", "v"), "OK")
        const redis = yield* ioredis(kf.port)
        assert.strictEqual(yield* Effect.promise(() => redis.get("k")), "v")
        yield* Effect.promise(() => redis.set("n", "1"))
        assert.strictEqual(yield* kf.run("GET", "n"), "1")
        // An error reply fails the run with ReplyError; runReply has it as a typed value.
        const unknown = yield* Effect.flip(kf.run("NOPE", 1))
        assert.instanceOf(unknown, ReplyError)
        assert.strictEqual(unknown.message, "ERR unknown command 'NOPE', with args beginning with: '1' ")
        assert.strictEqual((unknown as ReplyError).code, "ERR")
        assert.deepStrictEqual(yield* kf.runReply("NOPE", 1), new Reply.ErrorReply("ERR unknown command 'NOPE', with args beginning with: '1' "))
        // Bytes round-trip through runBytes; a string is always text, sent as UTF-8.
        yield* kf.run("SET", "bin", Buffer.from([0, 0xff, 0x80]))
        assert.deepStrictEqual(yield* kf.runBytes("GET", "bin"), Buffer.from([0, 0xff, 0x80]))
        assert.strictEqual(yield* kf.runReply("GET", "bin"), "\x00\xff\x80")
        yield* kf.run("SET", "text", "日本")
        assert.strictEqual(yield* kf.run("GET", "text"), "日本")
        yield* kf.run("SET", "latin", "é")
        assert.deepStrictEqual(yield* kf.runBytes("GET", "latin"), Buffer.from([0xc3, 0xa9]))
        assert.strictEqual(yield* Effect.promise(() => redis.get("text")), "日本")
      })
    ))

  it.effect("a dedicated in-process client keeps its state and answers in order", () =>
    withKeyfiber(
      Effect.gen(function* () {
        const kf = yield* Keyfiber
        const client = yield* kf.connect
        yield* client.run("SELECT", 3)
        yield* client.run("SET", "k", "in-3")
        assert.strictEqual(yield* client.run("GET", "k"), "in-3")
        assert.strictEqual(yield* kf.run("GET", "k"), null)
        const replies = yield* Effect.all([client.run("PING"), client.run("ECHO", "a"), client.run("GET", "k")], { concurrency: "unbounded" })
        assert.deepStrictEqual(replies, ["PONG", "a", "in-3"])
        assert.strictEqual(yield* client.run("QUIT"), "OK")
        const after = yield* Effect.exit(client.run("PING"))
        assert.deepStrictEqual(after, Exit.fail(new ClientClosedError({ clientId: client.id })))
      })
    ))

  it.effect("replies the server encoded ahead (SUBSCRIBE inside EXEC) come back as values, not RESP", () =>
    withKeyfiber(
      Effect.gen(function* () {
        const kf = yield* Keyfiber
        const conn = yield* kf.connect
        assert.strictEqual(yield* conn.run("MULTI"), "OK")
        assert.strictEqual(yield* conn.run("SUBSCRIBE", "a", "é"), "QUEUED")
        // Valkey writes both confirmations at SUBSCRIBE's place in EXEC's array; they are decoded
        // into values there (one array of the two), with strings as text or bytes like the rest.
        assert.deepStrictEqual(yield* conn.run("EXEC"), [
          [
            ["subscribe", "a", 1],
            ["subscribe", "é", 2]
          ]
        ])
        assert.strictEqual(yield* kf.run("PUBLISH", "é", "m"), 1)
      })
    ))

  it.effect("under TestClock, TTLs and active expiry move only with the clock", () =>
    withKeyfiber(
      Effect.gen(function* () {
        const kf = yield* Keyfiber
        const { keyspace } = kf.server
        assert.strictEqual(kf.server.now(), 0)
        const redis = yield* ioredis(kf.port)
        assert.strictEqual(yield* Effect.promise(() => redis.set("s", "v", "PX", 1000)), "OK")
        assert.strictEqual(yield* kf.run("SET", "quiet", "v", "PX", 1000), "OK")
        // Real time passes while the socket round-trips; the key stays.
        assert.strictEqual(yield* Effect.promise(() => redis.get("s")), "v")
        yield* TestClock.adjust("999 millis")
        assert.strictEqual(yield* Effect.promise(() => redis.get("s")), "v")
        assert.strictEqual(keyspace.dbs[0].size, 2)
        yield* TestClock.adjust("1 millis")
        // Lazy expiry on access...
        assert.strictEqual(yield* Effect.promise(() => redis.get("s")), null)
        assert.strictEqual(yield* kf.run("GET", "s"), null)
        // ...and the active expiry cycle, which runs on the same clock, removed the key nobody read.
        yield* TestClock.adjust("100 millis")
        assert.strictEqual(keyspace.dbs[0].size, 0)
        assert.strictEqual(keyspace.stats.expiredKeys, 2)
      })
    ))

  it.live("with the live clock it behaves as a normal server", () =>
    withKeyfiber(
      Effect.gen(function* () {
        const kf = yield* Keyfiber
        const { keyspace } = kf.server
        assert.isAbove(kf.server.now(), 1_600_000_000_000)
        const redis = yield* ioredis(kf.port)
        assert.strictEqual(yield* Effect.promise(() => redis.set("lazy", "v", "PX", 30)), "OK")
        assert.strictEqual(yield* kf.run("SET", "active", "v", "PX", 30), "OK")
        yield* Effect.promise(() => pollFor("lazy expiry", async () => (await redis.get("lazy")) === null))
        // Nobody reads "active": the expiry cycle (every 100 ms of real time) removes it.
        yield* waitFor(() => keyspace.dbs[0].size === 0, "active expiry")
      })
    ))

  it.live("closing the scope stops the server, clients and all", () =>
    Effect.gen(function* () {
      const { port, pending, redisClosed } = yield* withKeyfiber(
        Effect.gen(function* () {
          const kf = yield* Keyfiber
          const redis = new Redis({ port: kf.port, lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null })
          yield* Effect.promise(() => redis.connect())
          const redisClosed = new Promise<void>((resolve) => redis.once("end", () => resolve()))
          // A run that is still waiting when the server stops fails instead of hanging.
          const client = yield* kf.connect
          const pending = yield* Effect.forkChild(client.run("BLPOP", "k", 0))
          yield* waitFor(() => kf.server.blockedClients === 1, "BLPOP to block")
          return { port: kf.port, pending, redisClosed }
        })
      )
      yield* Effect.promise(() => redisClosed)
      const exit = yield* Fiber.await(pending)
      assert.isTrue(Exit.isFailure(exit))
      const refused = yield* Effect.promise(
        () =>
          new Promise<boolean>((resolve) => {
            const socket = net.connect({ port, host: "127.0.0.1" })
            socket.once("connect", () => (socket.destroy(), resolve(false)))
            socket.once("error", () => resolve(true))
          })
      )
      assert.isTrue(refused)
    }))
})

describe("Keyfiber layer with modules", () => {
  const ratelimit = new URL("../modules/ratelimit.ts", import.meta.url).pathname

  it.effect("loads modules with their arguments; their time is the layer's clock", () =>
    withKeyfiber(
      Effect.gen(function* () {
        const kf = yield* Keyfiber
        assert.deepStrictEqual(kf.modules.loaded.map((m) => m.name), ["ratelimit"])
        assert.strictEqual(yield* kf.run("RATELIMIT.TAKE", "embedded", 2), 1)
        assert.strictEqual(yield* kf.run("RATELIMIT.TAKE", "embedded"), 0)
        yield* TestClock.adjust("999 millis")
        assert.strictEqual(yield* kf.run("RATELIMIT.TAKE", "embedded"), 0)
        yield* TestClock.adjust("1 millis")
        assert.strictEqual(yield* kf.run("RATELIMIT.TAKE", "embedded"), 1)
      }),
      { modules: [{ path: ratelimit, args: ["2", "1"] }] }
    ))

  it.effect("MODULE LOAD from an in-process client replies once the load finishes", () =>
    withKeyfiber(
      Effect.gen(function* () {
        const kf = yield* Keyfiber
        assert.strictEqual(yield* kf.run("MODULE", "LOAD", ratelimit, 1, 1), "OK")
        assert.deepStrictEqual(kf.modules.loaded.map((m) => m.name), ["ratelimit"])
        assert.strictEqual(yield* kf.run("RATELIMIT.TAKE", "in-process"), 1)
      }),
      { config: "enable-module-command yes\n" }
    ))

  it.effect("a module that cannot load fails the layer with ModuleLoadError", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(withKeyfiber(Effect.void, { modules: [{ path: "/nonexistent/module.ts" }] }))
      assert.strictEqual(error._tag, "ModuleLoadError")
    }))
})

describe("Keyfiber layer configuration", () => {
  it.effect("reads config text; port and host options win over it; CONFIG GET port is the bound port", () =>
    withKeyfiber(
      Effect.gen(function* () {
        const kf = yield* Keyfiber
        assert.strictEqual(kf.config.get<number>("hz"), 20)
        assert.deepStrictEqual(yield* kf.run("CONFIG", "GET", "maxmemory"), new Map([["maxmemory", "1048576"]]))
        assert.deepStrictEqual(yield* kf.run("CONFIG", "GET", "port"), new Map([["port", String(kf.port)]]))
        assert.deepStrictEqual(yield* kf.run("CONFIG", "GET", "bind"), new Map([["bind", "127.0.0.1"]]))
        assert.strictEqual(yield* kf.run("CONFIG", "SET", "maxmemory", "2mb"), "OK")
        assert.strictEqual(kf.config.get<number>("maxmemory"), 2 * 1024 * 1024)
      }),
      // Port 1 would need privileges: the option must win.
      { config: "maxmemory 1mb\nhz 20\nport 1\nbind 0.0.0.0\n", port: 0, host: "127.0.0.1" }
    ))

  it.effect("reads a config file, and CONFIG REWRITE writes it back", () =>
    Effect.gen(function* () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyfiber-embed-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
      const file = path.join(dir, "keyfiber.conf")
      fs.writeFileSync(file, "# embedded\nmaxmemory 1mb\n")
      yield* withKeyfiber(
        Effect.gen(function* () {
          const kf = yield* Keyfiber
          assert.deepStrictEqual(yield* kf.run("CONFIG", "GET", "maxmemory"), new Map([["maxmemory", "1048576"]]))
          assert.strictEqual(yield* kf.run("CONFIG", "SET", "maxmemory", "3mb"), "OK")
          assert.strictEqual(yield* kf.run("CONFIG", "REWRITE"), "OK")
        }),
        { configFile: file, config: "maxmemory-policy allkeys-lru" }
      )
      const text = fs.readFileSync(file, "latin1")
      assert.include(text, "# embedded\n")
      assert.include(text, "maxmemory 3mb\n")
      assert.include(text, "maxmemory-policy allkeys-lru\n")
    }))

  it.effect("a bad config fails the layer with Valkey's config error", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(withKeyfiber(Effect.void, { config: "maxmemory lots\n" }))
      assert.strictEqual(error._tag, "ConfigFileError")
      const missing = yield* Effect.flip(withKeyfiber(Effect.void, { configFile: "/nonexistent/keyfiber.conf" }))
      assert.strictEqual(missing._tag, "ConfigOpenError")
    }))
})

// One server for a block of tests: the layer is built in the same test environment as the tests,
// so `TestClock.adjust` in a test moves the server's clock.
layer(Keyfiber.layer())("Keyfiber layer shared by @effect/vitest's layer()", (it) => {
  it.effect("the tests' TestClock is the server's clock", () =>
    Effect.gen(function* () {
      const kf = yield* Keyfiber
      const start = kf.server.now()
      kf.server.keyspace.add(0, "shared", "v", start + 500)
      yield* TestClock.adjust("500 millis")
      assert.strictEqual(kf.server.now(), start + 500)
      assert.strictEqual(yield* kf.run("GET", "shared"), null)
    }))
})

describe("Keyfiber layer with blocking commands", () => {
  it.effect("BLPOP over a real socket times out only when the TestClock moves", () =>
    withKeyfiber(
      Effect.gen(function* () {
        const kf = yield* Keyfiber
        const blocked = yield* ioredis(kf.port)
        const other = yield* ioredis(kf.port)
        assert.strictEqual(yield* Effect.promise(() => other.set("s", "v", "PX", 1000)), "OK")
        let settled = false
        const reply = blocked.blpop("k", 5).finally(() => {
          settled = true
        })
        yield* waitFor(() => kf.server.blockedClients === 1, "BLPOP to block")
        yield* TestClock.adjust("999 millis")
        assert.strictEqual(yield* Effect.promise(() => other.get("s")), "v")
        yield* TestClock.adjust("1 millis")
        assert.strictEqual(yield* Effect.promise(() => other.get("s")), null)
        yield* TestClock.adjust("3900 millis") // 4.9 s in all
        // A round trip on another connection: had the timeout fired, its reply would be out already.
        assert.strictEqual(yield* Effect.promise(() => other.ping()), "PONG")
        assert.isFalse(settled)
        assert.strictEqual(kf.server.blockedClients, 1)
        yield* TestClock.adjust("100 millis")
        assert.strictEqual(yield* Effect.promise(() => reply), null)
        assert.strictEqual(kf.server.blockedClients, 0)
      })
    ))

  it.effect("an in-process BLPOP completes when served or timed out", () =>
    withKeyfiber(
      Effect.gen(function* () {
        const kf = yield* Keyfiber
        const served = yield* Effect.forkChild(kf.run("BLPOP", "k", 5))
        yield* waitFor(() => kf.server.blockedClients === 1, "BLPOP to block")
        assert.strictEqual(yield* kf.run("RPUSH", "k", "a"), 1)
        assert.deepStrictEqual(yield* Fiber.join(served), ["k", "a"])
        const timedOut = yield* Effect.forkChild(kf.run("BLPOP", "k", 5))
        yield* waitFor(() => kf.server.blockedClients === 1, "BLPOP to block")
        yield* TestClock.adjust("5 seconds")
        assert.strictEqual(yield* Fiber.join(timedOut), null)
        // Interrupting a blocked run disconnects its client.
        const abandoned = yield* Effect.forkChild(kf.run("BLPOP", "k", 0))
        yield* waitFor(() => kf.server.blockedClients === 1, "BLPOP to block")
        yield* Fiber.interrupt(abandoned)
        assert.strictEqual(kf.server.blockedClients, 0)
      })
    ))
})

describe("Keyfiber layer with blocking commands, live clock", () => {
  it.live("BLPOP times out by real time and is served by a push", () =>
    withKeyfiber(
      Effect.gen(function* () {
        const kf = yield* Keyfiber
        const redis = yield* ioredis(kf.port)
        assert.strictEqual(yield* Effect.promise(() => redis.blpop("k", 0.05)), null)
        const served = yield* Effect.forkChild(kf.run("BLPOP", "k", 10))
        yield* waitFor(() => kf.server.blockedClients === 1, "BLPOP to block")
        assert.strictEqual(yield* Effect.promise(() => redis.rpush("k", "a")), 1)
        assert.deepStrictEqual(yield* Fiber.join(served), ["k", "a"])
      })
    ))
})

describe("Promise facade", () => {
  it("starts, serves node-redis and the in-process run, and closes", async () => {
    const kf = await start()
    const client = createClient({ url: kf.url })
    await client.connect()
    try {
      assert.strictEqual(await client.set("k", "日本"), "OK")
      assert.strictEqual(await kf.run("GET", "k"), "日本")
      assert.strictEqual(await kf.run("SET", "n", 5), "OK")
      assert.strictEqual(await client.get("n"), "5")
      await kf.run("NOPE").then(
        () => assert.fail("expected a ReplyError"),
        (e: unknown) => {
          assert.instanceOf(e, ReplyError)
          assert.strictEqual((e as ReplyError).message, "ERR unknown command 'NOPE', with args beginning with: ")
        }
      )
      assert.deepStrictEqual(await kf.runBytes("GET", "k"), Buffer.from("日本"))
      assert.deepStrictEqual(await kf.runReply("GET", "k"), Buffer.from("日本").toString("latin1"))
    } finally {
      client.destroy()
      await kf.close()
    }
  })

  it("connect gives a dedicated client with the same run, runBytes and runReply", async () => {
    const kf = await start()
    try {
      const conn = await kf.connect()
      assert.strictEqual(await conn.run("SELECT", 2), "OK")
      assert.strictEqual(await conn.run("SET", "k", "€"), "OK")
      assert.strictEqual(await conn.run("GET", "k"), "€")
      assert.deepStrictEqual(await conn.runBytes("GET", "k"), Buffer.from("€"))
      assert.strictEqual(await conn.runReply("GET", "k"), Buffer.from("€").toString("latin1"))
      assert.strictEqual(await kf.run("GET", "k"), null) // another client, in db 0
      assert.strictEqual(await conn.run("CLIENT", "ID"), conn.id)
      await conn.run("LPUSH", "k", "x").then(
        () => assert.fail("expected a ReplyError"),
        (e: unknown) => assert.strictEqual((e as ReplyError).code, "WRONGTYPE")
      )
      await conn.close()
      await conn.run("PING").then(
        () => assert.fail("expected a ClientClosedError"),
        (e: unknown) => assert.instanceOf(e, ClientClosedError)
      )
    } finally {
      await kf.close()
    }
  })

  it("controls time with testClock and advance", async () => {
    const kf = await start({ testClock: true })
    const client = createClient({ url: kf.url })
    await client.connect()
    try {
      assert.strictEqual(await client.set("s", "v", { PX: 1000 }), "OK")
      assert.strictEqual(await kf.run("PTTL", "s"), 1000)
      await kf.advance(999)
      assert.strictEqual(await client.get("s"), "v")
      await kf.advance(1)
      assert.strictEqual(await client.get("s"), null)
    } finally {
      client.destroy()
      await kf.close()
    }
  })

  it("BLPOP from node-redis times out only when advanced", async () => {
    const kf = await start({ testClock: true })
    const blocked = createClient({ url: kf.url })
    const other = createClient({ url: kf.url })
    await blocked.connect()
    await other.connect()
    try {
      assert.strictEqual(await other.set("s", "v", { PX: 1000 }), "OK")
      let settled = false
      const reply = blocked.blPop("k", 5).finally(() => {
        settled = true
      })
      await pollFor("BLPOP to block", () => kf.server.blockedClients === 1)
      await kf.advance(1000)
      assert.strictEqual(await other.get("s"), null)
      await kf.advance(3900)
      assert.strictEqual(await other.ping(), "PONG")
      assert.isFalse(settled)
      await kf.advance(100)
      assert.strictEqual(await reply, null)
    } finally {
      blocked.destroy()
      other.destroy()
      await kf.close()
    }
  })

  it("takes config text and reports config errors as rejections", async () => {
    const kf = await start({ config: "maxmemory 1mb\n" })
    try {
      assert.deepStrictEqual(await kf.run("CONFIG", "GET", "maxmemory"), new Map([["maxmemory", "1048576"]]))
      assert.strictEqual(kf.config.get<number>("maxmemory"), 1024 * 1024)
    } finally {
      await kf.close()
    }
    await start({ config: "no-such-directive yes\n" }).then(
      () => assert.fail("expected a ConfigFileError"),
      (e: unknown) => assert.strictEqual((e as { _tag?: string })._tag, "ConfigFileError")
    )
  })

  it("rejects when the port is taken", async () => {
    const first = await start()
    try {
      await start({ port: first.port }).then(
        () => assert.fail("expected a ListenError"),
        (e: unknown) => assert.strictEqual((e as { _tag?: string })._tag, "ListenError")
      )
    } finally {
      await first.close()
    }
  })
})

describe("reply values: text and bytes", () => {
  it.effect("every kind of reply, as text and as bytes, in RESP2 and RESP3", () =>
    withKeyfiber(
      Effect.gen(function* () {
        const kf = yield* Keyfiber
        const conn = yield* kf.connect
        // Statuses are strings like bulks: text from run, bytes from runBytes.
        assert.strictEqual(yield* conn.run("SET", "k", "v"), "OK")
        assert.deepStrictEqual(yield* conn.runBytes("SET", "k", "v"), Buffer.from("OK"))
        assert.strictEqual(yield* conn.run("TYPE", "k"), "string")
        assert.strictEqual(yield* conn.run("INCR", "n"), 1)
        assert.strictEqual(yield* conn.run("GET", "missing"), null)
        assert.strictEqual(yield* conn.runBytes("GET", "missing"), null)
        // An error inside EXEC's results is a ReplyError value; the run itself succeeds.
        yield* conn.run("MULTI")
        yield* conn.run("INCR", "k")
        yield* conn.run("GET", "k")
        const exec = (yield* conn.run("EXEC")) as ReadonlyArray<unknown>
        assert.instanceOf(exec[0], ReplyError)
        assert.strictEqual((exec[0] as ReplyError).code, "ERR")
        assert.strictEqual(exec[1], "v")
        // An error reply fails runBytes with the same ReplyError.
        const wrongType = yield* Effect.flip(conn.runBytes("LPUSH", "k", "x"))
        assert.instanceOf(wrongType, ReplyError)
        assert.strictEqual(wrongType.code, "WRONGTYPE")
        // RESP3: maps, sets, doubles, booleans keep their shapes in both forms.
        yield* conn.run("HELLO", 3)
        yield* conn.run("HSET", "h", "f", "1")
        yield* conn.run("SADD", "s", "m")
        yield* conn.run("ZADD", "z", 1.5, "m")
        assert.deepStrictEqual(yield* conn.run("HGETALL", "h"), new Map([["f", "1"]]))
        assert.deepStrictEqual(yield* conn.runBytes("HGETALL", "h"), new Map([[Buffer.from("f"), Buffer.from("1")]]))
        assert.deepStrictEqual(yield* conn.run("SMEMBERS", "s"), new Set(["m"]))
        assert.deepStrictEqual(yield* conn.runBytes("SMEMBERS", "s"), new Set([Buffer.from("m")]))
        assert.strictEqual(yield* conn.run("ZSCORE", "z", "m"), 1.5)
        assert.strictEqual(yield* conn.runBytes("ZSCORE", "z", "m"), 1.5)
        assert.deepStrictEqual(yield* conn.run("SMISMEMBER", "s", "m", "x"), [1, 0])
      })
    ))
})
