import fc from "fast-check"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RawClient } from "../test/support/raw.js"
import { cmd } from "../test/support/resp.js"
import { modulePath, type RunningModuleServer, serverClient, startModuleServer } from "../test/support/moduleServer.js"
import { waitFor } from "../test/support/waitFor.js"

/**
 * RM_Call with K against a FIFO model: clients wait on BLPOP through `do_rm_call_async` (a promise
 * whose unblock handler relays the element) or, nested, through three levels of it; pushes serve the
 * oldest waiter of the key; killing a waiting client aborts its promise. Whatever the order, every
 * pushed element is relayed to exactly the waiter the model says or stays in the list, nothing is
 * consumed for a killed client, and no client stays blocked.
 */

const KEYS = ["pa", "pb"]

type Op =
  | { readonly t: "wait"; readonly key: string; readonly nested: boolean }
  | { readonly t: "push"; readonly key: string }
  | { readonly t: "kill"; readonly pick: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant("wait" as const), key: fc.constantFrom(...KEYS), nested: fc.boolean() }),
  fc.record({ t: fc.constant("push" as const), key: fc.constantFrom(...KEYS) }),
  fc.record({ t: fc.constant("kill" as const), pick: fc.nat(7) })
)

const bulk = (s: string) => `$${s.length}\r\n${s}\r\n`

describe("RM_Call K promises: served FIFO exactly once, aborted on disconnect (model-based)", () => {
  let s: RunningModuleServer
  let r: Redis
  beforeAll(async () => {
    s = await startModuleServer({ modules: { load: [{ path: modulePath("blockedclient.ts"), args: [] }] } })
    r = new Redis(s.port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })
  })
  afterAll(async () => {
    r.disconnect()
    await s.close()
  })

  it("random waits, pushes and kills", async () => {
    let round = 0
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        round++
        await r.del(...KEYS)
        const waiting: Array<{ key: string; c: RawClient }> = []
        const lists = new Map<string, Array<string>>(KEYS.map((k) => [k, []]))
        const open: Array<RawClient> = []
        try {
          let n = 0
          for (const o of ops) {
            if (o.t === "wait") {
              const c = await RawClient.connect(s.port)
              open.push(c)
              await c.request(cmd("PING"), "+PONG\r\n")
              const prefix = o.nested ? ["do_rm_call_async", "do_rm_call_async"] : []
              c.write(cmd("do_rm_call_async", ...prefix, "blpop", o.key, 0))
              const queued = lists.get(o.key)!
              if (queued.length > 0) {
                // Served at once: a reply, not a promise.
                const v = queued.shift()!
                const expected = `*2\r\n${bulk(o.key)}${bulk(v)}`
                expect(await c.until((t) => t.length >= expected.length)).toBe(expected)
              } else {
                waiting.push({ key: o.key, c })
                await waitFor("the waiter blocks", () => s.server.blockedClients === waiting.length)
              }
            } else if (o.t === "push") {
              const v = `v${round}.${n++}`
              await r.rpush(o.key, v)
              const i = waiting.findIndex((w) => w.key === o.key)
              if (i === -1) lists.get(o.key)!.push(v)
              else {
                const [w] = waiting.splice(i, 1)
                const expected = `*2\r\n${bulk(o.key)}${bulk(v)}`
                expect(await w.c.until((t) => t.length >= expected.length)).toBe(expected)
              }
            } else if (waiting.length > 0) {
              const [w] = waiting.splice(o.pick % waiting.length, 1)
              await r.call("CLIENT", "KILL", "ID", String(serverClient(s.server, w.c).id))
              await waitFor("the killed waiter is gone", () => s.server.blockedClients === waiting.length)
            }
          }
          for (const key of KEYS) expect(await r.lrange(key, 0, -1)).toEqual(lists.get(key))
          expect(s.server.blockedClients).toBe(waiting.length)
        } finally {
          for (const c of open) c.close()
          await waitFor("no blocked clients", () => s.server.blockedClients === 0)
        }
        // Nothing consumed after the waiters went away: a push stays in the list.
        await r.rpush(KEYS[0], "after")
        expect(await r.lrange(KEYS[0], -1, -1)).toEqual(["after"])
      }),
      { numRuns: 40 }
    )
  })
})
