import { spawn } from "node:child_process"
import { Redis } from "ioredis"
import { createClient } from "redis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  BigNumberReply,
  DoubleReply,
  ErrorReply,
  MapReply,
  NULL_ARRAY,
  OK,
  PushReply,
  RawReply,
  type Reply,
  SetReply,
  VerbatimReply
} from "../src/protocol/Reply.js"
import { encodeReply } from "../src/protocol/RespWriter.js"
import { RawClient } from "./support/raw.js"
import { cmd } from "./support/resp.js"
import { type RunningServer, startServer } from "./support/server.js"
import { waitFor } from "./support/waitFor.js"

const ALL_BYTES = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join("")

const redisCli = (port: number, args: Array<string>): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args])
    let out = ""
    child.stdout.on("data", (d) => (out += d))
    child.stderr.on("data", (d) => (out += d))
    child.once("error", reject)
    child.once("exit", () => resolve(out))
  })

describe("RESP encodings of every Reply kind", () => {
  const cases: Array<[string, Reply, string, string]> = [
    ["bulk", "a\r\nb", "$4\r\na\r\nb\r\n", "$4\r\na\r\nb\r\n"],
    ["empty bulk", "", "$0\r\n\r\n", "$0\r\n\r\n"],
    ["integer", -42, ":-42\r\n", ":-42\r\n"],
    ["bigint", -9223372036854775808n, ":-9223372036854775808\r\n", ":-9223372036854775808\r\n"],
    ["null", null, "$-1\r\n", "_\r\n"],
    ["null array", NULL_ARRAY, "*-1\r\n", "_\r\n"],
    ["true", true, ":1\r\n", "#t\r\n"],
    ["false", false, ":0\r\n", "#f\r\n"],
    ["array", ["a", 1, null], "*3\r\n$1\r\na\r\n:1\r\n$-1\r\n", "*3\r\n$1\r\na\r\n:1\r\n_\r\n"],
    ["empty array", [], "*0\r\n", "*0\r\n"],
    ["status", OK, "+OK\r\n", "+OK\r\n"],
    ["error", new ErrorReply("ERR bad\r\nthing"), "-ERR bad  thing\r\n", "-ERR bad  thing\r\n"],
    ["map", new MapReply(["k", 1]), "*2\r\n$1\r\nk\r\n:1\r\n", "%1\r\n$1\r\nk\r\n:1\r\n"],
    ["set", new SetReply(["x"]), "*1\r\n$1\r\nx\r\n", "~1\r\n$1\r\nx\r\n"],
    ["double", new DoubleReply(1.5), "$3\r\n1.5\r\n", ",1.5\r\n"],
    ["inf", new DoubleReply(-Infinity), "$4\r\n-inf\r\n", ",-inf\r\n"],
    ["nan", new DoubleReply(NaN), "$3\r\nnan\r\n", ",nan\r\n"],
    ["verbatim", new VerbatimReply("hi"), "$2\r\nhi\r\n", "=6\r\ntxt:hi\r\n"],
    ["big number", new BigNumberReply("123456789012345678901234567890"), "$30\r\n123456789012345678901234567890\r\n", "(123456789012345678901234567890\r\n"],
    ["push", new PushReply(["message", "c", "m"]), "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n", ">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n"],
    ["raw", new RawReply(":7\r\n"), ":7\r\n", ":7\r\n"],
    [
      "nested",
      new MapReply(["a", new SetReply([new MapReply([])]), "b", [null]]),
      "*4\r\n$1\r\na\r\n*1\r\n*0\r\n$1\r\nb\r\n*1\r\n$-1\r\n",
      "%2\r\n$1\r\na\r\n~1\r\n%0\r\n$1\r\nb\r\n*1\r\n_\r\n"
    ]
  ]
  for (const [name, reply, resp2, resp3] of cases) {
    it(name, () => {
      expect(encodeReply(reply, 2)).toBe(resp2)
      expect(encodeReply(reply, 3)).toBe(resp3)
    })
  }
})

