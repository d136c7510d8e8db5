// Streams exchanged with a real redis-server 7.0.15 both ways, as DUMP payloads (its RDB version
// 10 form, RDB_TYPE_STREAM_LISTPACKS_2), compared by XINFO STREAM FULL on both servers.
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningKeyfiber, start } from "../src/start.js"
import { tempDir } from "./support/aofFiles.js"
import { type RedisServer, startRedisServer } from "./support/redisServer.js"

/** Commands building streams with tombstones, several nodes, groups, consumers and pending entries. */
const population: ReadonlyArray<ReadonlyArray<string>> = [
  ["CONFIG", "SET", "stream-node-max-entries", "4"],
  ...Array.from({ length: 11 }, (_, i) => ["XADD", "s", `${i + 1}-${i}`, "field", `v${i}`, ...(i % 3 === 0 ? ["other", "x".repeat(70)] : [])]),
  ["XADD", "s", "12-0", "n", "-5", "big", "9223372036854775807"],
  ["XDEL", "s", "2-1", "5-4"],
  ["XTRIM", "s", "MAXLEN", "9"],
  ["XGROUP", "CREATE", "s", "g1", "0"],
  ["XGROUP", "CREATE", "s", "g2", "$"],
  ["XREADGROUP", "GROUP", "g1", "alice", "COUNT", "3", "STREAMS", "s", ">"],
  ["XREADGROUP", "GROUP", "g1", "bob", "COUNT", "2", "STREAMS", "s", ">"],
  ["XACK", "s", "g1", "7-6"],
  ["XGROUP", "CREATECONSUMER", "s", "g2", "idle"],
  ["XADD", "empty", "MAXLEN", "0", "1-1", "x", "y"],
  ["XGROUP", "CREATE", "empty", "g", "$"],
  ["XADD", "huge", "18446744073709551615-18446744073709551614", "a", "b"]
]
const KEYS = ["s", "empty", "huge"]

/**
 * XINFO STREAM FULL as both servers can show it: Redis 7.0 has no consumer active-time, and the
 * radix tree's inner node count is its own layout.
 */
const info = async (client: Redis, key: string): Promise<unknown> => {
  const strip = (reply: unknown): unknown => {
    if (!Array.isArray(reply)) return reply
    const out: Array<unknown> = []
    for (let i = 0; i < reply.length; i++) {
      if (reply[i] === "active-time" || reply[i] === "radix-tree-nodes") {
        i++
        continue
      }
      out.push(strip(reply[i]))
    }
    return out
  }
  return strip(await client.call("XINFO", "STREAM", key, "FULL"))
}

describe("streams and redis-server 7.0.15", () => {
  let redis: RedisServer
  let kf: RunningKeyfiber
  let rs: Redis
  let ours: Redis

  beforeAll(async () => {
    redis = await startRedisServer()
    kf = await start({ config: `rdb-version 10\nsave ""\ndir ${tempDir("streams-interop")}\n` })
    rs = new Redis({ port: redis.port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 })
    ours = new Redis({ port: kf.port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 })
    await Promise.all([rs.connect(), ours.connect()])
  }, 30_000)

  afterAll(async () => {
    rs?.disconnect()
    ours?.disconnect()
    await kf?.close()
    await redis?.stop()
  })

  it("builds the same streams from the same commands", async () => {
    for (const [name, ...args] of population) {
      const [a, b] = await Promise.all([rs.call(name, ...args), ours.call(name, ...args)])
      expect([name, b]).toEqual([name, a])
    }
    for (const key of KEYS) {
      // Pending entries' delivery times differ between the servers; the rest must not.
      const mask = (reply: unknown): string => JSON.stringify(reply).replace(/\d{13}/g, "T")
      expect(mask(await info(ours, key))).toBe(mask(await info(rs, key)))
    }
  })

  it("DUMPs the same bytes as redis-server for streams without delivery times", async () => {
    // `s` holds delivery and seen times, which differ between the two servers.
    for (const key of ["empty", "huge"]) expect((await ours.dumpBuffer(key)).toString("hex")).toBe((await rs.dumpBuffer(key)).toString("hex"))
  })

  it("RESTOREs redis-server's DUMP of every stream as it is there", async () => {
    for (const key of KEYS) {
      const payload = await rs.dumpBuffer(key)
      await ours.restore(`from-redis:${key}`, 0, payload)
      expect(await info(ours, `from-redis:${key}`)).toEqual(await info(rs, key))
    }
  })

  it("DUMPs (rdb-version 10) what redis-server RESTOREs as the same stream", async () => {
    for (const key of KEYS) {
      const payload = await ours.dumpBuffer(key)
      await rs.restore(`from-keyfiber:${key}`, 0, payload)
      expect(await info(rs, `from-keyfiber:${key}`)).toEqual(await info(ours, key))
      // And back: the round trip through redis-server changes nothing.
      await ours.restore(`round-trip:${key}`, 0, await rs.dumpBuffer(`from-keyfiber:${key}`))
      expect(await info(ours, `round-trip:${key}`)).toEqual(await info(ours, key))
    }
  })
})
