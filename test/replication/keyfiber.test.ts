// Replication between keyfiber servers (replication.c): full sync, the command stream with SELECT
// and MULTI/EXEC, module RM_Replicate, expiry on a replica, WAIT, a lost link resumed with
// +CONTINUE, REPLICAOF NO ONE, and what becoming a replica does to blocked clients.
import * as net from "node:net"
import * as path from "node:path"
import { Redis } from "ioredis"
import { afterEach, describe, expect, it } from "vitest"
import { start, type RunningKeyfiber } from "../../src/start.js"
import { waitFor } from "../support/waitFor.js"
import { dataset, replicationInfo, startKeyfiber, waitForSync } from "./support.js"

const REPLICATE_FIXTURE = path.resolve(import.meta.dirname, "..", "aof", "fixtures", "replicate.ts")

const open: Array<{ kf: RunningKeyfiber; clients: Array<Redis> }> = []
afterEach(async () => {
  for (const { kf, clients } of open.splice(0).reverse()) {
    for (const c of clients) c.disconnect()
    await kf.close()
  }
})

const node = async (config = "") => {
  const { kf, client, logs } = await startKeyfiber(config)
  open.push({ kf, clients: [client] })
  return { kf, client, logs }
}

const extraClient = (kf: RunningKeyfiber): Redis => {
  const c = new Redis({ port: kf.port, host: "127.0.0.1", retryStrategy: () => null })
  c.on("error", () => {})
  open.find((o) => o.kf === kf)!.clients.push(c)
  return c
}

