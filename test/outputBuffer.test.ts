import { Redis } from "ioredis"
import * as net from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { MAX_STRING_BYTES } from "../src/protocol/RespParser.js"
import { RawClient } from "./support/raw.js"
import { type RedisServer, startRedisServer } from "./support/redisServer.js"
import { type RunningServer, startServer } from "./support/server.js"
import { waitFor } from "./support/waitFor.js"
import { cmd } from "./support/resp.js"

/**
 * Sends `request` on a fresh connection and counts the reply bytes without keeping them (hundreds of
 * megabytes); resolves once `expected` bytes arrived or the server closed the connection.
 */
const countReplyBytes = (port: number, request: string, expected: number, ms: number) =>
  new Promise<{ readonly bytes: number; readonly closed: boolean; readonly tail: string }>((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1" })
    let bytes = 0
    let tail = ""
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`timed out after ${bytes} of ${expected} bytes`))
    }, ms)
    const done = (closed: boolean) => {
      clearTimeout(timer)
      socket.destroy()
      resolve({ bytes, closed, tail })
    }
    socket.on("connect", () => socket.write(request, "latin1"))
    socket.on("data", (chunk: Buffer) => {
      bytes += chunk.length
      tail = (tail + chunk.toString("latin1")).slice(-64)
      if (bytes >= expected) done(false)
    })
    socket.on("close", () => done(true))
    socket.on("error", () => {})
  })

/** A client that reads nothing until `readAll`, which then counts the bytes without keeping them. */
class PausedReader {
  closed = false
  private constructor(private readonly socket: net.Socket) {
    socket.on("close", () => void (this.closed = true))
    socket.on("error", () => {})
  }

  static connect(port: number): Promise<PausedReader> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: "127.0.0.1" }, () => resolve(new PausedReader(socket)))
      socket.pause()
      socket.once("error", reject)
    })
  }

  write(request: string): void {
    this.socket.write(request, "latin1")
  }

  /** Reads until `expected` bytes arrived; resolves whether the connection closed first. */
  readAll(expected: number, ms = 20_000): Promise<boolean> {
    return new Promise((resolve, reject) => {
      let bytes = 0
      const timer = setTimeout(() => reject(new Error(`timed out after ${bytes} of ${expected} bytes`)), ms)
      const finish = (closed: boolean) => {
        clearTimeout(timer)
        resolve(closed)
      }
      this.socket.on("data", (chunk: Buffer) => {
        bytes += chunk.length
        if (bytes >= expected) finish(false)
      })
      this.socket.on("close", () => finish(true))
      this.socket.resume()
    })
  }

  close(): void {
    this.socket.destroy()
  }
}

/** The CLIENT LIST line of the client named `name`, as fields. */
const clientFields = async (io: Redis, name: string): Promise<Record<string, string> | undefined> => {
  const list = (await io.call("CLIENT", "LIST")) as string
  const line = list.split("\n").find((l) => l.includes(` name=${name} `))
  if (line === undefined) return undefined
  return Object.fromEntries(line.trim().split(" ").map((field) => [field.slice(0, field.indexOf("=")), field.slice(field.indexOf("=") + 1)]))
}

const VALUE_60K = "v".repeat(60_000)

