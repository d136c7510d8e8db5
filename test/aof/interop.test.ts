// AOF interoperability with redis-server 7.0.15, both ways: a multi-part AOF (base from a rewrite,
// in commands form, plus an incremental file) written by one server is loaded by the other, and
// the data sets are compared key by key: type, value and absolute expire time.
import * as fs from "node:fs"
import * as path from "node:path"
import { Redis } from "ioredis"
import { describe, expect, it } from "vitest"
import { start } from "../../src/start.js"
import { readManifest, tempDir } from "../support/aofFiles.js"
import { startRedisServer } from "../support/redisServer.js"
import { waitFor } from "../support/waitFor.js"

type Dump = Record<string, { type: string; value: unknown; expireAt: number }>

/** Every key of databases 0..3 with its type, value and PEXPIRETIME. */
const dump = async (port: number): Promise<Dump> => {
  const out: Dump = {}
  for (let db = 0; db < 4; db++) {
    const client = new Redis({ port, host: "127.0.0.1", db })
    try {
      for (const key of (await client.keys("*")).sort()) {
        const type = await client.type(key)
        let value: unknown
        if (type === "string") value = await client.get(key)
        else if (type === "list") value = await client.lrange(key, 0, -1)
        else if (type === "set") value = (await client.smembers(key)).sort()
        else if (type === "zset") {
          // Scores compared as numbers: Redis 7.0 prints %.17g, Valkey 8 the shortest form.
          const flat = await client.zrange(key, 0, -1, "WITHSCORES")
          value = flat.map((x, i) => (i % 2 === 0 ? x : x === "inf" ? Infinity : x === "-inf" ? -Infinity : Number(x)))
        }
        else if (type === "hash") value = Object.entries(await client.hgetall(key)).sort()
        out[`${db}:${key}`] = { type, value, expireAt: Number(await client.call("pexpiretime", key)) }
      }
    } finally {
      client.disconnect()
    }
  }
  return out
}

/** Writes of every type over databases 0 and 3, with TTLs. */
const populate = async (port: number, tag: string): Promise<void> => {
  const client = new Redis({ port, host: "127.0.0.1" })
  try {
    const future = Date.now() + 3_600_000
    await client.set(`${tag}:s`, "text value")
    await client.set(`${tag}:n`, "12345")
    await client.set(`${tag}:ttl`, "v", "PX", 3_600_000)
    await client.incrbyfloat(`${tag}:f`, "3.25")
    await client.rpush(`${tag}:l`, ...Array.from({ length: 150 }, (_, i) => `e${i}`))
    await client.sadd(`${tag}:si`, 1, 2, 3, 100000)
    await client.sadd(`${tag}:ss`, ...Array.from({ length: 130 }, (_, i) => `m${i}`))
    await client.zadd(`${tag}:z`, 1.5, "a", -2, "b", "inf", "c", 0, "d", 1e-7, "e")
    await client.hset(`${tag}:h`, ...Array.from({ length: 70 }, (_, i) => [`f${i}`, `v${i}`]).flat())
    await client.pexpireat(`${tag}:h`, future)
    await client.select(3)
    await client.set(`${tag}:db3`, "in three")
    await client.lpush(`${tag}:db3l`, "x", "y")
    await client.expire(`${tag}:db3l`, 5000)
  } finally {
    client.disconnect()
  }
}

/** Writes after the rewrite, into the incremental file. */
const modify = async (port: number, tag: string): Promise<void> => {
  const client = new Redis({ port, host: "127.0.0.1" })
  try {
    await client.append(`${tag}:s`, " more")
    await client.lpop(`${tag}:l`)
    await client.srem(`${tag}:ss`, "m5")
    await client.zincrby(`${tag}:z`, 10, "b")
    await client.hdel(`${tag}:h`, "f3")
    await client.persist(`${tag}:ttl`)
    await client.del(`${tag}:n`)
    await client.set(`${tag}:late`, "v", "EX", 7200)
    await client.multi().incr(`${tag}:counter`).incr(`${tag}:counter`).exec()
  } finally {
    client.disconnect()
  }
}

