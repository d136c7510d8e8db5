import { Redis } from "ioredis"
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { type ServerProcess, startServerProcess } from "./support/childServer.js"
import { type RedisServer, startRedisServer } from "./support/redisServer.js"
import { type RunningServer, startServer } from "./support/server.js"
import { waitFor } from "./support/waitFor.js"

const OOM = "OOM command not allowed when used memory > 'maxmemory'."

/** INFO fields as a map. */
const info = async (r: Redis, section: string): Promise<Map<string, string>> => {
  const out = new Map<string, string>()
  for (const line of (await r.info(section)).split("\r\n")) {
    const i = line.indexOf(":")
    if (i > 0 && !line.startsWith("#")) out.set(line.slice(0, i), line.slice(i + 1))
  }
  return out
}

const field = async (r: Redis, section: string, name: string): Promise<number> => Number((await info(r, section)).get(name))

/** The error text of a failed command, or "" when it succeeded. */
const errorOf = async (run: Promise<unknown>): Promise<string> => {
  try {
    await run
    return ""
  } catch (e) {
    return (e as Error).message
  }
}

/** `maxmemory` at the memory in use now plus `room` bytes, with `policy`. */
const limitTo = async (r: Redis, room: number, policy: string, samples = 5): Promise<number> => {
  const limit = (await field(r, "memory", "used_memory")) + room
  await r.config("SET", "maxmemory", String(limit), "maxmemory-policy", policy, "maxmemory-samples", String(samples))
  return limit
}

/** Pipelined SETs (or SETEXs with `ttl(i)`) of `count` keys `prefix:i` with values of `size` bytes. */
const fill = async (r: Redis, prefix: string, count: number, size: number, ttl?: (i: number) => number): Promise<Array<string>> => {
  const pipeline = r.pipeline()
  const value = "x".repeat(size)
  for (let i = 0; i < count; i++) {
    const t = ttl?.(i)
    if (t === undefined) pipeline.set(`${prefix}:${i}`, value)
    else pipeline.setex(`${prefix}:${i}`, t, value)
  }
  const results = (await pipeline.exec()) ?? []
  return results.map(([error]) => (error === null ? "" : error.message))
}

/**
 * SETs one at a time until one is refused with OOM. A pipelined fill can reach the limit with the
 * help of its queued replies (client memory counts, as in Valkey) and fall under it once they are
 * written; after a lone refused SET the data itself is over the limit.
 */
const fillUntilRefused = async (r: Redis, prefix: string, size: number): Promise<void> => {
  const value = "x".repeat(size)
  for (let i = 0; i < 100_000; i++) {
    const error = await errorOf(r.set(`${prefix}:${i}`, value))
    if (error === OOM) return
    expect(error).toBe("")
  }
  throw new Error("no SET was refused")
}

/** The keys named in `evicted` keyevent notifications, collected while the returned client lives. */
const collectEvicted = async (port: number): Promise<{ keys: Array<string>; client: Redis }> => {
  const client = new Redis(port, "127.0.0.1")
  const keys: Array<string> = []
  client.on("message", (_channel: string, key: string) => keys.push(key))
  await client.subscribe("__keyevent@0__:evicted")
  return { keys, client }
}

