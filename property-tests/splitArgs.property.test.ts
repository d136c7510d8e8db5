import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { quoteArg, splitArgs } from "../src/protocol/splitArgs.js"

const byteString = fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 64 }).map((bytes) => String.fromCharCode(...bytes))

describe("quoteArg then splitArgs", () => {
  it("gives back any byte string", () => {
    fc.assert(
      fc.property(byteString, (s) => {
        expect(splitArgs(quoteArg(s))).toEqual([s])
      }),
      { numRuns: 2000 }
    )
  })

  it("gives back any list of byte strings joined by spaces", () => {
    fc.assert(
      fc.property(fc.array(byteString, { maxLength: 8 }), (args) => {
        expect(splitArgs(args.map(quoteArg).join(" "))).toEqual(args)
      }),
      { numRuns: 1000 }
    )
  })
})
