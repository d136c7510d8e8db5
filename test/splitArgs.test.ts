import { describe, expect, it } from "vitest"
import { quoteArg, splitArgs } from "../src/protocol/splitArgs.js"

// Valkey's sds.c `sdssplitargs` (the config file tokenizer), byte for byte.
describe("splitArgs (sdssplitargs)", () => {
  const table: Array<[string, Array<string> | undefined]> = [
    [`a "b c" 'd e'`, ["a", "b c", "d e"]],
    [`"\\x41\\n"`, ["A\n"]],
    [`'it\\'s'`, ["it's"]],
    [`ab"c d"`, ["abc d"]],
    [`""`, [""]],
    [`''`, [""]],
    [`"foo"bar`, undefined],
    [`'foo'bar`, undefined],
    [`"unterminated`, undefined],
    [`'x`, undefined],
    [`a\\nb`, ["a\\nb"]],
    [`"\\q\\"\\\\"`, ['q"\\']],
    [`"\\x4g"`, ["x4g"]],
    [`"\\xFf\\x00"`, ["\xff\x00"]],
    [`"\\r\\t\\b\\a"`, ["\r\t\b\x07"]],
    [`'a\\\\b'`, ["a\\\\b"]],
    [`'a\\'`, undefined],
    [`"a\\`, undefined],
    [" \t\v\f ", []],
    ["", []],
    ["port 6379 # x", ["port", "6379", "#", "x"]],
    ["a\vb", ["a\vb"]],
    [`"a" "b"`, ["a", "b"]],
    [`"a"\t'b'`, ["a", "b"]],
    [`x"y"`, ["xy"]]
  ]
  for (const [line, expected] of table) {
    it(`splits ${JSON.stringify(line)}`, () => {
      expect(splitArgs(line)).toEqual(expected)
    })
  }
})

describe("quoteArg (sdscatrepr)", () => {
  it("escapes quotes, backslashes, control and high bytes", () => {
    expect(quoteArg("super \x00secret password")).toBe('"super \\x00secret password"')
    expect(quoteArg('a"b\\c')).toBe('"a\\"b\\\\c"')
    expect(quoteArg("\n\r\t\x07\b\x7f\xff")).toBe('"\\n\\r\\t\\a\\b\\x7f\\xff"')
    expect(quoteArg("")).toBe('""')
  })
})
