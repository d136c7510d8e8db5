import { Redis } from "ioredis"
import { createClient } from "redis"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { ListValue } from "../src/keyspace/ListValue.js"
import { RawClient } from "./support/raw.js"
import { type RunningServer, startServer } from "./support/server.js"
import { waitFor } from "./support/waitFor.js"
import { cmd } from "./support/resp.js"

describe("generic key commands", () => {
  let s: RunningServer
  let io: Redis
  let node: ReturnType<typeof createClient>
  let raw: RawClient

  const send = async (...argv: Array<string>): Promise<string> => {
    raw.take()
    raw.write(Buffer.from(cmd(...argv), "latin1"))
    const text = await raw.until((t) => t.endsWith("\r\n"))
    raw.take()
    return text
  }

  beforeAll(async () => {
    s = await startServer()
    io = new Redis({ port: s.port, host: "127.0.0.1", lazyConnect: true, enableReadyCheck: false })
    await io.connect()
    node = createClient({ socket: { port: s.port, host: "127.0.0.1" }, disableClientInfo: true })
    node.on("error", () => {})
    await node.connect()
    raw = await RawClient.connect(s.port)
  })
  afterAll(async () => {
    io?.disconnect()
    node?.destroy()
    raw?.close()
    await s.close()
  })
  beforeEach(async () => {
    s.server.keyspace.flushAll()
    await send("SELECT", "0")
  })

  const keyspace = () => s.server.keyspace

  it("DEL, UNLINK, EXISTS, TOUCH, TYPE", async () => {
    await io.mset("a", "1", "b", "2", "c", "3")
    keyspace().set(0, "l", ListValue.of(["x"]))
    expect(await io.exists("a", "a", "x")).toBe(2)
    expect(await node.touch(["a", "x"])).toBe(1)
    expect(await io.type("a")).toBe("string")
    expect(await io.type("l")).toBe("list")
    expect(await send("TYPE", "nope")).toBe("+none\r\n")
    expect(await io.del("a", "x", "a")).toBe(1)
    expect(await node.unlink(["b", "c", "l"])).toBe(3)
    expect(await io.exists("a", "b", "c", "l")).toBe(0)
  })

  it("KEYS matches globs and skips expired keys", async () => {
    await io.mset("hello", "1", "hallo", "2", "hxllo", "3", "other", "4")
    await io.set("gone", "v", "PXAT", String(Date.now() - 1000))
    expect((await io.keys("*")).sort()).toEqual(["hallo", "hello", "hxllo", "other"])
    expect((await io.keys("h[ae]llo")).sort()).toEqual(["hallo", "hello"])
    expect((await node.keys("h?llo")).sort()).toEqual(["hallo", "hello", "hxllo"])
    expect(await io.keys("nothing*")).toEqual([])
  })

  it("SCAN returns every key present for the whole scan, even while keys are deleted", async () => {
    const all = Array.from({ length: 1000 }, (_, i) => `key:${i}`)
    await io.mset(...all.flatMap((k) => [k, "v"]))
    const seen = new Set<string>()
    let cursor = "0"
    const deleted = new Set<string>()
    do {
      const [next, keys] = await io.scan(cursor, "COUNT", 37)
      for (const k of keys) seen.add(k)
      // Delete a not-yet-seen key now and then: it may or may not be returned, the rest must be.
      const victim = all.find((k) => !seen.has(k) && !deleted.has(k) && k.endsWith("7"))
      if (victim !== undefined && deleted.size < 50) {
        expect(await io.del(victim)).toBe(1)
        deleted.add(victim)
      }
      cursor = next
    } while (cursor !== "0")
    const remaining = await io.keys("*")
    for (const k of remaining) expect(seen.has(k)).toBe(true)
    expect(remaining.length).toBe(1000 - deleted.size)
    expect(deleted.size).toBeGreaterThan(0)
  })

  it("SCAN with MATCH, TYPE and COUNT, and its errors", async () => {
    await io.mset("s1", "a", "s2", "b")
    keyspace().set(0, "l1", ListValue.of(["x"]))
    const scanAll = async (...args: Array<string>) => {
      const out: Array<string> = []
      let cursor = "0"
      do {
        const [next, keys] = (await io.call("SCAN", cursor, ...args)) as [string, Array<string>]
        out.push(...keys)
        cursor = next
      } while (cursor !== "0")
      return out.sort()
    }
    expect(await scanAll("TYPE", "list")).toEqual(["l1"])
    expect(await scanAll("TYPE", "STRING", "COUNT", "1")).toEqual(["s1", "s2"])
    expect(await scanAll("MATCH", "s*", "COUNT", "1")).toEqual(["s1", "s2"])
    expect(await send("SCAN", "0", "TYPE", "foo")).toBe("-ERR unknown type name 'foo'\r\n")
    expect(await send("SCAN", "x")).toBe("-ERR invalid cursor\r\n")
    expect(await send("SCAN", "0", "COUNT", "0")).toBe("-ERR syntax error\r\n")
    // node-redis's scanIterator walks to the end.
    const viaNode: Array<string> = []
    for await (const keys of node.scanIterator({ MATCH: "*", COUNT: 1 })) viaNode.push(...keys)
    expect(viaNode.sort()).toEqual(["l1", "s1", "s2"])
  })

  it("RANDOMKEY never returns an expired key", async () => {
    expect(await io.randomkey()).toBe(null)
    await io.mset("a", "1", "b", "2")
    expect(["a", "b"]).toContain(await io.randomkey())
    s.server.keyspace.flushAll()
    // Many keys already past their TTL (not yet removed) and one live key.
    const past = Date.now() - 1000
    for (let i = 0; i < 500; i++) s.server.keyspace.add(0, `dead:${i}`, "v", past)
    s.server.keyspace.add(0, "live", "v")
    expect(await io.randomkey()).toBe("live")
    expect(await send("RANDOMKEY")).toBe("$4\r\nlive\r\n")
  })

  it("RENAME, MOVE and COPY keep TTLs, copy lists deeply, and create keys through keyspace.add", async () => {
    const created: Array<string> = []
    const ks = keyspace()
    const unsubscribe = ks.listen({ keyCreated: (db, key) => created.push(`${db}:${key}`) })
    try {
      await io.set("a", "1", "EX", 100)
      expect(await io.rename("a", "b")).toBe("OK")
      expect(await io.ttl("b")).toBe(100)
      expect(await send("RENAME", "a", "b")).toBe("-ERR no such key\r\n")
      expect(await io.renamenx("b", "b")).toBe(0)
      expect(await io.move("b", 1)).toBe(1)
      expect(await send("MOVE", "b", "0")).toBe("-ERR source and destination objects are the same\r\n")
      await send("SELECT", "1")
      expect(await send("TTL", "b")).toBe(":100\r\n")
      expect(await send("COPY", "b", "c", "DB", "0")).toBe(":1\r\n")
      await send("SELECT", "0")
      expect(await io.ttl("c")).toBe(100)
      ks.set(0, "l", ListValue.of(["x", "y"]))
      expect(await io.copy("l", "l2")).toBe(1)
      ;(ks.lookup(0, "l2")!.value as ListValue).pushRight("z")
      expect((ks.lookup(0, "l")!.value as ListValue).toArray()).toEqual(["x", "y"])
      expect(created).toEqual(["0:a", "0:b", "1:b", "0:c", "0:l", "0:l2"])
    } finally {
      unsubscribe()
    }
  })

  it("EXPIRE options follow Valkey's rules", async () => {
    await io.set("k", "v")
    expect(await send("EXPIRE", "k", "100", "XX")).toBe(":0\r\n")
    expect(await send("EXPIRE", "k", "100", "GT")).toBe(":0\r\n")
    expect(await send("EXPIRE", "k", "100", "NX")).toBe(":1\r\n")
    expect(await send("EXPIRE", "k", "200", "NX")).toBe(":0\r\n")
    expect(await send("EXPIRE", "k", "200", "GT")).toBe(":1\r\n")
    expect(await send("EXPIRE", "k", "300", "LT")).toBe(":0\r\n")
    expect(await io.ttl("k")).toBe(200)
    expect(await send("EXPIRE", "k", "1", "NX", "XX")).toBe("-ERR NX and XX, GT or LT options at the same time are not compatible\r\n")
    expect(await send("EXPIRE", "k", "1", "GT", "LT")).toBe("-ERR GT and LT options at the same time are not compatible\r\n")
    expect(await send("EXPIRE", "k", "1", "bogus")).toBe("-ERR Unsupported option bogus\r\n")
    expect(await send("EXPIRE", "k", "9223372036854775807")).toBe("-ERR invalid expire time in 'expire' command\r\n")
    expect(await send("PEXPIREAT", "k", "9223372036854775807")).toBe(":1\r\n")
    expect(await io.persist("k")).toBe(1)
    expect(await io.persist("k")).toBe(0)
    expect(await io.ttl("k")).toBe(-1)
    expect(await io.pttl("missing")).toBe(-2)
    expect(await node.expireTime("k")).toBe(-1)
    expect(await io.expireat("k", 4102444800)).toBe(1)
    expect(await io.expiretime("k")).toBe(4102444800)
    expect(await io.pexpiretime("k")).toBe(4102444800000)
    expect(await io.expire("k", -1)).toBe(1)
    expect(await io.exists("k")).toBe(0)
    expect(await io.expire("k", 10)).toBe(0)
  })

  it("PEXPIRE makes a key disappear", async () => {
    await io.set("k", "v")
    // PTTL in the same EXEC: no round trip between the two, so a slow machine cannot let it expire.
    const [[, set], [, pttl]] = (await io.multi().pexpire("k", 30).pttl("k").exec()) as Array<[unknown, number]>
    expect(set).toBe(1)
    expect(pttl).toBeGreaterThan(0)
    expect(pttl).toBeLessThanOrEqual(30)
    await waitFor("the key to expire", async () => (await io.exists("k")) === 0)
    expect(await io.ttl("k")).toBe(-2)
  })

  it("OBJECT ENCODING, REFCOUNT, IDLETIME, FREQ", async () => {
    await io.set("i", "123")
    await io.set("e", "hello")
    await io.set("r", "x".repeat(100))
    expect(await io.object("ENCODING", "i")).toBe("int")
    expect(await io.object("ENCODING", "e")).toBe("embstr")
    expect(await io.object("ENCODING", "r")).toBe("raw")
    await io.append("e", "!")
    expect(await io.object("ENCODING", "e")).toBe("raw")
    await io.incrbyfloat("f", "2")
    expect(await io.object("ENCODING", "f")).toBe("embstr")
    expect(await io.object("ENCODING", "missing")).toBe(null)
    keyspace().set(0, "small", ListValue.of(["a", "b", "1"]))
    keyspace().set(0, "big", ListValue.of(Array.from({ length: 2000 }, (_, i) => `element-${i}`)))
    expect(await io.object("ENCODING", "small")).toBe("listpack")
    expect(await io.object("ENCODING", "big")).toBe("quicklist")
    expect(await io.object("REFCOUNT", "e")).toBe(1)
    // Idle seconds on the LRU clock, which ticks once a second: one tick may fall since the SET.
    expect(await io.object("IDLETIME", "e")).toBeLessThanOrEqual(1)
    expect(await send("OBJECT", "FREQ", "e")).toMatch(/^-ERR An LFU maxmemory policy is not selected/)
    expect(await send("OBJECT", "NOPE", "e")).toBe("-ERR unknown subcommand 'NOPE'. Try OBJECT HELP.\r\n")
  })
  it("MEMORY USAGE: what the key costs in used_memory, growing with its value; null for a missing key; Valkey's SAMPLES errors", async () => {
    await io.set("small", "x")
    await io.set("big", "x".repeat(10_000))
    const small = Number(await io.call("MEMORY", "USAGE", "small"))
    const big = Number(await io.call("MEMORY", "USAGE", "big", "SAMPLES", "0"))
    expect(small).toBeGreaterThan(0)
    // About the 9,999 extra bytes (the small string is charged a rounded minimum).
    expect(big - small).toBeGreaterThanOrEqual(9_900)
    expect(await io.call("MEMORY", "USAGE", "missing")).toBeNull()
    expect(await send("MEMORY", "USAGE", "small", "SAMPLES", "-1")).toBe("-ERR syntax error\r\n")
    expect(await send("MEMORY", "USAGE", "small", "SAMPLES")).toBe("-ERR syntax error\r\n")
    expect(await send("MEMORY", "USAGE", "small", "SAMPLES", "x")).toBe("-ERR value is not an integer or out of range\r\n")
    // The sum over keys is the data part of INFO memory's used_memory.
    const dataset = Number(/used_memory_dataset:(\d+)/.exec(await io.info("memory"))?.[1])
    expect(dataset).toBeGreaterThanOrEqual(small + big)
  })
})
