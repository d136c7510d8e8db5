// DUMP/RESTORE payloads and RDB files exchanged with a real redis-server 7.0.15, both ways, for
// every type and encoding (small and large forms, integers, binary bytes, compressible and
// incompressible long strings, expiring keys, several databases).
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { HashValue } from "../src/keyspace/HashValue.js"
import { ListValue } from "../src/keyspace/ListValue.js"
import { SetValue } from "../src/keyspace/SetValue.js"
import type { Value } from "../src/keyspace/Value.js"
import { ZSetValue } from "../src/keyspace/ZSetValue.js"
import { dumpPayload } from "../src/persistence/rdb/Dump.js"
import { readRdb } from "../src/persistence/rdb/RdbReader.js"
import { RdbWriter } from "../src/persistence/rdb/RdbWriter.js"
import { type RedisServer, startRedisServer } from "./support/redisServer.js"
import { startServerProcess } from "./support/childServer.js"
import { type RunningServer, startServer } from "./support/server.js"
import { waitFor } from "./support/waitFor.js"

const binary = (n: number, seed: number): Buffer => {
  const b = Buffer.alloc(n)
  let x = seed
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    b[i] = x >>> 24
  }
  return b
}

type Arg = string | Buffer | number

/** Commands that build one key of each type and encoding (run on both servers). */
const population: ReadonlyArray<ReadonlyArray<Arg>> = [
  ["SET", "str:small", "hello"],
  ["SET", "str:int", "12345"],
  ["SET", "str:neg", "-7"],
  ["SET", "str:int64", "9223372036854775807"],
  ["SET", "str:notint", "007"],
  ["SET", "str:empty", ""],
  ["SET", "str:binary", Buffer.from([0, 255, 13, 10, 128, 1])],
  ["SET", "str:compressible", "abc".repeat(200)],
  ["SET", "str:random", binary(300, 1)],
  ["SET", "str:ttl", "soon", "PX", "100000000"],
  ["RPUSH", "list:small", "a", "1", "-5", "100000", "9999999999", "", "x".repeat(70)],
  ["RPUSH", "list:large", ...Array.from({ length: 3000 }, (_, i) => `element:${i}`)],
  ["RPUSH", "list:binary", binary(20, 2), binary(5000, 3), "z"],
  // Over 8 KB: a PLAIN quicklist node in Valkey (a listpack node in Redis 7.0).
  ["RPUSH", "list:plain", "head", binary(10000, 8), "tail"],
  ["RPUSH", "list:ttl", "a"],
  ["PEXPIRE", "list:ttl", "200000000"],
  ["SADD", "set:intset", "1", "2", "3", "-70000", "5000000000"],
  ["SADD", "set:bigintset", ...Array.from({ length: 600 }, (_, i) => String(i * 7))],
  ["SADD", "set:small", "a", "b", "c"],
  ["SADD", "set:large", ...Array.from({ length: 300 }, (_, i) => `member:${i}`)],
  ["SADD", "set:binary", binary(10, 4), binary(100, 5)],
  ["HSET", "hash:small", "f1", "v1", "f2", "2", "f3", ""],
  ["HSET", "hash:large", ...Array.from({ length: 600 }, (_, i) => [`field:${i}`, `value:${i}`]).flat()],
  ["HSET", "hash:longvalue", "f", "v".repeat(100), "g", "1"],
  ["HSET", "hash:binary", binary(8, 6), binary(30, 7)],
  ["ZADD", "zset:small", "1", "a", "2.5", "b", "-3", "c", "0", "d", "1e20", "e", "inf", "f", "-inf", "g"],
  ["ZADD", "zset:large", ...Array.from({ length: 300 }, (_, i) => [String(i / 3), `m:${i}`]).flat()],
  ["ZADD", "zset:longmember", "1", "m".repeat(100), "2", "n"],
  ["ZADD", "zset:ttl", "1", "a"],
  ["PEXPIREAT", "zset:ttl", "4102444800000"]
]

const keysOf = (): Array<string> => [...new Set(population.map((c) => String(c[1])))]

/** A key's type, value (binary-exact, as latin1) and absolute expire, read over the wire. */
const snapshot = async (client: Redis, key: string): Promise<unknown> => {
  const text = (b: Buffer) => b.toString("latin1")
  const type = await client.type(key)
  const expire = Number(await client.call("PEXPIRETIME", key))
  let value: unknown
  switch (type) {
    case "string":
      value = text((await client.getBuffer(key))!)
      break
    case "list":
      value = (await client.lrangeBuffer(key, 0, -1)).map(text)
      break
    case "set":
      value = (await client.smembersBuffer(key)).map(text).sort()
      break
    case "hash": {
      const flat = (await client.callBuffer("HGETALL", key)) as Array<Buffer>
      const pairs: Array<[string, string]> = []
      for (let i = 0; i < flat.length; i += 2) pairs.push([text(flat[i]), text(flat[i + 1])])
      value = pairs.sort((a, b) => (a[0] < b[0] ? -1 : 1))
      break
    }
    case "zset":
      // Scores as numbers: Redis 7.0 prints %.17g, Valkey the shortest round-trip form.
      value = ((await client.call("ZRANGE", key, "0", "-1", "WITHSCORES")) as Array<string>).map((s, i) =>
        i % 2 === 0 ? s : s === "inf" ? Infinity : s === "-inf" ? -Infinity : Number(s)
      )
      break
    default:
      value = null
  }
  return { type, value, expire }
}