describe("protocol over TCP", () => {
  let s: RunningServer
  beforeAll(async () => {
    s = await startServer()
  })
  afterAll(() => s.close())

  it("inline commands: quoting, escapes and errors", async () => {
    const c = await RawClient.connect(s.port)
    expect(await c.request('SET k "a b\\x41\\n"\r\n', "+OK\r\n")).toBe("+OK\r\n")
    expect(await c.request("GET k\n", "$5\r\na bA\n\r\n")).toBe("$5\r\na bA\n\r\n")
    expect(await c.request("SET k 'it''s'\r\nPING\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n")).toBe(
      "-ERR Protocol error: unbalanced quotes in request\r\n"
    )
    await c.until(() => false, 2000).catch(() => "")
    expect(c.closed).toBe(true)
  })

  it("a request split across reads survives other clients' reads in between", async () => {
    // Every connection reads into one shared buffer; a client's unparsed bytes must be its own.
    const a = await RawClient.connect(s.port)
    const b = await RawClient.connect(s.port)
    const value = "v".repeat(3000) + ALL_BYTES
    const request = cmd("SET", "split:key", value) + cmd("GET", "split:key")
    const cut = [5, 17, 1500, request.length - 9]
    let sent = 0
    for (const at of cut) {
      a.write(Buffer.from(request.slice(sent, at), "latin1"))
      sent = at
      // Another client's read lands in the shared buffer while `a` has a partial request.
      expect(await b.request(cmd("SET", "other", "x".repeat(at % 97)) + cmd("PING"), "+OK\r\n+PONG\r\n")).toBe("+OK\r\n+PONG\r\n")
    }
    a.write(Buffer.from(request.slice(sent), "latin1"))
    const expected = `+OK\r\n$${value.length}\r\n${value}\r\n`
    expect(await a.until((t) => t.length >= expected.length)).toBe(expected)
    a.close()
    b.close()
  })

  it("commands pipelined behind a blocked command keep their bytes while others are read", async () => {
    const blocked = await RawClient.connect(s.port)
    const other = await RawClient.connect(s.port)
    blocked.write(Buffer.from(cmd("BLPOP", "pipeq", "0") + cmd("ECHO", "behind-" + ALL_BYTES) + cmd("GET", "pipeq:after"), "latin1"))
    // Fill the shared read buffer with other bytes while `blocked` waits.
    for (let i = 0; i < 5; i++) {
      expect(await other.request(cmd("SET", "pipeq:after", "z".repeat(200 + i)), "+OK\r\n")).toBe("+OK\r\n")
    }
    expect(await other.request(cmd("RPUSH", "pipeq", "item"), ":1\r\n")).toBe(":1\r\n")
    const expected =
      "*2\r\n$5\r\npipeq\r\n$4\r\nitem\r\n" + `$${7 + 256}\r\nbehind-${ALL_BYTES}\r\n` + `$204\r\n${"z".repeat(204)}\r\n`
    expect(await blocked.until((t) => t.length >= expected.length)).toBe(expected)
    blocked.close()
    other.close()
  })

  it("a client that stops reading keeps every reply, in order, and others are served meanwhile", async () => {
    const slow = await RawClient.connect(s.port)
    const other = await RawClient.connect(s.port)
    const values = Array.from({ length: 40 }, (_, i) => String.fromCharCode(65 + (i % 26)).repeat(256 * 1024 + i))
    for (let i = 0; i < values.length; i++) expect(await other.request(cmd("SET", `slow:${i}`, values[i]), "+OK\r\n")).toBe("+OK\r\n")
    const name = await slow.request(cmd("CLIENT", "SETNAME", "slowreader"), "+OK\r\n")
    expect(name).toBe("+OK\r\n")
    // 10 MB of replies, more than the kernel buffers hold while the client reads nothing.
    slow.socket.pause()
    slow.write(values.map((_, i) => cmd("GET", `slow:${i}`)).join("") + cmd("ECHO", "done"))
    const slowEntry = async () => {
      other.take()
      other.write(cmd("CLIENT", "LIST"))
      const bulkDone = (t: string) => /^\$(\d+)\r\n/.test(t) && t.length >= t.indexOf("\r\n") + 4 + Number(/^\$(\d+)/.exec(t)![1])
      const list = await other.until(bulkDone)
      other.take()
      return list.split("\n").find((l) => l.includes("name=slowreader")) ?? ""
    }
    await waitFor("the replies to queue up", async () => Number(/ omem=(\d+)/.exec(await slowEntry())?.[1] ?? 0) > 1024 * 1024)
    expect(await slowEntry()).toContain(" events=rw ")
    expect(await other.request(cmd("PING"), "+PONG\r\n")).toBe("+PONG\r\n")
    slow.socket.resume()
    const expected = values.map((v) => `$${v.length}\r\n${v}\r\n`).join("") + "$4\r\ndone\r\n"
    const received = await slow.until((t) => t.length >= expected.length, 20_000)
    expect(received.length).toBe(expected.length)
    expect(received === expected).toBe(true)
    // Reading resumed once the queue drained: the connection still answers.
    slow.take()
    expect(await slow.request(cmd("PING"), "+PONG\r\n")).toBe("+PONG\r\n")
    slow.close()
    other.close()
  })

  it("blank inline lines are skipped", async () => {
    const c = await RawClient.connect(s.port)
    expect(await c.request("\r\n\r\n   \r\nPING\r\n", "+PONG\r\n")).toBe("+PONG\r\n")
    c.close()
  })

  it("a pipeline of thousands of commands in one write is answered in order", async () => {
    const c = await RawClient.connect(s.port)
    const n = 5000
    let request = ""
    let expected = ""
    for (let i = 0; i < n; i++) {
      request += cmd("SET", `p:${i}`, `v${i}`) + cmd("GET", `p:${i}`)
      expected += `+OK\r\n$${String(`v${i}`).length}\r\nv${i}\r\n`
    }
    request += "PING\r\n"
    expected += "+PONG\r\n"
    c.write(request)
    const text = await c.until((t) => t.length >= expected.length, 20_000)
    expect(text).toBe(expected)
    c.close()
  })

  it("values are binary safe: all 256 byte values round-trip", async () => {
    const c = await RawClient.connect(s.port)
    const value = ALL_BYTES + ALL_BYTES.split("").reverse().join("")
    const key = "bin\x00\xff\r\nkey"
    c.write(Buffer.from(cmd("SET", key, value), "latin1"))
    await c.until((t) => t === "+OK\r\n")
    c.take()
    const expected = `$${value.length}\r\n${value}\r\n`
    c.write(Buffer.from(cmd("GET", key), "latin1"))
    expect(await c.until((t) => t.length >= expected.length)).toBe(expected)
    c.close()

    const redis = new Redis({ port: s.port, host: "127.0.0.1", enableReadyCheck: false, lazyConnect: true })
    await redis.connect()
    try {
      const bytes = Buffer.from(value, "latin1")
      await redis.set(Buffer.from("bin2"), bytes)
      expect(Buffer.compare((await redis.getBuffer("bin2"))!, bytes)).toBe(0)
      expect(Buffer.compare((await redis.getBuffer(Buffer.from(key, "latin1")))!, bytes)).toBe(0)
    } finally {
      redis.disconnect()
    }
  })

  it("node-redis v5 (HELLO 3 handshake, CLIENT SETINFO) works against keyfiber", async () => {
    const client = createClient({ url: `redis://127.0.0.1:${s.port}`, RESP: 3 })
    await client.connect()
    try {
      expect(await client.set("nr", "v")).toBe("OK")
      expect(await client.get("nr")).toBe("v")
      expect(await client.get("nr-missing")).toBe(null)
      const info = String(await client.sendCommand(["CLIENT", "INFO"]))
      expect(info).toMatch(/ resp=3 lib-name=node-redis /)
    } finally {
      client.destroy()
    }
  })

  it("redis-cli works in RESP2 and with -3 (RESP3)", async () => {
    expect(await redisCli(s.port, ["PING"])).toBe("PONG\n")
    expect(await redisCli(s.port, ["SET", "cli", "hello world"])).toBe("OK\n")
    expect(await redisCli(s.port, ["GET", "cli"])).toBe("hello world\n")
    expect(await redisCli(s.port, ["GET", "nope"])).toBe("\n")
    expect((await redisCli(s.port, ["NOSUCH"])).trim()).toBe("ERR unknown command 'NOSUCH', with args beginning with:")
    const hello = await redisCli(s.port, ["-3", "HELLO", "3"])
    expect(hello).toContain("server valkey\n")
    expect(hello).toContain("proto 3\n")
    expect(await redisCli(s.port, ["-3", "GET", "nope"])).toBe("\n")
    expect(await redisCli(s.port, ["-3", "CLIENT", "INFO"])).toMatch(/^id=\d+ addr=.* resp=3 /)
  })

  it("a request cut into single bytes is parsed the same", async () => {
    const c = await RawClient.connect(s.port)
    const bytes = cmd("SET", "split", "x".repeat(100)) + "GET split\r\n"
    for (const ch of bytes) c.socket.write(ch)
    const expected = `+OK\r\n$100\r\n${"x".repeat(100)}\r\n`
    expect(await c.until((t) => t.length >= expected.length)).toBe(expected)
    c.close()
  })
})

