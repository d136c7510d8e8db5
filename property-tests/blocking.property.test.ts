import { Effect } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { ServerCore } from "../src/layers/ServerCore.js"
import { ListValue } from "../src/keyspace/ListValue.js"
import { ErrorReply, NULL_ARRAY, type Reply } from "../src/protocol/Reply.js"
import type { Client } from "../src/server/Client.js"
import type { Server } from "../src/server/Server.js"

/**
 * Model-based test of the blocking engine, in-process on TestClock: random interleavings of pushes,
 * pops, blocking pops and moves with timeouts, clock advances, disconnects and CLIENT UNBLOCK
 * across several clients. A small reference model of Valkey's serving algorithm (blocked.c `handleClientsBlockedOnKeys`) predicts
 * every reply and every list exactly, so elements are never lost or duplicated, waiters are served
 * FIFO, and timeouts fire neither early nor late.
 */

const KEYS = ["a", "b", "c"] as const
const CONSUMERS = 4

type Action =
  | { readonly t: "push"; readonly key: string; readonly n: number; readonly left: boolean }
  | { readonly t: "pop"; readonly key: string }
  | { readonly t: "bpop"; readonly c: number; readonly keys: Array<string>; readonly left: boolean; readonly ms: number }
  | { readonly t: "bmove"; readonly c: number; readonly src: string; readonly dst: string; readonly ms: number }
  | { readonly t: "advance"; readonly ms: number }
  /** Advance to exactly the earliest deadline, or 1 ms before it (the edges of "never early"). */
  | { readonly t: "edge"; readonly before: boolean }
  | { readonly t: "disconnect"; readonly c: number }
  | { readonly t: "unblock"; readonly c: number; readonly error: boolean }

const key = fc.constantFrom(...KEYS)
const consumer = fc.integer({ min: 0, max: CONSUMERS - 1 })
const timeoutMs = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3000 }))
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant("push" as const), key, n: fc.integer({ min: 1, max: 3 }), left: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("pop" as const), key }) },
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant("bpop" as const),
      c: consumer,
      keys: fc.array(key, { minLength: 1, maxLength: 3 }),
      left: fc.boolean(),
      ms: timeoutMs
    })
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("bmove" as const), c: consumer, src: key, dst: key, ms: timeoutMs }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 2000 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("edge" as const), before: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("disconnect" as const), c: consumer }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("unblock" as const), c: consumer, error: fc.boolean() }) }
)

interface ModelBlock {
  readonly kind: "pop" | "move"
  readonly keys: Array<string>
  readonly left: boolean
  readonly dst: string
  readonly deadline: number
}

/** The reference: lists, per-key FIFO waiters, each consumer's block and expected replies. */
class Model {
  now = 0
  readonly lists = new Map<string, Array<string>>()
  readonly waiters = new Map<string, Array<number>>()
  readonly blocks: Array<ModelBlock | null> = Array.from({ length: CONSUMERS }, () => null)
  readonly replies: Array<Array<Reply>> = Array.from({ length: CONSUMERS }, () => [])
  private ready: Array<string> = []
  private readonly readySet = new Set<string>()

  list(k: string): Array<string> {
    return this.lists.get(k) ?? []
  }

  private popFrom(k: string, left: boolean): string {
    const l = this.lists.get(k)!
    const v = (left ? l.shift() : l.pop())!
    if (l.length === 0) this.lists.delete(k)
    return v
  }

  /** Pushes to `k`; a key created with waiters is signalled ready. */
  push(k: string, values: Array<string>, left: boolean): number {
    const existed = this.lists.has(k)
    const l = this.list(k)
    for (const v of values) left ? l.unshift(v) : l.push(v)
    this.lists.set(k, l)
    if (!existed) this.signal(k)
    return l.length
  }

  private signal(k: string): void {
    if ((this.waiters.get(k)?.length ?? 0) > 0 && !this.readySet.has(k)) {
      this.readySet.add(k)
      this.ready.push(k)
    }
  }

  /** Runs a blocking command for consumer c: a reply now, or a block. */
  runBlocking(c: number, block: ModelBlock): void {
    const reply = this.tryServe(block)
    if (reply !== undefined) {
      this.replies[c].push(reply)
      return
    }
    this.blocks[c] = block
    for (const k of new Set(block.keys)) {
      const w = this.waiters.get(k) ?? []
      w.push(c)
      this.waiters.set(k, w)
    }
  }

  private tryServe(block: ModelBlock): Reply | undefined {
    if (block.kind === "pop") {
      for (const k of block.keys) if (this.list(k).length > 0) return [k, this.popFrom(k, block.left)]
      return undefined
    }
    const src = block.keys[0]
    if (this.list(src).length === 0) return undefined
    const dstExisted = this.lists.has(block.dst)
    const v = this.popFrom(src, true)
    const l = this.list(block.dst)
    l.push(v)
    this.lists.set(block.dst, l)
    if (!dstExisted) this.signal(block.dst)
    return v
  }

  unblock(c: number, reply: Reply | undefined): void {
    const block = this.blocks[c]!
    this.blocks[c] = null
    for (const k of new Set(block.keys)) {
      const w = this.waiters.get(k)!
      w.splice(w.indexOf(c), 1)
      if (w.length === 0) this.waiters.delete(k)
    }
    if (reply !== undefined) this.replies[c].push(reply)
  }

  /** As blocked.c `handleClientsBlockedOnKeys`: rounds of ready keys; per key, the waiters present at its start, FIFO. */
  serve(): void {
    while (this.ready.length > 0) {
      const batch = this.ready
      this.ready = []
      for (const k of batch) {
        this.readySet.delete(k)
        const snapshot = (this.waiters.get(k) ?? []).slice()
        for (const c of snapshot) {
          const block = this.blocks[c]
          if (block === null || !this.lists.has(k)) continue
          this.unblock(c, undefined)
          this.replies[c].push(this.tryServe(block)!)
        }
      }
    }
  }

