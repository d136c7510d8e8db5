import { Redis } from "ioredis"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import { tmpdir } from "node:os"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RawClient } from "../support/raw.js"
import { cmd } from "../support/resp.js"
import { modulePath, type RunningModuleServer, startModuleServer } from "../support/moduleServer.js"

const TEXTBYTES = modulePath("textbytes.ts")
const connect = (port: number) => new Redis(port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })

/** redis-cli's raw stdout (it is not a terminal, so it prints the reply's bytes as they are). */
const redisCli = (port: number, args: Array<string>): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const child = spawn("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args])
    const out: Array<Buffer> = []
    child.stdout.on("data", (d: Buffer) => out.push(d))
    child.once("error", reject)
    child.once("exit", () => resolve(Buffer.concat(out)))
  })

const isUtf8 = (b: Buffer) => Buffer.from(b.toString("utf8"), "utf8").equals(b)

describe("module API: text and bytes", () => {
  let s: RunningModuleServer
  let r: Redis
  beforeAll(async () => {
    s = await startModuleServer({ modules: { load: [{ path: TEXTBYTES, args: [] }] } })
    r = connect(s.port)
  })
  afterAll(async () => {
    r.disconnect()
    await s.close()
  })

  it("a UTF-8 string sent by redis-cli to a command that appends text comes back as valid UTF-8", async () => {
    const out = await redisCli(s.port, ["TEXT.APPEND", "café", " €"])
    expect(isUtf8(out)).toBe(true)
    expect(out.toString("utf8")).toBe("café €\n")
    expect(out).toEqual(Buffer.from("café €\n", "utf8"))
  })

  it("the handler sees text: one JS character per character, not per byte", async () => {
    expect(await r.call("TEXT.LEN", "café")).toBe(4)
    expect(await r.call("TEXT.LEN", "😀")).toBe(2) // one astral character: two UTF-16 code units
    // Bytes that are not UTF-8 become U+FFFD in the text view...
    expect(await r.callBuffer("TEXT.ECHO", Buffer.from([0xff, 0x41]))).toEqual(Buffer.from("\ufffdA", "utf8"))
    // ...and stay exact in the bytes view.
    expect(await r.callBuffer("BYTES.ECHO", Buffer.from([0xff, 0x41]))).toEqual(Buffer.from([0xff, 0x41]))
  })

  it("replyWithString(\"héllo €\") sends its UTF-8 bytes", async () => {
    expect(await r.callBuffer("TEXT.ECHO", "héllo €")).toEqual(Buffer.from("68c3a96c6c6f20e282ac", "hex"))
  })

  it("simple strings, verbatim strings, map keys and errors are UTF-8 too (RESP2 and RESP3)", async () => {
    const utf8 = Buffer.from("ü€", "utf8").toString("latin1")
    const raw2 = await rawReply(s.port, ["TEXT.KINDS", "ü€"], false)
    expect(raw2).toBe(`*4\r\n+${utf8}\r\n$5\r\n${utf8}\r\n*2\r\n$5\r\n${utf8}\r\n$5\r\n${utf8}\r\n-ERR ${utf8}\r\n`)
    const raw3 = await rawReply(s.port, ["TEXT.KINDS", "ü€"], true)
    expect(raw3).toBe(`*4\r\n+${utf8}\r\n=9\r\ntxt:${utf8}\r\n%1\r\n$5\r\n${utf8}\r\n$5\r\n${utf8}\r\n-ERR ${utf8}\r\n`)
  })

  it("ctx.call, the keys API and lists store the UTF-8 bytes of text", async () => {
    expect(await r.call("TEXT.CALL", "tc:€", "€uro")).toBe("€uro")
    expect(await r.getBuffer("tc:€")).toEqual(Buffer.from("€uro", "utf8"))
    expect(await r.call("TEXT.KEY", "tk:é", "naïve")).toBe("naïve")
    expect(await r.getBuffer("tk:é")).toEqual(Buffer.from("naïve", "utf8"))
    expect(await r.call("TEXT.LIST", "tl:é", "ø")).toBe("ø")
    // Bytes through the same paths are exact.
    const bin = Buffer.from([0, 0xff, 0xc3, 0x28, 0x80])
    expect(await r.callBuffer("BYTES.CALL", bin, bin)).toEqual(bin)
    expect(await r.getBuffer(bin)).toEqual(bin)
    expect(await r.callBuffer("BYTES.KEY", Buffer.from([0xfe]), bin)).toEqual(bin)
    expect(await r.callBuffer("BYTES.LIST", Buffer.from([0xfd]), bin)).toEqual(bin)
  })

  it("a string config: the module sees text; CONFIG GET and REWRITE give the bytes as set, UTF-8 or not", async () => {
    expect(await r.call("CONFIG", "SET", "textbytes.greeting", "grüß dich")).toBe("OK")
    expect(await r.call("TEXT.CONFIG")).toBe("grüß dich")
    expect(await r.call("CONFIG", "GET", "textbytes.greeting")).toEqual(["textbytes.greeting", "grüß dich"])
    const bin = Buffer.from([0x61, 0xff, 0xfe, 0x62])
    expect(await r.call("CONFIG", "SET", "textbytes.greeting", bin)).toBe("OK")
    expect(await r.call("TEXT.CONFIG")).toBe("a\ufffd\ufffdb")
    const got = (await r.callBuffer("CONFIG", "GET", "textbytes.greeting")) as Array<Buffer>
    expect(got[1]).toEqual(bin)
  })

  it("two byte strings with the same text are two values: the second CONFIG SET is kept", async () => {
    // 0xAA and 0xAB are not UTF-8: both read as U+FFFD, yet CONFIG GET gives back the last one set.
    for (const bytes of [Buffer.from([0xaa]), Buffer.from([0xab])]) {
      expect(await r.call("CONFIG", "SET", "textbytes.greeting", bytes)).toBe("OK")
      expect(await r.call("TEXT.CONFIG")).toBe("\ufffd")
      expect(((await r.callBuffer("CONFIG", "GET", "textbytes.greeting")) as Array<Buffer>)[1]).toEqual(bytes)
    }
  })

  it("a CONFIG SET that fails puts back the bytes the string config had, not their text", async () => {
    const before = Buffer.from([0x61, 0xfe, 0x62])
    expect(await r.call("CONFIG", "SET", "textbytes.greeting", before)).toBe("OK")
    // The second pair is refused after the first was set: the whole CONFIG SET is rolled back.
    await expect(r.call("CONFIG", "SET", "textbytes.greeting", "new", "maxmemory-policy", "bogus")).rejects.toThrow(/maxmemory-policy/)
    expect(((await r.callBuffer("CONFIG", "GET", "textbytes.greeting")) as Array<Buffer>)[1]).toEqual(before)
  })
})

