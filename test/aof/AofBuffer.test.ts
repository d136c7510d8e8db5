import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { AofBuffer } from "../../src/persistence/aof/AofBuffer.js"
import { encodeCommand } from "../../src/persistence/aof/encodeCommand.js"

/** Byte strings as keyfiber holds them: one char per byte, 0-255, short and long (past the char-by-char limit). */
const byteString = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), minLength: 30, maxLength: 3000 })
)
const argv = fc.array(byteString, { minLength: 1, maxLength: 12 })

describe("AofBuffer", () => {
  it("encodes commands as RESP arrays of bulk strings, byte for byte", () => {
    fc.assert(
      fc.property(fc.array(argv, { maxLength: 30 }), (commands) => {
        const buffer = new AofBuffer()
        for (const command of commands) buffer.command(command)
        const expected = commands.map(encodeCommand).join("")
        expect(buffer.length).toBe(expected.length)
        expect(buffer.view().equals(Buffer.from(expected, "latin1"))).toBe(true)
      })
    )
  })

  it("grows past its initial size and keeps what it held", () => {
    const buffer = new AofBuffer()
    const big = "v".repeat(100_000)
    buffer.command(["SET", "a", "1"])
    buffer.command(["SET", "big", big])
    buffer.text("#TS:1700000000\r\n")
    for (let i = 0; i < 5000; i++) buffer.command(["INCR", `counter:${i}`])
    let expected = encodeCommand(["SET", "a", "1"]) + encodeCommand(["SET", "big", big]) + "#TS:1700000000\r\n"
    for (let i = 0; i < 5000; i++) expected += encodeCommand(["INCR", `counter:${i}`])
    expect(buffer.toString()).toBe(expected)
    buffer.clear()
    expect(buffer.length).toBe(0)
    buffer.command(["PING"])
    expect(buffer.toString()).toBe("*1\r\n$4\r\nPING\r\n")
  })

  it("drops the bytes a short write took and keeps the rest", () => {
    fc.assert(
      fc.property(fc.array(argv, { minLength: 1, maxLength: 10 }), fc.nat(), (commands, cut) => {
        const buffer = new AofBuffer()
        for (const command of commands) buffer.command(command)
        const text = buffer.toString()
        const n = cut % (text.length + 1)
        buffer.consume(n)
        expect(buffer.toString()).toBe(text.slice(n))
        buffer.command(["SET", "k", "v"])
        expect(buffer.toString()).toBe(text.slice(n) + encodeCommand(["SET", "k", "v"]))
      })
    )
  })
})
