import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  BigNumberReply,
  DoubleReply,
  ErrorReply,
  MapReply,
  PushReply,
  type Reply,
  SetReply,
  SimpleString,
  VerbatimReply
} from "../src/protocol/Reply.js"
import { decodeReplies } from "../src/protocol/RespReplyDecoder.js"
import { encodeReply } from "../src/protocol/RespWriter.js"

/** A byte string (latin1) of any byte values. */
const bytes = fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a).toString("latin1"))
/** A status or error line: no CR or LF. */
const line = fc.stringMatching(/^[ -~]{0,20}$/)

/** Every reply shape RESP3 gives a distinct type byte, nested. */
const reply: fc.Arbitrary<Reply> = fc.letrec<{ reply: Reply }>((tie) => ({
  reply: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    bytes,
    fc.maxSafeInteger(),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).filter((n) => n < BigInt(Number.MIN_SAFE_INTEGER) || n > BigInt(Number.MAX_SAFE_INTEGER)),
    fc.constant(null),
    fc.boolean(),
    line.map((s) => new SimpleString(s)),
    line.map((s) => new ErrorReply("ERR " + s)),
    fc.double({ noNaN: true }).filter((d) => !Object.is(d, -0)).map((d) => new DoubleReply(d)),
    bytes.map((s) => new VerbatimReply(s, "txt")),
    fc.bigInt().map((n) => new BigNumberReply(String(n))),
    fc.array(tie("reply"), { maxLength: 4 }),
    fc.array(fc.tuple(tie("reply"), tie("reply")), { maxLength: 3 }).map((pairs) => new MapReply(pairs.flat())),
    fc.array(tie("reply"), { maxLength: 4 }).map((items) => new SetReply(items)),
    fc.array(tie("reply"), { maxLength: 4 }).map((items) => new PushReply(items))
  )
})).reply

describe("decodeReplies", () => {
  it("gives back what encodeReply wrote in RESP3, several replies in order", () => {
    fc.assert(
      fc.property(fc.array(reply, { maxLength: 4 }), (replies) => {
        const wire = replies.map((r) => encodeReply(r, 3)).join("")
        expect(decodeReplies(wire)).toEqual(replies)
      }),
      { numRuns: 500 }
    )
  })

  it("reads RESP2's encoding the way a RESP2 client sees it: re-encoding is byte-identical", () => {
    fc.assert(
      fc.property(fc.array(reply, { maxLength: 4 }), (replies) => {
        const wire = replies.map((r) => encodeReply(r, 2)).join("")
        expect(decodeReplies(wire).map((r) => encodeReply(r, 2)).join("")).toBe(wire)
      }),
      { numRuns: 500 }
    )
  })
})
