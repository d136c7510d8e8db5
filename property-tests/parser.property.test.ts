import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ProtocolError, RespParser } from "../src/protocol/RespParser.js"
import { RawClient } from "../test/support/raw.js"
import { type RunningServer, startServer } from "../test/support/server.js"
import { cmd } from "../test/support/resp.js"

const LIMITS = { maxBulkLen: 512 * 1024 * 1024 }

/** A byte string (latin1) of any byte values. */
const bytes = (maxLength: number) =>
  fc.uint8Array({ maxLength }).map((a) => Buffer.from(a).toString("latin1"))

/** Inline requests only carry plain words (no quotes, spaces or control bytes). */
const word = fc.stringMatching(/^[A-Za-z0-9:_.-]{1,12}$/)

const request = fc.oneof(
  { weight: 3, arbitrary: fc.array(bytes(40), { minLength: 1, maxLength: 6 }).map((argv) => ({ argv, wire: cmd(...argv) })) },
  { weight: 1, arbitrary: fc.array(word, { minLength: 1, maxLength: 5 }).map((argv) => ({ argv, wire: argv.join(" ") + "\r\n" })) }
)

/** Splits `data` at the given (sorted, de-duplicated) cut points. */
const split = (data: Buffer, cuts: ReadonlyArray<number>): Array<Buffer> => {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b)
  const out: Array<Buffer> = []
  let last = 0
  for (const p of points) {
    out.push(data.subarray(last, p))
    last = p
  }
  out.push(data.subarray(last))
  return out.filter((chunk) => chunk.length > 0)
}

/** Feeds chunks one by one, pulling every complete request after each. */
const parseChunks = (chunks: ReadonlyArray<Buffer>): Array<Array<string>> => {
  const parser = new RespParser(LIMITS)
  const frames: Array<Array<string>> = []
  for (const chunk of chunks) {
    parser.push(chunk)
    for (let argv = parser.next(); argv !== undefined; argv = parser.next()) frames.push(argv)
  }
  return frames
}

/**
 * Feeds chunks the way a connection does: each is copied into one reused read buffer whose bytes
 * past the chunk are stale (CR, LF, `*`, `$`, digits), pushed with its length, and released with
 * `keepPending` before the buffer is overwritten with more stale bytes.
 */
const parseThroughSharedBuffer = (chunks: ReadonlyArray<Buffer>, stale: number): Array<Array<string>> => {
  const parser = new RespParser(LIMITS)
  const shared = Buffer.alloc(Math.max(0, ...chunks.map((c) => c.length)) + 16)
  const junk = Buffer.from("\r\n*$1\r\n0\r\n\n" + String(stale), "latin1")
  const frames: Array<Array<string>> = []
  for (const chunk of chunks) {
    for (let i = 0; i < shared.length; i += junk.length) junk.copy(shared, i)
    chunk.copy(shared)
    parser.push(shared, chunk.length)
    for (let argv = parser.next(); argv !== undefined; argv = parser.next()) frames.push(argv)
    parser.keepPending(shared)
  }
  return frames
}

describe("RespParser properties", () => {
  it("yields the same frames however the input is split into chunks", () => {
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 30 }), (requests, cuts) => {
        const data = Buffer.from(requests.map((r) => r.wire).join(""), "latin1")
        const expected = requests.map((r) => r.argv)
        expect(parseChunks([data])).toEqual(expected)
        expect(parseChunks(split(data, cuts))).toEqual(expected)
        expect(parseThroughSharedBuffer(split(data, cuts), cuts.length)).toEqual(expected)
      }),
      { numRuns: 400 }
    )
  })

  it("yields the same frames when fed one byte at a time", () => {
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 4 }), (requests) => {
        const data = Buffer.from(requests.map((r) => r.wire).join(""), "latin1")
        const chunks = Array.from(data, (b) => Buffer.from([b]))
        expect(parseChunks(chunks)).toEqual(requests.map((r) => r.argv))
        expect(parseThroughSharedBuffer(chunks, 7)).toEqual(requests.map((r) => r.argv))
      }),
      { numRuns: 100 }
    )
  })

  it("never throws anything but ProtocolError on garbage, and stops at the first error", () => {
    const garbage = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      // Garbage that looks like RESP: prefixes, digits, CR/LF.
      fc.array(fc.constantFrom(..."*$+-:\r\n0123456789-abc ".split("").map((c) => c.charCodeAt(0))), { maxLength: 200 }).map(
        (a) => Uint8Array.from(a)
      )
    )
    fc.assert(
      fc.property(garbage, fc.array(fc.nat(), { maxLength: 10 }), (raw, cuts) => {
        const parser = new RespParser({ maxBulkLen: 1000 })
        try {
          for (const chunk of split(Buffer.from(raw), cuts)) {
            parser.push(chunk)
            for (let argv = parser.next(); argv !== undefined; argv = parser.next()) {
              expect(Array.isArray(argv)).toBe(true)
              expect(argv.length).toBeGreaterThan(0)
            }
          }
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw e
        }
      }),
      { numRuns: 1000 }
    )
  })
})

describe("garbage over a real socket", () => {
  let s: RunningServer
  beforeAll(async () => {
    s = await startServer()
  })
  afterAll(() => s.close())

  it("garbage to one client never disturbs another, and the server keeps serving", async () => {
    const good = await RawClient.connect(s.port)
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(1000), async (raw, n) => {
        const bad = await RawClient.connect(s.port)
        bad.write(Buffer.from(raw))
        const value = `v${n}`
        const expected = `+OK\r\n$${value.length}\r\n${value}\r\n`
        const reply = await good.request(`*3\r\n$3\r\nSET\r\n$4\r\ngood\r\n$${value.length}\r\n${value}\r\nGET good\r\n`, expected)
        expect(reply).toBe(expected)
        bad.close()
      }),
      { numRuns: 60 }
    )
    expect(await good.request("PING\r\n", "+PONG\r\n")).toBe("+PONG\r\n")
    good.close()
  })
})
