// The examples of docs/embedding.md, as they are written there (imports from "keyfiber" become
// "../src/index.js"). Keep the two in step.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { createClient } from "redis"
import { afterAll, beforeAll, expect, test } from "vitest"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { Keyfiber, type RunningKeyfiber, start } from "../src/index.js"
import { waitFor } from "./support/waitFor.js"

describe("Run as a server", () => {
  /** A port that was free a moment ago (the doc's example names a fixed port). */
  const freePort = () =>
    new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as net.AddressInfo
        probe.close(() => resolve(port))
      })
    })

  it.live("the server runs until a client sends SHUTDOWN", () =>
    Effect.gen(function* () {
      const port = yield* Effect.promise(freePort)
      // The doc runs `main` with NodeRuntime.runMain, which owns the process; here a fiber stands in.
      const main = Effect.flatMap(Keyfiber, (kf) => kf.awaitShutdown).pipe(Effect.provide(Keyfiber.layer({ port })))
      const server = yield* Effect.forkChild(main)
      const listening = () =>
        new Promise<boolean>((resolve) => {
          const socket = net.connect({ port, host: "127.0.0.1" }, () => (socket.destroy(), resolve(true)))
          socket.once("error", () => resolve(false))
        })
      yield* Effect.promise(() => waitFor("the server to listen", listening))
      const client = createClient({ socket: { port, host: "127.0.0.1", reconnectStrategy: false } })
      client.on("error", () => {})
      yield* Effect.promise(() => client.connect())
      // The server closes the connection instead of replying.
      yield* Effect.promise(() => client.sendCommand(["SHUTDOWN"]).catch(() => undefined))
      yield* Fiber.join(server)
      assert.isFalse(yield* Effect.promise(listening))
    }))
})

describe("Embed the Layer in an Effect app", () => {
  test("program", async () => {
    const program = Effect.gen(function* () {
      const kf = yield* Keyfiber
      yield* kf.run("SET", "greeting", "hello")
      const greeting = yield* kf.run("GET", "greeting") // "hello"
      return { url: kf.url, greeting } // any client can connect to kf.url meanwhile
    })

    const result = await Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(Keyfiber.layer())))
    expect(result.greeting).toBe("hello")
    expect(result.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/)
  })
})

describe("Text and bytes", () => {
  it.effect("roundTrip", () =>
    Effect.gen(function* () {
      const roundTrip = Effect.gen(function* () {
        const kf = yield* Keyfiber
        yield* kf.run("SET", "word", "héllo €") // text: stored as its UTF-8 bytes
        const text = yield* kf.run("GET", "word") // "héllo €"
        const utf8 = yield* kf.runBytes("GET", "word") // <Buffer 68 c3 a9 6c 6c 6f 20 e2 82 ac>
        const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff])
        yield* kf.run("SET", "image", png) // bytes: stored exactly
        const image = yield* kf.runBytes("GET", "image") // the same six bytes
        yield* kf.run("HSET", "h", Buffer.from([0xff]), "a", Buffer.from([0xfe]), "b")
        const fields = yield* kf.runBytes("HGETALL", "h") // Map(2) { <Buffer ff> => <Buffer 61>, <Buffer fe> => <Buffer 62> }
        return { text, utf8, image, fields }
      })

      const { text, utf8, image, fields } = yield* roundTrip
      assert.strictEqual(text, "héllo €")
      assert.deepStrictEqual(utf8, Buffer.from("68c3a96c6c6f20e282ac", "hex"))
      assert.deepStrictEqual(image, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]))
      assert.deepStrictEqual(
        fields,
        new Map([
          [Buffer.from([0xff]), Buffer.from("a")],
          [Buffer.from([0xfe]), Buffer.from("b")]
        ])
      )
      // The text the docs say collapses.
      const kf = yield* Keyfiber
      assert.deepStrictEqual(yield* kf.run("HGETALL", "h"), new Map([["\uFFFD", "b"]]))
    }).pipe(Effect.provide(Keyfiber.layer())))
})

describe("Interrupting a run", () => {
  it.effect("abort", () =>
    Effect.gen(function* () {
      const abort = Effect.gen(function* () {
        const kf = yield* Keyfiber
        const conn = yield* kf.connect
        const waiting = yield* Effect.forkChild(conn.run("BLPOP", "jobs", 0))
        // ... later, nobody wants the job any more:
        yield* Fiber.interrupt(waiting)
        yield* kf.run("RPUSH", "jobs", "job-1")
        const left = yield* kf.run("LLEN", "jobs") // 1: the aborted BLPOP took nothing
        const next = yield* conn.run("PING") // "PONG": the connection is in sync
        return { left, next }
      })

      assert.deepStrictEqual(yield* abort, { left: 1, next: "PONG" })
    }).pipe(Effect.provide(Keyfiber.layer())))
})

describe("Test with TestClock", () => {
  it.effect("a session expires when the clock moves, not before", () =>
    Effect.gen(function* () {
      const kf = yield* Keyfiber
      yield* kf.run("SET", "session", "abc", "PX", 1000)
      yield* TestClock.adjust("999 millis")
      assert.strictEqual(yield* kf.run("GET", "session"), "abc")
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* kf.run("GET", "session"), null)
    }).pipe(Effect.provide(Keyfiber.layer())))

  describe("with the Promise facade", () => {
    let kf: RunningKeyfiber
    beforeAll(async () => {
      kf = await start({ testClock: true })
    })
    afterAll(() => kf.close())

    test("a session expires when the clock moves", async () => {
      const client = createClient({ url: kf.url })
      await client.connect()
      await client.set("session", "abc", { PX: 1000 })
      await kf.advance(1000)
      expect(await client.get("session")).toBe(null)
      expect(await kf.run("EXISTS", "session")).toBe(0) // in-process, replies as JS values
      client.destroy()
    })
  })
})

describe("Write a module", () => {
  // The module is the docs' own code block, written to a file and loaded as the docs say.
  const doc = fs.readFileSync(new URL("../docs/embedding.md", import.meta.url), "utf8")
  const moduleSource = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).find((code) => code.includes("ModuleDefinition"))!

  it.effect("the hello module loads and answers", () =>
    Effect.gen(function* () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyfiber-doc-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
      fs.writeFileSync(path.join(dir, "hello.ts"), moduleSource)
      const HelloLive = Keyfiber.layer({ modules: [{ path: path.join(dir, "hello.ts"), args: [] }] })
      const reply = yield* Effect.flatMap(Keyfiber, (kf) => kf.run("HELLO.WORLD")).pipe(Effect.provide(HelloLive))
      assert.strictEqual(reply, "Hello, world")
    }))
})