describe("replies of any size and client-output-buffer-limit", () => {
  let s: RunningServer
  let io: Redis
  const logged: Array<string> = []

  beforeAll(async () => {
    s = await startServer({ log: (_level, message) => void logged.push(message) })
    io = new Redis({ port: s.port, host: "127.0.0.1", lazyConnect: true, enableReadyCheck: false })
    await io.connect()
    await io.set("k", VALUE_60K)
  })
  afterAll(async () => {
    io?.disconnect()
    await s.close()
  })

  it("a pipelined burst of 654 MB of replies (10,900 GETs of a 60 KB value in one write) is read back whole", async () => {
    const n = 10_900
    const reply = `$${VALUE_60K.length}\r\n${VALUE_60K}\r\n`
    const expected = n * reply.length
    expect(expected).toBeGreaterThan(MAX_STRING_BYTES)
    const result = await countReplyBytes(s.port, "GET k\n".repeat(n), expected, 20_000)
    expect(result).toEqual({ bytes: expected, closed: false, tail: reply.slice(-64) })
    expect(await io.ping()).toBe("PONG")
  }, 30_000)

  it("one reply larger than a V8 string (an array of 9,000 60 KB values) is written in pieces", async () => {
    const n = 9_000
    await io.del("biglist")
    for (let i = 0; i < n; i += 1000) await io.rpush("biglist", ...Array.from({ length: 1000 }, () => VALUE_60K))
    const reply = `$${VALUE_60K.length}\r\n${VALUE_60K}\r\n`
    const expected = `*${n}\r\n`.length + n * reply.length
    expect(expected).toBeGreaterThan(MAX_STRING_BYTES)
    const result = await countReplyBytes(s.port, cmd("LRANGE", "biglist", "0", "-1"), expected, 20_000)
    expect(result).toEqual({ bytes: expected, closed: false, tail: reply.slice(-64) })
    await io.del("biglist")
  }, 30_000)

  it("normal 1mb 1mb 0: the bursting client is closed with nothing sent, the server goes on serving others", async () => {
    const before = Number(/client_output_buffer_limit_disconnections:(\d+)/.exec(await io.info("stats"))?.[1])
    await io.config("SET", "client-output-buffer-limit", "normal 1mb 1mb 0")
    try {
      const result = await countReplyBytes(s.port, "GET k\n".repeat(10_900), Infinity, 10_000)
      // As redis-server: the client is closed before any of its replies is written.
      expect(result).toEqual({ bytes: 0, closed: true, tail: "" })
      expect(await io.get("k")).toBe(VALUE_60K)
      expect(Number(/client_output_buffer_limit_disconnections:(\d+)/.exec(await io.info("stats"))?.[1])).toBe(before + 1)
      expect(logged.some((l) => /^Client id=\d+ addr=\S+ .* cmd=get .*scheduled to be closed ASAP for overcoming of output buffer limits\.$/.test(l))).toBe(true)
    } finally {
      await io.config("SET", "client-output-buffer-limit", "normal 0 0 0")
    }
  }, 30_000)

  it("HRANDFIELD/SRANDMEMBER/ZRANDMEMBER with a huge negative count under a limit close the client mid-run, as Valkey's (obuf-limits.tcl)", async () => {
    await io.hset("rhash", "field", "value")
    await io.sadd("rset", "member")
    await io.zadd("rzset", 1, "member")
    await io.config("SET", "client-output-buffer-limit", "normal 1000000 0 0")
    try {
      for (const command of [
        ["HRANDFIELD", "rhash", "-999999999"],
        ["HRANDFIELD", "rhash", "-999999999", "WITHVALUES"],
        ["SRANDMEMBER", "rset", "-999999999"],
        ["ZRANDMEMBER", "rzset", "-999999999", "WITHSCORES"]
      ]) {
        const result = await countReplyBytes(s.port, cmd(...command), Infinity, 10_000)
        expect(result).toEqual({ bytes: 0, closed: true, tail: "" })
        expect(await io.ping()).toBe("PONG")
      }
    } finally {
      await io.config("SET", "client-output-buffer-limit", "normal 0 0 0")
    }
    // Without a limit the reply is whole (a smaller count, same path).
    expect(await io.call("HRANDFIELD", "rhash", "-5000")).toHaveLength(5000)
  }, 30_000)

  it("a client that does not read: CLIENT LIST shows its queued output in omem, then none once it reads", async () => {
    const value = "x".repeat(4 * 1024 * 1024)
    await io.set("big4m", value)
    const slow = await PausedReader.connect(s.port)
    slow.write(cmd("CLIENT", "SETNAME", "omemreader") + cmd("GET", "big4m").repeat(8))
    await waitFor("the replies to queue up", async () => Number((await clientFields(io, "omemreader"))?.omem ?? 0) > 4 * 1024 * 1024)
    const fields = (await clientFields(io, "omemreader"))!
    expect(fields.events).toBe("rw")
    expect(Number(fields.obl)).toBe(16384)
    expect(Number(fields.oll)).toBeGreaterThan(0)
    expect(Number(fields["tot-mem"])).toBeGreaterThan(Number(fields.omem))
    expect(await slow.readAll("+OK\r\n".length + 8 * (value.length + `$${value.length}\r\n\r\n`.length))).toBe(false)
    await waitFor("the output to drain", async () => (await clientFields(io, "omemreader"))?.omem === "0")
    expect((await clientFields(io, "omemreader"))?.events).toBe("r")
    slow.close()
    await io.del("big4m")
  }, 30_000)

  it("soft limit: over it for less than its seconds keeps the client; over it for longer closes it", async () => {
    const value = "y".repeat(1024 * 1024)
    await io.set("v1m", value)
    await io.config("SET", "client-output-buffer-limit", "normal 0 4mb 3600")
    try {
      const patient = await PausedReader.connect(s.port)
      patient.write(cmd("CLIENT", "SETNAME", "softok") + cmd("GET", "v1m").repeat(40))
      await waitFor("its output to pass the soft limit", async () => Number((await clientFields(io, "softok"))?.omem ?? 0) > 4 * 1024 * 1024)
      expect(await patient.readAll("+OK\r\n".length + 40 * (value.length + "$1048576\r\n\r\n".length))).toBe(false)
      patient.close()

      // Soft seconds 0: closed by the first check in a later second while still over the limit. The
      // check runs as output is added (a client that stops reading stops being read), so the
      // subscriber of Valkey's own soft-limit test gets messages until it is gone.
      await io.config("SET", "client-output-buffer-limit", "pubsub 0 4mb 0")
      const slow = await PausedReader.connect(s.port)
      slow.write(cmd("SUBSCRIBE", "soft"))
      await waitFor("the subscription", async () => ((await io.call("PUBSUB", "NUMSUB", "soft")) as Array<unknown>)[1] === 1)
      await waitFor("the subscriber over its soft limit to be closed", async () => (await io.publish("soft", value)) === 0, 10_000)
      // What the kernel took before the close is still readable, then the connection ends.
      expect(await slow.readAll(Number.MAX_SAFE_INTEGER, 10_000)).toBe(true)
      slow.close()
    } finally {
      await io.config("SET", "client-output-buffer-limit", "normal 0 0 0 pubsub 32mb 8mb 60")
      await io.del("v1m")
    }
  }, 30_000)
})

