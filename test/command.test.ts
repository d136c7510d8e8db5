import { createClient } from "redis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RawClient } from "./support/raw.js"
import { cmd } from "./support/resp.js"
import { type RunningServer, startServer } from "./support/server.js"

const GET_INFO_RESP3 =
  "*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n" +
  "~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n" +
  "%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n" +
  "$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n"

const KILL_INFO_RESP3 =
  "*10\r\n$11\r\nclient|kill\r\n:-3\r\n~4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n" +
  "~4\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n+@connection\r\n~0\r\n~0\r\n~0\r\n"

describe("COMMAND", () => {
  let s: RunningServer
  let c: RawClient
  beforeAll(async () => {
    s = await startServer()
    c = await RawClient.connect(s.port)
  })
  afterAll(async () => {
    c.close()
    await s.close()
  })

  it("COMMAND INFO entries have Valkey's shape (compared with redis-server 7.0 bytes)", async () => {
    c.take()
    c.write(cmd("HELLO", "3"))
    await c.until((t) => t.endsWith("modules\r\n*0\r\n"))
    c.take()
    const expected = "*3\r\n" + GET_INFO_RESP3 + KILL_INFO_RESP3 + "_\r\n"
    expect(await c.request(cmd("COMMAND", "INFO", "get", "client|kill", "nosuch"), expected)).toBe(expected)
    c.write(cmd("HELLO", "2"))
    await c.until((t) => t.endsWith("modules\r\n*0\r\n"))
    c.take()
    expect(await c.request(cmd("COMMAND", "INFO", "nosuch"), "*1\r\n$-1\r\n")).toBe("*1\r\n$-1\r\n")
  })

  it("COMMAND COUNT, LIST and its filters", async () => {
    const count = Number((await c.request(cmd("COMMAND", "COUNT"), ":1\r\n")).slice(1))
    expect(count).toBe(s.server.commands.size)
    const client = createClient({ url: `redis://127.0.0.1:${s.port}` })
    await client.connect()
    try {
      const all = (await client.sendCommand(["COMMAND", "LIST"])) as Array<string>
      expect(all).toContain("get")
      expect(all).toContain("client|kill")
      expect(all).toContain("command|docs")
      const pattern = (await client.sendCommand(["COMMAND", "LIST", "FILTERBY", "PATTERN", "CLIENT|*"])) as Array<string>
      expect(pattern.length).toBeGreaterThan(5)
      expect(pattern.every((n) => n.startsWith("client|"))).toBe(true)
      const connection = (await client.sendCommand(["COMMAND", "LIST", "FILTERBY", "ACLCAT", "connection"])) as Array<string>
      expect(connection).toContain("ping")
      expect(connection).not.toContain("get")
      expect(await client.sendCommand(["COMMAND", "LIST", "FILTERBY", "MODULE", "nosuch"])).toEqual([])
      await expect(client.sendCommand(["COMMAND", "LIST", "FILTERBY", "FOO", "x"])).rejects.toThrow("ERR syntax error")
      await expect(client.sendCommand(["COMMAND", "LIST", "FILTERBY"])).rejects.toThrow("ERR syntax error")
      const every = (await client.sendCommand(["COMMAND"])) as Array<Array<unknown>>
      expect(every.length).toBe(count)
      expect(every.map((entry) => entry[0])).toContain("set")
    } finally {
      client.destroy()
    }
  })

  it("COMMAND DOCS maps names to docs and skips unknown names", async () => {
    const client = createClient({ url: `redis://127.0.0.1:${s.port}`, RESP: 3 })
    await client.connect()
    try {
      const docs = (await client.sendCommand(["COMMAND", "DOCS", "get", "nosuch", "client|id"])) as Record<string, any>
      const entries = docs instanceof Map ? Object.fromEntries(docs) : docs
      expect(Object.keys(entries)).toEqual(["get", "client|id"])
      const get = entries.get instanceof Map ? Object.fromEntries(entries.get) : entries.get
      expect(get.since).toBe("1.0.0")
      expect(get.group).toBe("string")
      expect(typeof get.summary).toBe("string")
    } finally {
      client.destroy()
    }
    const raw =
      "*2\r\n$4\r\nping\r\n*8\r\n$7\r\nsummary\r\n$41\r\nReturns the server's liveliness response.\r\n" +
      "$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$10\r\nconnection\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n"
    expect(await c.request(cmd("COMMAND", "DOCS", "ping"), raw)).toBe(raw)
  })

  it("COMMAND GETKEYS and GETKEYSANDFLAGS", async () => {
    expect(await c.request(cmd("COMMAND", "GETKEYS", "SET", "k", "v"), "*1\r\n$1\r\nk\r\n")).toBe("*1\r\n$1\r\nk\r\n")
    expect(await c.request(cmd("COMMAND", "GETKEYS", "DEL", "a", "b"), "*2\r\n$1\r\na\r\n$1\r\nb\r\n")).toBe(
      "*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    )
    const flags = "*1\r\n*2\r\n$1\r\nk\r\n*2\r\n+RO\r\n+access\r\n"
    expect(await c.request(cmd("COMMAND", "GETKEYSANDFLAGS", "GET", "k"), flags)).toBe(flags)
    const errors: Array<[Array<string>, string]> = [
      [["COMMAND", "GETKEYS", "nosuch", "x"], "-ERR Invalid command specified\r\n"],
      [["COMMAND", "GETKEYS", "PING", "x"], "-ERR The command has no key arguments\r\n"],
      [["COMMAND", "GETKEYS", "GET", "a", "b"], "-ERR Invalid number of arguments specified for command\r\n"],
      [["COMMAND", "GETKEYS"], "-ERR wrong number of arguments for 'command|getkeys' command\r\n"],
      [["COMMAND", "NOSUCH"], "-ERR unknown subcommand 'NOSUCH'. Try COMMAND HELP.\r\n"]
    ]
    for (const [args, expected] of errors) expect(await c.request(cmd(...args), expected)).toBe(expected)
  })

  it("COMMAND HELP", async () => {
    c.take()
    c.write(cmd("COMMAND", "HELP"))
    const text = await c.until((t) => t.endsWith("+    Print this help.\r\n"))
    expect(text.startsWith("*21\r\n+COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n")).toBe(true)
    c.take()
  })
})
