// DEBUG POPULATE (debug.c): keyfiber against redis-server 7.0.15 for the same calls.
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RedisServer, startRedisServer } from "./support/redisServer.js"
import { type ServerProcess, startServerProcess } from "./support/childServer.js"

let redis: RedisServer
let kf: ServerProcess
let r: Redis
let k: Redis

beforeAll(async () => {
  redis = await startRedisServer(["--enable-debug-command", "yes"])
  kf = await startServerProcess(["--port", "0", "--save", "", "--enable-debug-command", "yes"])
  r = new Redis({ port: redis.port, host: "127.0.0.1" })
  k = new Redis({ port: kf.port, host: "127.0.0.1" })
})
afterAll(async () => {
  r?.disconnect()
  k?.disconnect()
  await redis?.stop()
  await kf?.kill()
})

/** The same commands on both servers: their replies, or error texts. */
const both = async (...argv: Array<string>): Promise<[unknown, unknown]> => {
  const call = (c: Redis) => c.callBuffer(argv[0], ...argv.slice(1)).then((v) => v, (e: Error) => `error: ${e.message}`)
  return [await call(r), await call(k)]
}

describe("DEBUG POPULATE", () => {
  it("creates the same keys and values as redis-server, padded or cut to a size, skipping names that exist", async () => {
    for (const argv of [
      ["SET", "key:3", "mine"],
      ["DEBUG", "POPULATE", "10"],
      ["DEBUG", "POPULATE", "3", "p", "20"],
      ["DEBUG", "POPULATE", "3", "short", "4"],
      ["DEBUG", "POPULATE", "0"]
    ]) {
      const [a, b] = await both(...argv)
      expect(b).toEqual(a)
    }
    for (const key of ["key:0", "key:3", "key:9", "p:0", "p:2", "short:1"]) {
      const [a, b] = await both("GET", key)
      expect(b).toEqual(a)
    }
    expect(await both("DBSIZE")).toEqual([16, 16])
    // Not counted as changes since the last save.
    const changes = async (c: Redis) => /rdb_changes_since_last_save:(\d+)/.exec(await c.info("persistence"))![1]
    expect(await changes(k)).toBe(await changes(r))
  })

  it("gives redis-server's errors for bad counts and sizes", async () => {
    for (const argv of [
      ["DEBUG", "POPULATE", "-1"],
      ["DEBUG", "POPULATE", "x"],
      ["DEBUG", "POPULATE", "1", "k", "-5"],
      ["DEBUG", "POPULATE", "1", "k", "5", "extra"],
      ["DEBUG", "POPULATE"]
    ]) {
      const [a, b] = await both(...argv)
      expect(b).toEqual(a)
    }
  })
})
