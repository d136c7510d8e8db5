import { Redis } from "ioredis"
import { createClient } from "redis"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { splitReplies } from "./support/differential.js"
import { RawClient } from "./support/raw.js"
import { type RunningServer, startServer } from "./support/server.js"
import { cmd } from "./support/resp.js"

const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
const sorted = (items: ReadonlyArray<string>) => [...items].sort()

describe("set commands", () => {
  let s: RunningServer
  let io: Redis
  let node: ReturnType<typeof createClient>
  let raw: RawClient

  const send = async (client: RawClient, ...argv: Array<string>): Promise<string> => {
    client.take()
    client.write(Buffer.from(cmd(...argv), "latin1"))
    const text = await client.until((t) => splitReplies(t).replies.length >= 1)
    client.take()
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
    await io.config("SET", "set-max-intset-entries", "512")
    await io.config("SET", "set-max-listpack-entries", "128")
  })

  it("SADD/SREM/SCARD/SISMEMBER/SMISMEMBER/SMEMBERS", async () => {
    expect(await io.sadd("s", "a", "b", "c", "a")).toBe(3)
    expect(await io.sadd("s", "c", "d")).toBe(1)
    expect(sorted(await io.smembers("s"))).toEqual(["a", "b", "c", "d"])
    expect(sorted(await node.sMembers("s"))).toEqual(["a", "b", "c", "d"])
    expect(await io.scard("s")).toBe(4)
    expect(await io.sismember("s", "a")).toBe(1)
    expect(await io.sismember("s", "z")).toBe(0)
    expect(await io.smismember("s", "a", "z", "d")).toEqual([1, 0, 1])
    expect(await node.smIsMember("missing", ["a", "b"])).toEqual([0, 0])
    expect(await io.srem("s", "a", "z")).toBe(1)
    expect(await io.srem("s", "b", "c", "d")).toBe(3)
    expect(await io.exists("s")).toBe(0)
    expect(await io.smembers("missing")).toEqual([])
    expect(await io.type("s")).toBe("none")
    await io.sadd("s", "x")
    expect(await io.type("s")).toBe("set")
  })

  it("SMEMBERS is a RESP3 set; an intset answers in ascending order", async () => {
    await io.sadd("s", "10", "-3", "7")
    expect(await send(raw, "SMEMBERS", "s")).toBe("*3\r\n$2\r\n-3\r\n$1\r\n7\r\n$2\r\n10\r\n")
    const r3 = await RawClient.connect(s.port)
    try {
      await send(r3, "HELLO", "3")
      expect(await send(r3, "SMEMBERS", "s")).toBe("~3\r\n$2\r\n-3\r\n$1\r\n7\r\n$2\r\n10\r\n")
      expect(await send(r3, "SMEMBERS", "missing")).toBe("~0\r\n")
      expect(await send(r3, "SPOP", "missing", "2")).toBe("~0\r\n")
      expect(await send(r3, "SUNION", "s")).toBe("~3\r\n$2\r\n-3\r\n$1\r\n7\r\n$2\r\n10\r\n")
      expect(await send(r3, "SRANDMEMBER", "missing", "2")).toBe("*0\r\n")
    } finally {
      r3.close()
    }
  })

  it("OBJECT ENCODING follows intset, listpack and hashtable like Valkey", async () => {
    await io.sadd("i", "1", "2", "3")
    expect(await io.object("ENCODING", "i")).toBe("intset")
    await io.sadd("i", "a")
    expect(await io.object("ENCODING", "i")).toBe("listpack")
    expect(await send(raw, "SMEMBERS", "i")).toBe("*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\na\r\n")
    await io.srem("i", "a")
    expect(await io.object("ENCODING", "i")).toBe("listpack")
    await io.sadd("l", "x".repeat(64))
    expect(await io.object("ENCODING", "l")).toBe("listpack")
    await io.sadd("l", "y".repeat(65))
    expect(await io.object("ENCODING", "l")).toBe("hashtable")
    await io.sadd("first", "abc", "1")
    expect(await io.object("ENCODING", "first")).toBe("listpack")
    const many = Array.from({ length: 129 }, (_, i) => `m${i}`)
    await io.sadd("many", ...many)
    expect(await io.object("ENCODING", "many")).toBe("hashtable")
    await io.config("SET", "set-max-intset-entries", "3")
    await io.sadd("t", "1", "2", "3", "4")
    expect(await io.object("ENCODING", "t")).toBe("listpack")
    await io.sadd("u", "1", "2", "3")
    await io.sadd("u", "4")
    expect(await io.object("ENCODING", "u")).toBe("hashtable")
    await io.config("SET", "set-max-intset-entries", "512")
    // SINTERSTORE turns an all-integer result into an intset.
    await io.sadd("a", "1", "2", "x")
    await io.sadd("b", "1", "2", "y", "z")
    expect(await io.sinterstore("d", "a", "b")).toBe(2)
    expect(await io.object("ENCODING", "d")).toBe("intset")
    expect(await io.copy("l", "l2")).toBe(1)
    expect(await io.object("ENCODING", "l2")).toBe("hashtable")
  })

  it("SPOP removes distinct members; the count forms return sets", async () => {
    const members = Array.from({ length: 50 }, (_, i) => `m${i}`)
    await io.sadd("s", ...members)
    const one = await io.spop("s")
    expect(members).toContain(one)
    expect(await io.sismember("s", one!)).toBe(0)
    const popped = new Set([one!])
    for (const count of [3, 20]) {
      const got = (await io.spop("s", count)) as unknown as Array<string>
      expect(got.length).toBe(count)
      for (const m of got) {
        expect(members).toContain(m)
        expect(popped.has(m)).toBe(false)
        popped.add(m)
      }
    }
    // 26 left: popping 25 takes the "keep the remainder" path.
    const got = (await io.spop("s", 25)) as unknown as Array<string>
    expect(new Set(got).size).toBe(25)
    for (const m of got) popped.add(m)
    expect(await io.scard("s")).toBe(1)
    const rest = await io.smembers("s")
    expect(popped.has(rest[0])).toBe(false)
    expect(await io.spop("s", 5)).toEqual(rest)
    expect(await io.exists("s")).toBe(0)
    await expect(io.spop("s", -1)).rejects.toThrow("ERR value is out of range, must be positive")
    await expect(io.call("spop", "s", "x")).rejects.toThrow("ERR value is out of range, must be positive")
  })

  it("SRANDMEMBER: distinct for positive counts, repeats for negative ones", async () => {
    const members = Array.from({ length: 30 }, (_, i) => String(i * 3))
    await io.sadd("s", ...members)
    expect(members).toContain(await io.srandmember("s"))
    for (const count of [1, 2, 9, 10, 29, 30, 31, 1000]) {
      const got = (await io.srandmember("s", count)) as Array<string>
      expect(got.length).toBe(Math.min(count, 30))
      expect(new Set(got).size).toBe(got.length)
      for (const m of got) expect(members).toContain(m)
    }
    const repeated = (await io.srandmember("s", -200)) as Array<string>
    expect(repeated.length).toBe(200)
    for (const m of repeated) expect(members).toContain(m)
    expect(await io.scard("s")).toBe(30)
  })

  it("SMOVE, SINTER, SUNION, SDIFF and the STORE forms", async () => {
    await io.sadd("a", "x", "y", "z")
    await io.sadd("b", "y", "z", "w")
    expect(await io.smove("a", "c", "x")).toBe(1)
    expect(await io.smembers("c")).toEqual(["x"])
    expect(await io.smove("a", "c", "nope")).toBe(0)
    expect(sorted(await io.sinter("a", "b"))).toEqual(["y", "z"])
    expect(await io.sintercard(2, "a", "b")).toBe(2)
    expect(await io.sintercard(2, "a", "b", "LIMIT", 1)).toBe(1)
    expect(sorted(await io.sunion("a", "b", "c"))).toEqual(["w", "x", "y", "z"])
    expect(sorted(await io.sdiff("b", "a"))).toEqual(["w"])
    expect(await io.sunionstore("u", "a", "b", "c")).toBe(4)
    expect(sorted(await io.smembers("u"))).toEqual(["w", "x", "y", "z"])
    expect(await io.sdiffstore("u", "a", "b")).toBe(0)
    expect(await io.exists("u")).toBe(0)
    expect(await io.sinterstore("u", "a", "b")).toBe(2)
    expect(sorted(await node.sMembers("u"))).toEqual(["y", "z"])
    await expect(io.sintercard(0, "a")).rejects.toThrow("ERR numkeys should be greater than 0")
    await expect(io.call("sintercard", "3", "a")).rejects.toThrow("ERR Number of keys can't be greater than number of args")
    await expect(io.call("sintercard", "1", "a", "LIMIT", "-1")).rejects.toThrow("ERR LIMIT can't be negative")
    expect(await io.call("COMMAND", "GETKEYS", "SINTERCARD", "2", "a", "b", "LIMIT", "1")).toEqual(["a", "b"])
  })

  it("STORE forms notify blocked and watching clients and replace other types", async () => {
    await io.sadd("a", "1")
    await io.set("dst", "string")
    const other = new Redis({ port: s.port, host: "127.0.0.1" })
    try {
      await other.watch("dst")
      expect(await io.sunionstore("dst", "a")).toBe(1)
      expect(await io.type("dst")).toBe("set")
      expect(await other.multi().get("x").exec()).toBe(null)
    } finally {
      other.disconnect()
    }
  })

  it("WRONGTYPE for set commands on other types", async () => {
    await io.set("str", "v")
    await io.sadd("s", "1")
    await expect(io.sadd("str", "a")).rejects.toThrow(WRONGTYPE)
    await expect(io.smembers("str")).rejects.toThrow(WRONGTYPE)
    await expect(io.sinter("s", "str")).rejects.toThrow(WRONGTYPE)
    await expect(io.smove("s", "str", "1")).rejects.toThrow(WRONGTYPE)
    await expect(io.get("s")).rejects.toThrow(WRONGTYPE)
  })

  it("SSCAN walks a hashtable set fully and rejects NOVALUES", async () => {
    const members = Array.from({ length: 500 }, (_, i) => `member-${i}`)
    await io.sadd("big", ...members)
    expect(await io.object("ENCODING", "big")).toBe("hashtable")
    const seen = new Set<string>()
    let cursor = "0"
    do {
      const [next, items] = await io.sscan("big", cursor, "COUNT", 64)
      for (const m of items) seen.add(m)
      cursor = next
    } while (cursor !== "0")
    expect(sorted([...seen])).toEqual(sorted(members))
    const [, matched] = await io.sscan("big", 0, "MATCH", "member-4?", "COUNT", 10000)
    expect(sorted(matched)).toEqual(sorted(Array.from({ length: 10 }, (_, i) => `member-4${i}`)))
    expect(await send(raw, "SSCAN", "big", "0", "NOVALUES")).toBe("-ERR NOVALUES option can only be used in HSCAN\r\n")
    // Valkey's string2ull: canonical negatives are invalid, strtoull forms are accepted.
    await io.sadd("small", "1")
    expect(await send(raw, "SSCAN", "small", "-1")).toBe("-ERR invalid cursor\r\n")
    expect(await send(raw, "SSCAN", "small", " 5")).toBe("*2\r\n$1\r\n0\r\n*1\r\n$1\r\n1\r\n")
    expect(await send(raw, "SSCAN", "small", "-01")).toBe("*2\r\n$1\r\n0\r\n*1\r\n$1\r\n1\r\n")
  })
})
