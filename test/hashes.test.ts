import { Redis } from "ioredis"
import { createClient } from "redis"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { HashValue } from "../src/keyspace/HashValue.js"
import { splitReplies } from "./support/differential.js"
import { RawClient } from "./support/raw.js"
import { type RunningServer, startServer } from "./support/server.js"
import { cmd } from "./support/resp.js"

const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"

describe("hash commands", () => {
  let s: RunningServer
  let io: Redis
  let node: ReturnType<typeof createClient>
  let node3: ReturnType<typeof createClient>
  let raw: RawClient

  /** Sends one command over raw RESP and returns the reply bytes. */
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
    node3 = createClient({ socket: { port: s.port, host: "127.0.0.1" }, disableClientInfo: true, RESP: 3 })
    node3.on("error", () => {})
    await node3.connect()
    raw = await RawClient.connect(s.port)
  })
  afterAll(async () => {
    io?.disconnect()
    node?.destroy()
    node3?.destroy()
    raw?.close()
    await s.close()
  })
  beforeEach(async () => {
    s.server.keyspace.flushAll()
    await io.config("SET", "hash-max-listpack-entries", "512")
  })

  it("HSET/HGET/HMGET/HGETALL through ioredis and node-redis", async () => {
    expect(await io.hset("h", { a: "1", b: "2" })).toBe(2)
    expect(await io.hset("h", "b", "3", "c", "4")).toBe(1)
    expect(await io.hget("h", "b")).toBe("3")
    expect(await io.hget("h", "zz")).toBe(null)
    expect(await io.hmget("h", "a", "zz", "c")).toEqual(["1", null, "4"])
    expect(await io.hgetall("h")).toEqual({ a: "1", b: "3", c: "4" })
    expect(await io.hgetall("missing")).toEqual({})
    expect(await node.hGetAll("h")).toEqual({ a: "1", b: "3", c: "4" })
    expect(await node.hKeys("h")).toEqual(["a", "b", "c"])
    expect(await node.hVals("h")).toEqual(["1", "3", "4"])
    expect(await node.hLen("h")).toBe(3)
    expect(await io.hmset("h", "d", "5")).toBe("OK")
    expect(await io.hsetnx("h", "d", "x")).toBe(0)
    expect(await io.hsetnx("h", "e", "6")).toBe(1)
    expect(await io.hexists("h", "e")).toBe(1)
    expect(await io.hstrlen("h", "e")).toBe(1)
    expect(await io.type("h")).toBe("hash")
  })

  it("binary fields and values round-trip", async () => {
    const field = Buffer.from([0, 0xff, 13, 10])
    const value = Buffer.from([0x80, 0, 1])
    expect(await io.hset("bin", field, value)).toBe(1)
    expect(Buffer.compare((await io.hgetBuffer("bin", field))!, value)).toBe(0)
    expect(await send(raw, "HGETALL", "bin")).toBe("*2\r\n$4\r\n\x00\xff\r\n\r\n$3\r\n\x80\x00\x01\r\n")
  })

  it("HGETALL is a map in RESP3, and HRANDFIELD WITHVALUES pairs", async () => {
    await io.hset("h", "a", "1", "b", "2")
    const r3 = await RawClient.connect(s.port)
    try {
      await send(r3, "HELLO", "3")
      expect(await send(r3, "HGETALL", "h")).toBe("%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n")
      expect(await send(r3, "HGETALL", "missing")).toBe("%0\r\n")
      expect(await send(r3, "HRANDFIELD", "h", "5", "WITHVALUES")).toBe("*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n")
      expect(await send(r3, "HRANDFIELD", "missing")).toBe("_\r\n")
    } finally {
      r3.close()
    }
    expect(await node3.hGetAll("h")).toEqual({ a: "1", b: "2" })
    expect(await send(raw, "HRANDFIELD", "h", "5", "WITHVALUES")).toBe("*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n")
  })

  it("HDEL removes fields and deletes the emptied hash", async () => {
    await io.hset("h", "a", "1", "b", "2")
    expect(await io.hdel("h", "a", "zz")).toBe(1)
    expect(await io.hdel("h", "b")).toBe(1)
    expect(await io.exists("h")).toBe(0)
    expect(await io.hdel("h", "b")).toBe(0)
  })

  it("HINCRBY and HINCRBYFLOAT with Valkey's errors", async () => {
    expect(await io.hincrby("h", "n", 5)).toBe(5)
    expect(await io.hincrby("h", "n", -7)).toBe(-2)
    expect(await io.hincrbyfloat("h", "f", "0.1")).toBe("0.1")
    expect(await io.hincrbyfloat("h", "f", "0.2")).toBe("0.3")
    expect(await io.hincrbyfloat("h", "n", "1.5")).toBe("-0.5")
    await io.hset("h", "s", "abc", "max", "9223372036854775807")
    await expect(io.hincrby("h", "s", 1)).rejects.toThrow("ERR hash value is not an integer")
    await expect(io.hincrby("h", "max", 1)).rejects.toThrow("ERR increment or decrement would overflow")
    expect(await send(raw, "HINCRBY", "h", "max", "-1")).toBe(":9223372036854775806\r\n")
    await expect(io.hincrbyfloat("h", "s", "1")).rejects.toThrow("ERR hash value is not a float")
    await expect(io.hincrbyfloat("h", "f", "inf")).rejects.toThrow("ERR value is NaN or Infinity")
    await expect(io.hincrbyfloat("h", "f", "x")).rejects.toThrow("ERR value is not a valid float")
    await expect(io.hincrby("h", "f", "x" as never)).rejects.toThrow("ERR value is not an integer or out of range")
  })

  it("WRONGTYPE both ways", async () => {
    await io.set("str", "v")
    await expect(io.hset("str", "a", "1")).rejects.toThrow(WRONGTYPE)
    await expect(io.hgetall("str")).rejects.toThrow(WRONGTYPE)
    await io.hset("h", "a", "1")
    await expect(io.get("h")).rejects.toThrow(WRONGTYPE)
    await expect(io.sadd("h", "x")).rejects.toThrow(WRONGTYPE)
  })

  it("HRANDFIELD returns distinct fields for positive counts and repeats for negative ones", async () => {
    const fields: Record<string, string> = {}
    for (let i = 0; i < 40; i++) fields[`f${i}`] = `v${i}`
    await io.hset("h", fields)
    const one = await io.hrandfield("h")
    expect(Object.keys(fields)).toContain(one)
    for (const count of [1, 5, 20, 39, 40, 100]) {
      const got = (await io.hrandfield("h", count)) as Array<string>
      expect(got.length).toBe(Math.min(count, 40))
      expect(new Set(got).size).toBe(got.length)
      for (const f of got) expect(fields[f]).toBeDefined()
    }
    const repeated = (await io.hrandfield("h", -100)) as Array<string>
    expect(repeated.length).toBe(100)
    for (const f of repeated) expect(fields[f]).toBeDefined()
    const pairs = (await io.hrandfield("h", -7, "WITHVALUES")) as Array<string>
    expect(pairs.length).toBe(14)
    for (let i = 0; i < pairs.length; i += 2) expect(fields[pairs[i]]).toBe(pairs[i + 1])
    const unique = (await io.hrandfield("h", 10, "WITHVALUES")) as Array<string>
    expect(unique.length).toBe(20)
    for (let i = 0; i < unique.length; i += 2) expect(fields[unique[i]]).toBe(unique[i + 1])
  })

  it("HSCAN walks a hashtable hash fully, with MATCH, COUNT and NOVALUES", async () => {
    const fields: Record<string, string> = {}
    for (let i = 0; i < 600; i++) fields[`field:${i}`] = String(i)
    await io.hset("big", fields)
    expect(await io.object("ENCODING", "big")).toBe("hashtable")
    const seen = new Map<string, string>()
    let cursor = "0"
    let calls = 0
    do {
      const [next, items] = await io.hscan("big", cursor, "COUNT", 50)
      for (let i = 0; i < items.length; i += 2) seen.set(items[i], items[i + 1])
      cursor = next
      calls++
    } while (cursor !== "0")
    expect(calls).toBeGreaterThan(1)
    expect(Object.fromEntries(seen)).toEqual(fields)
    const [, matched] = await io.hscan("big", 0, "MATCH", "field:1?", "COUNT", 1000)
    expect(matched.filter((_, i) => i % 2 === 0).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `field:1${i}`).sort())
    await io.hset("small", "a", "1", "b", "2")
    expect(await send(raw, "HSCAN", "small", "0", "NOVALUES")).toBe("*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n")
    expect(await send(raw, "HSCAN", "small", "0", "COUNT", "1")).toBe("*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n")
  })

  it("HSCAN returns every field present for the whole scan while others are deleted and added", async () => {
    const fields: Record<string, string> = {}
    for (let i = 0; i < 1000; i++) fields[`f${i}`] = "v"
    await io.hset("big", fields)
    const seen = new Set<string>()
    let cursor = "0"
    let round = 0
    do {
      const [next, items] = (await io.call("HSCAN", "big", cursor, "NOVALUES", "COUNT", "37")) as [string, Array<string>]
      for (const f of items) seen.add(f)
      cursor = next
      // Delete fields that may not have been visited yet and add new ones.
      await io.hdel("big", `f${round * 2}`, `f${999 - round}`)
      await io.hset("big", `new${round}`, "v")
      round++
    } while (cursor !== "0")
    const deleted = new Set<string>()
    for (let r = 0; r < round; r++) deleted.add(`f${r * 2}`).add(`f${999 - r}`)
    for (const f of Object.keys(fields)) if (!deleted.has(f)) expect(seen.has(f)).toBe(true)
  })

  it("OBJECT ENCODING: listpack until the configured limits, never back", async () => {
    await io.hset("h", "a", "1")
    expect(await io.object("ENCODING", "h")).toBe("listpack")
    await io.config("SET", "hash-max-listpack-entries", "2")
    await io.hset("h", "b", "2")
    expect(await io.object("ENCODING", "h")).toBe("listpack")
    await io.hset("h", "c", "3")
    expect(await io.object("ENCODING", "h")).toBe("hashtable")
    await io.hdel("h", "c", "b")
    expect(await io.object("ENCODING", "h")).toBe("hashtable")
    // Valkey converts up front when HSET names more pairs than the limit, duplicates or not.
    await io.hset("dup", "a", "1", "b", "2", "a", "3")
    expect(await io.object("ENCODING", "dup")).toBe("hashtable")
    await io.hset("long", "f", "x".repeat(65))
    expect(await io.object("ENCODING", "long")).toBe("hashtable")
  })

  it("COPY makes an independent deep copy", async () => {
    await io.hset("h", "a", "1")
    expect(await io.copy("h", "h2")).toBe(1)
    await io.hset("h2", "b", "2")
    expect(await io.hgetall("h")).toEqual({ a: "1" })
    expect(await io.hgetall("h2")).toEqual({ a: "1", b: "2" })
    expect(s.server.keyspace.lookup(0, "h2")?.value).toBeInstanceOf(HashValue)
  })

  it("SCAN TYPE hash finds hashes only", async () => {
    await io.hset("h", "a", "1")
    await io.set("str", "v")
    await io.sadd("set", "m")
    expect(await io.scan(0, "TYPE", "hash")).toEqual(["0", ["h"]])
    expect(await io.scan(0, "TYPE", "set")).toEqual(["0", ["set"]])
  })

  it("WATCH sees hash writes", async () => {
    await io.hset("h", "a", "1")
    const other = new Redis({ port: s.port, host: "127.0.0.1" })
    try {
      await other.watch("h")
      await io.hincrby("h", "a", 1)
      expect(await other.multi().hget("h", "a").exec()).toBe(null)
    } finally {
      other.disconnect()
    }
  })
})

describe("hash and set commands through a module's ctx.call", () => {
  it("HSET/HGETALL/SADD/SMEMBERS as Valkey's module tests use them", async () => {
    const { modulePath, startModuleServer } = await import("./support/moduleServer.js")
    const s = await startModuleServer({ modules: { load: [{ path: modulePath("blockedclient.ts"), args: [] }] } })
    const r = new Redis(s.port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })
    try {
      expect(await r.call("do_rm_call", "hset", "h", "a", "1", "b", "2")).toBe(2)
      expect(await r.call("do_rm_call", "hgetall", "h")).toEqual(["a", "1", "b", "2"])
      expect(await r.call("do_rm_call", "sadd", "s", "3", "1")).toBe(2)
      expect(await r.call("do_rm_call", "smembers", "s")).toEqual(["1", "3"])
      await expect(r.call("do_rm_call", "hget", "s", "a")).rejects.toThrow(WRONGTYPE)
    } finally {
      r.disconnect()
      await s.close()
    }
  })
})