const rewritten = async (port: number): Promise<void> => {
  const client = new Redis({ port, host: "127.0.0.1" })
  try {
    await client.bgrewriteaof()
    await waitFor("the rewrite to finish", async () => {
      const info = await client.info("persistence")
      return /aof_rewrite_in_progress:0/.test(info) && /aof_rewrites:1/.test(info) && /aof_rewrite_scheduled:0/.test(info)
    }, 20_000)
  } finally {
    client.disconnect()
  }
}

describe("AOF interoperability with redis-server 7.0.15", () => {
  it("redis-server loads keyfiber's multi-part AOF (commands form) with the same data", async () => {
    const dir = tempDir("aof-kf-to-redis")
    const kf = await start({ config: `appendonly yes\naof-use-rdb-preamble no\ndir ${dir}\n` })
    let expected: Dump
    try {
      await populate(kf.port, "k")
      await rewritten(kf.port)
      await modify(kf.port, "k")
      expected = await dump(kf.port)
    } finally {
      await kf.close()
    }
    const manifest = readManifest(path.join(dir, "appendonlydir"))
    expect(manifest.map((e) => [e.file, e.type])).toEqual([
      ["appendonly.aof.2.base.aof", "b"],
      ["appendonly.aof.2.incr.aof", "i"]
    ])
    expect(Object.keys(expected).length).toBe(12)
    const redis = await startRedisServer(["--appendonly", "yes", "--aof-use-rdb-preamble", "no", "--dir", dir])
    try {
      expect(await dump(redis.port)).toEqual(expected)
    } finally {
      await redis.stop()
    }
  }, 60_000)

  it("keyfiber loads redis-server's multi-part AOF (commands form) with the same data", async () => {
    const dir = tempDir("aof-redis-to-kf")
    const redis = await startRedisServer(["--appendonly", "yes", "--aof-use-rdb-preamble", "no", "--dir", dir])
    let expected: Dump
    try {
      await populate(redis.port, "r")
      await rewritten(redis.port)
      await modify(redis.port, "r")
      expected = await dump(redis.port)
    } finally {
      await redis.stop()
    }
    expect(fs.existsSync(path.join(dir, "appendonlydir", "appendonly.aof.manifest"))).toBe(true)
    const kf = await start({ config: `appendonly yes\naof-use-rdb-preamble no\ndir ${dir}\n` })
    try {
      expect(await dump(kf.port)).toEqual(expected)
    } finally {
      await kf.close()
    }
  }, 60_000)

  it("keyfiber reloads its own AOF with an RDB preamble base (appendonly.aof.N.base.rdb, RDB 11)", async () => {
    const dir = tempDir("aof-preamble")
    const config = `appendonly yes\naof-use-rdb-preamble yes\ndir ${dir}\n`
    let expected: Dump
    const kf = await start({ config })
    try {
      await populate(kf.port, "p")
      await rewritten(kf.port)
      await modify(kf.port, "p")
      expected = await dump(kf.port)
    } finally {
      await kf.close()
    }
    const manifest = readManifest(path.join(dir, "appendonlydir"))
    expect(manifest.map((e) => [e.file, e.type])).toEqual([
      ["appendonly.aof.2.base.rdb", "b"],
      ["appendonly.aof.2.incr.aof", "i"]
    ])
    expect(fs.readFileSync(path.join(dir, "appendonlydir", "appendonly.aof.2.base.rdb")).toString("latin1", 0, 9)).toBe("REDIS0011")
    const again = await start({ config })
    try {
      expect(await dump(again.port)).toEqual(expected)
    } finally {
      await again.close()
    }
  }, 60_000)

  it("keyfiber loads redis-server's AOF with an RDB preamble base (RDB 10)", async () => {
    const dir = tempDir("aof-redis-preamble")
    const redis = await startRedisServer(["--appendonly", "yes", "--aof-use-rdb-preamble", "yes", "--dir", dir])
    let expected: Dump
    try {
      await populate(redis.port, "q")
      await rewritten(redis.port)
      await modify(redis.port, "q")
      expected = await dump(redis.port)
    } finally {
      await redis.stop()
    }
    expect(readManifest(path.join(dir, "appendonlydir"))[0].file).toBe("appendonly.aof.2.base.rdb")
    const kf = await start({ config: `appendonly yes\ndir ${dir}\n` })
    try {
      expect(await dump(kf.port)).toEqual(expected)
    } finally {
      await kf.close()
    }
  }, 60_000)
})