describe("maxmemory (keyfiber over TCP)", () => {
  let s: RunningServer
  let r: Redis
  beforeAll(async () => {
    s = await startServer()
    r = new Redis(s.port, "127.0.0.1")
  })
  afterAll(async () => {
    r.disconnect()
    await s.close()
  })
  beforeEach(async () => {
    await r.config("SET", "maxmemory", "0", "maxmemory-policy", "noeviction", "notify-keyspace-events", "")
    await r.flushall()
    await r.config("RESETSTAT")
  })

  it("noeviction: denyoom commands get Valkey's OOM error; reads, DEL and FLUSHALL still work", async () => {
    await limitTo(r, 64 * 1024, "noeviction")
    const errors = await fill(r, "k", 1000, 100)
    const first = errors.findIndex((e) => e !== "")
    expect(first).toBeGreaterThan(10)
    expect(errors[first]).toBe(OOM)
    expect(errors.slice(first).every((e) => e === OOM)).toBe(true)
    expect(await r.get("k:0")).toBe("x".repeat(100))
    await fillUntilRefused(r, "more", 100)
    expect(await errorOf(r.lpush("list", "a"))).toBe(OOM)
    expect(await errorOf(r.hset("h", "f", "v"))).toBe(OOM)
    // Non-denyoom writes are allowed: DEL frees memory, then writes go through again.
    expect(await r.del("k:0", "k:1", "k:2", "k:3", "k:4", "k:5", "k:6", "k:7", "k:8", "k:9")).toBe(10)
    expect(await r.set("after-del", "v")).toBe("OK")
    expect(await field(r, "stats", "evicted_keys")).toBe(0)
    const stats = await r.info("commandstats")
    expect(stats).toMatch(/cmdstat_set:calls=\d+,.*rejected_calls=\d+/)
  })

  it("noeviction inside MULTI: a queued denyoom command is refused and EXEC aborts; EXEC is refused once memory runs out", async () => {
    await limitTo(r, 64 * 1024, "noeviction")
    await fill(r, "k", 1000, 100)
    await fillUntilRefused(r, "more", 100)
    const raw = new Redis(s.port, "127.0.0.1")
    try {
      await raw.call("MULTI")
      expect(await errorOf(raw.call("SET", "a", "b"))).toBe(OOM)
      expect(await raw.call("GET", "k:0")).toBe("QUEUED")
      expect(await errorOf(raw.call("EXEC"))).toBe("EXECABORT Transaction discarded because of previous errors.")
      // Queued while memory was available, then memory runs out before EXEC.
      await r.config("SET", "maxmemory", "0")
      await raw.call("MULTI")
      expect(await raw.call("SET", "a", "b")).toBe("QUEUED")
      await r.config("SET", "maxmemory", "1")
      expect(await errorOf(raw.call("EXEC"))).toBe(`EXECABORT Transaction discarded because of: ${OOM}`)
      // The transaction is gone: a new EXEC has no MULTI.
      expect(await errorOf(raw.call("EXEC"))).toBe("ERR EXEC without MULTI")
      // A transaction of reads still runs.
      await raw.call("MULTI")
      await raw.call("GET", "k:0")
      expect(await raw.call("EXEC")).toEqual(["x".repeat(100)])
    } finally {
      raw.disconnect()
    }
  })

  it("volatile-lru/lfu/random/ttl evict only keys with a TTL, and refuse writes when none is left", async () => {
    for (const policy of ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"]) {
      await r.config("SET", "maxmemory", "0")
      await r.flushall()
      const limit = await limitTo(r, 128 * 1024, policy)
      // Half the room in persistent keys, then volatile ones well past the limit.
      await fill(r, "keep", 150, 100)
      const errors = await fill(r, "vol", 1000, 100, () => 10_000)
      expect(errors.every((e) => e === ""), policy).toBe(true)
      for (let i = 0; i < 150; i++) expect(await r.exists(`keep:${i}`), `${policy} keep:${i}`).toBe(1)
      expect(await field(r, "memory", "used_memory"), policy).toBeLessThan(limit + 4096)
      expect(await field(r, "stats", "evicted_keys"), policy).toBeGreaterThan(0)
      // Persistent keys only: nothing may be evicted, so writes are refused.
      const more = await fill(r, "more", 2000, 100)
      expect(more.includes(OOM), policy).toBe(true)
      for (let i = 0; i < 150; i++) expect(await r.exists(`keep:${i}`), `${policy} keep:${i}`).toBe(1)
    }
  })

  it("allkeys-random evicts keys with or without a TTL and stays under the limit", async () => {
    const limit = await limitTo(r, 128 * 1024, "allkeys-random")
    const errors = await fill(r, "k", 3000, 100)
    expect(errors.every((e) => e === "")).toBe(true)
    expect(await field(r, "memory", "used_memory")).toBeLessThan(limit + 4096)
    expect(await r.dbsize()).toBeLessThan(3000)
    expect(await field(r, "stats", "evicted_keys")).toBe(3000 - (await r.dbsize()))
  })

  it("volatile-ttl evicts the keys closest to expiring first", async () => {
    const { keys: evicted, client } = await collectEvicted(s.port)
    try {
      await r.config("SET", "notify-keyspace-events", "Ee")
      await limitTo(r, 128 * 1024, "volatile-ttl", 10)
      // TTLs 1000..1999 s in key order, then more keys to force evictions.
      await fill(r, "t", 600, 100, (i) => 1000 + i)
      await fill(r, "late", 400, 100, () => 5000)
      const count = await field(r, "stats", "evicted_keys")
      await waitFor("evicted notifications", () => evicted.length === count)
      const evictedTtl = evicted.filter((k) => k.startsWith("t:")).map((k) => Number(k.slice(2)))
      expect(evictedTtl.length).toBeGreaterThan(50)
      const survivors: Array<number> = []
      for (let i = 0; i < 600; i++) if ((await r.exists(`t:${i}`)) === 1) survivors.push(i)
      const mean = (xs: Array<number>) => xs.reduce((a, b) => a + b, 0) / xs.length
      // Statistically: evicted keys had much shorter TTLs than the survivors.
      expect(mean(evictedTtl)).toBeLessThan(mean(survivors) - 100)
    } finally {
      client.disconnect()
    }
  })

  it("allkeys-lru keeps recently used keys when sampling generously", async () => {
    await fill(r, "cold", 400, 100)
    await fill(r, "hot", 100, 100)
    // Let 100 s pass for every key (the LRU clock has a 1 s resolution), then use the hot ones.
    for (const entry of s.server.keyspace.dbs[0].slots) entry.lru -= 100
    for (let i = 0; i < 100; i++) await r.get(`hot:${i}`)
    const limit = await limitTo(r, 0, "allkeys-lru", 64)
    expect(await errorOf(fill(r, "new", 200, 100))).toBe("")
    expect(await field(r, "memory", "used_memory")).toBeLessThan(limit + 4096)
    for (let i = 0; i < 100; i++) expect(await r.exists(`hot:${i}`), `hot:${i}`).toBe(1)
    expect(await field(r, "stats", "evicted_keys")).toBeGreaterThanOrEqual(150)
  })

  it("allkeys-lfu keeps frequently used keys; OBJECT FREQ under LFU, OBJECT IDLETIME under LRU, Valkey's errors otherwise", async () => {
    await r.config("SET", "maxmemory-policy", "allkeys-lfu")
    await fill(r, "cold", 400, 100)
    await fill(r, "hot", 100, 100)
    // A new key's counter is LFU_INIT_VAL (5); a hit from there always increments it.
    expect(await r.object("FREQ", "cold:0")).toBe(5)
    for (let round = 0; round < 5; round++) for (let i = 0; i < 100; i++) await r.get(`hot:${i}`)
    expect(await r.object("FREQ", "hot:0")).toBeGreaterThan(5)
    expect(await errorOf(r.object("IDLETIME", "hot:0"))).toBe(
      "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
    )
    const limit = await limitTo(r, 0, "allkeys-lfu", 64)
    expect(await errorOf(fill(r, "new", 200, 100))).toBe("")
    expect(await field(r, "memory", "used_memory")).toBeLessThan(limit + 4096)
    for (let i = 0; i < 100; i++) expect(await r.exists(`hot:${i}`), `hot:${i}`).toBe(1)

    await r.config("SET", "maxmemory-policy", "allkeys-lru")
    expect(await errorOf(r.object("FREQ", "hot:0"))).toBe(
      "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
    )
    await r.set("fresh", "v")
    expect(await r.object("IDLETIME", "fresh")).toBe(0)
    const entry = s.server.keyspace.dbs[0].raw("fresh")!
    entry.lru -= 42
    // OBJECT does not count as an access.
    expect(await r.object("IDLETIME", "fresh")).toBe(42)
    expect(await r.object("IDLETIME", "fresh")).toBe(42)
    expect(await r.object("IDLETIME", "missing")).toBe(null)
  })

  it("evicted_keys and `evicted` keyspace notifications count the same evictions", async () => {
    const { keys: evicted, client } = await collectEvicted(s.port)
    const keyspaceEvents = new Redis(s.port, "127.0.0.1")
    const perKey: Array<string> = []
    keyspaceEvents.on("pmessage", (_p: string, channel: string, event: string) => perKey.push(`${channel} ${event}`))
    await keyspaceEvents.psubscribe("__keyspace@0__:*")
    try {
      await r.config("SET", "notify-keyspace-events", "KEe")
      await limitTo(r, 64 * 1024, "allkeys-random")
      await fill(r, "k", 1000, 100)
      expect(await field(r, "stats", "evicted_keys")).toBeGreaterThan(0)
      // The cron may still evict after the fill (the subscribers' queued notifications count as
      // client memory), so the count is read again until the notifications have caught up with it.
      let count = -1
      await waitFor("every evicted notification", async () => {
        count = await field(r, "stats", "evicted_keys")
        return evicted.length === count && perKey.length === count
      })
      expect(new Set(evicted).size).toBe(count)
      for (const key of evicted) expect(await r.exists(key)).toBe(0)
      expect(perKey[0]).toBe(`__keyspace@0__:${evicted[0]} evicted`)
    } finally {
      client.disconnect()
      keyspaceEvents.disconnect()
    }
  })

  it("INFO memory reports Valkey's fields; used_memory grows with data and shrinks when it goes", async () => {
    const fields = await info(r, "memory")
    for (const name of [
      "used_memory",
      "used_memory_human",
      "used_memory_rss",
      "used_memory_rss_human",
      "used_memory_peak",
      "used_memory_peak_human",
      "used_memory_startup",
      "used_memory_dataset",
      "maxmemory",
      "maxmemory_human",
      "maxmemory_policy",
      "mem_fragmentation_ratio",
      "total_system_memory"
    ]) {
      expect(fields.has(name), name).toBe(true)
    }
    // used_memory counts clients' buffers too (what a reply still queued held when the cron sampled
    // them, as in Valkey); the figures compared here leave them out.
    const withoutClients = async () => {
      const memory = await info(r, "memory")
      return Number(memory.get("used_memory")) - Number(memory.get("mem_clients_normal"))
    }
    const empty = await withoutClients()
    expect(empty).toBe(Number(fields.get("used_memory_startup")))
    await fill(r, "k", 1000, 1000)
    const full = await withoutClients()
    // 1000 values of 1000 bytes, plus keys and bookkeeping.
    expect(full - empty).toBeGreaterThan(1_000_000)
    expect(full - empty).toBeLessThan(1_300_000)
    await r.hset("h", Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`f${i}`, "v".repeat(100)])))
    const withHash = await withoutClients()
    expect(withHash - full).toBeGreaterThan(100 * 150)
    await r.del("h")
    expect(await withoutClients()).toBe(full)
    await r.flushall()
    expect(await withoutClients()).toBe(empty)
    expect(await field(r, "memory", "used_memory_peak")).toBeGreaterThanOrEqual(withHash)

    await r.config("SET", "maxmemory", "50mb", "maxmemory-policy", "allkeys-lru")
    const set = await info(r, "memory")
    expect(set.get("maxmemory")).toBe(String(50 * 1024 * 1024))
    expect(set.get("maxmemory_human")).toBe("50.00M")
    expect(set.get("maxmemory_policy")).toBe("allkeys-lru")
  })

  it("lowering maxmemory below the data evicts in the background without a command", async () => {
    await fill(r, "k", 2000, 100)
    const limit = await limitTo(r, -200 * 1024, "allkeys-random")
    await waitFor("background eviction", async () => (await field(r, "memory", "used_memory")) <= limit)
    expect(await field(r, "stats", "evicted_keys")).toBeGreaterThan(0)
  })
})

