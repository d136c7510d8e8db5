import { Redis } from "ioredis"
import { createClient } from "redis"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import type { InProcessClient } from "../src/server/InProcessClient.js"
import { InProcessServer, show } from "./support/inProcessServer.js"
import { RawClient } from "./support/raw.js"
import { type RunningServer, startServer } from "./support/server.js"

describe("server commands (in process)", () => {
  let s: InProcessServer
  let r: InProcessClient
  const run = (...argv: Array<string>) => show(s.run(r, ...argv))
  beforeEach(() => {
    s = new InProcessServer()
    r = s.client()
  })

  it("DBSIZE counts the keys of the selected database", () => {
    expect(run("DBSIZE")).toBe(0)
    run("SET", "a", "1")
    run("SET", "b", "1")
    expect(run("DBSIZE")).toBe(2)
    run("SELECT", "1")
    expect(run("DBSIZE")).toBe(0)
    expect(run("DBSIZE", "x")).toBe("-ERR wrong number of arguments for 'dbsize' command")
  })

  it("FLUSHDB empties only the selected database; FLUSHALL empties all", () => {
    run("SET", "a", "1")
    run("SELECT", "1")
    run("SET", "b", "1")
    expect(run("FLUSHDB")).toBe("+OK")
    expect(run("DBSIZE")).toBe(0)
    run("SELECT", "0")
    expect(run("DBSIZE")).toBe(1)
    run("SELECT", "2")
    run("SET", "c", "1")
    expect(run("FLUSHALL")).toBe("+OK")
    for (const db of s.server.keyspace.dbs) expect(db.size).toBe(0)
  })

  it("FLUSHDB/FLUSHALL accept ASYNC or SYNC and nothing else", () => {
    expect(run("FLUSHDB", "async")).toBe("+OK")
    expect(run("FLUSHDB", "SYNC")).toBe("+OK")
    expect(run("FLUSHALL", "ASYNC")).toBe("+OK")
    expect(run("FLUSHDB", "foo")).toBe("-ERR syntax error")
    expect(run("FLUSHALL", "async", "sync")).toBe("-ERR syntax error")
  })

  it("FLUSHDB keeps TTL bookkeeping consistent", () => {
    run("SET", "a", "1")
    s.expireIn(0, "a", 1000)
    run("FLUSHDB")
    expect(s.server.keyspace.dbs[0].volatileCount).toBe(0)
    run("SET", "a", "2")
    expect(run("GET", "a")).toBe("2")
  })

  it("SWAPDB swaps the contents of two databases", () => {
    run("SET", "k", "in0")
    run("SELECT", "1")
    run("SET", "k", "in1")
    run("SET", "k2", "x")
    expect(run("SWAPDB", "0", "1")).toBe("+OK")
    expect(run("GET", "k")).toBe("in0")
    expect(run("DBSIZE")).toBe(1)
    run("SELECT", "0")
    expect(run("GET", "k")).toBe("in1")
    expect(run("DBSIZE")).toBe(2)
    expect(run("SWAPDB", "0", "0")).toBe("+OK")
    expect(run("GET", "k")).toBe("in1")
  })

  it("SWAPDB replies Valkey's errors", () => {
    expect(run("SWAPDB", "a", "1")).toBe("-ERR invalid first DB index")
    expect(run("SWAPDB", "1", "b")).toBe("-ERR invalid second DB index")
    expect(run("SWAPDB", "1", "99")).toBe("-ERR DB index is out of range")
    expect(run("SWAPDB", "-1", "0")).toBe("-ERR DB index is out of range")
    expect(run("SWAPDB", "0", "16")).toBe("-ERR DB index is out of range")
    expect(run("SWAPDB", "99999999999", "0")).toBe("-ERR invalid first DB index")
    expect(run("SWAPDB", "0")).toBe("-ERR wrong number of arguments for 'swapdb' command")
  })

  it("TIME reports the server clock as seconds and microseconds", () => {
    s.time = 1_700_000_123_456
    expect(run("TIME")).toEqual(["1700000123", "456000"])
  })

  it("LASTSAVE is the start time until something is saved", () => {
    expect(run("LASTSAVE")).toBe(Math.floor(s.server.startedAt / 1000))
  })

  it("DEBUG HELP, SLEEP, SET-ACTIVE-EXPIRE, ERROR and unknown subcommands", () => {
    const help = run("DEBUG", "HELP") as Array<string>
    expect(help[0]).toBe("+DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
    expect(help.at(-2)).toBe("+HELP")
    expect(help.at(-1)).toBe("+    Print this help.")
    expect(run("DEBUG", "SLEEP", "0")).toBe("+OK")
    expect(run("DEBUG", "sleep", "abc")).toBe("+OK")
    expect(run("DEBUG", "SLEEP")).toBe("-ERR unknown subcommand or wrong number of arguments for 'SLEEP'. Try DEBUG HELP.")
    expect(run("DEBUG", "foo")).toBe("-ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP.")
    expect(run("DEBUG", "SET-ACTIVE-EXPIRE", "0")).toBe("+OK")
    expect(s.server.keyspace.activeExpire).toBe(false)
    expect(run("DEBUG", "SET-ACTIVE-EXPIRE", "1")).toBe("+OK")
    expect(s.server.keyspace.activeExpire).toBe(true)
    expect(run("DEBUG", "ERROR", "MYERR custom")).toBe("-MYERR custom")
    expect(run("DEBUG", "PROTOCOL", "integer")).toBe(12345)
  })

  it("DEBUG OBJECT shows the encoding", () => {
    run("SET", "n", "12345")
    run("SET", "s", "hello")
    // lru is the LRU clock (seconds, 24 bits) of the last access; "12345" serializes as an INT16 (3 bytes).
    expect(run("DEBUG", "OBJECT", "n")).toMatch(/^\+Value at:0x0 refcount:1 encoding:int serializedlength:3 lru:\d+ lru_seconds_idle:0$/)
    expect(run("DEBUG", "OBJECT", "s")).toMatch(/^\+Value at:0x0 refcount:1 encoding:embstr /)
    expect(run("DEBUG", "OBJECT", "missing")).toBe("-ERR no such key")
  })

  it("errorstats stop after 128 distinct error codes until stats are reset", () => {
    for (let i = 0; i < 128; i++) run("DEBUG", "ERROR", `E${i} x`)
    expect(s.server.stats.errors.size).toBe(128)
    run("DEBUG", "ERROR", "ONEMORE x")
    expect(Array.from(s.server.stats.errors)).toEqual([["ERRORSTATS_DISABLED", 1]])
    run("DEBUG", "ERROR", "E1 x")
    expect(Array.from(s.server.stats.errors)).toEqual([["ERRORSTATS_DISABLED", 1]])
    expect(s.server.stats.totalErrorReplies).toBe(130)
    s.server.resetStats()
    run("DEBUG", "ERROR", "E1 x")
    expect(Array.from(s.server.stats.errors)).toEqual([["E1", 1]])
  })

  it("active expiry is off after DEBUG SET-ACTIVE-EXPIRE 0, lazy expiry still works", () => {
    run("SET", "a", "1")
    s.expireIn(0, "a", 10)
    s.advance(20)
    run("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    expect(s.server.keyspace.activeExpireCycle()).toBe(0)
    expect(run("DBSIZE")).toBe(1)
    expect(run("GET", "a")).toBe(null)
    expect(run("DBSIZE")).toBe(0)
  })

  it("SHUTDOWN argument errors", () => {
    expect(run("SHUTDOWN", "foo")).toBe("-ERR syntax error")
    expect(run("SHUTDOWN", "NOSAVE", "SAVE")).toBe("-ERR syntax error")
    expect(run("SHUTDOWN", "ABORT", "NOW")).toBe("-ERR syntax error")
    expect(run("SHUTDOWN", "ABORT")).toBe("-ERR No shutdown in progress.")
  })

  it("SHUTDOWN closes every client and calls the shutdown handler", () => {
    let called = 0
    s.server.hooks.shutdown.addHook(() => called++)
    const other = s.client()
    s.server.dispatcher.processCommand(r.client, ["SHUTDOWN", "NOSAVE", "NOW"])
    expect(called).toBe(1)
    expect(r.client.closed).toBe(true)
    expect(other.client.closed).toBe(true)
    expect(s.server.clients.size).toBe(0)
    expect(r.client.replies).toEqual([])
  })
})

describe("server commands over TCP", () => {
  let s: RunningServer
  beforeAll(async () => {
    s = await startServer()
  })
  afterAll(() => s.close())

  it("exact bytes for DBSIZE, FLUSHALL, SWAPDB errors and TIME", async () => {
    const c = await RawClient.connect(s.port)
    expect(await c.request("FLUSHALL\r\nSET a 1\r\nDBSIZE\r\n", "+OK\r\n+OK\r\n:1\r\n")).toBe("+OK\r\n+OK\r\n:1\r\n")
    const errors = "-ERR invalid first DB index\r\n-ERR DB index is out of range\r\n"
    expect(await c.request("SWAPDB x 1\r\nSWAPDB 0 100\r\n", errors)).toBe(errors)
    c.write("TIME\r\n")
    const time = await c.until((t) => /^\*2\r\n\$\d+\r\n\d+\r\n\$\d+\r\n\d+\r\n$/.test(t))
    expect(time).toMatch(/^\*2\r\n\$10\r\n\d{10}\r\n\$\d+\r\n\d+\r\n$/)
    c.close()
  })

  it("ioredis and node-redis see the server commands", async () => {
    const io = new Redis({ port: s.port, host: "127.0.0.1" })
    await io.flushall()
    await io.set("x", "1")
    expect(await io.dbsize()).toBe(1)
    expect(await io.swapdb(0, 1)).toBe("OK")
    expect(await io.dbsize()).toBe(0)
    const [sec, usec] = await io.time()
    expect(Number(sec)).toBeGreaterThan(1_600_000_000)
    expect(Number(usec)).toBeLessThan(1_000_000)
    io.disconnect()

    const nr = createClient({ socket: { port: s.port, host: "127.0.0.1" } })
    await nr.connect()
    await nr.select(1)
    expect(await nr.dbSize()).toBe(1)
    expect(await nr.flushDb()).toBe("OK")
    expect(await nr.dbSize()).toBe(0)
    await nr.quit()
  })

  it("SHUTDOWN over TCP closes the connection without a reply", async () => {
    const own = await startServer()
    let called = false
    own.server.hooks.shutdown.addHook(() => {
      called = true
    })
    const c = await RawClient.connect(own.port)
    const bystander = await RawClient.connect(own.port)
    c.write("SHUTDOWN\r\n")
    const text = await c.until(() => false, 5000).catch(() => "timeout")
    expect(text).toBe("")
    expect(c.closed).toBe(true)
    await bystander.until(() => false, 5000).catch(() => "")
    expect(bystander.closed).toBe(true)
    expect(called).toBe(true)
    await own.close()
  })
})
