import { Redis } from "ioredis"
import { createClient } from "redis"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { ListValue } from "../src/keyspace/ListValue.js"
import { RawClient } from "./support/raw.js"
import { type RunningServer, startServer } from "./support/server.js"
import { waitFor } from "./support/waitFor.js"
import { cmd } from "./support/resp.js"

const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"

describe("string commands", () => {
  let s: RunningServer
  let io: Redis
  let node: ReturnType<typeof createClient>
  let raw: RawClient

  /** Sends one command over raw RESP and returns the reply bytes. */
  const send = async (...argv: Array<string>): Promise<string> => {
    raw.take()
    raw.write(Buffer.from(cmd(...argv), "latin1"))
    const text = await raw.until((t) => t.endsWith("\r\n"))
    raw.take()
    return text
  }

  beforeAll(async () => {
    s = await startServer({ limits: { protoMaxBulkLen: 1024 } })
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
  beforeEach(() => s.server.keyspace.flushAll())

  const putList = (key: string) => s.server.keyspace.set(0, key, ListValue.of(["a"]))

  it("GET/SET round-trip binary values through every client", async () => {
    const bytes = Buffer.from([0, 1, 0xff, 0x80, 13, 10])
    expect(await io.set("bin", bytes)).toBe("OK")
    expect(Buffer.compare((await io.getBuffer("bin"))!, bytes)).toBe(0)
    expect(await send("GET", "bin")).toBe("$6\r\n\x00\x01\xff\x80\r\n\r\n")
    expect(await node.set("s", "héllo")).toBe("OK")
    expect(await node.get("s")).toBe("héllo")
    expect(await io.strlen("s")).toBe(6)
    expect(await io.get("missing")).toBe(null)
    expect(await send("GET", "missing")).toBe("$-1\r\n")
  })

  it("SET options: NX, XX, GET, KEEPTTL and the option errors", async () => {
    expect(await io.set("k", "1", "XX")).toBe(null)
    expect(await io.set("k", "1", "NX")).toBe("OK")
    expect(await io.set("k", "2", "NX")).toBe(null)
    expect(await io.set("k", "3", "GET")).toBe("1")
    expect(await send("SET", "k", "4", "NX", "GET")).toBe("$1\r\n3\r\n")
    expect(await send("SET", "k", "v", "NX", "XX")).toBe("-ERR syntax error\r\n")
    expect(await send("SET", "k", "v", "EX", "1", "PX", "1")).toBe("-ERR syntax error\r\n")
    expect(await send("SET", "k", "v", "EX", "10", "KEEPTTL")).toBe("-ERR syntax error\r\n")
    expect(await send("SET", "k", "v", "EX")).toBe("-ERR syntax error\r\n")
    expect(await send("SET", "k", "v", "EX", "0")).toBe("-ERR invalid expire time in 'set' command\r\n")
    expect(await send("SET", "k", "v", "PX", "9223372036854775807")).toBe("-ERR invalid expire time in 'set' command\r\n")
    expect(await send("SET", "k", "v", "EX", "x")).toBe("-ERR value is not an integer or out of range\r\n")
    expect(await send("SETEX", "k", "-1", "v")).toBe("-ERR invalid expire time in 'setex' command\r\n")
    expect(await send("PSETEX", "k", "0", "v")).toBe("-ERR invalid expire time in 'psetex' command\r\n")
    expect(await io.get("k")).toBe("3")
    await io.set("k", "v", "EX", 100)
    await io.set("k", "w", "KEEPTTL")
    expect(await io.ttl("k")).toBe(100)
    await io.set("k", "x")
    expect(await io.ttl("k")).toBe(-1)
  })

  it("SET with a TTL in the past removes the key and still replies OK", async () => {
    await io.set("k", "v")
    expect(await send("SET", "k", "w", "PXAT", "1")).toBe("+OK\r\n")
    expect(await io.exists("k")).toBe(0)
    expect(await send("SET", "k", "w", "EXAT", "1", "GET")).toBe("$-1\r\n")
  })

  it("SET IFEQ and DELIFEQ (Valkey 8.1 / 9.0)", async () => {
    expect(await send("SET", "k", "v", "IFEQ", "x")).toBe("$-1\r\n")
    expect(await io.exists("k")).toBe(0)
    await io.set("k", "v")
    expect(await send("SET", "k", "w", "IFEQ", "x")).toBe("$-1\r\n")
    expect(await send("SET", "k", "w", "IFEQ", "v")).toBe("+OK\r\n")
    expect(await send("SET", "k", "z", "IFEQ", "w", "GET")).toBe("$1\r\nw\r\n")
    expect(await send("SET", "k", "z", "IFEQ", "w", "NX")).toBe("-ERR syntax error\r\n")
    expect(await send("SET", "k", "z", "XX", "IFEQ", "w")).toBe("-ERR syntax error\r\n")
    putList("l")
    expect(await send("SET", "l", "z", "IFEQ", "w")).toBe(`-${WRONGTYPE}\r\n`)
    expect(await send("DELIFEQ", "k", "nope")).toBe(":0\r\n")
    expect(await send("DELIFEQ", "k", "z")).toBe(":1\r\n")
    expect(await send("DELIFEQ", "k", "z")).toBe(":0\r\n")
    expect(await send("DELIFEQ", "l", "z")).toBe(`-${WRONGTYPE}\r\n`)
  })

  it("expires keys set with PX, observed lazily and by the active cycle", async () => {
    await io.set("lazy", "v", "PX", 30)
    await node.sendCommand(["SET", "active", "v", "PX", "30"])
    await waitFor("lazy key to expire", async () => (await io.get("lazy")) === null)
    expect(await io.exists("lazy")).toBe(0)
    // Nobody touches "active": the active expiry cycle removes it.
    await waitFor("active expiry", () => s.server.keyspace.dbs[0].raw("active") === undefined)
    await io.psetex("p", 30, "v")
    await waitFor("PSETEX key to expire", async () => (await io.exists("p")) === 0)
  })

  it("SETNX, GETSET, GETDEL, MGET, MSET, MSETNX", async () => {
    expect(await io.setnx("k", "1")).toBe(1)
    expect(await io.setnx("k", "2")).toBe(0)
    expect(await io.getset("k", "3")).toBe("1")
    expect(await node.getDel("k")).toBe("3")
    expect(await node.getDel("k")).toBe(null)
    expect(await io.mset("a", "1", "b", "2")).toBe("OK")
    putList("l")
    expect(await io.mget("a", "b", "c", "l")).toEqual(["1", "2", null, null])
    expect(await io.msetnx("a", "9", "z", "9")).toBe(0)
    expect(await io.exists("z")).toBe(0)
    expect(await io.msetnx("y", "8", "z", "9")).toBe(1)
    expect(await send("MSET", "a", "1", "b")).toBe("-ERR wrong number of arguments for 'mset' command\r\n")
    expect(await send("MSETNX", "a")).toBe("-ERR wrong number of arguments for 'msetnx' command\r\n")
    expect(await send("GETSET", "l", "x")).toBe(`-${WRONGTYPE}\r\n`)
    expect(await send("GETDEL", "l")).toBe(`-${WRONGTYPE}\r\n`)
    expect(await send("GET", "l")).toBe(`-${WRONGTYPE}\r\n`)
  })

  it("GETEX sets and clears TTLs", async () => {
    await io.set("k", "v")
    expect(await node.sendCommand(["GETEX", "k", "EX", "100"])).toBe("v")
    expect(await io.ttl("k")).toBe(100)
    expect(await io.getex("k", "PERSIST")).toBe("v")
    expect(await io.ttl("k")).toBe(-1)
    expect(await send("GETEX", "k", "PXAT", "4102444800000")).toBe("$1\r\nv\r\n")
    expect(await io.pexpiretime("k")).toBe(4102444800000)
    expect(await send("GETEX", "k", "EXAT", "1")).toBe("$1\r\nv\r\n")
    expect(await io.exists("k")).toBe(0)
    expect(await send("GETEX", "missing", "EX", "0")).toBe("-ERR invalid expire time in 'getex' command\r\n")
    expect(await send("GETEX", "k", "KEEPTTL")).toBe("-ERR syntax error\r\n")
    expect(await send("GETEX", "k", "PERSIST", "EX", "1")).toBe("-ERR syntax error\r\n")
    await io.set("short", "v")
    expect(await io.getex("short", "PX", 30)).toBe("v")
    await waitFor("GETEX PX to expire the key", async () => (await io.get("short")) === null)
  })

  it("APPEND, STRLEN, GETRANGE, SETRANGE and proto-max-bulk-len", async () => {
    expect(await io.append("k", "hello")).toBe(5)
    expect(await io.append("k", " world")).toBe(11)
    expect(await io.getrange("k", 0, 4)).toBe("hello")
    expect(await io.getrange("k", -5, -1)).toBe("world")
    expect(await io.getrange("k", 5, 3)).toBe("")
    expect(await send("SUBSTR", "k", "0", "0")).toBe("$1\r\nh\r\n")
    expect(await io.setrange("k", 6, "WORLD")).toBe(11)
    expect(await io.setrange("pad", 3, "x")).toBe(4)
    expect(await send("GET", "pad")).toBe("$4\r\n\x00\x00\x00x\r\n")
    expect(await io.setrange("none", 5, "")).toBe(0)
    expect(await io.exists("none")).toBe(0)
    expect(await send("SETRANGE", "k", "-1", "x")).toBe("-ERR offset is out of range\r\n")
    // This server runs with proto-max-bulk-len 1024.
    expect(await send("SETRANGE", "k", "1020", "xxxxx")).toBe("-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n")
    expect(await send("APPEND", "k", "x".repeat(1020))).toBe("-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n")
    expect(await io.strlen("k")).toBe(11)
    putList("l")
    expect(await send("APPEND", "l", "x")).toBe(`-${WRONGTYPE}\r\n`)
    expect(await send("STRLEN", "l")).toBe(`-${WRONGTYPE}\r\n`)
    expect(await send("GETRANGE", "l", "0", "1")).toBe(`-${WRONGTYPE}\r\n`)
    expect(await send("SETRANGE", "l", "0", "x")).toBe(`-${WRONGTYPE}\r\n`)
  })

  it("INCR family with int64 limits", async () => {
    expect(await io.incr("n")).toBe(1)
    expect(await io.incrby("n", 10)).toBe(11)
    expect(await io.decr("n")).toBe(10)
    expect(await node.decrBy("n", 20)).toBe(-10)
    await io.set("big", "9223372036854775806")
    expect(await send("INCR", "big")).toBe(":9223372036854775807\r\n")
    expect(await send("INCR", "big")).toBe("-ERR increment or decrement would overflow\r\n")
    expect(await send("DECRBY", "n", "-9223372036854775808")).toBe("-ERR decrement would overflow\r\n")
    expect(await send("INCRBY", "n", "1.5")).toBe("-ERR value is not an integer or out of range\r\n")
    await io.set("s", "01")
    expect(await send("INCR", "s")).toBe("-ERR value is not an integer or out of range\r\n")
    await io.set("t", "5", "EX", 100)
    expect(await io.incr("t")).toBe(6)
    expect(await io.ttl("t")).toBe(100)
    putList("l")
    expect(await send("INCR", "l")).toBe(`-${WRONGTYPE}\r\n`)
  })

  it("INCRBYFLOAT computes and prints like Valkey's long double", async () => {
    expect(await io.incrbyfloat("f", "0.1")).toBe("0.1")
    expect(await io.incrbyfloat("f", "0.2")).toBe("0.3")
    expect(await node.incrByFloat("f", 10.5)).toBe("10.8")
    expect(await io.incrbyfloat("g", "5.0e3")).toBe("5000")
    expect(await io.incrbyfloat("h", "1.23456789012345678901")).toBe("1.23456789012345679")
    expect(await send("INCRBYFLOAT", "x", "abc")).toBe("-ERR value is not a valid float\r\n")
    expect(await send("INCRBYFLOAT", "x", "nan")).toBe("-ERR value is not a valid float\r\n")
    expect(await send("INCRBYFLOAT", "x", "inf")).toBe("-ERR increment would produce NaN or Infinity\r\n")
    expect(await io.exists("x")).toBe(0)
    await io.set("s", "abc")
    expect(await send("INCRBYFLOAT", "s", "1")).toBe("-ERR value is not a valid float\r\n")
  })
})