describe("keyfiber primary -> keyfiber replica", () => {
  it("sends the data set, then every kind of write, to the replica", async () => {
    const primary = await node()
    const replica = await node()
    const p = primary.client
    await p.set("before", "sync")
    await p.rpush("list", "a", "b", "c")
    await p.hset("hash", "f", "v")
    await p.select(5)
    await p.set("in5", "x")
    await p.select(0)
    expect(await replica.client.replicaof("127.0.0.1", String(primary.kf.port))).toBe("OK")
    expect(await replica.client.replicaof("127.0.0.1", String(primary.kf.port))).toBe("OK Already connected to specified master")
    await waitForSync(p, replica.client)
    expect(await replica.client.get("before")).toBe("sync")

    await p.set("s", "1")
    await p.incrby("s", 41)
    await p.append("s", "!")
    await p.lpush("list", "z")
    await p.lpop("list")
    await p.sadd("set", "m1", "m2", "m3")
    await p.srem("set", "m2")
    await p.zadd("zset", 1, "one", 2, "two")
    await p.zincrby("zset", 5, "one")
    await p.hset("hash", "g", "w", "h", "x")
    await p.hdel("hash", "f")
    await p.set("bin", Buffer.from([0, 255, 13, 10, 128]))
    await p.set("ttl", "v", "EX", 1000)
    await p.expire("list", 500)
    await p.persist("list")
    await p.rename("s", "s2")
    await p.del("before")
    await p.select(3)
    await p.set("in3", "y")
    await p.select(0)
    await p.multi().set("m1", "1").incr("m1").lpush("mlist", "q").exec()
    await p.eval("return 1", 0).catch(() => {})
    await waitForSync(p, replica.client)
    expect(await dataset(replica.client)).toEqual(await dataset(p))
    expect(await replica.client.get("s2")).toBe("42!")
    expect(await replica.client.getBuffer("bin")).toEqual(Buffer.from([0, 255, 13, 10, 128]))

    const r = await replicationInfo(replica.client)
    expect(r.role).toBe("slave")
    expect(r.master_port).toBe(String(primary.kf.port))
    const m = await replicationInfo(p)
    expect(m.connected_slaves).toBe("1")
    expect(m.slave0).toMatch(new RegExp(`^ip=127\\.0\\.0\\.1,port=${replica.kf.port},state=online,offset=\\d+,lag=\\d+,type=replica$`))
    expect(m.master_replid).toBe(r.master_replid)
    expect(await p.call("role")).toEqual(["master", Number(m.master_repl_offset), [["127.0.0.1", String(replica.kf.port), expect.any(String)]]])
    expect(await replica.client.call("role")).toEqual(["slave", "127.0.0.1", primary.kf.port, "connected", Number(r.slave_repl_offset)])
  })

  it("authenticates to a primary with masterauth (and masteruser)", async () => {
    const primary = await node("requirepass secret\n")
    const p = new Redis({ port: primary.kf.port, host: "127.0.0.1", password: "secret" })
    open.find((o) => o.kf === primary.kf)!.clients.push(p)
    await p.set("k", "v")
    const replica = await node()
    await replica.client.config("SET", "masterauth", "wrong")
    await replica.client.replicaof("127.0.0.1", String(primary.kf.port))
    await waitFor("the AUTH failure", () => replica.logs.some((l) => l.startsWith("Unable to AUTH to PRIMARY: -WRONGPASS")))
    expect((await replicationInfo(replica.client)).master_link_status).toBe("down")
    await replica.client.config("SET", "masteruser", "default")
    await replica.client.config("SET", "masterauth", "secret")
    await waitForSync(p, replica.client)
    expect(await replica.client.get("k")).toBe("v")
  })

  it("refuses writes on a read-only replica, and WAIT on a replica", async () => {
    const primary = await node()
    const replica = await node()
    await replica.client.replicaof("127.0.0.1", String(primary.kf.port))
    await waitForSync(primary.client, replica.client)
    await expect(replica.client.set("x", "1")).rejects.toThrow("READONLY You can't write against a read only replica.")
    // Refused when queued, so EXEC aborts (processCommand checks before queueing).
    const tx = await replica.client.multi().set("x", "1").exec().catch((e: Error) => e)
    expect(String(tx)).toContain("EXECABORT Transaction discarded because of previous errors.")
    await expect(replica.client.wait(1, 0)).rejects.toThrow("ERR WAIT cannot be used with replica instances.")
    await replica.client.config("SET", "replica-read-only", "no")
    expect(await replica.client.set("local", "1")).toBe("OK")
  })

  it("replicates what a module replicates, and not the module command", async () => {
    const primary = { kf: await start({ config: "repl-diskless-sync-delay 0\n", modules: [{ path: REPLICATE_FIXTURE }] }) }
    const p = new Redis({ port: primary.kf.port, host: "127.0.0.1" })
    open.push({ kf: primary.kf, clients: [p] })
    const replica = await node()
    await replica.client.replicaof("127.0.0.1", String(primary.kf.port))
    await waitForSync(p, replica.client)
    await p.call("repl.set", "a", "1")
    await p.call("repl.incr2", "n")
    await p.call("repl.silent", "c", "3")
    await waitForSync(p, replica.client)
    expect(await replica.client.get("a")).toBe("1")
    expect(await replica.client.get("n")).toBe("2")
    expect(await replica.client.get("c")).toBeNull()
  })

  it("leaves expiry to the primary: an expired key reads as missing until the primary's DEL", async () => {
    const primary = await node("enable-debug-command yes\n")
    const replica = await node()
    await replica.client.replicaof("127.0.0.1", String(primary.kf.port))
    await waitForSync(primary.client, replica.client)
    await primary.client.call("debug", "set-active-expire", "0")
    await primary.client.set("short", "v", "PX", 30)
    await waitForSync(primary.client, replica.client)
    await waitFor("the TTL to pass", async () => (await replica.client.get("short")) === null)
    // Still held by the replica (not deleted), only hidden.
    expect(await replica.client.dbsize()).toBe(1)
    // The primary's lazy expiry propagates a DEL.
    expect(await primary.client.get("short")).toBeNull()
    await waitForSync(primary.client, replica.client)
    expect(await replica.client.dbsize()).toBe(0)
  })

  it("WAIT counts the replicas that acknowledged, or how many did at the timeout", async () => {
    const primary = await node()
    const replica = await node()
    await replica.client.replicaof("127.0.0.1", String(primary.kf.port))
    await waitForSync(primary.client, replica.client)
    await primary.client.set("k", "v")
    expect(await primary.client.wait(1, 5000)).toBe(1)
    expect(await primary.client.wait(2, 50)).toBe(1)
    expect(await primary.client.wait(0, 0)).toBe(1)
    await expect(primary.client.wait(1, -1)).rejects.toThrow("ERR timeout is negative")
  })

  it("PUBLISH reaches the replica's subscribers (propagated to replicas only)", async () => {
    const primary = await node()
    const replica = await node()
    await replica.client.replicaof("127.0.0.1", String(primary.kf.port))
    await waitForSync(primary.client, replica.client)
    const subscriber = extraClient(replica.kf)
    const got = new Promise<[string, string]>((resolve) => subscriber.on("message", (channel, message) => resolve([channel, message])))
    await subscriber.subscribe("news")
    await primary.client.multi().publish("news", "hello").exec()
    expect(await got).toEqual(["news", "hello"])
  })

  it("min-replicas-to-write refuses writes without enough acknowledging replicas", async () => {
    const primary = await node()
    await primary.client.config("SET", "min-replicas-to-write", "1")
    await expect(primary.client.set("k", "v")).rejects.toThrow("NOREPLICAS Not enough good replicas to write.")
    const tx = await primary.client.multi().set("k", "v").exec().catch((e: Error) => e)
    expect(String(tx)).toContain("EXECABORT")
    expect(await primary.client.get("k")).toBeNull()
    const replica = await node()
    await replica.client.replicaof("127.0.0.1", String(primary.kf.port))
    await waitFor("a good replica", async () => (await replicationInfo(primary.client)).min_slaves_good_slaves === "1")
    expect(await primary.client.set("k", "v")).toBe("OK")
    await primary.client.config("SET", "min-replicas-to-write", "0")
  })

  it("resumes a lost link with +CONTINUE and loses nothing", async () => {
    const primary = await node()
    const replica = await node()
    await replica.client.replicaof("127.0.0.1", String(primary.kf.port))
    await waitForSync(primary.client, replica.client)
    await primary.client.set("a", "1")
    await waitForSync(primary.client, replica.client)
    const replid = (await replicationInfo(replica.client)).master_replid
    // Kill the replica's connection on the primary, and write while it is down.
    const list = (await primary.client.call("client", "LIST", "TYPE", "replica")) as string
    expect(list.trim().split("\n")).toHaveLength(1)
    expect(list).toContain(" flags=S ")
    const id = /id=(\d+)/.exec(list)![1]
    await primary.client.client("KILL", "ID", id)
    for (let i = 0; i < 50; i++) await primary.client.rpush("during", String(i))
    await waitForSync(primary.client, replica.client)
    expect(await replica.client.lrange("during", 0, -1)).toEqual(Array.from({ length: 50 }, (_, i) => String(i)))
    expect(await dataset(replica.client)).toEqual(await dataset(primary.client))
    // The same history continued: no new full sync.
    expect((await replicationInfo(replica.client)).master_replid).toBe(replid)
    expect(primary.logs.filter((l) => l.startsWith("Partial resynchronization request from"))).toHaveLength(1)
    // Now from the replica's side: CLIENT KILL TYPE master drops the link, PSYNC resumes it.
    expect(await replica.client.call("client", "LIST", "TYPE", "master")).toContain(" flags=M ")
    expect(await replica.client.client("KILL", "TYPE", "master")).toBe(1)
    await primary.client.set("after-kill", "1")
    await waitForSync(primary.client, replica.client)
    expect(await replica.client.get("after-kill")).toBe("1")
    expect(primary.logs.filter((l) => l.startsWith("Partial resynchronization request from"))).toHaveLength(2)
    expect(primary.logs.filter((l) => l.startsWith("Starting BGSAVE for SYNC"))).toHaveLength(1)
  })

  it("REPLICAOF NO ONE keeps the data and starts a new history (the old one as replid2)", async () => {
    // Disk-style transfer: the RDB as one `$<len>` bulk.
    const primary = await node("repl-diskless-sync no\n")
    const replica = await node()
    await primary.client.set("k", "v")
    await replica.client.replicaof("127.0.0.1", String(primary.kf.port))
    await waitForSync(primary.client, replica.client)
    const before = await replicationInfo(replica.client)
    expect(await replica.client.replicaof("NO", "ONE")).toBe("OK")
    const after = await replicationInfo(replica.client)
    expect(after.role).toBe("master")
    expect(after.master_replid2).toBe(before.master_replid)
    expect(after.master_replid).not.toBe(before.master_replid)
    expect(after.second_repl_offset).toBe(String(Number(before.master_repl_offset) + 1))
    expect(await replica.client.get("k")).toBe("v")
    expect(await replica.client.set("k2", "v")).toBe("OK")
  })

  it("a sub-replica gets the primary's stream through its replica", async () => {
    const primary = await node()
    const middle = await node()
    const leaf = await node()
    await middle.client.replicaof("127.0.0.1", String(primary.kf.port))
    await waitForSync(primary.client, middle.client)
    await leaf.client.replicaof("127.0.0.1", String(middle.kf.port))
    await waitForSync(middle.client, leaf.client)
    await primary.client.set("deep", "1")
    await primary.client.select(2)
    await primary.client.sadd("s", "a")
    await waitForSync(primary.client, middle.client)
    await waitForSync(middle.client, leaf.client)
    expect(await dataset(leaf.client)).toEqual(await dataset(primary.client))
  })
})

