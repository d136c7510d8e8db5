import { Redis } from "ioredis"
import * as fs from "node:fs"
import { tmpdir } from "node:os"
import { describe, expect, it } from "vitest"
import { modulePath, startModuleServer } from "../support/moduleServer.js"

const connect = (port: number) => new Redis(port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })
const tempDir = () => fs.mkdtempSync(`${tmpdir()}/kf-modargs-`)

describe("module runtime arguments", () => {
  it("load with args → update at run time → CONFIG REWRITE → restart → MODULE LIST shows the update", async () => {
    const dir = tempDir()
    const file = `${dir}/keyfiber.conf`
    const path = modulePath("moduleparameter.ts")
    fs.writeFileSync(file, `port 0\nenable-module-command yes\nloadmodule ${path} 10 20 30\n`)
    const s1 = await startModuleServer({ args: [file] })
    const r1 = connect(s1.port)
    expect(await r1.call("MODULE", "LIST")).toEqual([["name", "moduleparameter", "ver", 1, "path", path, "args", ["10", "20", "30"]]])
    expect(await r1.call("testmoduleparameter.update.parameter", "40", "50", "60", "70")).toBe("OK")
    expect(await r1.call("CONFIG", "REWRITE")).toBe("OK")
    expect(fs.readFileSync(file, "latin1").split("\n")).toContain(`loadmodule ${path} 40 50 60 70`)
    r1.disconnect()
    await s1.close()

    const s2 = await startModuleServer({ args: [file] })
    const r2 = connect(s2.port)
    expect(await r2.call("MODULE", "LIST")).toEqual([["name", "moduleparameter", "ver", 1, "path", path, "args", ["40", "50", "60", "70"]]])
    // Clearing: argv[0] only.
    expect(await r2.call("testmoduleparameter.update.parameter")).toBe("OK")
    expect(await r2.call("MODULE", "LIST")).toEqual([["name", "moduleparameter", "ver", 1, "path", path, "args", []]])
    // Unload, rewrite: the loadmodule line goes away; a restart has no module.
    expect(await r2.call("MODULE", "UNLOAD", "moduleparameter")).toBe("OK")
    expect(await r2.call("CONFIG", "REWRITE")).toBe("OK")
    expect(fs.readFileSync(file, "latin1")).not.toContain("loadmodule")
    r2.disconnect()
    await s2.close()
    const s3 = await startModuleServer({ args: [file] })
    const r3 = connect(s3.port)
    expect(await r3.call("MODULE", "LIST")).toEqual([])
    r3.disconnect()
    await s3.close()
  })

  it("a Schema-declared module refuses bad arguments at load and at run time, and follows updates", async () => {
    const s = await startModuleServer()
    const r = connect(s.port)
    const path = modulePath("ratelimit.ts")
    await expect(r.call("MODULE", "LOAD", path, "abc")).rejects.toThrow("ERR Error loading the extension. Please check the server logs.")
    expect(s.logs.some((l) => l.includes("invalid arguments"))).toBe(true)
    expect(await r.call("MODULE", "LOAD", path, "2", "1")).toBe("OK")
    expect(await r.call("ratelimit.limits")).toEqual(["capacity", 2, "refill_per_second", 1])
    expect(await r.call("ratelimit.take", "user")).toBe(1)
    expect(await r.call("ratelimit.take", "user")).toBe(1)
    expect(await r.call("ratelimit.take", "user")).toBe(0)
    await expect(r.call("ratelimit.config", "0", "5")).rejects.toThrow("ERR invalid limits:")
    await expect(r.call("ratelimit.config", "x")).rejects.toThrow("ERR invalid limits:")
    expect(((await r.call("MODULE", "LIST")) as Array<Array<unknown>>)[0][7]).toEqual(["2", "1"])
    expect(await r.call("ratelimit.config", "5", "3")).toBe("OK")
    expect(((await r.call("MODULE", "LIST")) as Array<Array<unknown>>)[0][7]).toEqual(["5", "3"])
    expect(await r.call("ratelimit.limits")).toEqual(["capacity", 5, "refill_per_second", 3])
    r.disconnect()
    await s.close()
  })

  it("the module sees changes as an Effect Stream (SubscriptionRef)", async () => {
    const { Effect, Stream, Fiber } = await import("effect")
    const s = await startModuleServer()
    const r = connect(s.port)
    expect(await r.call("MODULE", "LOAD", modulePath("moduleparameter.ts"), "a")).toBe("OK")
    const module = s.modules.find("moduleparameter")!
    const fiber = Effect.runFork(Stream.runCollect(module.args.changes.pipe(Stream.take(3))))
    await Effect.runPromise(Effect.yieldNow)
    await r.call("testmoduleparameter.update.parameter", "b")
    await r.call("testmoduleparameter.update.parameter", "c", "d")
    const seen = await Effect.runPromise(Fiber.join(fiber))
    expect(seen.map((a) => a.raw)).toEqual([["a"], ["b"], ["c", "d"]])
    r.disconnect()
    await s.close()
  })
})

describe("enable-module-command and startup loading", () => {
  it("refuses LOAD/UNLOAD with enable-module-command no; LIST still works; the config is immutable", async () => {
    const s = await startModuleServer({ args: [] })
    const r = connect(s.port)
    await expect(r.call("MODULE", "LOAD", "x")).rejects.toThrow(
      'ERR MODULE command not allowed. If the enable-module-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.'
    )
    expect(await r.call("MODULE", "LIST")).toEqual([])
    await expect(r.call("CONFIG", "SET", "enable-module-command", "yes")).rejects.toThrow(
      "ERR CONFIG SET failed (possibly related to argument 'enable-module-command') - can't set immutable config"
    )
    r.disconnect()
    await s.close()
  })

  it("enable-module-command local allows a loopback client", async () => {
    const s = await startModuleServer({ args: ["--enable-module-command", "local"] })
    const r = connect(s.port)
    expect(await r.call("MODULE", "LOAD", modulePath("moduleparameter.ts"))).toBe("OK")
    expect(await r.call("MODULE", "UNLOAD", "moduleparameter")).toBe("OK")
    r.disconnect()
    await s.close()
  })

  it("--loadmodule loads at startup; a failing one aborts startup", async () => {
    const path = modulePath("moduleparameter.ts")
    const s = await startModuleServer({ args: ["--loadmodule", path, "x", "y"] })
    const r = connect(s.port)
    expect(await r.call("MODULE", "LIST")).toEqual([["name", "moduleparameter", "ver", 1, "path", path, "args", ["x", "y"]]])
    r.disconnect()
    await s.close()
    await expect(startModuleServer({ args: ["--loadmodule", "/nonexistent.ts"] })).rejects.toThrow("Can't load module from /nonexistent.ts")
  })
})
