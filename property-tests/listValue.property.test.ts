import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { ListValue } from "../src/keyspace/ListValue.js"

/**
 * The list ring buffer against a plain array: random pushes and pops at both ends (enough to grow
 * and shrink it several times and wrap the head around), inserts, sets and rebuilds keep exactly
 * the model's elements in the model's order.
 */

type Op =
  | { readonly t: "pushLeft" | "pushRight"; readonly n: number }
  | { readonly t: "popLeft" | "popRight"; readonly n: number }
  | { readonly t: "insert"; readonly at: number }
  | { readonly t: "set"; readonly at: number }
  | { readonly t: "replace"; readonly n: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constantFrom("pushLeft" as const, "pushRight" as const), n: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ t: fc.constantFrom("popLeft" as const, "popRight" as const), n: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ t: fc.constant("insert" as const), at: fc.integer({ min: -2, max: 400 }) }),
  fc.record({ t: fc.constant("set" as const), at: fc.integer({ min: -400, max: 400 }) }),
  fc.record({ t: fc.constant("replace" as const), n: fc.integer({ min: 0, max: 100 }) })
)

describe("ListValue", () => {
  it("behaves like an array under any sequence of operations", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const list = new ListValue()
        let model: Array<string> = []
        let next = 0
        for (const o of ops) {
          switch (o.t) {
            case "pushLeft":
              for (let i = 0; i < o.n; i++) {
                const v = `v${next++}`
                list.pushLeft(v)
                model.unshift(v)
              }
              break
            case "pushRight":
              for (let i = 0; i < o.n; i++) {
                const v = `v${next++}`
                list.pushRight(v)
                model.push(v)
              }
              break
            case "popLeft":
              for (let i = 0; i < o.n; i++) expect(list.popLeft()).toBe(model.shift())
              break
            case "popRight":
              for (let i = 0; i < o.n; i++) expect(list.popRight()).toBe(model.pop())
              break
            case "insert": {
              const v = `v${next++}`
              list.insertAt(o.at, v)
              model.splice(Math.max(0, Math.min(o.at, model.length)), 0, v)
              break
            }
            case "set": {
              const v = `v${next++}`
              const index = o.at < 0 ? o.at + model.length : o.at
              const inRange = index >= 0 && index < model.length
              expect(list.set(o.at, v)).toBe(inRange)
              if (inRange) model[index] = v
              break
            }
            case "replace":
              model = Array.from({ length: o.n }, () => `v${next++}`)
              list.replaceAll(model)
              break
          }
          expect(list.length).toBe(model.length)
        }
        expect(list.toArray()).toEqual(model)
        for (let i = -model.length - 1; i <= model.length; i++) {
          expect(list.at(i)).toBe(i < 0 ? model[model.length + i] : model[i])
        }
      }),
      { numRuns: 300 }
    )
  })
})
