import fc from "fast-check"
import { describe, expect, it } from "vitest"
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
