import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { splitReplies } from "./support/differential.js"
import { RawClient } from "./support/raw.js"
import { type RedisServer, startRedisServer } from "./support/redisServer.js"
import { cmd } from "./support/resp.js"
import { type RunningServer, startServer } from "./support/server.js"
import { waitFor } from "./support/waitFor.js"

/** Decodes a RESP2 message array of bulks into `kind pattern? channel payload` text. */
const decode = (reply: string): string => {
  const parts: Array<string> = []
  let i = reply.indexOf("\r\n") + 2
  while (i < reply.length) {
    const end = reply.indexOf("\r\n", i)
    const n = Number(reply.slice(i + 1, end))
    if (reply[i] === ":") parts.push(String(n))
    else parts.push(reply.slice(end + 2, end + 2 + n))
    i = reply[i] === ":" ? end + 2 : end + 2 + n + 2
  }
  return parts.join(" ")
}

/**
 * Subscribes to every keyspace and keyevent channel of db 0 and 9, runs `commands` on another
 * connection, and returns the notifications as `channel payload` lines.
 */
const notificationsFor = async (port: number, commands: ReadonlyArray<ReadonlyArray<string>>): Promise<Array<string>> => {
  const sub = await RawClient.connect(port)
  const run = await RawClient.connect(port)
  try {
    sub.write(cmd("PSUBSCRIBE", "__key*__:*") + cmd("SUBSCRIBE", "end-of-sequence"))
    await sub.until((t) => splitReplies(t).replies.length === 2)
    sub.take()
    let text = ""
    for (const c of commands) text += cmd(...c)
    text += cmd("PUBLISH", "end-of-sequence", "x")
    run.write(text)
    const received = await sub.until((t) => t.includes("end-of-sequence"))
    const out: Array<string> = []
    for (const reply of splitReplies(received).replies) {
      const line = decode(reply)
      if (line.startsWith("pmessage ")) out.push(line.split(" ").slice(2).join(" "))
    }
    return out
  } finally {
    sub.close()
    run.close()
  }
}

const SEQUENCE: ReadonlyArray<ReadonlyArray<string>> = [
  ["FLUSHALL"],
  ["SET", "s", "1"],
  ["SET", "s2", "v", "EX", "100"],
  ["SETNX", "s", "x"],
  ["INCR", "s"],
  ["DECRBY", "s", "3"],
  ["INCRBYFLOAT", "s", "1.5"],
  ["APPEND", "s", "x"],
  ["APPEND", "new", "x"],
  ["SETRANGE", "s", "1", "abc"],
  ["SETRANGE", "s", "1", ""],
  ["GETSET", "s", "g"],
  ["MSET", "m1", "a", "m2", "b"],
  ["GETEX", "m1", "PX", "100000"],
  ["GETEX", "m1", "PERSIST"],
  ["GETDEL", "m2"],
  ["EXPIRE", "s", "100"],
  ["PERSIST", "s"],
  ["PERSIST", "s"],
  ["EXPIRE", "s2", "-1"],
  ["RENAME", "s", "r"],
  ["COPY", "r", "c"],
  ["MOVE", "c", "9"],
  ["DEL", "r", "nope", "m1"],
  ["RPUSH", "l", "a", "b", "c", "d"],
  ["LPUSH", "l", "z"],
  ["LPUSHX", "nol", "z"],
  ["LPOP", "l"],
  ["RPOP", "l", "1"],
  ["LSET", "l", "0", "A"],
  ["LINSERT", "l", "BEFORE", "A", "y"],
  ["LREM", "l", "0", "y"],
  ["LMOVE", "l", "l2", "LEFT", "RIGHT"],
  ["RPOPLPUSH", "l", "l2"],
  ["LTRIM", "l2", "0", "0"],
  ["LTRIM", "l2", "1", "0"],
  ["LPOP", "l"],
  ["HSET", "h", "f", "1", "g", "2"],
  ["HSETNX", "h", "f", "x"],
  ["HSETNX", "h", "n", "x"],
  ["HINCRBY", "h", "f", "2"],
  ["HINCRBYFLOAT", "h", "f", "0.5"],
  ["HDEL", "h", "f", "nope"],
  ["HDEL", "h", "g", "n"],
  ["SADD", "a", "1", "2", "3"],
  ["SADD", "a", "1"],
  ["SADD", "b", "3", "4"],
  ["SREM", "a", "1"],
  ["SMOVE", "a", "b", "2"],
  ["SMOVE", "b", "new-set", "4"],
  ["SINTERSTORE", "i", "a", "b"],
  ["SUNIONSTORE", "u", "a", "b"],
  ["SDIFFSTORE", "d", "a", "a"],
  ["SDIFFSTORE", "u", "a", "a"],
  ["SINTERSTORE", "i", "a", "missing"],
  ["SPOP", "u", "1"],
  ["SPOP", "u"],
  ["SPOP", "b", "10"],
  ["HMSET", "hm", "a", "1"],
  ["RPUSH", "bl", "1", "2", "3", "4"],
  ["BLPOP", "bl", "0"],
  ["LMPOP", "1", "bl", "RIGHT", "COUNT", "1"],
  ["BRPOPLPUSH", "bl", "bl2", "0"],
  ["BLMOVE", "bl", "bl2", "LEFT", "LEFT", "0"],
  ["BLMPOP", "0", "1", "bl2", "LEFT", "COUNT", "5"],
  ["SET", "x", "1", "GET"],
  ["SET", "x", "2", "KEEPTTL", "XX"],
  ["RENAMENX", "x", "hm"],
  ["RENAMENX", "x", "y"],
  ["UNLINK", "y", "hm"],
  ["MULTI"],
  ["SET", "t", "1"],
  ["INCR", "t"],
  ["EXEC"]
]

