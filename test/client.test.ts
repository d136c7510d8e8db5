import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RawClient } from "./support/raw.js"
import { cmd } from "./support/resp.js"
import { type RunningServer, startServer } from "./support/server.js"
import { waitFor } from "./support/waitFor.js"

/** The body of a bulk reply (`$n\r\n...\r\n`). */
const bulkBody = (reply: string): string => reply.slice(reply.indexOf("\r\n") + 2, -2)

const request = async (c: RawClient, ...args: Array<string>): Promise<string> => {
  c.take()
  c.write(cmd(...args))
  // Wait for one whole reply: a line, or a bulk whose announced length has arrived.
  return c.until((t) => {
    if (!t.endsWith("\r\n")) return false
    if (t[0] !== "$" && t[0] !== "=") return true
    const n = Number(t.slice(1, t.indexOf("\r\n")))
    return n < 0 || t.length >= t.indexOf("\r\n") + 2 + n + 2
  })
}

const FIELDS = [
  "id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub", "ssub", "multi", "watch", "qbuf",
  "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll", "omem", "tot-mem", "events", "cmd", "user", "redir",
  "resp", "lib-name", "lib-ver", "tot-net-in", "tot-net-out", "tot-cmds"
]

const parseLine = (line: string): Record<string, string> =>
  Object.fromEntries(line.split(" ").map((field) => [field.slice(0, field.indexOf("=")), field.slice(field.indexOf("=") + 1)]))

