import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { DEFAULT_ZSET_LIMITS, ZSetValue } from "../src/keyspace/ZSetValue.js"

type Op = { readonly kind: "set" | "delete"; readonly member: string; readonly score: number }

const ops = fc.array(
  fc.record({
    kind: fc.constantFrom<Op["kind"]>("set", "set", "delete"),
    member: fc.constantFrom("a", "b", "c", "d", "e", "f", "g", "h", "aa", ""),
    score: fc.constantFrom(-Infinity, -1.5, 0, 0, 1, 1, 2, 3.25, Infinity)
  }),
  { maxLength: 300 }
)

const compare = (a: readonly [string, number], b: readonly [string, number]): number =>
  a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)

/**
 * The skiplist stays in step with a plain member → score model through any mix of writes: the
 * (score, member) order, both directions, every rank, and `at(rank)`.
 */
describe("ZSetValue skiplist", () => {
  it("order, ranks and backward links match a sorted model", () => {
    fc.assert(
      fc.property(ops, (list) => {
        const zset = new ZSetValue()
        const model = new Map<string, number>()
        for (const op of list) {
          if (op.kind === "set") {
            zset.set(op.member, op.score, DEFAULT_ZSET_LIMITS)
            model.set(op.member, op.score)
          } else {
            expect(zset.delete(op.member)).toBe(model.delete(op.member))
          }
        }
        const expected = Array.from(model.entries()).sort(compare)
        const forward: Array<[string, number]> = []
        for (let n = zset.list.first; n !== null; n = n.forward[0]) forward.push([n.member, n.score])
        expect(forward).toEqual(expected)
        const backward: Array<[string, number]> = []
        for (let n = zset.list.tail; n !== null; n = n.backward) backward.push([n.member, n.score])
        expect(backward).toEqual([...expected].reverse())
        expect(zset.size).toBe(expected.length)
        expect(zset.list.length).toBe(expected.length)
        expected.forEach(([member], i) => {
          expect(zset.rank(member)).toBe(i)
          expect(zset.list.at(i)?.member).toBe(member)
        })
        expect(zset.list.at(expected.length)).toBeNull()
        const copy = zset.clone()
        const copied: Array<[string, number]> = []
        for (let n = copy.list.first; n !== null; n = n.forward[0]) copied.push([n.member, n.score])
        expect(copied).toEqual(expected)
      }),
      { numRuns: 300 }
    )
  })
})