describe("keyspace notifications", () => {
  let s: RunningServer
  let redis: RedisServer
  beforeAll(async () => {
    ;[s, redis] = await Promise.all([startServer(), startRedisServer()])
  })
  afterAll(async () => {
    await Promise.all([s.close(), redis.stop()])
  })

  const configure = async (flags: string): Promise<void> => {
    for (const port of [s.port, redis.port]) {
      const c = new Redis(port)
      await c.config("SET", "notify-keyspace-events", flags)
      c.disconnect()
    }
  }

  it("emit the same keyspace and keyevent messages as redis-server for a command sequence", async () => {
    await configure("KEAn")
    const [ours, theirs] = await Promise.all([notificationsFor(s.port, SEQUENCE), notificationsFor(redis.port, SEQUENCE)])
    expect(ours.length).toBeGreaterThan(50)
    expect(ours).toEqual(theirs)
  })

  it("follow the class flags: only the selected classes and channel kinds", async () => {
    await configure("El")
    const seq = [["FLUSHALL"], ["SET", "k", "v"], ["RPUSH", "q", "a"], ["DEL", "k"], ["LPOP", "q"]]
    const ours = await notificationsFor(s.port, seq)
    expect(ours).toEqual(["__keyevent@0__:rpush q", "__keyevent@0__:lpop q"])
    expect(ours).toEqual(await notificationsFor(redis.port, seq))
    await configure("Kg$")
    const ks = await notificationsFor(s.port, seq)
    expect(ks).toEqual(["__keyspace@0__:k set", "__keyspace@0__:k del", "__keyspace@0__:q del"])
    expect(ks).toEqual(await notificationsFor(redis.port, seq))
  })

  it("are off by default and with an empty setting", async () => {
    await configure("")
    expect(await notificationsFor(s.port, [["SET", "k", "v"], ["DEL", "k"]])).toEqual([])
    const c = new Redis(s.port)
    expect(await c.config("GET", "notify-keyspace-events")).toEqual(["notify-keyspace-events", ""])
    await c.config("SET", "notify-keyspace-events", "KA")
    expect(await c.config("GET", "notify-keyspace-events")).toEqual(["notify-keyspace-events", "AK"])
    c.disconnect()
  })

  it("report lazy expiry as expired", async () => {
    await configure("Ex")
    const sub = new Redis(s.port)
    const c = new Redis(s.port)
    const got: Array<string> = []
    sub.on("message", (channel, message) => got.push(`${channel} ${message}`))
    await sub.subscribe("__keyevent@0__:expired")
    await c.debug("SET-ACTIVE-EXPIRE", "0").catch(() => undefined)
    await c.set("lazy", "v", "PX", 5)
    // Reading the key after its TTL passed expires it.
    await waitFor("the key to expire", async () => (await c.exists("lazy")) === 0)
    await waitFor("the expired event", () => got.length === 1)
    expect(got).toEqual(["__keyevent@0__:expired lazy"])
    await c.debug("SET-ACTIVE-EXPIRE", "1").catch(() => undefined)
    sub.disconnect()
    c.disconnect()
  })

  it("report active expiry as expired", async () => {
    await configure("KEx")
    const sub = new Redis(s.port)
    const c = new Redis(s.port)
    const got: Array<string> = []
    sub.on("pmessage", (_pattern, channel, message) => got.push(`${channel} ${message}`))
    await sub.psubscribe("__key*@1__:*")
    await c.select(1)
    await c.set("active", "v", "PX", 5)
    // Nobody touches the key: the expiry cycle finds it.
    await waitFor("the expired events", () => got.length === 2)
    expect(got).toEqual(["__keyspace@1__:active expired", "__keyevent@1__:expired active"])
    sub.disconnect()
    c.disconnect()
  })
})
