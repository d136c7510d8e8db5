import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { BlockedClient, type BlockHandler } from "../src/blocking/BlockedClient.js"
import { BlockedClients, KeyQueue } from "../src/blocking/BlockedClients.js"
import type { Client } from "../src/server/Client.js"

/**
 * The registry of key queues against a plain model (a FIFO array per key): whatever the order of
 * parking, leaving and re-queueing records on one or several keys, with or without
 * `unblockOnNoKey`, each key's waiters are the model's in FIFO order, and `total_blocking_keys`,
 * `total_blocking_keys_on_nokey` and `hasNoKeyWaiters` agree with it. A lone waiter is held
 * without a queue object, so this covers the changes between one waiter and several.
 */

const KEYS = ["a", "b", "c"]
const RECORDS = 5
const HANDLER: BlockHandler = { mayTimeout: true, completed: () => {} }

type Op =
  | { readonly t: "enqueue"; readonly r: number; readonly keys: ReadonlyArray<string>; readonly noKey: boolean }
  | { readonly t: "dequeue"; readonly r: number }
  | { readonly t: "requeue"; readonly r: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    t: fc.constant("enqueue" as const),
    r: fc.nat(RECORDS - 1),
    keys: fc.uniqueArray(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 3 }),
    noKey: fc.boolean()
  }),
  fc.record({ t: fc.constant("dequeue" as const), r: fc.nat(RECORDS - 1) }),
  fc.record({ t: fc.constant("requeue" as const), r: fc.nat(RECORDS - 1) })
)

const waitersOf = (registry: BlockedClients, key: string): Array<BlockedClient> => {
  const waiters = registry.waiters(0, key)
  if (waiters === undefined) return []
  return waiters instanceof KeyQueue ? Array.from(waiters) : [waiters]
}

describe("blocked-client registry", () => {
  it("keeps FIFO queues and the blocking-key counters of a plain model", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const registry = new BlockedClients()
        const records: Array<BlockedClient | null> = new Array(RECORDS).fill(null)
        const model = new Map<string, Array<BlockedClient>>(KEYS.map((k) => [k, []]))
        const leave = (record: BlockedClient) => {
          for (const key of record.keys) model.set(key, model.get(key)!.filter((x) => x !== record))
        }
        const join = (record: BlockedClient) => {
          for (const key of record.keys) model.get(key)!.push(record)
        }
        for (const o of ops) {
          const current = records[o.r]
          if (o.t === "enqueue") {
            if (current !== null) continue
            const record = new BlockedClient({} as Client, 0, o.keys, 0, HANDLER, o.noKey, undefined)
            records[o.r] = record
            registry.enqueue(record)
            join(record)
          } else if (current !== null && current.queued) {
            registry.dequeue(current)
            leave(current)
            if (o.t === "requeue") {
              registry.enqueue(current)
              join(current)
            } else records[o.r] = null
          }
          for (const key of KEYS) {
            const expected = model.get(key)!
            expect(waitersOf(registry, key)).toEqual(expected)
            expect(registry.hasWaiters(0, key)).toBe(expected.length > 0)
            expect(registry.hasNoKeyWaiters(0, key)).toBe(expected.some((r) => r.unblockOnNoKey))
          }
          expect(registry.totalKeys).toBe(KEYS.filter((k) => model.get(k)!.length > 0).length)
          expect(registry.totalKeysOnNoKey).toBe(KEYS.filter((k) => model.get(k)!.some((r) => r.unblockOnNoKey)).length)
        }
      }),
      { numRuns: 500 }
    )
  })
})
