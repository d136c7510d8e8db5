import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Keyspace } from "../src/keyspace/Keyspace.js"
import { ListValue } from "../src/keyspace/ListValue.js"
import { VOLATILE_OVERHEAD } from "../src/keyspace/MemoryAccounting.js"

/**
 * The memory accounting kept incrementally by the databases against a recount: whatever the order
 * of creating, overwriting, growing in place, expiring, deleting, flushing and swapping, each
 * database's `bytes` is the sum of its entries' `cost`, the keyspace total is the sum over the
 * databases, every cost covers the key's own bytes, and an emptied keyspace is charged nothing.
 */

const KEYS = ["a", "b", "c", "d"]

type Op =
  | { readonly t: "set"; readonly db: number; readonly key: string; readonly size: number }
  | { readonly t: "push"; readonly db: number; readonly key: string; readonly size: number }
  | { readonly t: "expire"; readonly db: number; readonly key: string; readonly at: number }
  | { readonly t: "delete"; readonly db: number; readonly key: string }
  | { readonly t: "flush"; readonly db: number }
  | { readonly t: "swap" }
  | { readonly t: "tick"; readonly ms: number }
  | { readonly t: "evict"; readonly db: number }

const db = fc.nat(1)
const key = fc.constantFrom(...KEYS)
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant("set" as const), db, key, size: fc.nat(300) }),
  fc.record({ t: fc.constant("push" as const), db, key, size: fc.nat(50) }),
  fc.record({ t: fc.constant("expire" as const), db, key, at: fc.integer({ min: 0, max: 3000 }) }),
  fc.record({ t: fc.constant("delete" as const), db, key }),
  fc.record({ t: fc.constant("flush" as const), db }),
  fc.constant({ t: "swap" as const }),
  fc.record({ t: fc.constant("tick" as const), ms: fc.nat(1500) }),
  fc.record({ t: fc.constant("evict" as const), db })
)

describe("memory accounting", () => {
  it("the incremental totals always equal a recount of the entries", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        let now = 1_000_000
        const ks = new Keyspace(2, () => now)
        for (const o of ops) {
          switch (o.t) {
            case "set":
              ks.set(o.db, o.key, "x".repeat(o.size))
              break
            case "push": {
              const entry = ks.lookup(o.db, o.key)
              if (entry === undefined) ks.add(o.db, o.key, ListValue.of(["y".repeat(o.size)]))
              else if (entry.value instanceof ListValue) {
                entry.value.pushRight("z".repeat(o.size))
                ks.touch(o.db, o.key)
              }
              break
            }
            case "expire": {
              const entry = ks.lookup(o.db, o.key)
              if (entry !== undefined) ks.setExpire(o.db, entry, o.at === 0 ? 0 : now + o.at)
              break
            }
            case "delete":
              ks.delete(o.db, o.key)
              break
            case "flush":
              ks.flushDb(o.db)
              break
            case "swap":
              ks.swap(0, 1)
              break
            case "tick":
              now += o.ms
              ks.activeExpireCycle()
              break
            case "evict": {
              const database = ks.dbs[o.db]
              if (database.size > 0) ks.evict(database, database.slots[0])
              break
            }
          }
          let total = 0
          for (const database of ks.dbs) {
            let sum = 0
            for (const entry of database.slots) {
              sum += entry.cost
              expect(entry.cost).toBeGreaterThan(entry.key.length + (entry.volatileSlot === -1 ? 0 : VOLATILE_OVERHEAD))
            }
            expect(database.bytes).toBe(sum)
            total += sum
          }
          expect(ks.usedBytes).toBe(total)
        }
        ks.flushAll()
        expect(ks.usedBytes).toBe(0)
      })
    )
  })
})