  advance(ms: number): void {
    this.now += ms
    for (let c = 0; c < CONSUMERS; c++) {
      const block = this.blocks[c]
      if (block !== null && block.deadline !== 0 && block.deadline <= this.now) this.unblock(c, NULL_ARRAY)
    }
  }
}

const seconds = (ms: number) => (ms / 1000).toString()

const runActions = (actions: ReadonlyArray<Action>) =>
  Effect.gen(function* () {
    const server: Server = yield* ServerCore.make()
    const model = new Model()
    const producer = server.createClient(null, "producer", "inproc")
    const clients: Array<Client> = Array.from({ length: CONSUMERS }, (_, i) => server.createClient(null, `c${i}`, "inproc"))
    let next = 0
    const run = (client: Client, ...argv: Array<string>) => {
      server.dispatcher.processCommand(client, argv)
      server.endOfTick()
    }
    const settle = Effect.gen(function* () {
      for (let i = 0; i < 8; i++) yield* Effect.yieldNow
    })
    const check = (step: number) => {
      const where = `after step ${step}: ${JSON.stringify(actions[step])}`
      for (let c = 0; c < CONSUMERS; c++) {
        expect(clients[c].replies, where + ` replies of c${c}`).toEqual(model.replies[c])
        expect(clients[c].isBlocked, where + ` blocked c${c}`).toBe(model.blocks[c] !== null)
      }
      for (const k of KEYS) {
        const value = server.keyspace.lookup(0, k)?.value
        const actual = value instanceof ListValue ? value.toArray() : []
        expect(actual, where + ` list ${k}`).toEqual(model.list(k))
      }
      expect(server.blockedClients).toBe(model.blocks.filter((b) => b !== null).length)
      expect(producer.replies).toEqual(producerExpected)
    }
    const producerExpected: Array<Reply> = []
    for (let step = 0; step < actions.length; step++) {
      const a = actions[step]
      switch (a.t) {
        case "push": {
          const values = Array.from({ length: a.n }, () => `v${next++}`)
          producerExpected.push(model.push(a.key, values, a.left))
          model.serve()
          run(producer, a.left ? "LPUSH" : "RPUSH", a.key, ...values)
          break
        }
        case "pop": {
          const l = model.lists.get(a.key)
          producerExpected.push(l === undefined ? null : (l.shift() ?? null))
          if (l !== undefined && l.length === 0) model.lists.delete(a.key)
          run(producer, "LPOP", a.key)
          break
        }
        case "bpop":
        case "bmove": {
          if (clients[a.c].isBlocked) continue
          const deadline = a.ms === 0 ? 0 : model.now + a.ms
          if (a.t === "bpop") {
            model.runBlocking(a.c, { kind: "pop", keys: a.keys, left: a.left, dst: "", deadline })
            run(clients[a.c], a.left ? "BLPOP" : "BRPOP", ...a.keys, seconds(a.ms))
          } else {
            model.runBlocking(a.c, { kind: "move", keys: [a.src], left: true, dst: a.dst, deadline })
            model.serve()
            run(clients[a.c], "BLMOVE", a.src, a.dst, "LEFT", "RIGHT", seconds(a.ms))
          }
          break
        }
        case "advance": {
          model.advance(a.ms)
          yield* TestClock.adjust(`${a.ms} millis`)
          yield* settle
          break
        }
        case "edge": {
          const deadlines = model.blocks.flatMap((b) => (b !== null && b.deadline !== 0 ? [b.deadline] : []))
          if (deadlines.length === 0) continue
          const ms = Math.min(...deadlines) - model.now - (a.before ? 1 : 0)
          if (ms <= 0) continue
          model.advance(ms)
          yield* TestClock.adjust(`${ms} millis`)
          yield* settle
          break
        }
        case "disconnect": {
          if (model.blocks[a.c] !== null) model.unblock(a.c, undefined)
          model.replies[a.c] = []
          server.closeClient(clients[a.c], false)
          clients[a.c] = server.createClient(null, `c${a.c}`, "inproc")
          break
        }
        case "unblock": {
          const blocked = model.blocks[a.c] !== null
          producerExpected.push(blocked ? 1 : 0)
          if (blocked) {
            model.unblock(a.c, a.error ? new ErrorReply("UNBLOCKED client unblocked via CLIENT UNBLOCK") : NULL_ARRAY)
          }
          run(producer, "CLIENT", "UNBLOCK", String(clients[a.c].id), ...(a.error ? ["ERROR"] : []))
          break
        }
      }
      check(step)
    }
    // Conservation: every value popped or still in a list appears exactly once.
    const delivered: Array<string> = []
    for (const c of clients) for (const r of c.replies!) collect(r, delivered)
    for (const r of producer.replies!) if (typeof r === "string") delivered.push(r)
    for (const k of KEYS) delivered.push(...model.list(k))
    expect(new Set(delivered).size).toBe(delivered.length)
  }).pipe(Effect.scoped, Effect.provide(TestClock.layer()))

const collect = (r: Reply, out: Array<string>): void => {
  // BLMOVE replies name an element that stays in a list; only pops take elements out.
  if (Array.isArray(r) && r.length === 2 && typeof r[1] === "string") out.push(r[1] as string)
}

describe("blocking engine model", () => {
  it("never loses or duplicates an element, serves FIFO, times out on time", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 60 }), (actions) => Effect.runPromise(runActions(actions))),
      { numRuns: 100 }
    )
  }, 120_000)
})
