import { Redis } from "ioredis"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { fpconvDtoa } from "../src/protocol/fpconvDtoa.js"
import { type RedisServer, startRedisServer } from "./support/redisServer.js"
import { type RunningServer, startServerWithConfig } from "./support/server.js"

const ZEROS = "0".repeat(40)

/** Builds the same data on a server: every type, both encodings of each, TTLs, two databases. */
const populate = async (r: Redis): Promise<void> => {
  await r.flushall()
  await r.set("s", "hello")
  await r.set("int", "12345")
  await r.set("bin", Buffer.from([0xff, 0x00, 0x61, 0x0d, 0x0a]))
  await r.set("empty", "")
  await r.rpush("list", "a", "b", "c", "1", "2")
  await r.rpush("biglist", ...Array.from({ length: 300 }, (_, i) => `element-${i}`))
  await r.sadd("intset", "1", "2", "3", "-100")
  await r.sadd("set", "a", "b", "c", "1")
  await r.sadd("bigset", ...Array.from({ length: 300 }, (_, i) => `m${i}`))
  await r.hset("hash", "f1", "v1", "f2", "2")
  await r.hset("bighash", Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`f${i}`, "x".repeat(i % 80)])))
  await r.zadd("zset", 1, "a", 2, "b", 3, "c", -5, "d", 0, "zero")
  await r.zadd("bigzset", ...Array.from({ length: 300 }, (_, i) => [i * 7, `m${i}`]).flat())
  await r.set("volatile", "x", "EX", 1000)
  await r.hset("volatilehash", "a", "b")
  await r.expire("volatilehash", 500)
  // A stream with a deleted entry and a consumer group (groups are not part of the digest).
  await r.xadd("stream", "1-1", "f", "v", "g", "w")
  await r.xadd("stream", "1-2", "f", "x")
  await r.xadd("stream", "18446744073709551615-0", "bin", "\x00\xff")
  await r.xdel("stream", "1-2")
  await r.xgroup("CREATE", "stream", "grp", "0")
  await r.select(3)
  await r.set("s", "hello")
  await r.rpush("list", "z")
  await r.select(0)
}

const KEYS = ["s", "int", "bin", "empty", "list", "biglist", "intset", "set", "bigset", "hash", "bighash", "zset", "bigzset", "stream", "volatile", "volatilehash", "missing"]

describe("DEBUG DIGEST / DIGEST-VALUE compared with redis-server 7.0.15", () => {
  let redis: RedisServer
  let s: RunningServer
  let theirs: Redis
  let ours: Redis
  beforeAll(async () => {
    ;[redis, s] = await Promise.all([startRedisServer(["--enable-debug-command", "yes"]), startServerWithConfig({ args: ["--enable-debug-command", "yes"] })])
    theirs = new Redis(redis.port, "127.0.0.1", { maxRetriesPerRequest: 0 })
    ours = new Redis(s.port, "127.0.0.1", { maxRetriesPerRequest: 0 })
  })
  afterAll(async () => {
    theirs.disconnect()
    ours.disconnect()
    await Promise.all([redis.stop(), s.close()])
  })

  it("forty zeros for an empty data set, and for a missing key", async () => {
    for (const r of [theirs, ours]) {
      await r.flushall()
      expect(await r.call("DEBUG", "DIGEST")).toBe(ZEROS)
      expect(await r.call("DEBUG", "DIGEST-VALUE", "nokey")).toEqual([ZEROS])
      expect(await r.call("DEBUG", "DIGEST-VALUE")).toEqual([])
    }
  })

  it("the same digests for the same data (strings, lists, sets, hashes, integer scores, streams, TTLs, two databases)", async () => {
    await Promise.all([populate(theirs), populate(ours)])
    const expected = await theirs.call("DEBUG", "DIGEST")
    expect(expected).not.toBe(ZEROS)
    expect(await ours.call("DEBUG", "DIGEST")).toBe(expected)
    expect(await ours.call("DEBUG", "DIGEST-VALUE", ...KEYS)).toEqual(await theirs.call("DEBUG", "DIGEST-VALUE", ...KEYS))
  })

  it("changes with any change, but not with the order of unordered things", async () => {
    await Promise.all([populate(theirs), populate(ours)])
    const base = await ours.call("DEBUG", "DIGEST")
    // A TTL counts by its presence, not its value.
    await ours.expire("volatile", 10)
    expect(await ours.call("DEBUG", "DIGEST")).toBe(base)
    await ours.persist("volatile")
    expect(await ours.call("DEBUG", "DIGEST")).not.toBe(base)
    await ours.expire("volatile", 1000)
    // Set members and hash fields in another order: the same value.
    await ours.del("set", "hash")
    await ours.sadd("set", "1", "c", "b", "a")
    await ours.hset("hash", "f2", "2", "f1", "v1")
    expect(await ours.call("DEBUG", "DIGEST")).toBe(base)
    // List order matters; so does the database a key is in.
    await ours.lset("list", 0, "b")
    await ours.lset("list", 1, "a")
    expect(await ours.call("DEBUG", "DIGEST")).not.toBe(base)
    await ours.lset("list", 0, "a")
    await ours.lset("list", 1, "b")
    expect(await ours.call("DEBUG", "DIGEST")).toBe(base)
    await ours.move("s", 5)
    expect(await ours.call("DEBUG", "DIGEST")).not.toBe(base)
  })
})

