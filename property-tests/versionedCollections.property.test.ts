import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { SetValue } from "../src/keyspace/SetValue.js"
import { VersionedMap, VersionedSet } from "../src/keyspace/VersionedCollections.js"

type Op = { readonly kind: "add" | "delete" | "random" | "clear"; readonly key: string }

const ops = fc.array(
  fc.record({
    kind: fc.constantFrom<Op["kind"]>("add", "add", "delete", "random", "random", "clear"),
    key: fc.constantFrom("a", "b", "c", "d", "e", "f", "g")
  }),
  { maxLength: 200 }
)

/**
 * The dense random index stays in step with the collection through any mix of writes: every random
 * pick is a current key, the version changes on every write, and contents match a plain Set model.
 */
describe("VersionedSet and VersionedMap", () => {
  it("random picks are always current members", () => {
    fc.assert(
      fc.property(ops, (list) => {
        const set = new VersionedSet<string>()
        const map = new VersionedMap<string, string>()
        const model = new Set<string>()
        for (const op of list) {
          const before = set.version
          if (op.kind === "add") {
            set.add(op.key)
            map.set(op.key, op.key + "!")
            model.add(op.key)
          } else if (op.kind === "delete") {
            set.delete(op.key)
            map.delete(op.key)
            model.delete(op.key)
          } else if (op.kind === "clear") {
            set.clear()
            map.clear()
            model.clear()
          } else {
            const member = set.randomMember()
            const key = map.randomKey()
            if (model.size === 0) {
              expect(member).toBeUndefined()
              expect(key).toBeUndefined()
            } else {
              expect(model.has(member!)).toBe(true)
              expect(model.has(key!)).toBe(true)
            }
            continue
          }
          expect(set.version).toBeGreaterThan(before)
          expect([...set].sort()).toEqual([...model].sort())
          expect([...map.keys()].sort()).toEqual([...model].sort())
        }
      })
    )
  })

  it("every member is eventually picked", () => {
    const set = new VersionedSet(["a", "b", "c"])
    set.randomMember()
    set.delete("b")
    set.add("d")
    const seen = new Set<string>()
    for (let i = 0; i < 2000 && seen.size < 3; i++) seen.add(set.randomMember()!)
    expect([...seen].sort()).toEqual(["a", "c", "d"])
  })
})

describe("SetValue", () => {
  it("an intset iterates in ascending order; members always match a plain Set", () => {
    const member = fc.oneof(
      fc.integer({ min: -1000, max: 1000 }).map(String),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
      fc.constantFrom("a", "b", "+1", "01")
    )
    const step = fc.record({ remove: fc.boolean(), member })
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), fc.integer({ min: 1, max: 40 }), (steps, maxIntset) => {
        const limits = { maxIntsetEntries: maxIntset, maxListpackEntries: 20, maxListpackValue: 64 }
        const set = new SetValue("intset")
        const model = new Set<string>()
        for (const { remove, member } of steps) {
          if (remove) expect(set.delete(member)).toBe(model.delete(member))
          else {
            expect(set.add(member, limits)).toBe(!model.has(member))
            model.add(member)
          }
          const members = [...set.members]
          expect([...members].sort()).toEqual([...model].sort())
          if (set.encoding === "intset") {
            const numbers = members.map(BigInt)
            for (let i = 1; i < numbers.length; i++) expect(numbers[i - 1] < numbers[i]).toBe(true)
            expect(set.size).toBeLessThanOrEqual(maxIntset)
          }
        }
      })
    )
  })
})