describe("protocol limits", () => {
  let s: RunningServer
  beforeAll(async () => {
    s = await startServer({ limits: { protoMaxBulkLen: 1000, clientQueryBufferLimit: 64 * 1024 } })
  })
  afterAll(() => s.close())

  it("proto-max-bulk-len rejects a longer bulk with a protocol error and closes", async () => {
    const c = await RawClient.connect(s.port)
    expect(await c.request(cmd("SET", "k", "x".repeat(1000)), "+OK\r\n")).toBe("+OK\r\n")
    c.write("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1001\r\n")
    expect(await c.until(() => false, 3000).catch(() => "")).toBe("-ERR Protocol error: invalid bulk length\r\n")
    expect(c.closed).toBe(true)
  })

  it("the limit is read live (CONFIG SET applies to connected clients)", async () => {
    const c = await RawClient.connect(s.port)
    s.server.limits.protoMaxBulkLen = 2000
    try {
      expect(await c.request(cmd("SET", "k", "x".repeat(1500)), "+OK\r\n")).toBe("+OK\r\n")
    } finally {
      s.server.limits.protoMaxBulkLen = 1000
    }
    c.close()
  })

  it("invalid multibulk and bulk lengths", async () => {
    for (const [request, error] of [
      ["*abc\r\n", "invalid multibulk length"],
      ["*3000000000\r\n", "invalid multibulk length"],
      ["*1\r\n$-1\r\n", "invalid bulk length"],
      ["*1\r\n$01\r\nx\r\n", "invalid bulk length"],
      ["*1\r\nPING\r\n", "expected '$', got 'P'"]
    ]) {
      const c = await RawClient.connect(s.port)
      c.write(request)
      expect(await c.until(() => false, 3000).catch(() => "")).toBe(`-ERR Protocol error: ${error}\r\n`)
      expect(c.closed).toBe(true)
    }
  })

  it("a too big inline request is a protocol error", async () => {
    const c = await RawClient.connect(s.port)
    c.write("x".repeat(70 * 1024))
    expect(await c.until(() => false, 3000).catch(() => "")).toBe("-ERR Protocol error: too big inline request\r\n")
    expect(c.closed).toBe(true)
  })

})

describe("client-query-buffer-limit", () => {
  let s: RunningServer
  beforeAll(async () => {
    s = await startServer({ limits: { clientQueryBufferLimit: 4096 } })
  })
  afterAll(() => s.close())

  it("closes a client whose unprocessed input grows past the limit, and only that client", async () => {
    const other = await RawClient.connect(s.port)
    const c = await RawClient.connect(s.port)
    // A bulk within proto-max-bulk-len but bigger than the query buffer limit, still arriving.
    c.write("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n" + "v".repeat(10_000))
    expect(await c.until(() => false, 5000).catch(() => "")).toBe("")
    expect(c.closed).toBe(true)
    expect(await other.request(cmd("PING"), "+PONG\r\n")).toBe("+PONG\r\n")
    // Below the limit nothing happens.
    expect(await other.request(cmd("SET", "k", "v".repeat(3000)), "+OK\r\n")).toBe("+OK\r\n")
    other.close()
  })
})
