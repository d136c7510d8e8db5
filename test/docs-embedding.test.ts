// The examples of docs/embedding.md, as they are written there (imports from "keyfiber" become
// "../src/index.js"). Keep the two in step.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, TestClock } from "effect"
import { createClient } from "redis"
import { afterAll, beforeAll, expect, test } from "vitest"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Keyfiber, Reply, type RunningKeyfiber, start } from "../src/index.js"

describe("Run as a server", () => {
  it.live("Layer.launch keeps the server up until interrupted", () =>
    Effect.gen(function* () {
      // The doc runs this with NodeRuntime.runMain, which owns the process; here a fiber stands in.
      const fiber = yield* Effect.fork(Layer.launch(Keyfiber.layer({ port: 0 })))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(fiber)
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

describe("Test with TestClock", () => {
  it.scoped("a session expires when the clock moves, not before", () =>
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

  it.scoped("the hello module loads and answers", () =>
    Effect.gen(function* () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyfiber-doc-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
      fs.writeFileSync(path.join(dir, "hello.ts"), moduleSource)
      const HelloLive = Keyfiber.layer({ modules: [{ path: path.join(dir, "hello.ts"), args: [] }] })
      const reply = yield* Effect.flatMap(Keyfiber, (kf) => kf.run("HELLO.WORLD")).pipe(Effect.provide(HelloLive))
      assert.deepStrictEqual(reply, new Reply.SimpleString("Hello, world"))
    }))
})