/** The same view of a value read by readRdb. */
const describeValue = (value: Value, expireAt: number): unknown => {
  const expire = expireAt === 0 ? -1 : expireAt
  if (typeof value === "string") return { type: "string", value, expire }
  if (value instanceof ListValue) return { type: "list", value: value.toArray(), expire }
  if (value instanceof SetValue) return { type: "set", value: [...value.members].sort(), expire }
  if (value instanceof HashValue) return { type: "hash", value: [...value.fields].sort((a, b) => (a[0] < b[0] ? -1 : 1)), expire }
  if (value instanceof ZSetValue) {
    const out: Array<string | number> = []
    for (let n = value.list.first; n !== null; n = n.forward[0]) out.push(n.member, n.score)
    return { type: "zset", value: out, expire }
  }
  return { type: "module", value: null, expire }
}

describe("RDB and DUMP interoperability with redis-server 7.0.15", () => {
  let redis: RedisServer
  let keyfiber: RunningServer
  let r: Redis
  let k: Redis
  let dir: string

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyfiber-rdb-"))
    redis = await startRedisServer(["--dir", dir])
    keyfiber = await startServer()
    r = new Redis({ port: redis.port, host: "127.0.0.1", enableReadyCheck: false })
    k = new Redis({ port: keyfiber.port, host: "127.0.0.1", enableReadyCheck: false })
  })

  afterAll(async () => {
    r?.disconnect()
    k?.disconnect()
    await redis?.stop()
    await keyfiber?.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  const populate = async (client: Redis): Promise<void> => {
    await client.flushall()
    for (const command of population) await client.call(String(command[0]), ...command.slice(1))
  }

  it("RESTOREs every type and encoding DUMPed by redis-server, with its TTL", async () => {
    await populate(r)
    await k.flushall()
    for (const key of keysOf()) {
      const payload = await r.dumpBuffer(key)
      expect(payload, key).not.toBeNull()
      const expire = Number(await r.call("PEXPIRETIME", key))
      const reply = await k.call("RESTORE", key, String(Math.max(expire, 0)), payload!, "ABSTTL")
      expect(reply, key).toBe("OK")
      expect(await snapshot(k, key), key).toEqual(await snapshot(r, key))
    }
  })

  it("re-encodes redis-server's DUMPs byte for byte where the encodings agree (RDB version 10)", async () => {
    await populate(r)
    const keyspace = keyfiber.server.keyspace
    // Keys whose encodings Redis 7.0 and Valkey 8 choose alike (Valkey 8 has listpack sets and
    // 128-entry hash listpacks where Redis 7.0 uses hashtables and 512 entries).
    const same = [
      "str:small",
      "str:int",
      "str:neg",
      "str:int64",
      "str:notint",
      "str:empty",
      "str:binary",
      "str:compressible",
      "str:random",
      "list:small",
      "list:large",
      "set:intset",
      "set:bigintset",
      "set:large",
      "hash:small",
      "zset:small",
      "zset:large",
      "zset:longmember"
    ]
    for (const key of same) {
      const payload = (await r.dumpBuffer(key))!.toString("latin1")
      await k.call("RESTORE", key, "0", Buffer.from(payload, "latin1"), "REPLACE")
      const value = keyspace.lookup(0, key)!.value
      expect(dumpPayload(value, { compression: true, checksum: true, rdbVersion: 10 }), key).toBe(payload)
    }
  })

  it("DUMPs that redis-server 7.0.15 refuses as Valkey 8's (version 11), and accepts as version 10", async () => {
    await populate(k)
    await r.flushall()
    const keyspace = keyfiber.server.keyspace
    for (const key of keysOf()) {
      const ours = await k.dumpBuffer(key)
      // A Valkey 8 payload carries RDB version 11; Redis 7.0 (RDB 10) refuses it, as it refuses Valkey 8's.
      await expect(r.call("RESTORE", key, "0", ours!)).rejects.toThrow("ERR DUMP payload version or checksum are wrong")
      const entry = keyspace.lookup(0, key)!
      const v10 = Buffer.from(dumpPayload(entry.value, { compression: true, checksum: true, rdbVersion: 10 }), "latin1")
      const expire = Number(await k.call("PEXPIRETIME", key))
      expect(await r.call("RESTORE", key, String(Math.max(expire, 0)), v10, "ABSTTL"), key).toBe("OK")
      expect(await snapshot(r, key), key).toEqual(await snapshot(k, key))
    }
  })

  it("reads every key of an RDB file written by redis-server's SAVE", async () => {
    await populate(r)
    await r.select(3)
    await r.set("db3:key", "in database 3", "PX", "300000000")
    await r.select(0)
    expect(await r.save()).toBe("OK")
    const bytes = fs.readFileSync(path.join(dir, "dump.rdb"))
    const seen = new Map<string, unknown>()
    const aux = new Map<string, string>()
    readRdb(bytes, {
      aux: (name, value) => aux.set(name, value),
      entry: (db, key, value, expireAt) => seen.set(`${db}/${key}`, describeValue(value, expireAt))
    })
    expect(aux.get("redis-ver")).toBe(redis.version)
    expect(seen.size).toBe(keysOf().length + 1)
    for (const key of keysOf()) expect(seen.get(`0/${key}`), key).toEqual(await snapshot(r, key))
    await r.select(3)
    expect(seen.get("3/db3:key")).toEqual(await snapshot(r, "db3:key"))
    await r.select(0)
  })

  it("writes RDB files (version 10) that redis-server loads with every key, type, value and TTL", async () => {
    await populate(k)
    await k.select(5)
    await k.set("db5:key", "five", "PX", "300000000")
    await k.select(0)
    const keyspace = keyfiber.server.keyspace
    const writer = new RdbWriter({ compression: true, checksum: true, rdbVersion: 10 })
    writer.header([
      ["redis-ver", "7.0.15"],
      ["redis-bits", "64"],
      ["ctime", String(Math.floor(Date.now() / 1000))],
      ["used-mem", "1000000"],
      ["aof-base", "0"]
    ])
    for (const db of keyspace.dbs) {
      if (db.size === 0) continue
      const entries = [...db.slots]
      writer.selectDb(db.id, entries.length, db.volatileCount)
      for (const entry of entries) writer.entry(entry.key, entry.value, entry.expireAt)
    }
    writer.footer()
    const file = path.join(dir, "keyfiber.rdb")
    fs.writeFileSync(file, Buffer.concat(writer.drain()))
    const loaded = await startRedisServer(["--dir", dir, "--dbfilename", "keyfiber.rdb"])
    const check = new Redis({ port: loaded.port, host: "127.0.0.1", enableReadyCheck: false })
    try {
      await waitFor("redis-server to load the file", async () => Number(await check.dbsize()) > 0)
      expect(await check.dbsize()).toBe(keysOf().length)
      for (const key of keysOf()) expect(await snapshot(check, key), key).toEqual(await snapshot(k, key))
      await check.select(5)
      await k.select(5)
      expect(await snapshot(check, "db5:key")).toEqual(await snapshot(k, "db5:key"))
      await k.select(0)
    } finally {
      check.disconnect()
      await loaded.stop()
    }
  })

  it("a server run with rdb-version 10 DUMPs what redis-server RESTOREs and SAVEs a file it loads", async () => {
    const child = await startServerProcess(["--port", "0", "--save", "", "--appendonly", "no", "--dir", dir, "--dbfilename", "v10.rdb", "--rdb-version", "10"])
    const c = new Redis({ port: child.port, host: "127.0.0.1", enableReadyCheck: false })
    try {
      await populate(c)
      await r.flushall()
      for (const key of keysOf()) {
        const payload = await c.dumpBuffer(key)
        const expire = Number(await c.call("PEXPIRETIME", key))
        expect(await r.call("RESTORE", key, String(Math.max(expire, 0)), payload!, "ABSTTL"), key).toBe("OK")
        expect(await snapshot(r, key), key).toEqual(await snapshot(c, key))
      }
      expect(await c.call("SAVE")).toBe("OK")
      const loaded = await startRedisServer(["--dir", dir, "--dbfilename", "v10.rdb"])
      const check = new Redis({ port: loaded.port, host: "127.0.0.1", enableReadyCheck: false })
      try {
        await waitFor("redis-server to load the file", async () => Number(await check.dbsize()) > 0)
        expect(await check.dbsize()).toBe(keysOf().length)
        for (const key of keysOf()) expect(await snapshot(check, key), key).toEqual(await snapshot(c, key))
      } finally {
        check.disconnect()
        await loaded.stop()
      }
      // Back to Valkey 8's version: redis-server 7.0 refuses it again.
      expect(await c.call("CONFIG", "SET", "rdb-version", "11")).toBe("OK")
      await expect(r.call("RESTORE", "again", "0", (await c.dumpBuffer("str:small"))!)).rejects.toThrow("ERR DUMP payload version or checksum are wrong")
    } finally {
      c.disconnect()
      await child.kill()
    }
  })
})
