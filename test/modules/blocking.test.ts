import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RawClient } from "../support/raw.js"
import { cmd } from "../support/resp.js"
import { modulePath, type RunningModuleServer, serverClient, startModuleServer } from "../support/moduleServer.js"
import { waitFor } from "../support/waitFor.js"

const connect = (port: number) => new Redis(port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })

describe("module blocking: BlockClient / UnblockClient (blockedclient.tcl, blockonbackground.tcl)", () => {
  let s: RunningModuleServer
  let r: Redis
  const blocked = () => s.server.blockedClients
  beforeAll(async () => {
    s = await startModuleServer({
      modules: {
        load: ["helloblock.ts", "block.ts", "blockedclient.ts"].map((m) => ({ path: modulePath(m), args: [] }))
      }
    })
    r = connect(s.port)
  })
  afterAll(async () => {
    r.disconnect()
    await s.close()
  })
  const stats = async () => {
    const flat = (await r.call("block.stats")) as Array<string | number>
    const out: Record<string, number> = {}
    for (let i = 0; i < flat.length; i += 2) out[flat[i] as string] = flat[i + 1] as number
    return out
  }

  it("BLOCK.DEBUG replies an integer after the delay; blocked_clients is 1 meanwhile", async () => {
    const c = await RawClient.connect(s.port)
    c.write(cmd("block.debug", 50, 1000))
    await waitFor("one blocked client", () => blocked() === 1)
    const reply = await c.until((t) => t.endsWith("\r\n"))
    expect(reply).toMatch(/^:\d+\r\n$/)
    await waitFor("no blocked clients", () => blocked() === 0)
    c.close()
  })

  it("BLOCK.DEBUG times out with the timeout callback, then a pipelined PING works", async () => {
    const c = await RawClient.connect(s.port)
    c.write(cmd("block.debug", 2000, 100) + cmd("PING"))
    const reply = await c.until((t) => t.includes("PONG"))
    expect(reply).toBe("+Request timedout\r\n+PONG\r\n")
    expect(blocked()).toBe(0)
    c.close()
  })

  it("HELLO.BLOCK and HELLO.KEYS", async () => {
    const c = await RawClient.connect(s.port)
    c.write(cmd("hello.block", 0, 0))
    expect(await c.until((t) => t.endsWith("\r\n"))).toMatch(/^:\d+\r\n$/)
    c.take()
    await r.set("hk1", "a")
    await r.set("hk2", "b")
    const keys = (await r.call("hello.keys")) as Array<string>
    expect(new Set(keys)).toEqual(new Set(["hk1", "hk2"]))
    expect(await c.request(cmd("hello.block", "x", 0), "-ERR invalid count\r\n")).toBe("-ERR invalid count\r\n")
    expect(await c.request(cmd("hello.block", 1), "-ERR wrong number of arguments for 'hello.block' command\r\n")).toBe(
      "-ERR wrong number of arguments for 'hello.block' command\r\n"
    )
    c.close()
  })

  it("refuses to block inside a transaction and through ctx.call", async () => {
    const c = await RawClient.connect(s.port)
    const exec = "+OK\r\n+QUEUED\r\n*1\r\n-ERR Blocking module command called from transaction\r\n"
    expect(await c.request(cmd("MULTI") + cmd("block.debug", 10, 100) + cmd("EXEC"), exec)).toBe(exec)
    const gil = "+OK\r\n+QUEUED\r\n*1\r\n+Blocked client is not supported inside multi\r\n"
    expect(await c.request(cmd("MULTI") + cmd("acquire_gil") + cmd("EXEC"), gil)).toBe(gil)
    c.close()
    expect(await r.call("do_rm_call", "acquire_gil")).toBe("Blocked client is not allowed")
    expect(await r.call("acquire_gil")).toBe("OK")
    await expect(r.call("do_rm_call", "block.debug", "10", "100")).rejects.toThrow(
      "ERR Blocking module command called from a context that denies blocking"
    )
    await waitFor("no blocked clients", () => blocked() === 0)
  })

  it("a timeout that overflows is refused with Valkey's error (module.c `moduleBlockClient`)", async () => {
    await expect(r.call("block.debug", "0", "9223372036854775807")).rejects.toThrow("ERR timeout is out of range")
    expect(blocked()).toBe(0)
  })

  it("thread-safe replies carry the client's RESP version", async () => {
    const c = await RawClient.connect(s.port)
    expect(await c.request(cmd("do_fake_bg_true"), ":1\r\n")).toBe(":1\r\n")
    serverClient(s.server, c).resp = 3
    expect(await c.request(cmd("do_fake_bg_true"), "#t\r\n")).toBe("#t\r\n")
    c.close()
  })

  it("CLIENT UNBLOCK with and without a timeout callback; BLOCK.RELEASE", async () => {
    const a = await RawClient.connect(s.port)
    await a.request(cmd("PING"), "+PONG\r\n")
    const id = serverClient(s.server, a).id
    a.write(cmd("block.block", 20000))
    await waitFor("one blocked client", () => blocked() === 1)
    expect(await r.call("block.is_blocked")).toBe(1)
    expect(await r.call("CLIENT", "UNBLOCK", String(id))).toBe(1)
    expect(await a.until((t) => t.endsWith("\r\n"))).toBe("+Timed out\r\n")
    a.take()
    await waitFor("no blocked clients", () => blocked() === 0)
    expect(await r.call("block.is_blocked")).toBe(0)

    a.write(cmd("block.block", 0))
    await waitFor("one blocked client", () => blocked() === 1)
    expect(await r.call("CLIENT", "UNBLOCK", String(id))).toBe(0)
    expect(await r.call("CLIENT", "UNBLOCK", String(id), "ERROR")).toBe(0)
    expect(await r.call("block.release", "foobar")).toBe("OK")
    expect(await a.until((t) => t.endsWith("\r\n"))).toBe("$6\r\nfoobar\r\n")
    await expect(r.call("block.release", "x")).rejects.toThrow("ERR No blocked client")
    a.close()
    await waitFor("no blocked clients", () => blocked() === 0)
  })

  it("unblock_by_timer, including a timeout shorter than the timer", async () => {
    expect(await r.call("unblock_by_timer", "100", "0")).toBe("OK")
    expect(await r.call("unblock_by_timer", "100", "100")).toBe("OK")
    const c = await RawClient.connect(s.port)
    const timers = () => s.modules.find("blockedclient")!.timers.size
    c.write(cmd("unblock_by_timer", 100, 10))
    // The 10 ms block is too short to observe reliably; its 100 ms timer shows the command ran.
    await waitFor("the module's timer", () => timers() === 1)
    await waitFor("no blocked clients", () => blocked() === 0)
    // No reply at all (no timeout callback); the later timer must not crash or reply.
    await waitFor("the module's timer to fire", () => timers() === 0)
    await waitFor("the blockedclient module to release its handles", () => s.modules.find("blockedclient")!.blockedClients === 0)
    expect(await c.request(cmd("PING"), "+PONG\r\n")).toBe("+PONG\r\n")
    c.close()
  })

  it("disconnect runs the disconnect callback and free_privdata in a disconnected context", async () => {
    // Earlier tests' background threads (a timed-out BLOCK.DEBUG) still release their handles.
    await waitFor("the block module to release its handles", () => s.modules.find("block")!.blockedClients === 0)
    const before = await stats()
    const c = await RawClient.connect(s.port)
    c.write(cmd("block.debug", 300, 0))
    await waitFor("one blocked client", () => blocked() === 1)
    c.close()
    await waitFor("no blocked clients", () => blocked() === 0)
    await waitFor("the block module to release its handles", () => s.modules.find("block")!.blockedClients === 0)
    const after = await stats()
    expect(after.disconnect - before.disconnect).toBe(1)
    expect(after.free - before.free).toBe(1)
    expect(after.freeDisconnected - before.freeDisconnected).toBe(1)
    expect(after.reply - before.reply).toBe(0)
  })

  it("MODULE UNLOAD is refused while the module has blocked clients", async () => {
    const c = await RawClient.connect(s.port)
    c.write(cmd("block.debug", 200, 0))
    await waitFor("one blocked client", () => blocked() === 1)
    await expect(r.call("MODULE", "UNLOAD", "block")).rejects.toThrow(
      "ERR Error unloading module: the module has blocked clients. Please wait for them to be unblocked and try again"
    )
    await c.until((t) => t.endsWith("\r\n"))
    await waitFor("the block module to release its handles", () => s.modules.find("block")!.blockedClients === 0)
    expect(await r.call("MODULE", "UNLOAD", "block")).toBe("OK")
    expect(await r.call("MODULE", "LOAD", modulePath("block.ts"))).toBe("OK")
    c.close()
  })

  it("background time is added to commandstats once, when the command completes", async () => {
    const before = s.server.stats.command("block.debug").calls
    await r.call("block.debug", "200", "10000")
    const stat = s.server.stats.command("block.debug")
    expect(stat.calls).toBe(before + 1)
    expect(stat.usec).toBeGreaterThanOrEqual(100000)
    const nt = s.server.stats.command("block.debug_no_track")
    await r.call("block.debug_no_track", "200", "1000")
    expect(nt.calls).toBe(1)
    expect(nt.usec).toBeLessThan(100000)
    await r.call("block.double_debug", "100")
    expect(s.server.stats.command("block.double_debug").usec).toBeGreaterThanOrEqual(150000)
  })
})
