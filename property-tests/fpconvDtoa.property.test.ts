import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { fpconvDtoa } from "../src/protocol/fpconvDtoa.js"

/** What `emit_digits` can print: an integer, a decimal, or `d[.ddd]e±x` without exponent padding. */
const FORM = /^-?(\d+|\d+\.\d+|\d(\.\d+)?e[+-][1-9]\d*|inf|nan)$/

describe("fpconvDtoa", () => {
  it("reads back as the same double, in one of fpconv's forms", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (d) => {
        const text = fpconvDtoa(d)
        expect(text).toMatch(FORM)
        const back = text === "inf" ? Infinity : text === "-inf" ? -Infinity : Number(text)
        expect(Object.is(back, d)).toBe(true)
      }),
      { numRuns: 20000 }
    )
  })

  it("prints an integer as its own digits, or in exponent form that reads back as it", () => {
    fc.assert(
      fc.property(fc.integer({ min: -99_999_999, max: 99_999_999 }), (n) => {
        // An integer of k digits and z trailing zeros prints plainly while z < k - z + 7.
        const text = fpconvDtoa(n)
        if (text.includes("e")) expect(Number(text)).toBe(n)
        else expect(text).toBe(String(n))
      }),
      { numRuns: 20000 }
    )
  })
})