describe("arguments and values up to proto-max-bulk-len", () => {
  let s: RunningServer
  let redis: RedisServer

  /** One request on a fresh connection: the reply bytes, and whether the server closed it. */
  const exchange = async (port: number, request: string): Promise<{ readonly reply: string; readonly closed: boolean }> => {
    const c = await RawClient.connect(port)
    c.write(Buffer.from(request, "latin1"))
    const reply = await c.until((t) => t.endsWith("\r\n"))
    await c.until(() => false, 2000).catch(() => undefined)
    const closed = c.closed
    c.close()
    return { reply, closed }
  }

  const both = async (request: string) => {
    const [k, r] = await Promise.all([exchange(s.port, request), exchange(redis.port, request)])
    expect(k).toEqual(r)
    return k
  }

  beforeAll(async () => {
    ;[s, redis] = await Promise.all([startServer(), startRedisServer()])
  })
  afterAll(async () => {
    await s?.close()
    await redis?.stop()
  })

  it("a declared bulk of 536,870,912 bytes (the default proto-max-bulk-len) is refused at once, without dying", async () => {
    const request = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\n" + "z".repeat(1000)
    expect(await exchange(s.port, request)).toEqual({ reply: "-ERR Protocol error: invalid bulk length\r\n", closed: true })
    // Just past what a V8 string holds: refused too; just under it is waited for as usual.
    expect(await exchange(s.port, `*2\r\n$4\r\nECHO\r\n$${MAX_STRING_BYTES + 1}\r\n`)).toEqual({
      reply: "-ERR Protocol error: invalid bulk length\r\n",
      closed: true
    })
    const io = new Redis({ port: s.port, host: "127.0.0.1", lazyConnect: true, enableReadyCheck: false })
    await io.connect()
    // A limit configured above what the server can hold is still safe.
    await io.config("SET", "proto-max-bulk-len", "4gb")
    try {
      expect(await exchange(s.port, "*2\r\n$4\r\nECHO\r\n$1000000000\r\n")).toEqual({
        reply: "-ERR Protocol error: invalid bulk length\r\n",
        closed: true
      })
      await expect(io.setrange("huge", 1_000_000_000, "x")).rejects.toThrow("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
      expect(await io.ping()).toBe("PONG")
    } finally {
      await io.config("SET", "proto-max-bulk-len", "512mb")
      io.disconnect()
    }
  })

  it("a bulk over a configured proto-max-bulk-len: the same error and close as redis-server", async () => {
    const setLimit = (port: number, value: string) => exchange(port, cmd("CONFIG", "SET", "proto-max-bulk-len", value))
    await Promise.all([setLimit(s.port, "1mb"), setLimit(redis.port, "1mb")])
    try {
      const refused = await both("*2\r\n$4\r\nECHO\r\n$1048577\r\n")
      expect(refused).toEqual({ reply: "-ERR Protocol error: invalid bulk length\r\n", closed: true })
    } finally {
      await Promise.all([setLimit(s.port, "512mb"), setLimit(redis.port, "512mb")])
    }
  })

  it("SETRANGE and APPEND growth past proto-max-bulk-len: Valkey's checkStringLength error, as redis-server", async () => {
    const script = [
      ["CONFIG", "SET", "proto-max-bulk-len", "1mb"],
      ["SETRANGE", "grow", "1048576", "x"],
      ["SETRANGE", "grow", "1048575", "x"],
      ["APPEND", "grow", "x"],
      ["APPEND", "grow", ""],
      ["SETRANGE", "grow", "9223372036854775807", "x"],
      ["STRLEN", "grow"],
      ["DEL", "grow"],
      ["CONFIG", "SET", "proto-max-bulk-len", "512mb"]
    ]
    const request = script.map((argv) => cmd(...argv)).join("")
    const run = async (port: number) => {
      const c = await RawClient.connect(port)
      c.write(request)
      const text = await c.until((t) => t.split("\r\n").length > script.length, 5000)
      c.close()
      return text
    }
    const [k, r] = await Promise.all([run(s.port), run(redis.port)])
    expect(k).toBe(r)
    expect(k).toContain("-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n:1048576\r\n-ERR string exceeds")
  })

  it("growth past the longest string the server holds is refused where redis-server would grow (keyfiber holds values as JS strings)", async () => {
    const io = new Redis({ port: s.port, host: "127.0.0.1", lazyConnect: true, enableReadyCheck: false })
    await io.connect()
    try {
      // 536,870,912 bytes: under the default proto-max-bulk-len, over what a V8 string can hold.
      await expect(io.setrange("k", 536870911, "x")).rejects.toThrow("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
      await expect(io.setrange("k", MAX_STRING_BYTES, "x")).rejects.toThrow("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
      expect(await io.exists("k")).toBe(0)
      expect(await io.ping()).toBe("PONG")
    } finally {
      io.disconnect()
    }
  })
})
