import { Effect, Layer, ManagedRuntime } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Blocking } from "../src/blocking/Blocking.js"
import type { BlockingEngine } from "../src/blocking/BlockingEngine.js"
import { ServerCore } from "../src/layers/ServerCore.js"
import { configFromCommandLine } from "../src/layers/StartupConfig.js"
import { Modules } from "../src/layers/Modules.js"
import type { ModuleRegistry } from "../src/modules/Modules.js"
import type { Client } from "../src/server/Client.js"
import type { Server } from "../src/server/Server.js"
import type { HandleRecord, PropState } from "./fixtures/propblock.js"

/**
 * Random interleavings of module blocks (plain and on keys, with or without a timeout callback),
 * module unblocks, aborts, timeouts, CLIENT UNBLOCK [ERROR], disconnects, key signals and ends of
 * tick, across several in-process clients. Whatever the order, each handle's free_privdata runs
 * exactly when it should (once, or never after an abort of a plain block), reply and timeout
 * callbacks run at most once per plain block, a client gets at most one reply per block, and once
 * every handle is released nothing is left blocked (blocked_clients 0, module counter 0).
 */

const SLOTS = 3
const KEYS = ["a", "b"]

type Op =
  | { readonly t: "block"; readonly slot: number; readonly ms: number; readonly withTimeout: boolean; readonly key: string | null }
  | { readonly t: "unblock"; readonly h: number }
  | { readonly t: "abort"; readonly h: number }
  | { readonly t: "timeout" }
  | { readonly t: "clientUnblock"; readonly slot: number; readonly error: boolean }
  | { readonly t: "disconnect"; readonly slot: number }
  | { readonly t: "push"; readonly key: string }
  | { readonly t: "tick" }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    t: fc.constant("block" as const),
    slot: fc.nat(SLOTS - 1),
    ms: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 })),
    withTimeout: fc.boolean(),
    key: fc.option(fc.constantFrom(...KEYS), { nil: null })
  }),
  fc.record({ t: fc.constant("unblock" as const), h: fc.nat(20) }),
  fc.record({ t: fc.constant("abort" as const), h: fc.nat(20) }),
  fc.record({ t: fc.constant("timeout" as const) }),
  fc.record({ t: fc.constant("clientUnblock" as const), slot: fc.nat(SLOTS - 1), error: fc.boolean() }),
  fc.record({ t: fc.constant("disconnect" as const), slot: fc.nat(SLOTS - 1) }),
  fc.record({ t: fc.constant("push" as const), key: fc.constantFrom(...KEYS) }),
  fc.record({ t: fc.constant("tick" as const) })
)

describe("module blocked-client lifecycle (property)", () => {
  let runtime: ManagedRuntime.ManagedRuntime<ServerCore | Blocking | Modules, unknown>
  let server: Server
  let engine: BlockingEngine
  let modules: ModuleRegistry
  const state = (): PropState => (globalThis as any).__propblock
  let nextId = 1

  beforeAll(async () => {
    const config = await Effect.runPromise(configFromCommandLine([]))
    const path = new URL("./fixtures/propblock.ts", import.meta.url).pathname
    const live = Modules.layer({ load: [{ path, args: [] }] }).pipe(
      Layer.provideMerge(ServerCore.layer({ config })),
      Layer.provide(TestClock.layer())
    )
    runtime = ManagedRuntime.make(live)
    ;({ server, engine, modules } = await runtime.runPromise(Effect.all({ server: ServerCore, engine: Blocking, modules: Modules })))
  })
  afterAll(() => runtime.dispose())

  it("each callback runs the right number of times and nothing stays blocked", () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
        const module = modules.find("propblock")!
        state().handles.clear()
        const producer = server.createClient(null, "producer", "inproc")
        const clients: Array<Client> = Array.from({ length: SLOTS }, (_, i) => server.createClient(null, `c${i}`, "inproc"))
        const allClients = [...clients]
        const blocksBy = new Map<Client, number>()
        const handles: Array<HandleRecord> = []
        /** How the module first released each handle: "unblock" (privdata set) or "abort". */
        const release = new Map<HandleRecord, "unblock" | "abort">()
        const moduleRelease = (rec: HandleRecord, how: "unblock" | "abort") => {
          const status = how === "unblock" ? rec.ctx.unblockClient(rec.bc, { privdata: rec.id }) : rec.ctx.abortBlock(rec.bc)
          if (status === "OK" && !release.has(rec)) release.set(rec, how)
        }
        for (const o of ops) {
          switch (o.t) {
            case "block": {
              const client = clients[o.slot]
              if (client.isBlocked) break
              const id = nextId++
              const argv = ["prop.block", String(id), String(o.ms), o.withTimeout ? "1" : "0"]
              if (o.key !== null) argv.push(o.key)
              server.dispatcher.processCommand(client, argv)
              blocksBy.set(client, (blocksBy.get(client) ?? 0) + 1)
              const rec = state().handles.get(id)
              if (rec !== undefined) handles.push(rec)
              break
            }
            case "unblock":
            case "abort":
              if (handles.length > 0) moduleRelease(handles[o.h % handles.length], o.t)
              break
            case "timeout":
              engine.handleTimeouts(server.now() + 1000)
              break
            case "clientUnblock":
              engine.clientUnblock(clients[o.slot].id, o.error)
              break
            case "disconnect":
              server.freeClient(clients[o.slot])
              clients[o.slot] = server.createClient(null, `c${o.slot}`, "inproc")
              allClients.push(clients[o.slot])
              break
            case "push":
              server.dispatcher.processCommand(producer, ["prop.push", o.key])
              break
            case "tick":
              server.endOfTick()
              break
          }
        }
        // Release everything: disconnect every client, let the module unblock its plain handles.
        for (const c of clients) server.freeClient(c)
        server.freeClient(producer)
        for (const rec of handles) if (!rec.onKeys) moduleRelease(rec, "unblock")
        server.endOfTick()
        server.endOfTick()

        for (const rec of handles) {
          const expectedFree = rec.onKeys ? 1 : release.get(rec) === "abort" ? 0 : 1
          expect(rec.free, `free of handle ${rec.id}`).toBe(expectedFree)
          expect(rec.timeout).toBeLessThanOrEqual(1)
          if (!rec.onKeys) {
            expect(rec.reply).toBeLessThanOrEqual(1)
            expect(rec.reply + rec.timeout).toBeLessThanOrEqual(1)
          }
          expect(rec.disconnect).toBeLessThanOrEqual(1)
          expect(rec.bc.released).toBe(true)
        }
        for (const c of allClients) expect(c.replies!.length).toBeLessThanOrEqual(blocksBy.get(c) ?? 0)
        expect(server.blockedClients).toBe(0)
        expect(engine.clientsInTimeoutTable).toBe(0)
        expect(engine.totalBlockingKeys).toBe(0)
        expect(module.blockedClients).toBe(0)
        expect(modules.blocking.live.size).toBe(0)
        server.keyspace.flushAll()
      }),
      { numRuns: 300 }
    )
  })
})