describe("becoming a replica", () => {
  it("unblocks blocked clients with -UNBLOCKED and closes them", async () => {
    const { kf, client } = await node()
    const blocked = extraClient(kf)
    const result = blocked.blpop("l", 0).catch((e: Error) => e)
    await waitFor("the client to block", async () => /blocked_clients:1/.test(await client.info("clients")))
    // A primary that does not exist: the replica keeps trying to connect.
    expect(await client.replicaof("127.0.0.1", "1")).toBe("OK")
    expect(String(await result)).toContain("UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)")
    await waitFor("no blocked clients", async () => /blocked_clients:0/.test(await client.info("clients")))
    const info = await replicationInfo(client)
    expect(info.master_link_status).toBe("down")
    expect(await client.call("role")).toEqual(["slave", "127.0.0.1", 1, expect.stringMatching(/^(connect|connecting)$/), -1])
    // replica-serve-stale-data no: only `stale` commands while the link is down.
    await client.config("SET", "replica-serve-stale-data", "no")
    await expect(client.get("l")).rejects.toThrow("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.")
    expect(await client.info("replication")).toContain("role:slave")
    await client.config("SET", "replica-serve-stale-data", "yes")
    expect(await client.replicaof("NO", "ONE")).toBe("OK")
    expect(await client.lpush("l", "1")).toBe(1)
    expect(await client.llen("l")).toBe(1)
  })
})

