// What the AOF holds for each command that Valkey rewrites when it propagates (server.c `call`,
// `alsoPropagate`; the rewrites in t_string.c, expire.c, t_list.c, t_set.c, t_zset.c, t_hash.c),
// compared with redis-server 7.0.15's own AOF for the same commands where Valkey 8 and Redis 7.0
// agree, and checked alone where only keyfiber's Valkey forms apply.
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { start, type RunningKeyfiber } from "../../src/start.js"
import { lastIncrCommands, parseAofCommands, readManifest, tempDir } from "../support/aofFiles.js"
import { type RedisServer, startRedisServer } from "../support/redisServer.js"
import { waitFor } from "../support/waitFor.js"
import * as fs from "node:fs"
import * as path from "node:path"

const AOF_CONFIG = ["appendonly yes", "appendfsync always", "aof-use-rdb-preamble no"]
const REDIS7_LAZYFREE = ["eviction", "expire", "server-del", "user-del", "user-flush"].map((name) => `lazyfree-lazy-${name} no`)

/** Absolute times differ between the two servers: any 10+ digit number becomes `*`. */
const normalize = (commands: Array<Array<string>>): Array<string> =>
  commands.map((argv) => argv.map((a, i) => (i > 0 && /^\d{10,}$/.test(a) ? "*" : i === 0 ? a.toUpperCase() : a)).join(" "))

const startKeyfiber = async (dir: string, extra: ReadonlyArray<string> = []): Promise<RunningKeyfiber> =>
  start({ config: [...AOF_CONFIG, `dir ${dir}`, ...extra].join("\n") + "\n" })

