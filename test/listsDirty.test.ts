import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RedisServer, startRedisServer } from "./support/redisServer.js"
import { type RunningServer, startServer } from "./support/server.js"
import { waitFor } from "./support/waitFor.js"

/**
 * How many changes list commands count (INFO `rdb_changes_since_last_save`, Valkey's
 * `server.dirty`: what save points and propagation go by), compared with redis-server 7.0.15:
 * one per element pushed or removed, none for LMOVE's push, none for an LTRIM that trims nothing.
 */
describe("list commands' change counts compared with redis-server 7.0.15", () => {
  let redis: RedisServer
  let s: RunningServer
  beforeAll(async () => {
    ;[redis, s] = await Promise.all([startRedisServer(), startServer()])
  })
  afterAll(async () => {
    await Promise.all([redis.stop(), s.close()])
  })

  /** The change count of each step on one server (`changes` reads its counter). */
  const deltas = async (port: number, changes: (r: Redis) => Promise<number>): Promise<Array<number>> => {
    const r = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: 0 })
    const waiter = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: 0 })
    await r.flushall()
    const steps: Array<() => Promise<unknown>> = [
      () => r.lpush("l", "a", "b", "c"),
      () => r.rpush("l", "d", "e"),
      () => r.lpop("l", 2),
      () => r.rpop("l"),
      () => r.lmove("l", "l2", "LEFT", "RIGHT"),
      () => r.rpoplpush("l2", "l2"),
      () => r.rpush("r", "x", "y", "x", "x"),
      () => r.lrem("r", 0, "x"),
      () => r.ltrim("r", 0, -1),
      () => r.ltrim("r", 1, 0),
      () => r.lset("l", 0, "z"),
      () => r.linsert("l", "BEFORE", "z", "w"),
      () => r.lmpop(2, "none", "l", "RIGHT", "COUNT", 5),
      async () => {
        const popped = waiter.blpop("b", 0)
        await waitFor("BLPOP to block", async () => /blocked_clients:1/.test(await r.info("clients")))
        await r.lpush("b", "v")
        return popped
      },
      async () => {
        const moved = waiter.blmove("b", "b2", "LEFT", "LEFT", 0)
        await waitFor("BLMOVE to block", async () => /blocked_clients:1/.test(await r.info("clients")))
        await r.lpush("b", "v")
        return moved
      }
    ]
    const out: Array<number> = []
    for (const step of steps) {
      const before = await changes(r)
      await step()
      out.push((await changes(r)) - before)
    }
    r.disconnect()
    waiter.disconnect()
    return out
  }

  it("count as redis-server does", async () => {
    const expected = await deltas(redis.port, async (r) => Number(/rdb_changes_since_last_save:(\d+)/.exec(await r.info("persistence"))![1]))
    // keyfiber without persistence shows no save counter: its `dirty` is what the counter reads.
    const actual = await deltas(s.port, async () => s.server.keyspace.dirty)
    // A served BLPOP/BLMOVE counts its pop too in Valkey 7.2+ (list.tcl "BLPOP/BLMOVE should
    // increase dirty"); redis 7.0 did not.
    expect(actual.slice(0, -2)).toEqual(expected.slice(0, -2))
    expect(actual).toEqual([3, 2, 2, 1, 1, 1, 4, 3, 0, 1, 1, 1, 2, 2, 2])
  })
})
