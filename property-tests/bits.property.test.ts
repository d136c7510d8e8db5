import fc from "fast-check"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { BitmapRope } from "../src/commands/BitmapRope.js"
import { type RunningServer, startServer } from "../test/support/server.js"

/**
 * BITCOUNT, BITPOS and GETBIT against a model over random byte strings: the model reads bit `i` as
 * bit `7 - i % 8` of byte `i / 8` and applies Valkey's range rules (negative indexes from the end,
 * clamped; BIT ranges in bits; BITPOS 0 without an end treats the string as padded with zeros).
 * And the rope that large bitmaps are written through against a Buffer.
 */

const bitAt = (bytes: Buffer, i: number): number => (i >>> 3 < bytes.length ? (bytes[i >>> 3] >> (7 - (i & 7))) & 1 : 0)

/** Inclusive [start, end] in units of `total`, Valkey's way; null when empty. */
const clamp = (total: number, start: number, end: number): [number, number] | null => {
  if (start < 0) start += total
  if (end < 0) end += total
  if (start < 0) start = 0
  if (end < 0) end = 0
  if (end >= total) end = total - 1
  return start > end ? null : [start, end]
}

const modelBitcount = (bytes: Buffer, range?: { start: number; end: number; bit: boolean }): number => {
  if (range === undefined) {
    let n = 0
    for (let i = 0; i < bytes.length * 8; i++) n += bitAt(bytes, i)
    return n
  }
  if (range.start < 0 && range.end < 0 && range.start > range.end) return 0
  const unit = range.bit ? 1 : 8
  const r = clamp(bytes.length * (range.bit ? 8 : 1), range.start, range.end)
  if (r === null) return 0
  let n = 0
  for (let i = r[0] * unit; i < (r[1] + 1) * unit; i++) n += bitAt(bytes, i)
  return n
}

const modelBitpos = (bytes: Buffer, bit: number, range?: { start: number; end?: number; bit: boolean }): number => {
  const unit = range?.bit ? 1 : 8
  const end = range !== undefined && "end" in range ? range.end : undefined
  const r = clamp(bytes.length * (range?.bit ? 8 : 1), range?.start ?? 0, end ?? bytes.length - 1)
  if (r === null) return -1
  for (let i = r[0] * unit; i < (r[1] + 1) * unit; i++) if (bitAt(bytes, i) === bit) return i
  if (bit === 1 || end !== undefined) return -1
  return (r[1] + 1) * unit
}

const index = fc.integer({ min: -40, max: 40 })
const rangeArb = fc.option(fc.record({ start: index, end: index, bit: fc.boolean() }), { nil: undefined })
const bitposRange = fc.option(
  fc.oneof(
    fc.record({ start: index, bit: fc.constant(false) }),
    fc.record({ start: index, end: index, bit: fc.boolean() })
  ),
  { nil: undefined }
)
const bytesArb = fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a))

describe("bit commands against a model", () => {
  let s: RunningServer
  let r: Redis
  beforeAll(async () => {
    s = await startServer()
    r = new Redis({ port: s.port, host: "127.0.0.1", lazyConnect: true })
    await r.connect()
  })
  afterAll(async () => {
    r?.disconnect()
    await s?.close()
  })

  it("BITCOUNT, BITPOS and GETBIT agree with the model on any string and range", async () => {
    await fc.assert(
      fc.asyncProperty(bytesArb, rangeArb, bitposRange, fc.integer({ min: 0, max: 1 }), fc.nat(200), async (bytes, count, pos, bit, offset) => {
        await r.set("k", bytes)
        const countArgs = count === undefined ? [] : [count.start, count.end, count.bit ? "BIT" : "BYTE"]
        expect(await r.call("BITCOUNT", "k", ...countArgs)).toBe(modelBitcount(bytes, count))
        const posArgs =
          pos === undefined ? [] : "end" in pos ? [pos.start, pos.end, pos.bit ? "BIT" : "BYTE"] : [pos.start]
        expect(await r.call("BITPOS", "k", bit, ...posArgs)).toBe(modelBitpos(bytes, bit, pos))
        expect(await r.getbit("k", offset)).toBe(bitAt(bytes, offset))
      }),
      { numRuns: 300 }
    )
  })

  it("BITCOUNT agrees with the model on strings long enough to be counted a word at a time", async () => {
    const wide = fc.integer({ min: -6000, max: 6000 })
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1000, maxLength: 5000 }).map((a) => Buffer.from(a)),
        fc.record({ start: wide, end: wide, bit: fc.boolean() }),
        async (bytes, range) => {
          await r.set("k", bytes)
          expect(await r.call("BITCOUNT", "k")).toBe(modelBitcount(bytes))
          expect(await r.call("BITCOUNT", "k", range.start, range.end, range.bit ? "BIT" : "BYTE")).toBe(modelBitcount(bytes, range))
        }
      ),
      { numRuns: 100 }
    )
  })
})

describe("BitmapRope", () => {
  it("reads and writes like a Buffer through any sequence of writes and growths", () => {
    const write = fc.record({
      at: fc.nat(70_000),
      value: fc.integer({ min: 0, max: 255 }),
      grow: fc.option(fc.nat(80_000), { nil: undefined })
    })
    fc.assert(
      fc.property(fc.nat(20_000), fc.array(fc.array(write, { minLength: 1, maxLength: 5 }), { maxLength: 30 }), (initial, batches) => {
        let model = Buffer.alloc(initial, 7)
        const rope = BitmapRope.from(model.toString("latin1"))
        let root = rope.root
        for (const batch of batches) {
          const changed = new Map<number, number>()
          let length = model.length
          for (const w of batch) {
            length = Math.max(length, w.at + 1, w.grow ?? 0)
            changed.set(w.at, w.value)
          }
          if (length > model.length) model = Buffer.concat([model, Buffer.alloc(length - model.length)])
          for (const [i, v] of changed) model[i] = v
          root = rope.write(changed, length)
          for (const w of batch) expect(rope.byte(w.at)).toBe(model[w.at])
          expect(rope.byte(length + 5)).toBe(0)
        }
        expect(rope.length).toBe(model.length)
        expect(root.length).toBe(model.length)
        expect(Buffer.from(root, "latin1").equals(model)).toBe(true)
      }),
      { numRuns: 60 }
    )
  })
})
