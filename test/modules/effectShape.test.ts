import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RawClient } from "../support/raw.js"
import { cmd } from "../support/resp.js"
import { modulePath, type RunningModuleServer, serverClient, startModuleServer } from "../support/moduleServer.js"
import { waitFor } from "../support/waitFor.js"

describe("blocking on an Effect; unblocking from a worker thread; ctx.call", () => {
  let s: RunningModuleServer
  let r: Redis
  const blocked = () => s.server.blockedClients
  const reply = (c: RawClient) => c.until((t) => t.endsWith("\r\n")).then((t) => (c.take(), t))
  const interrupted = async () => {
    const flat = (await r.call("block.stats")) as Array<string | number>
    return flat[flat.indexOf("interrupted") + 1] as number
  }
  beforeAll(async () => {
    s = await startModuleServer({
      modules: { load: ["block.ts", "workerunblock.ts", "blockedclient.ts"].map((m) => ({ path: modulePath(m), args: [] })) }
    })
    r = new Redis(s.port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })
  })
  afterAll(async () => {
    r.disconnect()
    await s.close()
  })

  it("the Effect's success is the reply; its failure an error reply (and a log line)", async () => {
    expect(await r.call("block.effect", "10", "0")).toBe("done")
    await expect(r.call("block.effect", "10", "0", "fail")).rejects.toThrow("ERR the background work failed")
    expect(s.logs.some((l) => l.includes("background fiber failed"))).toBe(true)
    expect(blocked()).toBe(0)
  })

  it("timeout, CLIENT UNBLOCK and disconnect interrupt the Effect", async () => {
    const before = await interrupted()
    expect(await r.call("block.effect", "10000", "20")).toBe("Effect timedout")
    const c = await RawClient.connect(s.port)
    c.write(cmd("block.effect", 10000, 10000))
    await waitFor("one blocked client", () => blocked() === 1)
    expect(await r.call("client", "unblock", String(serverClient(s.server, c).id))).toBe(1)
    expect(await reply(c)).toBe("+Effect timedout\r\n")
    c.write(cmd("block.effect", 10000, 10000))
    await waitFor("one blocked client", () => blocked() === 1)
    expect(await r.call("client", "unblock", String(serverClient(s.server, c).id), "error")).toBe(1)
    expect(await reply(c)).toBe("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n")
    c.write(cmd("block.effect", 10000, 0))
    await waitFor("one blocked client", () => blocked() === 1)
    c.close()
    await waitFor("no blocked clients", () => blocked() === 0)
    await waitFor("four interrupted background Effects", async () => (await interrupted()) === before + 4)
    await waitFor("the block module to release its handles", () => s.modules.find("block")!.blockedClients === 0)
  })

  it("abortBlock interrupts without a reply; the connection goes on", async () => {
    const before = await interrupted()
    const c = await RawClient.connect(s.port)
    c.write(cmd("block.effect", 10000, 0) + cmd("PING"))
    await waitFor("one blocked client", () => blocked() === 1)
    expect(await r.call("block.effect_abort")).toBe("OK")
    expect(await reply(c)).toBe("+PONG\r\n")
    await waitFor("the background Effect to be interrupted", async () => (await interrupted()) === before + 1)
    await waitFor("the block module to release its handles", () => s.modules.find("block")!.blockedClients === 0)
    c.close()
  })

  it("a worker thread's message unblocks the client", async () => {
    expect(await r.call("worker.square", "12")).toBe("144")
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => r.call("worker.square", String(i))))
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => String(i * i)))
    expect(await r.call("worker.pending")).toBe(0)
    expect(blocked()).toBe(0)
  })

  it("ctx.call: blocking commands never block; errors come back as replies (blockedclient.tcl)", async () => {
    await r.call("del", "k", "empty")
    await r.call("rpush", "k", "a")
    expect(await r.call("do_rm_call", "blpop", "k", "0")).toEqual(["k", "a"])
    expect(await r.call("do_rm_call", "blpop", "empty", "0")).toBe(null)
    expect(await r.call("do_rm_call", "brpoplpush", "empty", "x", "0")).toBe(null)
    await expect(r.call("do_rm_call", "nosuchcommand")).rejects.toThrow("ERR unknown command 'nosuchcommand'")
    await expect(r.call("do_rm_call", "get")).rejects.toThrow("ERR wrong number of arguments for 'get' command")
    expect(await r.call("do_rm_call", "set", "x", "1")).toBe("OK")
    expect(await r.call("do_bg_rm_call", "get", "x")).toBe("1")
    expect(await r.call("do_bg_rm_call", "blpop", "empty", "0")).toBe(null)
  })
})

describe("module client error stats (blockedclient.tcl, in part)", () => {
  it("errors from ctx.call count once in errorstats, when relayed; the inner command counts its failed calls", async () => {
    const s = await startModuleServer({ modules: { load: [{ path: modulePath("blockedclient.ts"), args: [] }] } })
    const r = new Redis(s.port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })
    await r.call("PING")
    const errors = s.server.stats.errors.get("ERR") ?? 0
    const total = s.server.stats.totalErrorReplies
    await expect(r.call("do_rm_call", "hgetalllll")).rejects.toThrow("ERR unknown command")
    expect(s.server.stats.errors.get("ERR")).toBe(errors + 1)
    await r.set("str", "x")
    await expect(r.call("do_rm_call", "lpush", "str", "a")).rejects.toThrow("WRONGTYPE")
    expect(s.server.stats.errors.get("WRONGTYPE")).toBe(1)
    expect(s.server.stats.command("lpush").failedCalls).toBe(1)
    expect(s.server.stats.command("do_rm_call").calls).toBe(2)
    expect(s.server.stats.command("do_rm_call").failedCalls).toBe(2)
    expect(s.server.stats.totalErrorReplies).toBe(total + 2)
    r.disconnect()
    await s.close()
  })
})
