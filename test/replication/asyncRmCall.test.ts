// Valkey's moduleapi/async_rm_call.tcl replication scenarios, ported (in Valkey's suite they need a
// second server that the suite spawns, so they cannot run against a running keyfiber).
import * as path from "node:path"
import { Redis } from "ioredis"
import { afterEach, describe, expect, it } from "vitest"
import { start, type RunningKeyfiber } from "../../src/start.js"
import { waitFor } from "../support/waitFor.js"
import { replicationInfo, startKeyfiber } from "./support.js"

const BLOCKEDCLIENT = path.resolve(import.meta.dirname, "..", "..", "modules", "blockedclient.ts")

const cleanup: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

const withModule = async (): Promise<{ kf: RunningKeyfiber; r: Redis; rd: Redis }> => {
  const kf = await start({ config: "repl-diskless-sync-delay 0\n", modules: [{ path: BLOCKEDCLIENT }] })
  const r = new Redis({ port: kf.port, host: "127.0.0.1", retryStrategy: () => null })
  const rd = new Redis({ port: kf.port, host: "127.0.0.1", retryStrategy: () => null })
  r.on("error", () => {})
  rd.on("error", () => {})
  cleanup.push(() => kf.close(), () => r.disconnect(), () => rd.disconnect())
  return { kf, r, rd }
}

const blockedClients = async (r: Redis): Promise<number> => Number(/blocked_clients:(\d+)/.exec(await r.info("clients"))![1])

describe("async RM_Call and replication", () => {
  it("async RM_Call inside async RM_Call callback: WAIT for a replica, then BLPOP", async () => {
    const { kf, r, rd } = await withModule()
    const reply = rd.call("wait_and_do_rm_call", "blpop", "l", "0")
    await waitFor("the client to block", async () => (await blockedClients(r)) === 1)
    const { kf: replicaKf, client: replica } = await startKeyfiber()
    cleanup.push(() => replicaKf.close(), () => replica.disconnect())
    expect(await replica.slaveof("127.0.0.1", String(kf.port))).toBe("OK")
    await waitFor("the replica link", async () => {
      const info = await replicationInfo(replica)
      return info.role === "slave" && info.master_link_status === "up"
    })
    expect(await r.lpush("l", "a")).toBe(1)
    expect(await reply).toEqual(["l", "a"])
    await waitFor("no blocked clients", async () => (await blockedClients(r)) === 0)
  })

  it("Become replica while having async RM_Call running", async () => {
    const { r, rd } = await withModule()
    await r.flushall()
    const reply = rd.call("do_rm_call_async", "blpop", "l", "0").catch((e: Error) => e)
    await waitFor("the client to block", async () => (await blockedClients(r)) === 1)
    // A primary that does not exist.
    expect(await r.replicaof("localhost", "1")).toBe("OK")
    expect(String(await reply)).toMatch(/UNBLOCKED force unblock from blocking operation/)
    await waitFor("no blocked clients", async () => (await blockedClients(r)) === 0)
    expect(await r.replicaof("no", "one")).toBe("OK")
    await r.lpush("l", "1")
    // The async RM_Call was aborted: its BLPOP consumed nothing.
    expect(await r.llen("l")).toBe(1)
  })
})