describe("module arguments and configs as text, across CONFIG REWRITE and a restart", () => {
  it("Schema.Literal(\"café\") matches a UTF-8 café from MODULE LOADEX and from the config file", async () => {
    const dir = fs.mkdtempSync(`${tmpdir()}/kf-textbytes-`)
    const file = `${dir}/keyfiber.conf`
    fs.writeFileSync(file, "port 0\nenable-module-command yes\n")
    const s1 = await startModuleServer({ args: [file] })
    const r1 = connect(s1.port)
    await expect(r1.call("MODULE", "LOADEX", TEXTBYTES, "ARGS", "cafe")).rejects.toThrow()
    expect(await r1.call("MODULE", "LOADEX", TEXTBYTES, "CONFIG", "textbytes.greeting", "¡hola!", "ARGS", "café")).toBe("OK")
    expect(await r1.call("TEXTBYTES.ARGS")).toEqual(["café"])
    expect(await r1.call("TEXT.CONFIG")).toBe("¡hola!")
    expect(await r1.call("CONFIG", "REWRITE")).toBe("OK")
    // Written as Valkey writes bytes outside printable ASCII: quoted, with \x escapes.
    const written = fs.readFileSync(file, "latin1")
    expect(written).toContain(`loadmodule ${TEXTBYTES} "caf\\xc3\\xa9"`)
    expect(written).toContain(`textbytes.greeting "\\xc2\\xa1hola!"`)
    r1.disconnect()
    await s1.close()

    const s2 = await startModuleServer({ args: [file] })
    const r2 = connect(s2.port)
    expect(await r2.call("TEXTBYTES.ARGS")).toEqual(["café"])
    expect(await r2.call("TEXT.CONFIG")).toBe("¡hola!")
    const list = (await r2.callBuffer("MODULE", "LIST")) as Array<Array<Buffer | Array<Buffer>>>
    expect(list[0][7]).toEqual([Buffer.from("café", "utf8")])
    r2.disconnect()
    await s2.close()
  })
})

/** One command's reply as the server wrote it (a latin1 string of its bytes), in RESP2 or RESP3. */
const rawReply = async (port: number, argv: Array<string>, resp3: boolean): Promise<string> => {
  const c = await RawClient.connect(port)
  try {
    if (resp3) {
      c.write(cmd("HELLO", "3"))
      await c.until((t) => t.includes("modules"))
      await c.until((t) => t.endsWith("\r\n"))
      c.take()
    }
    const bulk = (x: string) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`
    // The command, then a PING whose reply marks the end of the command's.
    c.write(Buffer.from(`*${argv.length}\r\n${argv.map(bulk).join("")}*1\r\n$4\r\nPING\r\n`, "utf8"))
    const text = await c.until((t) => t.endsWith("+PONG\r\n"))
    return text.slice(0, -"+PONG\r\n".length)
  } finally {
    c.socket.destroy()
  }
}
