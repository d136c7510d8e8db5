import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type ServerProcess, startServerProcess } from "../support/childServer.js"
import { RawClient } from "../support/raw.js"
import { type RunningModuleServer, startModuleServer } from "../support/moduleServer.js"
import { waitFor } from "../support/waitFor.js"

const FIXTURE = new URL("./fixtures/faults.ts", import.meta.url).pathname

/** Each faulting command and the one reply it must get (RESP2). */
const MATRIX: ReadonlyArray<readonly [string, string]> = [
  ["FAULTS.OK", "+OK\r\n"],
  ["FAULTS.THROW", "-ERR thrown mid-array\r\n"],
  ["FAULTS.ASYNCOK", ":1\r\n"],
  ["FAULTS.ASYNCTHROW", "-ERR thrown after await\r\n"],
  ["FAULTS.REPLYTHROW", "-ERR reply callback thrown mid-array\r\n"],
  ["FAULTS.REPLYTHROWEARLY", "-ERR reply callback thrown\r\n"],
  ["FAULTS.TIMEOUTTHROW", "-ERR timeout callback thrown\r\n"],
  ["FAULTS.UNBLOCKTWICE", "+first\r\n"],
  ["FAULTS.INTERRUPTED", "-ERR module background work was interrupted\r\n"],
  ["FAULTS.INTERRUPTEDTIMEOUTREPLY", "+TIMEDOUT\r\n"],
  ["FAULTS.BLOCKTHENREJECT", "-ERR rejected while blocked\r\n"]
]

describe("module fault matrix: every faulting command gets one complete reply, in order", () => {
  let s: RunningModuleServer
  let dir: string
  beforeAll(async () => {
    s = await startModuleServer({ modules: { load: [{ path: FIXTURE, args: [] }], onLoadTimeoutMs: 300 } })
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kf-faults-"))
  })
  afterAll(async () => {
    await s.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  for (const [command, reply] of MATRIX) {
    it(`${command} replies ${JSON.stringify(reply)} and the connection goes on`, async () => {
      const c = await RawClient.connect(s.port)
      const expected = reply + "+PONG\r\n"
      c.write(`${command}\r\nPING\r\n`)
      expect(await c.until((t) => t.length >= expected.length)).toBe(expected)
      // A second connection is served as well.
      const other = await RawClient.connect(s.port)
      expect(await other.request("PING\r\n", "+PONG\r\n")).toBe("+PONG\r\n")
      other.close()
      c.close()
    })
  }

  it("logs each fault with the module's name", () => {
    for (const text of ["thrown mid-array", "thrown after await", "reply callback thrown mid-array", "timeout callback thrown", "rejected while blocked"]) {
      expect(s.logs.some((l) => l.startsWith("warning <faults>") && l.includes(text))).toBe(true)
    }
  })

  it("a worker adopted by the module that throws is logged with the module's name", async () => {
    const c = await RawClient.connect(s.port)
    expect(await c.request("FAULTS.WORKERTHROW\r\n", "+OK\r\n")).toBe("+OK\r\n")
    await waitFor("the worker failure in the log", () => s.logs.some((l) => l.startsWith("warning <faults> worker failed") && l.includes("thrown in a worker")))
    expect(await c.request("PING\r\n", "+PONG\r\n")).toBe("+PONG\r\n")
    c.close()
  })

  it("property: any pipelined mix of faulting commands gets exactly the expected replies, in order", async () => {
    const c = await RawClient.connect(s.port)
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.constantFrom(...MATRIX), fc.string({ maxLength: 8 }).map((x) => ["ECHO", x] as const)), { minLength: 1, maxLength: 12 }), async (steps) => {
        c.take()
        let request = ""
        let expected = ""
        for (const [command, reply] of steps) {
          if (command === "ECHO") {
            request += `*2\r\n$4\r\nECHO\r\n$${Buffer.byteLength(reply, "latin1")}\r\n${reply}\r\n`
            expected += `$${Buffer.byteLength(reply, "latin1")}\r\n${reply}\r\n`
          } else {
            request += command + "\r\n"
            expected += reply
          }
        }
        c.write(Buffer.from(request + "PING\r\n", "latin1"))
        expected += "+PONG\r\n"
        const got = await c.until((t) => t.length >= expected.length)
        expect(got).toBe(expected)
      }),
      { numRuns: 30 }
    )
    c.close()
  })

  it("MODULE LOAD of an onLoad that never settles fails in time, rolls back, and does not block later loads", async () => {
    const hang = path.join(dir, "hang.ts")
    fs.writeFileSync(hang, `export default { name: "hang", version: 1, onLoad: (ctx: any) => { ctx.createCommand("hang.cmd", (c: any) => c.replyWithOK()); return new Promise(() => {}) } }\n`)
    const other = path.join(dir, "other.ts")
    fs.writeFileSync(other, `export default { name: "other", version: 1, onLoad: (ctx: any) => { ctx.createCommand("other.cmd", (c: any) => c.replyWithOK()) } }\n`)
    const a = await RawClient.connect(s.port)
    const b = await RawClient.connect(s.port)
    a.write(`MODULE LOAD ${hang}\r\n`)
    b.write(`MODULE LOAD ${other}\r\nOTHER.CMD\r\n`)
    const loadError = "-ERR Error loading the extension. Please check the server logs.\r\n"
    expect(await a.until((t) => t.length >= loadError.length)).toBe(loadError)
    expect(await b.until((t) => t.length >= 10)).toBe("+OK\r\n+OK\r\n")
    expect(await a.request("HANG.CMD\r\n", "-ERR unknown command")).toMatch(/^-ERR unknown command 'HANG.CMD'/)
    expect(s.logs.some((l) => l.includes("Module hang initialization failed: onLoad did not finish within 300 ms"))).toBe(true)
    expect(await a.request("MODULE UNLOAD other\r\n", "+OK\r\n")).toBe("+OK\r\n")
    a.close()
    b.close()
  })
})

describe("module faults outside the module API do not stop the server process", () => {
  let child: ServerProcess
  beforeAll(async () => {
    child = await startServerProcess(["--port", "0", "--bind", "127.0.0.1", "--save", "", "--loadmodule", FIXTURE], { nodeArgs: [], readyMs: 30_000 })
  }, 40_000)
  afterAll(async () => {
    await child.kill()
  })

  it("a throw in a plain timer and an unhandled rejection are logged with the module's name; the server goes on", async () => {
    const c = await RawClient.connect(child.port)
    expect(await c.request("FAULTS.TIMERTHROW\r\n", "+OK\r\n")).toBe("+OK\r\n")
    await waitFor("the timer's exception in the log", () => child.output().includes("# <faults> Uncaught exception in module code: Error: thrown in a plain timer"))
    expect(await c.request("FAULTS.REJECTLATER\r\n", "+OK\r\n")).toBe("+OK\r\n")
    await waitFor("the rejection in the log", () => child.output().includes("# <faults> Unhandled promise rejection in module code: Error: rejected, never awaited"))
    expect(await c.request("FAULTS.ASYNCTHROW\r\nPING\r\n", "-ERR thrown after await\r\n+PONG\r\n")).toBe("-ERR thrown after await\r\n+PONG\r\n")
    expect(child.alive()).toBe(true)
    c.close()
  })
})
