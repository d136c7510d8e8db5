import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RawClient } from "../support/raw.js"
import { modulePath, type RunningModuleServer, serverClient, startModuleServer } from "../support/moduleServer.js"

describe("module loading, MODULE LIST/UNLOAD, runtime args", () => {
  let s: RunningModuleServer
  let r: Redis
  beforeAll(async () => {
    s = await startModuleServer()
    r = new Redis(s.port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })
  })
  afterAll(async () => {
    r.disconnect()
    await s.close()
  })

  it("loads a TypeScript module with args and lists it", async () => {
    const path = modulePath("moduleparameter.ts")
    expect(await r.call("MODULE", "LOAD", path, "10", "20", "30")).toBe("OK")
    expect(await r.call("MODULE", "LIST")).toEqual([["name", "moduleparameter", "ver", 1, "path", path, "args", ["10", "20", "30"]]])
    expect(await r.call("testmoduleparameter.update.parameter", "40", "50", "60", "70")).toBe("OK")
    expect(await r.call("MODULE", "LIST")).toEqual([["name", "moduleparameter", "ver", 1, "path", path, "args", ["40", "50", "60", "70"]]])
  })

  it("LOADEX ARGS become the module's arguments; bad LOADEX syntax fails", async () => {
    const path = modulePath("ratelimit.ts")
    await expect(r.call("MODULE", "LOADEX", path, "ARG", "1")).rejects.toThrow("ERR Error loading the extension")
    expect(s.logs.some((l) => l.includes("Syntax Error from arguments to loadex around ARG."))).toBe(true)
    expect(await r.call("MODULE", "LOADEX", path, "args", "7", "2")).toBe("OK")
    const list = (await r.call("MODULE", "LIST")) as Array<Array<unknown>>
    expect(list.find((m) => m[1] === "ratelimit")).toEqual(["name", "ratelimit", "ver", 1, "path", path, "args", ["7", "2"]])
    expect(await r.call("MODULE", "UNLOAD", "ratelimit")).toBe("OK")
  })

  it("refuses a busy name and unknown unloads", async () => {
    await expect(r.call("MODULE", "LOAD", modulePath("moduleparameter.ts"))).rejects.toThrow(
      "ERR Error loading the extension. Please check the server logs."
    )
    expect(s.logs.some((l) => l.includes("Module name is busy"))).toBe(true)
    await expect(r.call("MODULE", "UNLOAD", "nosuch")).rejects.toThrow("ERR Error unloading module: no such module with that name")
    await expect(r.call("MODULE", "LOAD", "/nonexistent/module.ts")).rejects.toThrow("ERR Error loading the extension")
  })

  it("refuses to unload a module with a data type", async () => {
    expect(await r.call("MODULE", "LOAD", modulePath("blockonkeys.ts"))).toBe("OK")
    await expect(r.call("MODULE", "UNLOAD", "blockonkeys")).rejects.toThrow(
      "ERR Error unloading module: the module exports one or more module-side data types, can't unload"
    )
  })

  it("unloads a module and removes its commands", async () => {
    expect(await r.call("MODULE", "UNLOAD", "moduleparameter")).toBe("OK")
    await expect(r.call("testmoduleparameter.update.parameter", "1")).rejects.toThrow("ERR unknown command")
    expect((await r.call("MODULE", "LIST")) as Array<unknown>).toHaveLength(1)
  })

  it("MODULE LIST is a map per module under RESP3, and MODULE HELP / errors follow Valkey", async () => {
    const c = await RawClient.connect(s.port)
    // RESP3 for this connection (as HELLO 3 would).
    await c.request("PING\r\n", "+PONG\r\n")
    serverClient(s.server, c).resp = 3
    const path = modulePath("blockonkeys.ts")
    const expected = `*1\r\n%4\r\n$4\r\nname\r\n$11\r\nblockonkeys\r\n$3\r\nver\r\n:1\r\n$4\r\npath\r\n$${path.length}\r\n${path}\r\n$4\r\nargs\r\n*0\r\n`
    expect(await c.request("MODULE LIST\r\n", expected)).toBe(expected)
    const bad = "-ERR unknown subcommand 'foo'. Try MODULE HELP.\r\n"
    expect(await c.request("MODULE foo\r\n", bad)).toBe(bad)
    const arity = "-ERR wrong number of arguments for 'module|load' command\r\n"
    expect(await c.request("MODULE LOAD\r\n", arity)).toBe(arity)
    c.write("MODULE HELP\r\n")
    const help = await c.until((t) => t.includes("Print this help.\r\n"))
    expect(help.startsWith("*11\r\n+MODULE <subcommand>")).toBe(true)
    c.close()
  })

  it("a failing onLoad leaves nothing registered; a throwing command replies -ERR", async () => {
    const { writeFileSync, mkdtempSync } = await import("node:fs")
    const { tmpdir } = await import("node:os")
    const dir = mkdtempSync(`${tmpdir()}/kfmod-`)
    writeFileSync(
      `${dir}/bad.ts`,
      `export default { name: "bad", version: 1, onLoad: (ctx: any) => { ctx.createCommand("bad.cmd", () => {}); throw new Error("boom") } }\n`
    )
    writeFileSync(
      `${dir}/throws.mjs`,
      `export default { name: "throws", version: 2, onLoad: (ctx) => { ctx.createCommand("throws.cmd", () => { throw new Error("kaput") }) } }\n`
    )
    await expect(r.call("MODULE", "LOAD", `${dir}/bad.ts`)).rejects.toThrow("ERR Error loading the extension")
    await expect(r.call("bad.cmd")).rejects.toThrow("ERR unknown command")
    expect(await r.call("MODULE", "LOAD", `${dir}/throws.mjs`)).toBe("OK")
    await expect(r.call("throws.cmd")).rejects.toThrow("ERR kaput")
    expect(await r.call("PING")).toBe("PONG")
    expect(await r.call("MODULE", "UNLOAD", "throws")).toBe("OK")
  })

  it("MODULE LOAD evaluates a file once per content: an unchanged file is reused, a changed one imported afresh", async () => {
    const { writeFileSync, mkdtempSync } = await import("node:fs")
    const { tmpdir } = await import("node:os")
    const dir = mkdtempSync(`${tmpdir()}/kfmod-`)
    const file = `${dir}/ver.ts`
    const evaluations = () => (globalThis as { __kfVerEvaluations?: number }).__kfVerEvaluations
    // The module counts its own top-level evaluations: the server runs in this process.
    const source = (version: number) =>
      `globalThis.__kfVerEvaluations = (globalThis.__kfVerEvaluations ?? 0) + 1\n` +
      `export default { name: "ver", version: ${version}, onLoad: () => {} }\n`
    const version = async () => ((await r.call("MODULE", "LIST")) as Array<Array<unknown>>).find((m) => m[1] === "ver")?.[3]
    writeFileSync(file, source(1))
    expect(await r.call("MODULE", "LOAD", file)).toBe("OK")
    expect(await r.call("MODULE", "UNLOAD", "ver")).toBe("OK")
    expect(await r.call("MODULE", "LOAD", file)).toBe("OK")
    expect(evaluations()).toBe(1)
    expect(await r.call("MODULE", "UNLOAD", "ver")).toBe("OK")
    writeFileSync(file, source(2))
    expect(await r.call("MODULE", "LOAD", file)).toBe("OK")
    expect(evaluations()).toBe(2)
    expect(await version()).toBe(2)
    expect(await r.call("MODULE", "UNLOAD", "ver")).toBe("OK")
  })
})