describe("maxmemory errors compared with redis-server", () => {
  let redis: RedisServer
  let s: RunningServer
  beforeAll(async () => {
    ;[redis, s] = await Promise.all([startRedisServer(), startServer()])
  })
  afterAll(async () => {
    await Promise.all([redis.stop(), s.close()])
  })

  it("the same OOM and EXECABORT replies at maxmemory 1", async () => {
    const replies: Array<Array<string>> = []
    for (const port of [redis.port, s.port]) {
      const r = new Redis(port, "127.0.0.1")
      const out: Array<string> = []
      await r.config("SET", "maxmemory-policy", "noeviction")
      await r.call("MULTI")
      out.push(String(await r.call("SET", "q", "1")))
      // Memory runs out between queueing and EXEC.
      const admin = new Redis(port, "127.0.0.1")
      await admin.config("SET", "maxmemory", "1")
      out.push(await errorOf(r.call("EXEC")))
      out.push(await errorOf(r.set("a", "b")))
      out.push(await errorOf(r.call("MULTI")))
      out.push(await errorOf(r.call("SET", "a", "b")))
      out.push(await errorOf(r.call("EXEC")))
      out.push(String(await r.get("a")))
      out.push(String(await r.del("a")))
      await admin.config("SET", "maxmemory", "0")
      admin.disconnect()
      r.disconnect()
      replies.push(out)
    }
    expect(replies[1]).toEqual(replies[0])
    expect(replies[1]).toEqual([
      "QUEUED",
      `EXECABORT Transaction discarded because of: ${OOM}`,
      OOM,
      "",
      OOM,
      "EXECABORT Transaction discarded because of previous errors.",
      "null",
      "0"
    ])
  })
})