describe("AOF propagation", () => {
  let keyfiber: RunningKeyfiber
  let redis: RedisServer
  let kfDir: string
  let redisDir: string

  beforeAll(async () => {
    kfDir = tempDir("aof-prop")
    redisDir = tempDir("aof-prop-redis")
    // Compared line for line with redis-server 7.0, whose lazyfree defaults were "no" (Valkey 8's are
    // "yes": expired keys are then logged as UNLINK, as a test below shows).
    keyfiber = await startKeyfiber(kfDir, REDIS7_LAZYFREE)
    redis = await startRedisServer(["--appendonly", "yes", "--appendfsync", "always", "--aof-use-rdb-preamble", "no", "--dir", redisDir])
  }, 30_000)

  afterAll(async () => {
    await keyfiber?.close()
    await redis?.stop()
  })

  /** Runs the same commands, one at a time, on both servers; returns each one's new AOF commands. */
  const both = async (commands: ReadonlyArray<ReadonlyArray<string | number>>): Promise<[Array<string>, Array<string>]> => {
    const kfBefore = lastIncrCommands(path.join(kfDir, "appendonlydir")).length
    const redisBefore = lastIncrCommands(path.join(redisDir, "appendonlydir")).length
    for (const port of [keyfiber.port, redis.port]) {
      const client = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 })
      await client.connect()
      try {
        for (const [name, ...args] of commands) await client.call(String(name), ...args.map(String))
      } finally {
        client.disconnect()
      }
    }
    return [
      normalize(lastIncrCommands(path.join(kfDir, "appendonlydir")).slice(kfBefore)),
      normalize(lastIncrCommands(path.join(redisDir, "appendonlydir")).slice(redisBefore))
    ]
  }

  it("logs every TTL as an absolute time in ms, and an already-past one as DEL, as redis-server does", async () => {
    const now = Date.now()
    const seconds = Math.floor(now / 1000)
    const [kf, rs] = await both([
      ["set", "foo1", "bar", "ex", 100],
      ["set", "foo2", "bar", "px", 100000],
      ["set", "foo3", "bar", "exat", seconds + 100],
      ["set", "foo4", "bar", "pxat", now + 100000],
      ["setex", "foo5", 100, "bar"],
      ["psetex", "foo6", 100000, "bar"],
      ["set", "foo7", "bar"],
      ["expire", "foo7", 100],
      ["set", "foo8", "bar"],
      ["pexpire", "foo8", 100000, "nx"],
      ["set", "foo9", "bar"],
      ["expireat", "foo9", seconds + 100],
      ["set", "foo10", "bar"],
      ["pexpireat", "foo10", now + 100000],
      ["set", "foo11", "bar"],
      ["expireat", "foo11", seconds - 100],
      ["set", "foo12", "bar"],
      ["getex", "foo12", "ex", 100],
      ["getex", "foo12", "px", 100000],
      ["getex", "foo12", "exat", seconds + 100],
      ["getex", "foo12", "pxat", now + 100000],
      ["getex", "foo12", "persist"],
      ["getex", "foo12"],
      ["getex", "foo12", "exat", seconds - 100]
    ])
    // Redis 7.0 rewrote SET ... PXAT too, Valkey keeps the client's PXAT: compared without case.
    const upper = (lines: Array<string>) => lines.map((l) => l.toUpperCase())
    expect(upper(kf)).toEqual(upper(rs))
    expect(kf).toEqual([
      "SELECT 0",
      "SET foo1 bar PXAT *",
      "SET foo2 bar PXAT *",
      "SET foo3 bar PXAT *",
      "SET foo4 bar pxat *",
      "SET foo5 bar PXAT *",
      "SET foo6 bar PXAT *",
      "SET foo7 bar",
      "PEXPIREAT foo7 *",
      "SET foo8 bar",
      "PEXPIREAT foo8 * nx",
      "SET foo9 bar",
      "PEXPIREAT foo9 *",
      "SET foo10 bar",
      "PEXPIREAT foo10 *",
      "SET foo11 bar",
      "DEL foo11",
      "SET foo12 bar",
      "PEXPIREAT foo12 *",
      "PEXPIREAT foo12 *",
      "PEXPIREAT foo12 *",
      "PEXPIREAT foo12 *",
      "PERSIST foo12",
      "DEL foo12"
    ])
  })

  it("logs SET with an already-past PXAT over an existing key as DEL (Valkey 8; Redis 7.0 stored it)", async () => {
    const dir = path.join(kfDir, "appendonlydir")
    const before = lastIncrCommands(dir).length
    const client = new Redis({ port: keyfiber.port, host: "127.0.0.1" })
    try {
      await client.set("foo13", "bar", "PX", 100000)
      await client.call("set", "foo13", "bar", "pxat", String(Date.now() - 100000))
      await client.call("set", "foo14", "bar", "pxat", String(Date.now() - 100000))
      expect(normalize(lastIncrCommands(dir).slice(before))).toEqual(["SET foo13 bar PXAT *", "DEL foo13"])
    } finally {
      client.disconnect()
    }
  })

  it("logs RESTORE with a relative TTL as its absolute time plus ABSTTL, and a past one over a key as DEL", async () => {
    const dir = path.join(kfDir, "appendonlydir")
    const client = new Redis({ port: keyfiber.port, host: "127.0.0.1" })
    try {
      await client.set("foo16", "bar")
      const payload = await client.dumpBuffer("foo16")
      const before = lastIncrCommands(dir).length
      await client.restore("foo17", 100000, payload)
      const at = Date.now() + 100000
      await client.call("restore", "foo18", String(at), payload, "absttl")
      await client.call("restore", "foo18", String(Date.now() - 1000), payload, "absttl", "replace")
      const logged = lastIncrCommands(dir).slice(before)
      expect(logged.map((c) => c.length)).toEqual([5, 5, 2])
      expect(normalize(logged.map((c) => (c.length === 5 ? [c[0], c[1], c[2], "<payload>", c[4]] : c)))).toEqual([
        "RESTORE foo17 * <payload> ABSTTL",
        "RESTORE foo18 * <payload> absttl",
        "DEL foo18"
      ])
      expect(logged[1][2]).toBe(String(at))
      expect(Buffer.from(logged[0][3], "latin1")).toEqual(payload)
    } finally {
      client.disconnect()
    }
  })

  it("logs string and hash rewrites (SET GET, GETSET, GETDEL, INCRBYFLOAT, HINCRBYFLOAT) as redis-server does", async () => {
    const [kf, rs] = await both([
      ["set", "s1", "a"],
      ["set", "s1", "b", "get"],
      ["set", "s1", "c", "get", "xx"],
      ["getset", "s1", "d"],
      ["getdel", "s1"],
      ["getdel", "s1"],
      ["incrbyfloat", "f", "1.5"],
      ["incrbyfloat", "f", "0.1"],
      ["hincrbyfloat", "h", "x", "2.5"],
      ["get", "f"]
    ])
    expect(kf).toEqual(rs)
    expect(kf).toEqual([
      "SET s1 a",
      "SET s1 b",
      "SET s1 c xx",
      "SET s1 d",
      "DEL s1",
      "SET f 1.5 KEEPTTL",
      "SET f 1.6 KEEPTTL",
      "HSET h x 2.5"
    ])
  })

  it("logs blocking and multi-key pops in their non-blocking forms, as redis-server does", async () => {
    const [kf, rs] = await both([
      ["rpush", "l", "a", "b", "c", "d"],
      ["blpop", "nol", "l", 0],
      ["brpop", "l", 0],
      ["lmpop", 1, "l", "left", "count", 1],
      ["rpush", "l2", 1, 2, 3],
      ["blmpop", 0, 2, "nol", "l2", "right", "count", 10],
      ["rpush", "l3", "x", "y", "z"],
      ["blmove", "l3", "l4", "left", "right", 0],
      ["brpoplpush", "l3", "l4", 0],
      ["zadd", "z", 1, "a", 2, "b", 3, "c", 4, "d"],
      ["bzpopmin", "z", 0],
      ["bzpopmax", "z", 0],
      ["zmpop", 1, "z", "min", "count", 5],
      ["zadd", "z2", 1, "a", 2, "b"],
      ["bzmpop", 0, 1, "z2", "max", "count", 1],
      ["sadd", "st1", "x"],
      ["spop", "st1"],
      ["sadd", "st2", "a", "b", "c"],
      ["spop", "st2", 5],
      ["sadd", "st3", "a"],
      ["srandmember", "st3"],
      ["srandmember", "st3", 3]
    ])
    expect(kf).toEqual(rs)
    expect(kf).toEqual([
      "RPUSH l a b c d",
      "LPOP l",
      "RPOP l",
      "LPOP l 1",
      "RPUSH l2 1 2 3",
      "RPOP l2 3",
      "RPUSH l3 x y z",
      "LMOVE l3 l4 left right",
      "RPOPLPUSH l3 l4",
      "ZADD z 1 a 2 b 3 c 4 d",
      "ZPOPMIN z",
      "ZPOPMAX z",
      "ZPOPMIN z 2",
      "ZADD z2 1 a 2 b",
      "ZPOPMAX z2 1",
      "SADD st1 x",
      "SREM st1 x",
      "SADD st2 a b c",
      "DEL st2",
      "SADD st3 a"
    ])
  })

  it("wraps a transaction in MULTI/EXEC only when more than one command propagates, and emits SELECT when the db changes", async () => {
    const [kf, rs] = await both([
      ["multi"],
      ["set", "m1", 1],
      ["incr", "m1"],
      ["exec"],
      ["multi"],
      ["set", "m2", 1],
      ["get", "m2"],
      ["exec"],
      ["multi"],
      ["get", "m2"],
      ["exec"],
      ["select", 2],
      ["set", "d2", "v"],
      ["move", "d2", 3],
      ["select", 3],
      ["copy", "d2", "d2copy", "db", 4],
      ["flushdb"],
      ["select", 0],
      ["swapdb", 5, 6]
    ])
    expect(kf).toEqual(rs)
    expect(kf).toEqual([
      "MULTI",
      "SET m1 1",
      "INCR m1",
      "EXEC",
      "SET m2 1",
      "SELECT 2",
      "SET d2 v",
      "MOVE d2 3",
      "SELECT 3",
      "COPY d2 d2copy db 4",
      "FLUSHDB",
      "SELECT 0",
      "SWAPDB 5 6"
    ])
  })

  it("logs SPOP with a count below the set's size as SREMs of the popped members, never SPOP", async () => {
    const dir = path.join(kfDir, "appendonlydir")
    const before = lastIncrCommands(dir).length
    const client = new Redis({ port: keyfiber.port, host: "127.0.0.1" })
    try {
      await client.sadd("big", ...Array.from({ length: 2000 }, (_, i) => `m${i}`))
      const popped = await client.spop("big", 1500)
      const logged = lastIncrCommands(dir).slice(before + 1)
      // 1500 members in SREMs of at most 1024, wrapped as one transaction.
      expect(logged.map((c) => [c[0], c.length - 2])).toEqual([["MULTI", -1], ["SREM", 1024], ["SREM", 476], ["EXEC", -1]])
      expect(new Set(logged.slice(1, 3).flatMap((c) => c.slice(2)))).toEqual(new Set(popped))
    } finally {
      client.disconnect()
    }
  })

  it("logs keys removed by expiry (lazy and active) as DEL with lazyfree-lazy-expire no, UNLINK with yes (Valkey 8's default)", async () => {
    const dir = path.join(kfDir, "appendonlydir")
    const client = new Redis({ port: keyfiber.port, host: "127.0.0.1" })
    try {
      await client.call("debug", "set-active-expire", "0").catch(() => undefined)
      const before = lastIncrCommands(dir).length
      await client.set("lazy", "v", "PX", 1)
      await waitFor("the key to expire", async () => (await client.call("pttl", "lazy")) === -2)
      // The read that found it expired is not logged, its deletion is.
      expect(normalize(lastIncrCommands(dir).slice(before))).toEqual(["SET lazy v PXAT *", "DEL lazy"])
      await client.config("SET", "lazyfree-lazy-expire", "yes")
      const mark = lastIncrCommands(dir).length
      await client.set("active", "v", "PX", 1)
      await waitFor("active expiry to delete it", () => lastIncrCommands(dir).length === mark + 2, 5000)
      expect(normalize(lastIncrCommands(dir).slice(mark))).toEqual(["SET active v PXAT *", "UNLINK active"])
    } finally {
      await client.config("SET", "lazyfree-lazy-expire", "no")
      client.disconnect()
    }
  })

  it("defaults to Valkey 8's lazyfree settings: an expired key is logged as UNLINK", async () => {
    const dir = tempDir("lazyfree")
    const kf = await startKeyfiber(dir)
    const client = new Redis({ port: kf.port, host: "127.0.0.1" })
    try {
      const names = ["lazyfree-lazy-eviction", "lazyfree-lazy-expire", "lazyfree-lazy-server-del", "lazyfree-lazy-user-del", "lazyfree-lazy-user-flush", "replica-lazy-flush"]
      for (const name of names) expect(await client.config("GET", name)).toEqual([name, "yes"])
      await client.set("gone", "v", "PX", 1)
      await waitFor("the key to expire", async () => (await client.call("pttl", "gone")) === -2)
      // Every incremental file, in order: a rewrite may have opened a new one meanwhile.
      const aofDir = path.join(dir, "appendonlydir")
      const logged = () =>
        normalize(readManifest(aofDir).filter((e) => e.type === "i").flatMap((e) => parseAofCommands(fs.readFileSync(path.join(aofDir, e.file))))).filter((line) =>
          line.includes("gone")
        )
      await waitFor("both lines in the AOF", () => logged().length >= 2).catch(() => undefined)
      expect(logged()).toEqual(["SET gone v PXAT *", "UNLINK gone"])
    } finally {
      client.disconnect()
      await kf.close()
    }
  })

  it("logs a blocked BLPOP served later by a push as LPOP after the push", async () => {
    const dir = path.join(kfDir, "appendonlydir")
    const before = lastIncrCommands(dir).length
    const waiter = new Redis({ port: keyfiber.port, host: "127.0.0.1" })
    const pusher = new Redis({ port: keyfiber.port, host: "127.0.0.1" })
    try {
      const served = waiter.blpop("later", 0)
      await waitFor("the waiter to block", async () => /blocked_clients:1/.test(await pusher.info("clients")))
      await pusher.rpush("later", "x")
      expect(await served).toEqual(["later", "x"])
      expect(normalize(lastIncrCommands(dir).slice(before))).toEqual(["RPUSH later x", "LPOP later"])
    } finally {
      waiter.disconnect()
      pusher.disconnect()
    }
  })
})