describe("the primary side of the protocol", () => {
  it("answers SYNC with the RDB as a bulk and then the stream, and PSYNC with +FULLRESYNC", async () => {
    const { kf, client } = await node("repl-diskless-sync no\n")
    await client.set("k", "v")
    const read = (request: string, until: (text: string) => boolean): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = net.connect({ port: kf.port, host: "127.0.0.1" }, () => socket.write(request))
        let text = ""
        socket.on("data", (d) => {
          text += d.toString("latin1")
          if (until(text)) {
            socket.destroy()
            resolve(text)
          }
        })
        socket.on("error", reject)
      })
    /** The whole `$<len>` bulk arrived (after an optional +FULLRESYNC line and keepalive newlines). */
    const bulkDone = (t: string): boolean => {
      const m = /^(\+FULLRESYNC [^\r]*\r\n)?\n*\$(\d+)\r\n/.exec(t)
      return m !== null && t.length >= m[0].length + Number(m[2])
    }
    const sync = await read("SYNC\r\n", bulkDone)
    expect(sync).toMatch(/^\n*\$\d+\r\nREDIS0011/)
    const psync = await read("PSYNC ? -1\r\n", bulkDone)
    expect(psync).toMatch(/^\+FULLRESYNC [0-9a-f]{40} \d+\r\n\n*\$\d+\r\nREDIS0011/)
    await expect(client.call("replconf", "bogus", "1")).rejects.toThrow("ERR Unrecognized REPLCONF option: bogus")
  })
})