describe("CLIENT", () => {
  let s: RunningServer
  beforeAll(async () => {
    s = await startServer()
  })
  afterAll(() => s.close())

  it("CLIENT ID, SETNAME, GETNAME, SETINFO", async () => {
    const c = await RawClient.connect(s.port)
    const id = Number((await request(c, "CLIENT", "ID")).slice(1))
    expect(s.server.clients.get(id)).toBeDefined()
    expect(await request(c, "CLIENT", "GETNAME")).toBe("$-1\r\n")
    expect(await request(c, "CLIENT", "SETNAME", "worker-1")).toBe("+OK\r\n")
    expect(await request(c, "CLIENT", "GETNAME")).toBe("$8\r\nworker-1\r\n")
    expect(await request(c, "CLIENT", "SETNAME", "a b")).toBe(
      "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
    )
    expect(await request(c, "CLIENT", "SETNAME", "a\nb")).toBe(
      "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
    )
    expect(await request(c, "CLIENT", "SETNAME", "")).toBe("+OK\r\n")
    expect(await request(c, "CLIENT", "GETNAME")).toBe("$-1\r\n")
    expect(await request(c, "CLIENT", "SETINFO", "LIB-NAME", "mylib")).toBe("+OK\r\n")
    expect(await request(c, "CLIENT", "SETINFO", "lib-ver", "1.2.3")).toBe("+OK\r\n")
    expect(await request(c, "CLIENT", "SETINFO", "lib-foo", "x")).toBe("-ERR Unrecognized option 'lib-foo'\r\n")
    expect(await request(c, "CLIENT", "SETINFO", "LIB-NAME", "a b")).toBe(
      "-ERR LIB-NAME cannot contain spaces, newlines or special characters.\r\n"
    )
    expect(await request(c, "CLIENT", "NO-EVICT", "maybe")).toBe("-ERR syntax error\r\n")
    expect(await request(c, "CLIENT", "NO-TOUCH", "on")).toBe("+OK\r\n")
    expect(await request(c, "CLIENT", "NOSUCH")).toBe("-ERR unknown subcommand 'NOSUCH'. Try CLIENT HELP.\r\n")
    expect(await request(c, "CLIENT")).toBe("-ERR wrong number of arguments for 'client' command\r\n")
    const info = parseLine(bulkBody(await request(c, "CLIENT", "INFO")).trimEnd())
    expect(info["lib-name"]).toBe("mylib")
    expect(info["lib-ver"]).toBe("1.2.3")
    expect(info.flags).toBe("T")
    c.close()
  })

  it("CLIENT INFO has Valkey 8's fields in order", async () => {
    const c = await RawClient.connect(s.port)
    const id = Number((await request(c, "CLIENT", "ID")).slice(1))
    await request(c, "SELECT", "3")
    const body = bulkBody(await request(c, "CLIENT", "INFO"))
    expect(body.endsWith("\n")).toBe(true)
    const line = body.slice(0, -1)
    expect(line.split(" ").map((f) => f.slice(0, f.indexOf("=")))).toEqual(FIELDS)
    const info = parseLine(line)
    expect(info.id).toBe(String(id))
    expect(info.addr).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(info.laddr).toBe(`127.0.0.1:${s.port}`)
    expect(info.flags).toBe("N")
    expect(info.db).toBe("3")
    expect(info.multi).toBe("-1")
    expect(info["argv-mem"]).toBe("10")
    expect(info.cmd).toBe("client|info")
    expect(info.user).toBe("default")
    expect(info.resp).toBe("2")
    expect(info["tot-cmds"]).toBe("3")
    expect(Number(info["tot-net-in"])).toBeGreaterThan(0)
    c.close()
  })

  it("CLIENT LIST shows every client, filters by TYPE and ID, and shows x and b flags", async () => {
    const a = await RawClient.connect(s.port)
    const b = await RawClient.connect(s.port)
    const idA = Number((await request(a, "CLIENT", "ID")).slice(1))
    const idB = Number((await request(b, "CLIENT", "ID")).slice(1))
    await request(b, "MULTI")
    await request(b, "SET", "x", "1")
    const all = bulkBody(await request(a, "CLIENT", "LIST")).trimEnd().split("\n").map(parseLine)
    expect(all.map((l) => Number(l.id))).toEqual(expect.arrayContaining([idA, idB]))
    expect(all.find((l) => Number(l.id) === idB)!.flags).toBe("x")
    expect(all.find((l) => Number(l.id) === idB)!.multi).toBe("1")
    expect(all.find((l) => Number(l.id) === idA)!.cmd).toBe("client|list")
    await request(b, "DISCARD")
    b.write(cmd("BLPOP", "never-pushed", "0"))
    await waitFor("B to block", () => s.server.clients.get(idB)!.isBlocked)
    const only = bulkBody(await request(a, "CLIENT", "LIST", "ID", String(idB), "999999")).trimEnd().split("\n")
    expect(only.length).toBe(1)
    expect(parseLine(only[0]).flags).toBe("b")
    expect(parseLine(only[0]).cmd).toBe("blpop")
    expect(await request(a, "CLIENT", "LIST", "TYPE", "pubsub")).toBe("$0\r\n\r\n")
    expect(bulkBody(await request(a, "CLIENT", "LIST", "TYPE", "normal")).split("\n").length).toBe(s.server.clients.size + 1)
    expect(await request(a, "CLIENT", "LIST", "TYPE", "bogus")).toBe("-ERR Unknown client type 'bogus'\r\n")
    expect(await request(a, "CLIENT", "LIST", "ID", "x")).toBe("-ERR Invalid client ID\r\n")
    expect(await request(a, "CLIENT", "LIST", "foo")).toBe("-ERR syntax error\r\n")
    a.close()
    b.close()
  })

  it("CLIENT LIST is a verbatim string in RESP3", async () => {
    const c = await RawClient.connect(s.port)
    await request(c, "HELLO", "3")
    const reply = await request(c, "CLIENT", "INFO")
    expect(reply).toMatch(/^=\d+\r\ntxt:id=\d+ /)
    c.close()
  })

  it("CLIENT KILL by address (old form), by filters, and itself", async () => {
    const killer = await RawClient.connect(s.port)
    const victim = await RawClient.connect(s.port)
    const victimId = Number((await request(victim, "CLIENT", "ID")).slice(1))
    const victimAddr = s.server.clients.get(victimId)!.addr
    expect(await request(killer, "CLIENT", "KILL", "1.2.3.4:5")).toBe("-ERR No such client\r\n")
    expect(await request(killer, "CLIENT", "KILL", victimAddr)).toBe("+OK\r\n")
    await victim.until(() => false, 2000).catch(() => "")
    expect(victim.closed).toBe(true)

    const v2 = await RawClient.connect(s.port)
    const v2Id = Number((await request(v2, "CLIENT", "ID")).slice(1))
    expect(await request(killer, "CLIENT", "KILL", "ID", "999999")).toBe(":0\r\n")
    expect(await request(killer, "CLIENT", "KILL", "ID", String(v2Id), "SKIPME", "yes")).toBe(":1\r\n")
    await v2.until(() => false, 2000).catch(() => "")
    expect(v2.closed).toBe(true)

    expect(await request(killer, "CLIENT", "KILL", "ID", "0")).toBe("-ERR client-id should be greater than 0\r\n")
    expect(await request(killer, "CLIENT", "KILL", "MAXAGE", "x")).toBe("-ERR maxage is not an integer or out of range\r\n")
    expect(await request(killer, "CLIENT", "KILL", "MAXAGE", "0")).toBe("-ERR maxage should be greater than 0\r\n")
    expect(await request(killer, "CLIENT", "KILL", "TYPE", "bogus")).toBe("-ERR Unknown client type 'bogus'\r\n")
    expect(await request(killer, "CLIENT", "KILL", "USER", "bob")).toBe("-ERR No such user 'bob'\r\n")
    expect(await request(killer, "CLIENT", "KILL", "SKIPME", "maybe")).toBe("-ERR syntax error\r\n")
    // Three arguments are the old form: "ID" is taken as an address.
    expect(await request(killer, "CLIENT", "KILL", "ID")).toBe("-ERR No such client\r\n")
    expect(await request(killer, "CLIENT", "KILL", "ID", "1", "SKIPME")).toBe("-ERR syntax error\r\n")
    expect(await request(killer, "CLIENT", "KILL", "ID", "1", "FOO", "x")).toBe("-ERR syntax error\r\n")
    // A client older than an hour: none.
    expect(await request(killer, "CLIENT", "KILL", "MAXAGE", "3600")).toBe(":0\r\n")

    // LADDR with SKIPME no kills the caller too, after its reply.
    const others = s.server.clients.size
    killer.take()
    killer.write(cmd("CLIENT", "KILL", "LADDR", `127.0.0.1:${s.port}`, "SKIPME", "no"))
    const text = await killer.until(() => false, 2000).catch(() => "")
    expect(text).toBe(`:${others}\r\n`)
    expect(killer.closed).toBe(true)
  })

  it("CLIENT HELP lists the subcommands as status lines", async () => {
    const c = await RawClient.connect(s.port)
    c.write(cmd("CLIENT", "HELP"))
    const all = await c.until((t) => t.includes("+    Print this help.\r\n"))
    expect(all.startsWith("*58\r\n")).toBe(true)
    expect(all.startsWith("*")).toBe(true)
    expect(all).toContain("+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n")
    expect(all).toContain("+HELP\r\n+    Print this help.\r\n")
    c.close()
  })

  // ioredis runs INFO as its ready check; INFO belongs to the server family, so it is off here.
  it("ioredis sees CLIENT commands", async () => {
    const redis = new Redis({ port: s.port, host: "127.0.0.1", lazyConnect: true, enableReadyCheck: false })
    await redis.connect()
    try {
      expect(await redis.client("SETNAME", "io")).toBe("OK")
      expect(await redis.client("GETNAME")).toBe("io")
      const list = (await redis.client("LIST")) as string
      expect(list).toMatch(/ name=io /)
      expect(typeof (await redis.client("ID"))).toBe("number")
    } finally {
      redis.disconnect()
    }
  })
})