describe("the heap safety net", () => {
  let child: ServerProcess | undefined
  afterEach(async () => {
    await child?.kill()
  })

  it("a server with a small V8 heap refuses writes with OOM instead of dying, and still answers", async () => {
    // No save points: FLUSHALL would save dump.rdb into the test runner's folder.
    child = await startServerProcess(["--port", "0", "--bind", "127.0.0.1", "--save", ""], { nodeArgs: ["--max-old-space-size=96"], readyMs: 15_000 })
    const r = new Redis(child.port, "127.0.0.1", { maxRetriesPerRequest: 0 })
    try {
      // No maxmemory: only the heap limit stops the writes. 1 KB values, 2000 per round trip.
      let refused = ""
      const value = "v".repeat(1000)
      for (let round = 0; round < 200 && refused === ""; round++) {
        const pipeline = r.pipeline()
        for (let i = 0; i < 2000; i++) pipeline.set(`k:${round}:${i}`, value)
        for (const [error] of (await pipeline.exec()) ?? []) if (error !== null && refused === "") refused = error.message
      }
      expect(refused).toBe(OOM)
      expect(child.alive()).toBe(true)
      expect(await r.ping()).toBe("PONG")
      expect(await r.get("k:0:0")).toBe(value)
      expect(child.output()).toMatch(/The JS heap is at \d+% of its limit/)
      // Freeing the data lets writes in again once the heap is measured below the threshold.
      await r.flushall()
      await waitFor("writes accepted again", async () => (await errorOf(r.set("after", "v"))) === "", 10_000)
    } finally {
      r.disconnect()
    }
  }, 60_000)
})
