import { Effect, Layer, ManagedRuntime } from "effect"
import { TestClock } from "effect/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Blocking } from "../../src/blocking/Blocking.js"
import type { BlockingEngine } from "../../src/blocking/BlockingEngine.js"
import { ServerCore } from "../../src/layers/ServerCore.js"
import { configFromCommandLine } from "../../src/layers/StartupConfig.js"
import { Modules } from "../../src/layers/Modules.js"
import type { ModuleRegistry } from "../../src/modules/Modules.js"
import { ErrorReply, SimpleString } from "../../src/protocol/Reply.js"
import type { Client } from "../../src/server/Client.js"
import type { Server } from "../../src/server/Server.js"
import type { HandleRecord, PropState } from "../../property-tests/fixtures/propblock.js"

/**
 * Which callbacks fire for each way a module block ends (unblock, deadline, disconnect, CLIENT
 * UNBLOCK [TIMEOUT|ERROR], AbortBlock), for plain and key blocks, as module.c's
 * `moduleHandleBlockedClients`, `moduleBlockedClientTimedOut` and `VM_AbortBlock` run them; in-process
 * (replies as values, time on TestClock).
 */
describe("module blocked-client lifecycle", () => {
  let runtime: ManagedRuntime.ManagedRuntime<ServerCore | Blocking | Modules, unknown>
  let server: Server
  let engine: BlockingEngine
  let modules: ModuleRegistry
  let nextId = 1000
  const handles = () => ((globalThis as any).__propblock as PropState).handles

  beforeAll(async () => {
    const config = await Effect.runPromise(configFromCommandLine([]))
    const path = new URL("../../property-tests/fixtures/propblock.ts", import.meta.url).pathname
    runtime = ManagedRuntime.make(
      Modules.layer({ load: [{ path, args: [] }] }).pipe(Layer.provideMerge(ServerCore.layer({ config })), Layer.provide(TestClock.layer()))
    )
    ;({ server, engine, modules } = await runtime.runPromise(Effect.all({ server: ServerCore, engine: Blocking, modules: Modules })))
  })
  afterAll(() => runtime.dispose())

  const block = (opts: { timeoutMs?: number; withTimeout?: boolean; key?: string } = {}): { client: Client; rec: HandleRecord } => {
    const client = server.createClient(null, "t", "inproc")
    const id = nextId++
    const argv = ["prop.block", String(id), String(opts.timeoutMs ?? 0), opts.withTimeout === false ? "0" : "1"]
    if (opts.key !== undefined) argv.push(opts.key)
    server.dispatcher.processCommand(client, argv)
    expect(client.isBlocked).toBe(true)
    return { client, rec: handles().get(id)! }
  }
  const counts = (rec: HandleRecord) => ({
    reply: rec.reply,
    timeout: rec.timeout,
    disconnect: rec.disconnect,
    free: rec.free,
    freeDisconnected: rec.freeDisconnected
  })
  const settle = () => {
    server.endOfTick()
    expect(server.blockedClients).toBe(0)
    expect(modules.find("propblock")!.blockedClients).toBe(0)
  }

  it("UnblockClient while connected: reply callback, then free with the client", () => {
    const { client, rec } = block()
    expect(rec.ctx.unblockClient(rec.bc, 7)).toBe("OK")
    expect(rec.ctx.unblockClient(rec.bc, 8)).toBe("ERR")
    expect(client.isBlocked).toBe(true)
    settle()
    expect(client.replies).toEqual([Number(rec.id)])
    expect(counts(rec)).toEqual({ reply: 1, timeout: 0, disconnect: 0, free: 1, freeDisconnected: 0 })
  })

  it("deadline passes: timeout callback now, no disconnect callback; free disconnected after UnblockClient", () => {
    const { client, rec } = block({ timeoutMs: 10 })
    engine.handleTimeouts(server.now() + 100)
    expect(client.replies).toEqual([new SimpleString("timeout")])
    expect(client.isBlocked).toBe(false)
    expect(modules.find("propblock")!.blockedClients).toBe(1)
    rec.ctx.unblockClient(rec.bc, 1)
    settle()
    expect(client.replies).toHaveLength(1)
    expect(counts(rec)).toEqual({ reply: 0, timeout: 1, disconnect: 0, free: 1, freeDisconnected: 1 })
  })

  it("deadline passes without a timeout callback: no reply at all", () => {
    const { client, rec } = block({ timeoutMs: 10, withTimeout: false })
    engine.handleTimeouts(server.now() + 100)
    expect(client.replies).toEqual([])
    rec.ctx.unblockClient(rec.bc, 1)
    settle()
    expect(client.replies).toEqual([])
  })

  it("disconnect: disconnect callback; free disconnected after UnblockClient; no reply callback", () => {
    const { client, rec } = block()
    server.freeClient(client)
    expect(rec.disconnect).toBe(1)
    rec.ctx.unblockClient(rec.bc, 1)
    settle()
    expect(counts(rec)).toEqual({ reply: 0, timeout: 0, disconnect: 1, free: 1, freeDisconnected: 1 })
  })

  it("CLIENT UNBLOCK: 0 without a timeout callback; ERROR replies -UNBLOCKED and runs the disconnect callback", () => {
    const a = block({ withTimeout: false })
    expect(server.blocker!.clientUnblock(a.client.id, false)).toBe(false)
    expect(server.blocker!.clientUnblock(a.client.id, true)).toBe(false)
    a.rec.ctx.unblockClient(a.rec.bc, 1)
    const b = block()
    expect(server.blocker!.clientUnblock(b.client.id, true)).toBe(true)
    expect(b.client.replies).toEqual([new ErrorReply("UNBLOCKED client unblocked via CLIENT UNBLOCK")])
    b.rec.ctx.unblockClient(b.rec.bc, 1)
    settle()
    expect(counts(b.rec)).toEqual({ reply: 0, timeout: 0, disconnect: 1, free: 1, freeDisconnected: 1 })
  })

  it("a timeout after UnblockClient but before the drain is ignored: the reply callback wins", () => {
    const { client, rec } = block({ timeoutMs: 10 })
    rec.ctx.unblockClient(rec.bc, 1)
    engine.handleTimeouts(server.now() + 100)
    settle()
    expect(client.replies).toEqual([rec.id])
    expect(counts(rec)).toEqual({ reply: 1, timeout: 0, disconnect: 0, free: 1, freeDisconnected: 0 })
  })

  it("CLIENT UNBLOCK ERROR in that window is not ignored: -UNBLOCKED, disconnect callback, no reply callback", () => {
    const { client, rec } = block()
    rec.ctx.unblockClient(rec.bc, 1)
    expect(server.blocker!.clientUnblock(client.id, true)).toBe(true)
    settle()
    expect(client.replies).toEqual([new ErrorReply("UNBLOCKED client unblocked via CLIENT UNBLOCK")])
    expect(counts(rec)).toEqual({ reply: 0, timeout: 0, disconnect: 1, free: 1, freeDisconnected: 1 })
  })

  it("AbortBlock: no reply, no free (privdata cleared); the client is unblocked", () => {
    const { client, rec } = block()
    expect(rec.ctx.abortBlock(rec.bc)).toBe("OK")
    settle()
    expect(client.replies).toEqual([])
    expect(client.isBlocked).toBe(false)
    expect(counts(rec)).toEqual({ reply: 0, timeout: 0, disconnect: 0, free: 0, freeDisconnected: 0 })
  })

  it("key-blocked: UnblockClient runs the timeout callback now, free at the drain, no reply callback", () => {
    const { client, rec } = block({ key: "lk" })
    expect(rec.ctx.unblockClient(rec.bc, "ignored")).toBe("OK")
    expect(rec.timeout).toBe(1)
    settle()
    expect(client.replies).toEqual([new SimpleString("timeout")])
    expect(counts(rec)).toEqual({ reply: 0, timeout: 1, disconnect: 0, free: 1, freeDisconnected: 0 })
  })

  it("key-blocked: AbortBlock still runs the timeout callback, as in Valkey", () => {
    const { rec } = block({ key: "lk" })
    rec.ctx.abortBlock(rec.bc)
    settle()
    expect(counts(rec)).toEqual({ reply: 0, timeout: 1, disconnect: 0, free: 1, freeDisconnected: 0 })
  })

  it("key-blocked: a timeout and a disconnect release the handle without the module", () => {
    const a = block({ key: "lk", timeoutMs: 5 })
    engine.handleTimeouts(server.now() + 100)
    const b = block({ key: "lk" })
    server.freeClient(b.client)
    settle()
    expect(counts(a.rec)).toEqual({ reply: 0, timeout: 1, disconnect: 0, free: 1, freeDisconnected: 1 })
    expect(counts(b.rec)).toEqual({ reply: 0, timeout: 0, disconnect: 1, free: 1, freeDisconnected: 1 })
  })

  it("key-blocked: served when the key is signalled; ERR keeps it blocked in place", () => {
    const { client, rec } = block({ key: "lk2" })
    const producer = server.createClient(null, "p", "inproc")
    server.dispatcher.processCommand(producer, ["prop.push", "lk2"])
    settle()
    expect(client.replies).toEqual([rec.id])
    expect(counts(rec)).toEqual({ reply: 1, timeout: 0, disconnect: 0, free: 1, freeDisconnected: 0 })
    // Counted once in commandstats (Redis #13405).
    expect(server.stats.command("prop.block").calls).toBeGreaterThan(0)
  })
})
