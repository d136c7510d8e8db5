import { Redis } from "ioredis"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { Crc64 } from "../src/persistence/rdb/internal/crc64.js"
import { type RedisServer, startRedisServer } from "./support/redisServer.js"
import { type RunningServer, startServerWithConfig } from "./support/server.js"
import { waitFor } from "./support/waitFor.js"

/** The reply or the error text of a command. */
const outcome = async (client: Redis, ...args: Array<string | Buffer>): Promise<unknown> => {
  try {
    return await client.call(String(args[0]), ...args.slice(1))
  } catch (e) {
    return `error: ${(e as Error).message}`
  }
}

describe("DUMP and RESTORE", () => {
  let keyfiber: RunningServer
  let redis: RedisServer
  let k: Redis
  let r: Redis

  beforeAll(async () => {
    keyfiber = await startServerWithConfig({ args: ["--enable-debug-command", "yes"] })
    redis = await startRedisServer(["--enable-debug-command", "yes"])
    k = new Redis({ port: keyfiber.port, host: "127.0.0.1", enableReadyCheck: false })
    r = new Redis({ port: redis.port, host: "127.0.0.1", enableReadyCheck: false })
  })

  afterAll(async () => {
    k?.disconnect()
    r?.disconnect()
    await keyfiber?.close()
    await redis?.stop()
  })

  beforeEach(async () => {
    await k.flushall()
    await r.flushall()
  })

  it("replies as redis-server to argument errors, in the same order of checks", async () => {
    await r.set("payload-source", "v")
    const good = (await r.dumpBuffer("payload-source"))!
    for (const client of [k, r]) await client.set("exists", "x")
    const cases: Array<Array<string | Buffer>> = [
      ["RESTORE", "new", "0", "garbage"],
      ["RESTORE", "new", "-1", good],
      ["RESTORE", "new", "abc", good],
      ["RESTORE", "exists", "0", good],
      ["RESTORE", "exists", "-1", good, "REPLACE"],
      ["RESTORE", "new", "0", good, "IDLETIME", "-1"],
      ["RESTORE", "new", "0", good, "IDLETIME", "x"],
      ["RESTORE", "new", "0", good, "FREQ", "256"],
      ["RESTORE", "new", "0", good, "FREQ", "-1"],
      ["RESTORE", "new", "0", good, "IDLETIME", "1", "FREQ", "1"],
      ["RESTORE", "new", "0", good, "FREQ", "1", "IDLETIME", "1"],
      ["RESTORE", "new", "0", good, "IDLETIME"],
      ["RESTORE", "new", "0", good, "BOGUS"],
      ["RESTORE", "new", "0"],
      ["DUMP", "missing"],
      ["DUMP"]
    ]
    for (const c of cases) expect(await outcome(k, ...c), c.map(String).join(" ")).toEqual(await outcome(r, ...c))
  })

  it("refuses payloads with a wrong checksum or a newer version, and malformed bodies", async () => {
    await k.set("s", "some value")
    const payload = (await k.dumpBuffer("s"))!
    const flipped = Buffer.from(payload)
    flipped[flipped.length - 1] ^= 1
    expect(await outcome(k, "RESTORE", "a", "0", flipped)).toBe("error: ERR DUMP payload version or checksum are wrong")
    const newer = Buffer.from(payload)
    newer[newer.length - 10] = 12
    expect(await outcome(k, "RESTORE", "a", "0", newer)).toBe("error: ERR DUMP payload version or checksum are wrong")
    // A valid footer on a body that is not a value: redis-server's stream payload cut short.
    const stream = (await r.call("XADD", "x", "*", "f", "v"), (await r.dumpBuffer("x"))!)
    const body = stream.subarray(0, stream.length - 10 - 3)
    const cut = Buffer.alloc(body.length + 10)
    body.copy(cut)
    cut[body.length] = 10
    const crc = new Crc64()
    crc.update(cut, 0, body.length + 2)
    Buffer.from(crc.bytesLE()).copy(cut, body.length + 2)
    expect(await outcome(k, "RESTORE", "a", "0", cut)).toBe("error: ERR Bad data format")
    // Whole, it is a stream.
    expect(await outcome(k, "RESTORE", "a", "0", stream)).toBe("OK")
  })

  it("keeps TTLs: relative, absolute (ABSTTL), and one already past deletes a replaced key", async () => {
    await k.set("s", "v")
    const payload = (await k.dumpBuffer("s"))!
    expect(await k.call("RESTORE", "rel", "100000", payload)).toBe("OK")
    const pttl = await k.pttl("rel")
    expect(pttl).toBeGreaterThan(90_000)
    expect(pttl).toBeLessThanOrEqual(100_000)
    expect(await k.call("RESTORE", "abs", "4102444800000", payload, "ABSTTL")).toBe("OK")
    expect(await k.call("PEXPIRETIME", "abs")).toBe(4102444800000)
    // An absolute TTL in the past: OK, and nothing is created.
    expect(await k.call("RESTORE", "past", "1", payload, "ABSTTL")).toBe("OK")
    expect(await k.exists("past")).toBe(0)
    // ... and with REPLACE the old key is deleted.
    expect(await k.call("RESTORE", "abs", "1", payload, "ABSTTL", "REPLACE")).toBe("OK")
    expect(await k.exists("abs")).toBe(0)
  })

  it("notifies 'restore' (and 'del' when REPLACE meets a past TTL) and touches WATCHed keys", async () => {
    await k.config("SET", "notify-keyspace-events", "KEA")
    const sub = new Redis({ port: keyfiber.port, host: "127.0.0.1", enableReadyCheck: false })
    const events: Array<string> = []
    sub.on("pmessage", (_p, channel, message) => events.push(`${channel} ${message}`))
    await sub.psubscribe("__keyevent@0__:*")
    await k.set("s", "v")
    const payload = (await k.dumpBuffer("s"))!
    events.length = 0
    await k.call("RESTORE", "r1", "0", payload)
    await k.call("RESTORE", "r1", "1", payload, "ABSTTL", "REPLACE")
    await waitFor("the keyspace events", () => events.length >= 2)
    expect(events).toEqual(["__keyevent@0__:restore r1", "__keyevent@0__:del r1"])
    sub.disconnect()
    await k.config("SET", "notify-keyspace-events", "")

    const watcher = new Redis({ port: keyfiber.port, host: "127.0.0.1", enableReadyCheck: false })
    await watcher.watch("w")
    await k.call("RESTORE", "w", "0", payload)
    expect(await watcher.multi().set("w", "mine").exec()).toBeNull()
    watcher.disconnect()
  })

  it("sets the idle time (IDLETIME) and, under an LFU policy, the frequency (FREQ)", async () => {
    await k.set("s", "v")
    const payload = (await k.dumpBuffer("s"))!
    await k.call("RESTORE", "idle", "0", payload, "IDLETIME", "1000")
    expect(Number(await k.object("IDLETIME", "idle"))).toBeGreaterThanOrEqual(1000)
    await k.config("SET", "maxmemory-policy", "allkeys-lfu")
    await k.call("RESTORE", "freq", "0", payload, "FREQ", "100")
    expect(await k.object("FREQ", "freq")).toBe(100)
    await k.config("SET", "maxmemory-policy", "noeviction")
  })

  it("DEBUG OBJECT reports the serialized length redis-server reports", async () => {
    const setup: Array<Array<string>> = [
      ["SET", "str", "bar"],
      ["SET", "int", "12345"],
      ["SET", "long", "x".repeat(200)],
      ["RPUSH", "list", "a", "b", "c", "1", "2", "3"],
      ["SADD", "set", "1", "2", "3"],
      ["HSET", "hash", "f", "v", "g", "1"],
      ["ZADD", "zset", "1", "a", "2.5", "b"]
    ]
    const length = (text: unknown) => /serializedlength:(\d+)/.exec(String(text))?.[1]
    for (const c of setup) {
      await k.call(c[0], ...c.slice(1))
      await r.call(c[0], ...c.slice(1))
      expect(length(await k.call("DEBUG", "OBJECT", c[1])), c[1]).toBe(length(await r.call("DEBUG", "OBJECT", c[1])))
    }
  })

  it("is in the command table as Valkey declares it", async () => {
    const info = (await k.call("COMMAND", "INFO", "RESTORE", "DUMP")) as Array<Array<unknown>>
    expect(info[0].slice(0, 7)).toEqual(["restore", -4, ["write", "denyoom"], 1, 1, 1, ["@keyspace", "@write", "@slow", "@dangerous"]])
    expect(info[1].slice(0, 7)).toEqual(["dump", 2, ["readonly"], 1, 1, 1, ["@keyspace", "@read", "@slow"]])
  })
})