describe("DEBUG DIGEST-VALUE of sorted sets with any score", () => {
  let s: RunningServer
  let r: Redis
  beforeAll(async () => {
    s = await startServerWithConfig({ args: ["--enable-debug-command", "yes"] })
    r = new Redis(s.port, "127.0.0.1", { maxRetriesPerRequest: 0 })
  })
  afterAll(async () => {
    r.disconnect()
    await s.close()
  })
  beforeEach(async () => {
    await r.flushall()
  })

  // Digests printed by Valkey 8 (55bbbe09a3b3) for the same commands: it hashes scores in
  // fpconv_dtoa form (redis-server 7.0 used %.17g, so it prints other digests for these).
  it("Valkey's digests, in both encodings", async () => {
    await r.zadd("zf", "1.1", "a", "1e8", "b", "0.000015", "c", "-inf", "d", "3.14159", "e", "1e-7", "f", "123456789012", "g", "1.5e300", "h")
    expect(await r.call("DEBUG", "DIGEST-VALUE", "zf")).toEqual(["02acf229e11023cd865672e721305b702834214f"])
    await r.call("CONFIG", "SET", "zset-max-listpack-entries", "0")
    await r.zadd("zs", "1.1", "a", "1e8", "b", "0.000015", "c", "-inf", "d", "3.14159", "e", "1e-7", "f", "123456789012", "g", "1.5e300", "h")
    expect(await r.call("OBJECT", "ENCODING", "zs")).toBe("skiplist")
    expect(await r.call("DEBUG", "DIGEST-VALUE", "zs")).toEqual(["02acf229e11023cd865672e721305b702834214f"])
    await r.call("CONFIG", "SET", "zset-max-listpack-entries", "128")
  })

  it("DEBUG HELP lists DIGEST and DIGEST-VALUE; DIGEST takes no argument", async () => {
    const help = (await r.call("DEBUG", "HELP")) as Array<string>
    expect(help).toContain("DIGEST-VALUE <key> [<key> ...]")
    await expect(r.call("DEBUG", "DIGEST", "x")).rejects.toThrow("ERR unknown subcommand or wrong number of arguments for 'DIGEST'. Try DEBUG HELP.")
  })
})

describe("fpconvDtoa (deps/fpconv's fpconv_dtoa)", () => {
  // Printed by the C code (fpconv_dtoa.c at Valkey 55bbbe09a3b3) for the same doubles.
  const vectors: ReadonlyArray<readonly [number, string]> = [
    [0, "0"],
    [-0, "-0"],
    [Infinity, "inf"],
    [-Infinity, "-inf"],
    [NaN, "nan"],
    [0.1, "0.1"],
    [1 / 3, "0.3333333333333333"],
    [1.1, "1.1"],
    [Math.PI, "3.141592653589793"],
    [1e8, "1e+8"],
    [1e7, "10000000"],
    [12345678, "12345678"],
    [123456789, "123456789"],
    [1e15, "1e+15"],
    [1e17, "1e+17"],
    [1e21, "1e+21"],
    // Grisu2 is not always the shortest form: JavaScript prints 1e+23.
    [1e23, "99999999999999990000000"],
    [1.5e300, "1.5e+300"],
    [1e-7, "1e-7"],
    [0.000001, "0.000001"],
    [0.000015, "0.000015"],
    [0.0001, "0.0001"],
    [123.456, "123.456"],
    [-2.5e-10, "-2.5e-10"],
    [5e-324, "5e-324"],
    [2.2250738585072014e-308, "2.2250738585072014e-308"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
    [9007199254740992, "9007199254740992"],
    [2 ** 63, "9223372036854776000"],
    [0.1 + 0.2, "0.30000000000000004"],
    [-0.5, "-0.5"],
    [1e100, "1e+100"],
    [1.2345678901234567e-100, "1.2345678901234567e-100"],
    [299792458.5, "299792458.5"],
    [6.02214076e23, "6.02214076e+23"]
  ]
  it.each(vectors)("%s prints as %s", (value, expected) => {
    expect(fpconvDtoa(value)).toBe(expected)
  })
})
