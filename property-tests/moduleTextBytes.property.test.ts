import fc from "fast-check"
import { Redis } from "ioredis"
import * as fs from "node:fs"
import { tmpdir } from "node:os"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { modulePath, type RunningModuleServer, startModuleServer } from "../test/support/moduleServer.js"

/**
 * One rule for text and bytes at the module surface (modules/textbytes.ts): every byte array
 * round-trips exactly through every module path that takes bytes (argv → reply, ctx.call SET/GET,
 * the keys API, lists, runtime arguments and string configs through CONFIG REWRITE and a restart);
 * every well-formed string round-trips as text, and a network client reads its UTF-8 bytes.
 */

const TEXTBYTES = modulePath("textbytes.ts")
const PARAMETER = modulePath("moduleparameter.ts")
const bytes = fc.uint8Array({ maxLength: 48 }).map((a) => Buffer.from(a))
/** Every well-formed string, astral characters included (lone surrogates are not text). */
const text = fc.string({ unit: "binary", maxLength: 32 }).filter((s) => !/\p{Cs}/u.test(s))
const connect = (port: number) => new Redis(port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })

let seq = 0
const fresh = (prefix: string, name: Buffer | string) => Buffer.concat([Buffer.from(`${prefix}:${seq++}:`), Buffer.from(name)])

describe("module text and bytes (one server)", () => {
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

  it("every byte array round-trips exactly: argv → reply, call SET/GET, keys API, lists, a string config", async () => {
    await fc.assert(
      fc.asyncProperty(bytes, bytes, async (key, value) => {
        expect(await r.callBuffer("BYTES.ECHO", value)).toEqual(value)
        const k1 = fresh("call", key)
        expect(await r.callBuffer("BYTES.CALL", k1, value)).toEqual(value)
        expect(await r.getBuffer(k1)).toEqual(value)
        const k2 = fresh("key", key)
        expect(await r.callBuffer("BYTES.KEY", k2, value)).toEqual(value)
        expect(await r.getBuffer(k2)).toEqual(value)
        expect(await r.callBuffer("BYTES.LIST", fresh("list", key), value)).toEqual(value)
        expect(await r.call("CONFIG", "SET", "textbytes.greeting", value)).toBe("OK")
        expect(((await r.callBuffer("CONFIG", "GET", "textbytes.greeting")) as Array<Buffer>)[1]).toEqual(value)
      }),
      { numRuns: 150 }
    )
  })

  it("every well-formed string round-trips as text, and the network client reads its UTF-8 bytes", async () => {
    await fc.assert(
      fc.asyncProperty(text, text, async (key, value) => {
        const utf8 = Buffer.from(value, "utf8")
        expect(await r.callBuffer("TEXT.ECHO", value)).toEqual(utf8)
        expect(await r.call("TEXT.LEN", value)).toBe(value.length)
        expect(await r.call("TEXT.APPEND", key, value)).toBe(key + value)
        const k1 = `call:${seq++}:${key}`
        expect(await r.callBuffer("TEXT.CALL", k1, value)).toEqual(utf8)
        expect(await r.getBuffer(Buffer.from(k1, "utf8"))).toEqual(utf8)
        const k2 = `key:${seq++}:${key}`
        expect(await r.call("TEXT.KEY", k2, value)).toBe(value)
        expect(await r.getBuffer(Buffer.from(k2, "utf8"))).toEqual(utf8)
        expect(await r.call("TEXT.LIST", `list:${seq++}:${key}`, value)).toBe(value)
        expect(await r.call("CONFIG", "SET", "textbytes.greeting", value)).toBe("OK")
        expect(await r.call("TEXT.CONFIG")).toBe(value)
        expect(((await r.callBuffer("CONFIG", "GET", "textbytes.greeting")) as Array<Buffer>)[1]).toEqual(utf8)
      }),
      { numRuns: 150 }
    )
  })
})

describe("module text and bytes across CONFIG REWRITE and a restart", () => {
  it("runtime arguments and a string config keep their exact bytes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(bytes, { maxLength: 6 }), bytes, async (args, greeting) => {
        const dir = fs.mkdtempSync(`${tmpdir()}/kf-modtext-`)
        try {
          const file = `${dir}/keyfiber.conf`
          fs.writeFileSync(file, `port 0\nenable-module-command yes\nloadmodule ${PARAMETER}\nloadmodule ${TEXTBYTES}\n`)
          const s1 = await startModuleServer({ args: [file] })
          const r1 = connect(s1.port)
          expect(await r1.call("testmoduleparameter.update.parameter", ...args)).toBe("OK")
          expect(await r1.call("CONFIG", "SET", "textbytes.greeting", greeting)).toBe("OK")
          expect(await r1.call("CONFIG", "REWRITE")).toBe("OK")
          r1.disconnect()
          await s1.close()

          const s2 = await startModuleServer({ args: [file] })
          const r2 = connect(s2.port)
          const list = (await r2.callBuffer("MODULE", "LIST")) as Array<Array<Buffer | Array<Buffer>>>
          const parameter = list.find((m) => (m[1] as Buffer).toString() === "moduleparameter")!
          expect(parameter[7]).toEqual(args)
          expect(((await r2.callBuffer("CONFIG", "GET", "textbytes.greeting")) as Array<Buffer>)[1]).toEqual(greeting)
          r2.disconnect()
          await s2.close()
        } finally {
          fs.rmSync(dir, { recursive: true, force: true })
        }
      }),
      { numRuns: 8 }
    )
  })
})
