// Replication across implementations: a redis-server 7.0 primary with a keyfiber replica, and a
// keyfiber primary (RDB version 10, which Redis 7.0 reads) with a redis-server replica.
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Redis } from "ioredis"
import { afterEach, describe, expect, it } from "vitest"
import type { RunningKeyfiber } from "../../src/start.js"
import { type RedisServer, startRedisServer } from "../support/redisServer.js"
import { dataset, replicationInfo, startKeyfiber, waitForSync } from "./support.js"

const cleanup: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

const keyfiber = async (config = ""): Promise<{ kf: RunningKeyfiber; client: Redis; logs: Array<string> }> => {
  const { kf, client, logs } = await startKeyfiber(config)
  cleanup.push(() => kf.close(), () => client.disconnect())
  return { kf, client, logs }
}

const redis = async (args: ReadonlyArray<string>): Promise<{ server: RedisServer; client: Redis }> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyfiber-repl-redis-"))
  const server = await startRedisServer(["--dir", dir, ...args])
  const client = new Redis({ port: server.port, host: "127.0.0.1", retryStrategy: () => null })
  client.on("error", () => {})
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }), () => server.stop(), () => client.disconnect())
  return { server, client }
}

/** Writes of every type, in two databases and a transaction. */
const writeEverything = async (c: Redis, tag: string): Promise<void> => {
  await c.set(`s:${tag}`, "value")
  await c.incrby(`n:${tag}`, 7)
  await c.rpush(`l:${tag}`, "a", "b", "c")
  await c.lpop(`l:${tag}`)
  await c.hset(`h:${tag}`, "f1", "v1", "f2", "v2")
  await c.sadd(`set:${tag}`, "x", "y", "1", "2")
  await c.zadd(`z:${tag}`, 1.5, "m1", 2, "m2")
  await c.set(`t:${tag}`, "v", "EX", 1000)
  await c.set(`bin:${tag}`, Buffer.from([0, 1, 2, 255, 254]))
  await c.select(4)
  await c.set(`db4:${tag}`, "four")
  await c.select(0)
  await c.multi().set(`m:${tag}`, "1").incr(`m:${tag}`).exec()
}

describe("replication with redis-server 7.0", () => {
  it("a keyfiber replica of a redis-server primary gets its data and stream", async () => {
    const primary = await redis(["--repl-diskless-sync-delay", "0"])
    await writeEverything(primary.client, "before")
    const replica = await keyfiber()
    expect(await replica.client.replicaof("127.0.0.1", String(primary.server.port))).toBe("OK")
    await waitForSync(primary.client, replica.client, 15_000)
    await writeEverything(primary.client, "after")
    await primary.client.del("s:before")
    await waitForSync(primary.client, replica.client, 15_000)
    expect(await dataset(replica.client)).toEqual(await dataset(primary.client))
    // The primary counts the keyfiber replica's acknowledgements.
    expect(await primary.client.wait(1, 5000)).toBe(1)
    const info = await replicationInfo(primary.client)
    expect(info.slave0).toContain("state=online")
    // A lost link (in database 4, where the stream goes on without a new SELECT) resumes with
    // PSYNC: redis counts a partial resync.
    const db4 = new Redis({ port: primary.server.port, host: "127.0.0.1", db: 4 })
    cleanup.push(() => db4.disconnect())
    await db4.set("x", "1")
    await waitForSync(primary.client, replica.client, 15_000)
    expect(await replica.client.client("KILL", "TYPE", "master")).toBe(1)
    await db4.set("y", "2")
    await waitForSync(primary.client, replica.client, 15_000)
    expect(await dataset(replica.client)).toEqual(await dataset(primary.client))
    expect(/sync_partial_ok:(\d+)/.exec(await primary.client.info("stats"))![1]).toBe("1")
  })

  it("a redis-server replica of a keyfiber primary (RDB version 10) gets its data and stream", async () => {
    const primary = await keyfiber("rdb-version 10\n")
    await writeEverything(primary.client, "before")
    const replica = await redis(["--replicaof", "127.0.0.1", String(primary.kf.port)])
    await waitForSync(primary.client, replica.client, 15_000)
    await writeEverything(primary.client, "after")
    await primary.client.del("s:before")
    await waitForSync(primary.client, replica.client, 15_000)
    expect(await dataset(replica.client)).toEqual(await dataset(primary.client))
    expect(await primary.client.wait(1, 5000)).toBe(1)
    // The redis replica's lost link resumes with PSYNC and +CONTINUE.
    expect(await primary.client.client("KILL", "TYPE", "replica")).toBe(1)
    await primary.client.set("during", "1")
    await waitForSync(primary.client, replica.client, 15_000)
    expect(await replica.client.get("during")).toBe("1")
    expect(primary.logs.filter((l) => l.startsWith("Partial resynchronization request from"))).toHaveLength(1)
  })
})
