import { Redis } from "ioredis"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { RawClient } from "./support/raw.js"
import { cmd } from "./support/resp.js"
import { type RunningServer, startServer } from "./support/server.js"
import { waitFor } from "./support/waitFor.js"

type Entry = [number, number, number, Array<string>, string, string]

describe("SLOWLOG (slowlog.c)", () => {
  let s: RunningServer
  let r: Redis
  beforeAll(async () => {
    s = await startServer()
    r = new Redis(s.port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })
    await r.call("CLIENT", "SETNAME", "admin")
  })
  afterAll(async () => {
    r.disconnect()
    await s.close()
  })
  beforeEach(async () => {
    await r.call("CONFIG", "SET", "slowlog-log-slower-than", "0", "slowlog-max-len", "128")
    await r.call("SLOWLOG", "RESET")
  })
  const get = async (...args: Array<string>) => (await r.call("SLOWLOG", "GET", ...args)) as Array<Entry>
  const argvs = (entries: Array<Entry>) => entries.map((e) => e[3])

  it("HELP and argument errors, with Valkey's texts", async () => {
    const c = await RawClient.connect(s.port)
    const help =
      "*12\r\n" +
      [
        "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        "HELP",
        "    Print this help."
      ]
        .map((l) => `+${l}\r\n`)
        .join("")
    expect(await c.request(cmd("SLOWLOG", "HELP"), help)).toBe(help)
    const cases: Array<[Array<string>, string]> = [
      [["SLOWLOG", "GET", "-2"], "-ERR count should be greater than or equal to -1\r\n"],
      [["SLOWLOG", "GET", "abc"], "-ERR count should be greater than or equal to -1\r\n"],
      [["SLOWLOG", "GET", "1", "2"], "-ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.\r\n"],
      [["SLOWLOG", "LEN", "x"], "-ERR wrong number of arguments for 'slowlog|len' command\r\n"],
      [["SLOWLOG", "RESET", "x"], "-ERR wrong number of arguments for 'slowlog|reset' command\r\n"],
      [["SLOWLOG", "FOO"], "-ERR unknown subcommand 'FOO'. Try SLOWLOG HELP.\r\n"],
      [["SLOWLOG"], "-ERR wrong number of arguments for 'slowlog' command\r\n"]
    ]
    for (const [argv, expected] of cases) expect(await c.request(cmd(...argv), expected)).toBe(expected)
    c.close()
  })

  it("an entry: id, unix time, microseconds, argv, client addr, client name", async () => {
    const other = new Redis(s.port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })
    await other.set("k", "v")
    const addr = `127.0.0.1:${other.stream.localPort}`
    const before = Math.floor(Date.now() / 1000)
    await other.call("CLIENT", "SETNAME", "worker")
    await other.call("ECHO", "hi")
    const after = Math.floor(Date.now() / 1000)
    const [echo, setname] = await get("2")
    expect(echo[3]).toEqual(["ECHO", "hi"])
    expect(echo[4]).toBe(addr)
    expect(echo[5]).toBe("worker")
    expect(setname[3]).toEqual(["CLIENT", "SETNAME", "worker"])
    // The name is read when the command completes: SETNAME's own entry has it.
    expect(setname[5]).toBe("worker")
    expect(echo[0]).toBe(setname[0] + 1)
    expect(echo[1]).toBeGreaterThanOrEqual(before)
    expect(echo[1]).toBeLessThanOrEqual(after)
    expect(Number.isInteger(echo[2]) && echo[2] >= 0).toBe(true)
    other.disconnect()
  })

  it("RESET empties the log (RESET itself is then logged); GET's count: default 10, -1 all, 0 none", async () => {
    expect(await r.call("SLOWLOG", "LEN")).toBe(1)
    expect(argvs(await get())).toEqual([["SLOWLOG", "LEN"], ["SLOWLOG", "RESET"]])
    for (let i = 0; i < 12; i++) await r.call("ECHO", String(i))
    expect(await r.call("SLOWLOG", "LEN")).toBe(15)
    const ten = await get()
    expect(ten.length).toBe(10)
    expect(ten[0][3]).toEqual(["SLOWLOG", "LEN"])
    expect(ten[1][3]).toEqual(["ECHO", "11"])
    expect((await get("-1")).length).toBe(17)
    expect(await get("0")).toEqual([])
    // Ids go on after RESET.
    const last = (await get("1"))[0][0]
    await r.call("SLOWLOG", "RESET")
    expect((await get("1"))[0][0]).toBe(last + 2)
  })

  it("long arguments are cut at 128 bytes and argv at 32 entries", async () => {
    await r.set("long", "a".repeat(200))
    const args = Array.from({ length: 40 }, (_, i) => String(i + 1))
    await r.rpush("list", ...args)
    const [rpush, set] = await get("2")
    expect(set[3]).toEqual(["set", "long", "a".repeat(128) + "... (72 more bytes)"])
    expect(rpush[3]).toEqual(["rpush", "list", ...args.slice(0, 29), "... (11 more arguments)"])
    expect(rpush[3].length).toBe(32)
  })

  it("slowlog-log-slower-than: negative disables, a high threshold logs nothing; read live", async () => {
    await r.call("CONFIG", "SET", "slowlog-log-slower-than", "-1")
    await r.call("SLOWLOG", "RESET")
    await r.call("ECHO", "x")
    expect(await r.call("SLOWLOG", "LEN")).toBe(0)
    await r.call("CONFIG", "SET", "slowlog-log-slower-than", "10000000")
    await r.call("ECHO", "x")
    expect(await r.call("SLOWLOG", "LEN")).toBe(0)
    await r.call("CONFIG", "SET", "slowlog-log-slower-than", "0")
    // The CONFIG SET itself completes with the new threshold.
    expect(argvs(await get())).toEqual([["CONFIG", "SET", "slowlog-log-slower-than", "0"]])
  })

  it("slowlog-max-len keeps the newest entries; 0 logs nothing", async () => {
    await r.call("CONFIG", "SET", "slowlog-max-len", "3")
    for (let i = 0; i < 5; i++) await r.call("ECHO", String(i))
    expect(await r.call("SLOWLOG", "LEN")).toBe(3)
    expect(argvs(await get())).toEqual([["SLOWLOG", "LEN"], ["ECHO", "4"], ["ECHO", "3"]])
    await r.call("CONFIG", "SET", "slowlog-max-len", "0")
    await r.call("SLOWLOG", "RESET")
    await r.call("ECHO", "x")
    expect(await r.call("SLOWLOG", "LEN")).toBe(0)
  })

  it("EXEC (skip_slowlog) is not logged, the commands it ran are; passwords are redacted", async () => {
    const c = await RawClient.connect(s.port)
    const exec = "+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n"
    expect(await c.request(cmd("MULTI") + cmd("SET", "a", "1") + cmd("EXEC"), exec)).toBe(exec)
    const auth = "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n"
    expect(await c.request(cmd("AUTH", "secret"), auth)).toBe(auth)
    const noauth = "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    expect(await c.request(cmd("HELLO", "2", "AUTH", "user", "pw"), noauth)).toBe(noauth)
    c.close()
    await r.call("CONFIG", "SET", "requirepass", "")
    expect(argvs(await get())).toEqual([
      ["CONFIG", "SET", "requirepass", "(redacted)"],
      ["HELLO", "2", "AUTH", "(redacted)", "(redacted)"],
      ["AUTH", "(redacted)"],
      ["SET", "a", "1"],
      ["MULTI"],
      ["SLOWLOG", "RESET"]
    ])
  })

  it("a blocked BLPOP is logged once, when it completes", async () => {
    const c = await RawClient.connect(s.port)
    expect(await c.request(cmd("BLPOP", "nolist", "0.01"), "*-1\r\n")).toBe("*-1\r\n")
    const c2 = await RawClient.connect(s.port)
    c.write(cmd("BLPOP", "served", "0"))
    await waitFor("one blocked client", () => s.server.blockedClients === 1)
    expect(await c2.request(cmd("RPUSH", "served", "x"), ":1\r\n")).toBe(":1\r\n")
    expect(await c.until((t) => t.endsWith("x\r\n"))).toBe("*2\r\n$6\r\nserved\r\n$1\r\nx\r\n")
    expect(argvs(await get())).toEqual([
      ["BLPOP", "served", "0"],
      ["RPUSH", "served", "x"],
      ["BLPOP", "nolist", "0.01"],
      ["SLOWLOG", "RESET"]
    ])
    c.close()
    c2.close()
  })
})

