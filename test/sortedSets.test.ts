import { Redis } from "ioredis"
import { createClient } from "redis"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { RawClient } from "./support/raw.js"
import { type RunningServer, startServer } from "./support/server.js"
import { waitFor } from "./support/waitFor.js"
import { cmd } from "./support/resp.js"

const bulk = (s: string) => `$${s.length}\r\n${s}\r\n`
const arr = (...items: Array<string>) => `*${items.length}\r\n${items.join("")}`
const int = (n: number) => `:${n}\r\n`
const dbl = (s: string) => `,${s}\r\n`
const err = (s: string) => `-${s}\r\n`
const NULL_ARR = "*-1\r\n"
const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"

describe("sorted set commands", () => {
  let s: RunningServer
  let io: Redis
  let node: ReturnType<typeof createClient>
  const open: Array<RawClient> = []

  const connect = async (resp3 = false) => {
    const c = await RawClient.connect(s.port)
    open.push(c)
    await c.request(cmd("PING"), "+PONG\r\n")
    if (resp3) {
      c.take()
      c.write(cmd("HELLO", "3"))
      await c.until((t) => t.includes("modules"))
      await c.until((t) => t.endsWith("*0\r\n"))
      c.take()
    }
    return c
  }
  const send = async (c: RawClient, args: Array<string>, expected: string) => {
    expect(await c.request(cmd(...args), expected)).toBe(expected)
  }
  const block = async (c: RawClient, args: Array<string>, blocked: number) => {
    c.take()
    c.write(cmd(...args))
    await waitFor("the clients to block", () => s.server.blockedClients === blocked)
  }
  const expectReply = async (c: RawClient, expected: string) => {
    const got = await c.until((t) => t.length >= expected.length)
    c.take()
    expect(got).toBe(expected)
  }

  beforeAll(async () => {
    s = await startServer()
    io = new Redis({ port: s.port, host: "127.0.0.1", lazyConnect: true, enableReadyCheck: false })
    await io.connect()
    node = createClient({ socket: { port: s.port, host: "127.0.0.1" }, disableClientInfo: true })
    node.on("error", () => {})
    await node.connect()
  })
  afterAll(async () => {
    io?.disconnect()
    node?.destroy()
    for (const c of open) c.close()
    await s.close()
  })
  beforeEach(async () => {
    s.server.keyspace.flushAll()
    await io.config("SET", "zset-max-listpack-entries", "128")
    await io.config("SET", "zset-max-listpack-value", "64")
  })

  it("ZADD, ZRANGE, ZSCORE through ioredis and node-redis", async () => {
    expect(await io.zadd("z", 3, "c", 1, "a", 2, "b")).toBe(3)
    expect(await io.zrange("z", 0, -1)).toEqual(["a", "b", "c"])
    expect(await io.zrange("z", 0, -1, "WITHSCORES")).toEqual(["a", "1", "b", "2", "c", "3"])
    expect(await io.zscore("z", "b")).toBe("2")
    expect(await io.zincrby("z", "0.5", "a")).toBe("1.5")
    expect(await node.zRangeWithScores("z", 0, -1)).toEqual([
      { value: "a", score: 1.5 },
      { value: "b", score: 2 },
      { value: "c", score: 3 }
    ])
    expect(await node.zCard("z")).toBe(3)
    expect(await node.zRank("z", "c")).toBe(2)
    expect(await io.zrangebyscore("z", "(1.5", "+inf")).toEqual(["b", "c"])
    expect(await io.type("z")).toBe("zset")
    await io.set("s", "x")
    await expect(io.zadd("s", 1, "a")).rejects.toThrow(WRONGTYPE)
  })

  it("ZRANK/ZREVRANK WITHSCORE (Valkey 7.2+) in RESP2 and RESP3", async () => {
    const c = await connect()
    const c3 = await connect(true)
    await send(c, ["ZADD", "z", "1", "a", "2.5", "b"], int(2))
    await send(c, ["ZRANK", "z", "b", "WITHSCORE"], arr(int(1), bulk("2.5")))
    await send(c, ["ZREVRANK", "z", "b", "WITHSCORE"], arr(int(0), bulk("2.5")))
    await send(c, ["ZRANK", "z", "x", "WITHSCORE"], NULL_ARR)
    await send(c, ["ZRANK", "nokey", "x", "WITHSCORE"], NULL_ARR)
    await send(c, ["ZRANK", "z", "b", "WITHSCORES"], err("ERR syntax error"))
    await send(c3, ["ZRANK", "z", "a", "WITHSCORE"], arr(int(0), dbl("1")))
    await send(c3, ["ZRANK", "z", "x", "WITHSCORE"], "_\r\n")
  })

  it("encodings follow zset-max-listpack-entries/value; COPY is deep; SCAN TYPE zset", async () => {
    const c = await connect()
    await io.config("SET", "zset-max-listpack-entries", "2")
    await send(c, ["ZADD", "z", "1", "a", "2", "b"], int(2))
    await send(c, ["OBJECT", "ENCODING", "z"], bulk("listpack"))
    await send(c, ["ZADD", "z", "3", "c"], int(1))
    await send(c, ["OBJECT", "ENCODING", "z"], bulk("skiplist"))
    await send(c, ["ZADD", "many", "1", "a", "2", "b", "3", "c"], int(3))
    await send(c, ["OBJECT", "ENCODING", "many"], bulk("skiplist"))
    await send(c, ["ZRANGESTORE", "small", "z", "0", "1"], int(2))
    await send(c, ["OBJECT", "ENCODING", "small"], bulk("listpack"))
    await send(c, ["COPY", "z", "z2"], int(1))
    await send(c, ["ZADD", "z2", "9", "a"], int(0))
    await send(c, ["ZSCORE", "z", "a"], bulk("1"))
    await send(c, ["OBJECT", "ENCODING", "z2"], bulk("skiplist"))
    expect((await io.scan("0", "COUNT", "100", "TYPE", "zset"))[1].sort()).toEqual(["many", "small", "z", "z2"])
    await io.config("SET", "zset-max-listpack-entries", "0")
    await send(c, ["ZADD", "zero", "1", "a"], int(1))
    await send(c, ["OBJECT", "ENCODING", "zero"], bulk("skiplist"))
  })

  it("a large skiplist keeps order, ranks, counts, and ZSCAN returns every member", async () => {
    const members: Array<[number, string]> = []
    for (let i = 0; i < 2000; i++) members.push([(i * 7919) % 1000, "m" + i])
    const args: Array<string | number> = []
    for (const [score, m] of members) args.push(score, m)
    expect(await io.zadd("big", ...args)).toBe(2000)
    // Update half of the scores and delete a quarter.
    const up: Array<string | number> = []
    for (let i = 0; i < 2000; i += 2) {
      members[i][0] = -members[i][0] - 0.5
      up.push(members[i][0], members[i][1])
    }
    expect(await io.zadd("big", "CH", ...up)).toBe(1000)
    const gone = members.filter((_, i) => i % 4 === 1).map((m) => m[1])
    expect(await io.zrem("big", ...gone)).toBe(500)
    const live = members.filter((_, i) => i % 4 !== 1)
    live.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    expect(await io.zrange("big", 0, -1)).toEqual(live.map((m) => m[1]))
    expect(await io.zcard("big")).toBe(1500)
    for (const i of [0, 1, 777, 1499]) {
      expect(await io.zrank("big", live[i][1])).toBe(i)
      expect(await io.zrevrank("big", live[i][1])).toBe(1499 - i)
      expect(await io.zrange("big", i, i)).toEqual([live[i][1]])
    }
    expect(await io.zcount("big", "0", "(500")).toBe(live.filter((m) => m[0] >= 0 && m[0] < 500).length)
    expect(await io.zrevrangebyscore("big", "-100", "-inf", "LIMIT", "0", "3")).toEqual(
      live.filter((m) => m[0] <= -100).reverse().slice(0, 3).map((m) => m[1])
    )
    const seen = new Set<string>()
    let cursor = "0"
    do {
      const [next, items] = await io.zscan("big", cursor, "COUNT", "100")
      for (let i = 0; i < items.length; i += 2) seen.add(items[i])
      cursor = next
    } while (cursor !== "0")
    expect(seen.size).toBe(1500)
    expect(await io.zremrangebyrank("big", 0, 99)).toBe(100)
    expect(await io.zrange("big", 0, 0)).toEqual([live[100][1]])
  })

  it("ZRANDMEMBER counts and RESP3 pairs", async () => {
    const c3 = await connect(true)
    await io.zadd("z", 1, "a", 2, "b", 3, "c")
    expect((await io.zrandmember("z", 2)).length).toBe(2)
    expect(new Set(await io.zrandmember("z", 2))).toHaveProperty("size", 2)
    expect((await io.zrandmember("z", -7)).length).toBe(7)
    expect(["a", "b", "c"]).toContain(await io.zrandmember("z"))
    await send(c3, ["ZRANDMEMBER", "z", "-1", "WITHSCORES"], "")
    const got = await c3.until((t) => t.length > 0 && t.split("\r\n").length >= 5)
    c3.take()
    expect(got).toMatch(/^\*1\r\n\*2\r\n\$1\r\n([abc])\r\n,[123]\r\n$/)
  })

  it("BZPOPMIN/BZPOPMAX serve FIFO when a zset is created, with the score", async () => {
    const [a, b, p] = [await connect(), await connect(), await connect()]
    await block(a, ["BZPOPMIN", "nokey", "bz", "0"], 1)
    await block(b, ["BZPOPMAX", "bz", "0"], 2)
    await send(p, ["ZADD", "bz", "1", "x", "2", "y", "3", "z"], int(3))
    await expectReply(a, arr(bulk("bz"), bulk("x"), bulk("1")))
    await expectReply(b, arr(bulk("bz"), bulk("z"), bulk("3")))
    await send(p, ["ZRANGE", "bz", "0", "-1"], arr(bulk("y")))
    expect(s.server.blockedClients).toBe(0)
  })

  it("BZPOPMIN replies a RESP3 double; BZMPOP replies nested pairs", async () => {
    const [a, b, p] = [await connect(true), await connect(), await connect()]
    await block(a, ["BZPOPMIN", "r3", "0"], 1)
    await send(p, ["ZADD", "r3", "2.5", "m"], int(1))
    await expectReply(a, arr(bulk("r3"), bulk("m"), dbl("2.5")))
    await block(b, ["BZMPOP", "0", "2", "k1", "k2", "MAX", "COUNT", "2"], 1)
    await send(p, ["ZADD", "k2", "1", "a", "2", "b", "3", "c"], int(3))
    await expectReply(b, arr(bulk("k2"), arr(arr(bulk("c"), bulk("3")), arr(bulk("b"), bulk("2")))))
  })

  it("times out with a null array and never blocks inside MULTI", async () => {
    const [a, a3] = [await connect(), await connect(true)]
    await send(a, ["BZPOPMIN", "nokey", "0.01"], NULL_ARR)
    await send(a, ["BZMPOP", "0.01", "1", "nokey", "MIN"], NULL_ARR)
    await send(a3, ["BZPOPMAX", "nokey", "0.01"], "_\r\n")
    await send(a, ["MULTI"], "+OK\r\n")
    await send(a, ["BZPOPMIN", "nokey", "0"], "+QUEUED\r\n")
    await send(a, ["BZMPOP", "0", "1", "nokey", "MIN"], "+QUEUED\r\n")
    await send(a, ["EXEC"], arr(NULL_ARR, NULL_ARR))
    await send(a, ["BZPOPMIN", "nokey", "-1"], err("ERR timeout is negative"))
    await send(a, ["BZPOPMIN", "nokey", "x"], err("ERR timeout is not a float or out of range"))
  })

  it("a key of the wrong type does not wake a zset waiter (nor a zset a list waiter)", async () => {
    const [a, b, p] = [await connect(), await connect(), await connect()]
    await block(a, ["BZPOPMIN", "k", "0"], 1)
    await send(p, ["RPUSH", "k", "x"], int(1))
    await send(p, ["PING"], "+PONG\r\n")
    expect(s.server.blockedClients).toBe(1)
    await send(p, ["DEL", "k"], int(1))
    await send(p, ["ZADD", "k", "5", "m"], int(1))
    await expectReply(a, arr(bulk("k"), bulk("m"), bulk("5")))

    await block(b, ["BLPOP", "l", "0"], 1)
    await send(p, ["ZADD", "l", "1", "m"], int(1))
    await send(p, ["PING"], "+PONG\r\n")
    expect(s.server.blockedClients).toBe(1)
    await send(p, ["DEL", "l"], int(1))
    await send(p, ["RPUSH", "l", "v"], int(1))
    await expectReply(b, arr(bulk("l"), bulk("v")))
  })

  it("a zset created by ZUNIONSTORE or ZRANGESTORE serves a waiter; CLIENT UNBLOCK ends one", async () => {
    const [a, b, p] = [await connect(), await connect(), await connect()]
    await send(p, ["ZADD", "src", "1", "a", "2", "b"], int(2))
    await block(a, ["BZPOPMAX", "u", "0"], 1)
    await send(p, ["ZUNIONSTORE", "u", "1", "src", "WEIGHTS", "10"], int(2))
    await expectReply(a, arr(bulk("u"), bulk("b"), bulk("20")))
    await block(b, ["BZMPOP", "0", "1", "r", "MIN"], 1)
    await send(p, ["ZRANGESTORE", "r", "src", "0", "0"], int(1))
    await expectReply(b, arr(bulk("r"), arr(arr(bulk("a"), bulk("1")))))
    await send(p, ["EXISTS", "r"], int(0))
    await block(a, ["BZPOPMIN", "never", "0"], 1)
    const clients = Array.from(s.server.clients.values()).filter((c) => c.isBlocked)
    expect(clients.length).toBe(1)
    await send(p, ["CLIENT", "UNBLOCK", String(clients[0].id)], int(1))
    await expectReply(a, NULL_ARR)
  })

  it("a waiter on a key that holds another type stays blocked until a zset arrives", async () => {
    const [a, p] = [await connect(), await connect()]
    await send(p, ["ZADD", "z", "1", "a"], int(1))
    await send(a, ["BZPOPMIN", "z", "0"], arr(bulk("z"), bulk("a"), bulk("1")))
    await send(p, ["SET", "str", "v"], "+OK\r\n")
    await send(a, ["BZPOPMIN", "str", "0"], err(WRONGTYPE))
  })
})
