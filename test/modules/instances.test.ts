import { Effect } from "effect"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { OK, PONG } from "../../src/protocol/Reply.js"
import { InProcessClient } from "../../src/server/InProcessClient.js"
import { modulePath, type RunningModuleServer, startModuleServer } from "../support/moduleServer.js"

const connect = (port: number) => new Redis(port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })

describe("MODULE LOAD blocks an in-process client like a socket client", () => {
  let s: RunningModuleServer
  beforeAll(async () => {
    s = await startModuleServer()
  })
  afterAll(async () => {
    await s.close()
  })

  it("runs sent behind MODULE LOAD wait for it; each run gets its own reply", async () => {
    const client = InProcessClient.open(s.server)
    const replies = await Effect.runPromise(
      Effect.all(
        [
          client.runReply("MODULE", "LOAD", modulePath("ratelimit.ts"), "2", "1"),
          client.runReply("PING"),
          client.runReply("RATELIMIT.TAKE", "k", "2"),
          client.runReply("ECHO", "last")
        ],
        { concurrency: "unbounded" }
      )
    )
    expect(replies).toEqual([OK, PONG, 1, "last"])
    client.close()
  })
})

describe("ratelimit keeps its state per loaded instance", () => {
  let a: RunningModuleServer
  let b: RunningModuleServer
  let ra: Redis
  let rb: Redis
  beforeAll(async () => {
    a = await startModuleServer({ modules: { load: [{ path: modulePath("ratelimit.ts"), args: ["1", "1"] }] } })
    b = await startModuleServer({ modules: { load: [{ path: modulePath("ratelimit.ts"), args: ["3", "1"] }] } })
    ra = connect(a.port)
    rb = connect(b.port)
  })
  afterAll(async () => {
    ra.disconnect()
    rb.disconnect()
    await a.close()
    await b.close()
  })

  it("two servers in one process: limits and buckets are not shared", async () => {
    expect(await ra.call("RATELIMIT.LIMITS")).toEqual(["capacity", 1, "refill_per_second", 1])
    expect(await rb.call("RATELIMIT.LIMITS")).toEqual(["capacity", 3, "refill_per_second", 1])
    expect(await ra.call("RATELIMIT.TAKE", "k")).toBe(1)
    expect(await ra.call("RATELIMIT.TAKE", "k")).toBe(0)
    // b's bucket "k" is its own, with b's capacity.
    expect(await rb.call("RATELIMIT.TAKE", "k", "3")).toBe(1)
    expect(await ra.call("RATELIMIT.CONFIG", "5", "2")).toBe("OK")
    expect(await ra.call("RATELIMIT.LIMITS")).toEqual(["capacity", 5, "refill_per_second", 2])
    expect(await rb.call("RATELIMIT.LIMITS")).toEqual(["capacity", 3, "refill_per_second", 1])
  })

  it("MODULE UNLOAD and LOAD again starts with empty buckets", async () => {
    expect(await rb.call("RATELIMIT.TAKE", "fresh", "3")).toBe(1)
    expect(await rb.call("RATELIMIT.TAKE", "fresh", "3")).toBe(0)
    expect(await rb.call("MODULE", "UNLOAD", "ratelimit")).toBe("OK")
    expect(await rb.call("MODULE", "LOAD", modulePath("ratelimit.ts"), "3", "1")).toBe("OK")
    expect(await rb.call("RATELIMIT.TAKE", "fresh", "3")).toBe(1)
    // a is untouched by b's reload.
    expect(await ra.call("RATELIMIT.LIMITS")).toEqual(["capacity", 5, "refill_per_second", 2])
  })
})
