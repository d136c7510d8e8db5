import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, it } from "vitest"
import { type BytesReplyValue, Keyfiber, type RunningKeyfiber, start } from "../src/index.js"

/**
 * One rule for text and bytes on the embedding surfaces (the Effect service, its `connect`
 * clients and the Promise facade): a `Uint8Array` argument is exact bytes and `runBytes` gives
 * exact bytes back; a string is UTF-8 text and `run` gives text back; what a network client reads
 * is the same bytes.
 */

const bytes = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a))
/** Every well-formed string, astral characters included (lone surrogates are not text). */
const text = fc.string({ unit: "binary", maxLength: 40 }).filter((s) => !/\p{Cs}/u.test(s))
/** Distinct binary fields (and their values) for a hash. */
const fields = fc.uniqueArray(fc.tuple(bytes, bytes), { minLength: 1, maxLength: 12, selector: ([f]) => f.toString("hex") })

const RUNS = 150

const asMap = (reply: BytesReplyValue): Map<BytesReplyValue, BytesReplyValue> => {
  assert.instanceOf(reply, Map)
  return reply as Map<BytesReplyValue, BytesReplyValue>
}

let keySeq = 0
const freshKey = (prefix: string) => `${prefix}:${keySeq++}`

layer(Keyfiber.layer())("the Effect service", (it) => {
  it.effect("bytes round-trip exactly: ECHO, GET after SET, HGETALL, LRANGE, on run and on a connection", () =>
    Effect.gen(function* () {
      const kf = yield* Keyfiber
      const conn = yield* kf.connect
      const ctx = yield* Effect.context<never>()
      const run = Effect.runPromiseWith(ctx)
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(bytes, bytes, fields, fc.array(bytes, { minLength: 1, maxLength: 12 }), (key, value, hash, list) =>
            run(
              Effect.gen(function* () {
                assert.deepStrictEqual(yield* kf.runBytes("ECHO", value), value)
                // The key is bytes too: a binary key names a binary key.
                assert.strictEqual(yield* kf.run("SET", key, value), "OK")
                assert.deepStrictEqual(yield* kf.runBytes("GET", key), value)
                assert.deepStrictEqual(yield* conn.runBytes("GET", key), value)
                const h = freshKey("h")
                yield* conn.run("HSET", h, ...hash.flat())
                const map = asMap(yield* kf.runBytes("HGETALL", h))
                // Distinct binary fields stay distinct entries.
                assert.strictEqual(map.size, hash.length)
                const got = new Map([...map].map(([f, v]) => [(f as Buffer).toString("hex"), v]))
                for (const [f, v] of hash) assert.deepStrictEqual(got.get(f.toString("hex")), v)
                const l = freshKey("l")
                yield* kf.run("RPUSH", l, ...list)
                assert.deepStrictEqual(yield* conn.runBytes("LRANGE", l, 0, -1), list)
              })
            )
          ),
          { numRuns: RUNS }
        )
      )
    }))

  it.effect("well-formed strings round-trip as text; run decodes what runBytes gives as UTF-8", () =>
    Effect.gen(function* () {
      const kf = yield* Keyfiber
      const conn = yield* kf.connect
      const run = Effect.runPromiseWith(yield* Effect.context<never>())
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(text, text, (key, value) =>
            run(
              Effect.gen(function* () {
                assert.strictEqual(yield* kf.run("ECHO", value), value)
                yield* conn.run("SET", key, value)
                assert.strictEqual(yield* kf.run("GET", key), value)
                assert.deepStrictEqual(yield* kf.runBytes("GET", key), Buffer.from(value, "utf8"))
                // The length the server counts is the UTF-8 byte length.
                assert.strictEqual(yield* conn.run("STRLEN", key), Buffer.byteLength(value, "utf8"))
                const h = freshKey("th")
                yield* kf.run("HSET", h, value, key)
                assert.deepStrictEqual(yield* conn.run("HGETALL", h), new Map([[value, key]]))
              })
            )
          ),
          { numRuns: RUNS }
        )
      )
    }))
})

describe("the Promise facade and network clients", () => {
  let kf: RunningKeyfiber
  let redis: Redis
  beforeAll(async () => {
    kf = await start()
    redis = new Redis({ port: kf.port, host: "127.0.0.1", enableReadyCheck: false, maxRetriesPerRequest: 0 })
  })
  afterAll(async () => {
    redis.disconnect()
    await kf.close()
  })

  it("text set in-process is its UTF-8 bytes for ioredis; bytes either way are exact", async () => {
    await fc.assert(
      fc.asyncProperty(text, bytes, async (value, binary) => {
        const k = freshKey("net")
        assert.strictEqual(await kf.run("SET", k, value), "OK")
        assert.deepStrictEqual(await redis.getBuffer(k), Buffer.from(value, "utf8"))
        assert.strictEqual(await redis.get(k), value)
        // Bytes from the network come back exactly through runBytes, and as text through run.
        await redis.set(k, binary)
        assert.deepStrictEqual(await kf.runBytes("GET", k), binary)
        assert.strictEqual(await kf.run("GET", k), binary.toString("utf8"))
        // Bytes set in-process are the network client's bytes.
        await kf.run("SET", k, binary)
        assert.deepStrictEqual(await redis.getBuffer(k), binary)
      }),
      { numRuns: RUNS }
    )
  })

  it("text and bytes through HGETALL and LRANGE, and distinct binary keys stay distinct", async () => {
    await fc.assert(
      fc.asyncProperty(fields, fc.array(text, { minLength: 1, maxLength: 8 }), async (hash, list) => {
        const h = freshKey("ph")
        await redis.hset(h, ...hash.flat())
        const map = (await kf.runBytes("HGETALL", h)) as Map<BytesReplyValue, BytesReplyValue>
        assert.instanceOf(map, Map)
        assert.strictEqual(map.size, hash.length)
        const l = freshKey("pl")
        await kf.run("RPUSH", l, ...list)
        assert.deepStrictEqual(await kf.run("LRANGE", l, 0, -1), list)
        assert.deepStrictEqual(await redis.lrangeBuffer(l, 0, -1), list.map((s) => Buffer.from(s, "utf8")))
      }),
      { numRuns: RUNS }
    )
    // Two fields that are not UTF-8: as text both are U+FFFD (run's Map keeps one), as bytes two.
    await kf.run("HSET", "invalid", Buffer.from([0xff]), 1, Buffer.from([0xfe]), 2)
    const asBytes = (await kf.runBytes("HGETALL", "invalid")) as Map<BytesReplyValue, BytesReplyValue>
    assert.deepStrictEqual([...asBytes.keys()], [Buffer.from([0xff]), Buffer.from([0xfe])])
    assert.deepStrictEqual([...asBytes.values()], [Buffer.from("1"), Buffer.from("2")])
    assert.strictEqual(((await kf.run("HGETALL", "invalid")) as Map<unknown, unknown>).size, 1)
  })
})
