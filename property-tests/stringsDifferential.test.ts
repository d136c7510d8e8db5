import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runSequence, transcript } from "../test/support/differential.js"
import { type RedisServer, startRedisServer } from "../test/support/redisServer.js"
import { type RunningServer, startServer } from "../test/support/server.js"

/**
 * Model-based testing with redis-server as the model: random sequences of string and key commands
 * must get byte-identical replies from both servers. Time-dependent replies are avoided (TTLs are
 * long, so TTL in seconds is stable).
 */
const key = fc.constantFrom("a", "b", "c", "n")
const value = fc.oneof(
  fc.constantFrom("", "0", "1", "-1", "10", "01", "1.5", "abc", "9223372036854775807", "-9223372036854775808", " 1", "1e3"),
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 8 })
)
const index = fc.oneof(fc.integer({ min: -12, max: 12 }), fc.constantFrom(-9223372036854775808n, 9223372036854775807n)).map(String)

const command: fc.Arbitrary<Array<string>> = fc.oneof(
  fc.tuple(key).map(([k]) => ["GET", k]),
  fc.tuple(key, value).map(([k, v]) => ["SET", k, v]),
  fc
    .tuple(key, value, fc.subarray(["NX", "XX", "GET", "KEEPTTL"]), fc.option(fc.constantFrom("EX", "PX"), { nil: undefined }))
    .map(([k, v, opts, ex]) => ["SET", k, v, ...opts, ...(ex === undefined ? [] : [ex, ex === "EX" ? "1000" : "1000000"])]),
  fc.tuple(key, value).map(([k, v]) => ["APPEND", k, v]),
  fc.tuple(key).map(([k]) => ["STRLEN", k]),
  fc.tuple(key, fc.constantFrom("INCR", "DECR")).map(([k, c]) => [c, k]),
  fc.tuple(key, value, fc.constantFrom("INCRBY", "DECRBY", "INCRBYFLOAT")).map(([k, v, c]) => [c, k, v]),
  fc.tuple(key, index, index).map(([k, s, e]) => ["GETRANGE", k, s, e]),
  fc.tuple(key, fc.integer({ min: -1, max: 20 }), value).map(([k, o, v]) => ["SETRANGE", k, String(o), v]),
  fc.tuple(key, value).map(([k, v]) => ["GETSET", k, v]),
  fc.tuple(key).map(([k]) => ["GETDEL", k]),
  fc.tuple(key, value, key, value).map(([k1, v1, k2, v2]) => ["MSETNX", k1, v1, k2, v2]),
  fc.tuple(key, key, key).map(([a, b, c]) => ["MGET", a, b, c]),
  fc.tuple(key, key).map(([a, b]) => ["DEL", a, b]),
  fc.tuple(key, key).map(([a, b]) => ["EXISTS", a, b]),
  fc.tuple(key, key).map(([a, b]) => ["RENAME", a, b]),
  fc.tuple(key, key).map(([a, b]) => ["RENAMENX", a, b]),
  fc.tuple(key, key, fc.boolean()).map(([a, b, r]) => ["COPY", a, b, ...(r ? ["REPLACE"] : [])]),
  fc.tuple(key, fc.constantFrom("100", "-1", "0"), fc.subarray(["NX", "XX", "GT", "LT"], { maxLength: 1 })).map(([k, t, o]) => ["EXPIRE", k, t, ...o]),
  fc.tuple(key).map(([k]) => ["TTL", k]),
  fc.tuple(key).map(([k]) => ["PERSIST", k]),
  fc.tuple(key).map(([k]) => ["TYPE", k]),
  fc.tuple(key, fc.constantFrom("EX", "PERSIST")).map(([k, o]) => (o === "EX" ? ["GETEX", k, "EX", "1000"] : ["GETEX", k, "PERSIST"])),
  fc.tuple(key, key, fc.constantFrom([], ["LEN"], ["IDX", "WITHMATCHLEN"])).map(([a, b, o]) => ["LCS", a, b, ...o])
)

describe("string and key commands against redis-server as the model", () => {
  let redis: RedisServer
  let keyfiber: RunningServer
  beforeAll(async () => {
    ;[redis, keyfiber] = await Promise.all([startRedisServer(), startServer()])
  })
  afterAll(async () => {
    await Promise.all([redis?.stop(), keyfiber?.close()])
  })

  it("replies byte for byte like redis-server", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), async (commands) => {
        await runSequence(redis.port, [["FLUSHALL"]])
        keyfiber.server.keyspace.flushAll()
        const expected = await runSequence(redis.port, commands)
        const actual = await runSequence(keyfiber.port, commands)
        expect(transcript(commands, actual)).toEqual(transcript(commands, expected))
      }),
      { numRuns: 150 }
    )
  })
})
