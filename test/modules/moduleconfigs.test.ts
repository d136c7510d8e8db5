import { Redis } from "ioredis"
import * as fs from "node:fs"
import { tmpdir } from "node:os"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { modulePath, type RunningModuleServer, startModuleServer } from "../support/moduleServer.js"

const connect = (port: number) => new Redis(port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })
const LOAD_ERROR = "ERR Error loading the extension. Please check the server logs."
const M = modulePath("moduleconfigs.ts")
const M2 = modulePath("moduleconfigstwo.ts")

const configGet = async (r: Redis, pattern: string): Promise<Record<string, string>> => {
  const flat = (await r.call("CONFIG", "GET", pattern)) as Array<string>
  const out: Record<string, string> = {}
  for (let i = 0; i < flat.length; i += 2) out[flat[i]] = flat[i + 1]
  return out
}

const DEFAULTS = {
  "moduleconfigs.mutable_bool": "yes",
  "moduleconfigs.immutable_bool": "no",
  "moduleconfigs.memory_numeric": "1024",
  "moduleconfigs.string": "secret password",
  "moduleconfigs.enum": "one",
  "moduleconfigs.flags": "one two",
  "moduleconfigs.numeric": "-1"
}

describe("module configs: moduleconfigs.tcl, load and CONFIG SET/GET", () => {
  let s: RunningModuleServer
  let r: Redis
  beforeAll(async () => {
    s = await startModuleServer()
    r = connect(s.port)
    expect(await r.call("MODULE", "LOAD", M)).toBe("OK")
  })
  afterAll(async () => {
    r.disconnect()
    await s.close()
  })

  it("1. config get works", async () => {
    expect(await configGet(r, "moduleconfigs.*")).toEqual(DEFAULTS)
  })

  it("2. config set works, binary-safe strings", async () => {
    expect(await r.call("CONFIG", "SET", "moduleconfigs.mutable_bool", "no")).toBe("OK")
    expect(await r.call("CONFIG", "SET", "moduleconfigs.memory_numeric", "1mb")).toBe("OK")
    expect(await configGet(r, "moduleconfigs.memory_numeric")).toEqual({ "moduleconfigs.memory_numeric": "1048576" })
    for (const v of ["wafflewafflewaffle", "x".repeat(50), "super \0secret password"]) {
      expect(await r.call("CONFIG", "SET", "moduleconfigs.string", v)).toBe("OK")
      expect((await configGet(r, "moduleconfigs.string"))["moduleconfigs.string"]).toBe(v)
    }
    expect(await r.call("CONFIG", "SET", "moduleconfigs.enum", "two")).toBe("OK")
    expect(await r.call("CONFIG", "SET", "moduleconfigs.flags", "two")).toBe("OK")
    expect(await r.call("CONFIG", "SET", "moduleconfigs.numeric", "-2")).toBe("OK")
    expect(await configGet(r, "moduleconfigs.*")).toMatchObject({
      "moduleconfigs.mutable_bool": "no",
      "moduleconfigs.enum": "two",
      "moduleconfigs.flags": "two",
      "moduleconfigs.numeric": "-2"
    })
  })

  it("3. enum bitflags", async () => {
    const cases: Array<[string, string]> = [["none", "none"], ["two four", "two four"], ["five", "five"], ["one four", "five"], ["one two four", "five two"]]
    for (const [set, get] of cases) {
      expect(await r.call("CONFIG", "SET", "moduleconfigs.flags", set)).toBe("OK")
      expect((await configGet(r, "moduleconfigs.flags"))["moduleconfigs.flags"]).toBe(get)
    }
  })

  it("4. immutable flag; rejected strings", async () => {
    await expect(r.call("CONFIG", "SET", "moduleconfigs.immutable_bool", "yes")).rejects.toThrow("can't set immutable config")
    await expect(r.call("CONFIG", "SET", "moduleconfigs.string", "rejectisfreed")).rejects.toThrow("Cannot set string to 'rejectisfreed'")
  })

  it("5-6. numeric limits and enum values", async () => {
    await expect(r.call("CONFIG", "SET", "moduleconfigs.memory_numeric", "200gb")).rejects.toThrow("argument must be between 0 and 3000000 inclusive")
    await expect(r.call("CONFIG", "SET", "moduleconfigs.memory_numeric", "-5")).rejects.toThrow("argument must be a memory value")
    await expect(r.call("CONFIG", "SET", "moduleconfigs.numeric", "-10")).rejects.toThrow("argument must be between -5 and 2000 inclusive")
    await expect(r.call("CONFIG", "SET", "moduleconfigs.enum", "asdf")).rejects.toThrow(
      "argument(s) must be one of the following: none, five, one, two, four"
    )
  })

  it("7. registering configs outside onLoad is refused", async () => {
    expect(await r.call("block.register.configs.outside.onload")).toBe("OK")
  })

  it("8. unload removes module configs; a reload brings the defaults back", async () => {
    expect(await r.call("MODULE", "UNLOAD", "moduleconfigs")).toBe("OK")
    expect(await configGet(r, "moduleconfigs.*")).toEqual({})
    expect(await r.call("MODULE", "LOAD", M)).toBe("OK")
    expect(await configGet(r, "moduleconfigs.*")).toEqual(DEFAULTS)
    expect(await r.call("MODULE", "UNLOAD", "moduleconfigs")).toBe("OK")
  })

  it("9-10. LOADEX sets configs (immutable included); apply failures roll back", async () => {
    expect(
      await r.call(
        "MODULE", "LOADEX", M,
        "CONFIG", "moduleconfigs.mutable_bool", "no",
        "CONFIG", "moduleconfigs.immutable_bool", "yes",
        "CONFIG", "moduleconfigs.memory_numeric", "2mb",
        "CONFIG", "moduleconfigs.string", "tclortickle"
      )
    ).toBe("OK")
    expect(await configGet(r, "moduleconfigs.*")).toEqual({
      ...DEFAULTS,
      "moduleconfigs.mutable_bool": "no",
      "moduleconfigs.immutable_bool": "yes",
      "moduleconfigs.memory_numeric": "2097152",
      "moduleconfigs.string": "tclortickle"
    })
    await expect(r.call("CONFIG", "SET", "moduleconfigs.mutable_bool", "yes")).rejects.toThrow("Bool configs")
    expect((await configGet(r, "moduleconfigs.mutable_bool"))["moduleconfigs.mutable_bool"]).toBe("no")
    await expect(r.call("CONFIG", "SET", "moduleconfigs.memory_numeric", "1000", "moduleconfigs.numeric", "1000")).rejects.toThrow("cannot equal")
    expect(await configGet(r, "moduleconfigs.*numeric")).toEqual({ "moduleconfigs.memory_numeric": "2097152", "moduleconfigs.numeric": "-1" })
    expect(await r.call("MODULE", "UNLOAD", "moduleconfigs")).toBe("OK")
  })

  it("11. a repeated LOADEX config keeps the last value", async () => {
    expect(await r.call("MODULE", "LOADEX", M, "CONFIG", "moduleconfigs.string", "x", "CONFIG", "moduleconfigs.string", "bar")).toBe("OK")
    expect((await configGet(r, "moduleconfigs.string"))["moduleconfigs.string"]).toBe("bar")
    expect(await r.call("MODULE", "UNLOAD", "moduleconfigs")).toBe("OK")
  })

  it("12. a missing LoadConfigs call fails the load", async () => {
    await expect(r.call("MODULE", "LOADEX", M, "CONFIG", "moduleconfigs.string", "cool", "ARGS", "noload")).rejects.toThrow(LOAD_ERROR)
    // As module.c `moduleLoad`: counted as loaded, then the error, then unloaded; logged once.
    const start = s.logs.map((l) => l.includes("Module 'moduleconfigs' loaded from")).lastIndexOf(true)
    expect(s.logs.slice(start)).toEqual([
      `notice Module 'moduleconfigs' loaded from ${M}`,
      "warning Module Configurations were not set, likely a missing LoadConfigs call. Unloading the module.",
      "notice Module moduleconfigs unloaded"
    ])
    expect(await configGet(r, "moduleconfigs.*")).toEqual({})
  })

  it("13. LOADEX rejects bad configs, leaving nothing behind", async () => {
    expect(await r.call("MODULE", "LOAD", M2)).toBe("OK")
    const maxclients = await configGet(r, "maxclients")
    const bad: Array<Array<string>> = [
      ["CONFIG", "moduleconfigs.memory_numeric", "200gb"],
      ["CONFIG", "moduleconfigs.string"],
      ["CONFIG", "moduleconfigs.string", "rejectisfreed"],
      ["CONFIG", "maxclients", "333"],
      ["CONFIG", "configs.test", "no"],
      ["FOO"]
    ]
    for (const args of bad) {
      await expect(r.call("MODULE", "LOADEX", M, ...args)).rejects.toThrow(LOAD_ERROR)
      expect(await configGet(r, "moduleconfigs.*")).toEqual({})
    }
    expect(await configGet(r, "maxclients")).toEqual(maxclients)
    expect(await configGet(r, "configs.test")).toEqual({ "configs.test": "yes" })
    // The module hears about CONFIG SET changes of its own configs only.
    expect(await r.call("CONFIG", "SET", "configs.test", "no", "maxmemory", "0")).toBe("OK")
    expect(await r.call("configs.changes")).toEqual(["configs.test"])
    expect(await r.call("MODULE", "UNLOAD", "configs")).toBe("OK")
  })
})

describe("module configs: moduleconfigs.tcl, rewrite and restart", () => {
  it("LOADEX + CONFIG SET → CONFIG REWRITE → restart keeps every value; unload + rewrite comments them out", async () => {
    const dir = fs.mkdtempSync(`${tmpdir()}/kf-modcfg-`)
    const file = `${dir}/keyfiber.conf`
    fs.writeFileSync(file, "port 0\nenable-module-command yes\n")
    const s1 = await startModuleServer({ args: [file] })
    const r1 = connect(s1.port)
    expect(await r1.call("MODULE", "LOADEX", M, "CONFIG", "moduleconfigs.string", "super \0secret password")).toBe("OK")
    expect(await r1.call("MODULE", "LOAD", M2)).toBe("OK")
    expect(await r1.call("CONFIG", "SET", "moduleconfigs.mutable_bool", "no", "moduleconfigs.memory_numeric", "750", "moduleconfigs.enum", "two", "moduleconfigs.flags", "four two", "configs.test", "no")).toBe("OK")
    expect(await r1.call("CONFIG", "REWRITE")).toBe("OK")
    const text = fs.readFileSync(file, "latin1")
    expect(text).toContain('moduleconfigs.string "super \\x00secret password"')
    expect(text).toContain(`loadmodule ${M}`)
    r1.disconnect()
    await s1.close()

    const s2 = await startModuleServer({ args: [file] })
    const r2 = connect(s2.port)
    expect(await configGet(r2, "moduleconfigs.*")).toEqual({
      ...DEFAULTS,
      "moduleconfigs.mutable_bool": "no",
      "moduleconfigs.memory_numeric": "750",
      "moduleconfigs.enum": "two",
      "moduleconfigs.flags": "two four",
      "moduleconfigs.string": "super \0secret password"
    })
    expect(await configGet(r2, "configs.test")).toEqual({ "configs.test": "no" })
    expect(await r2.call("MODULE", "UNLOAD", "moduleconfigs")).toBe("OK")
    expect(await r2.call("MODULE", "UNLOAD", "configs")).toBe("OK")
    expect(await r2.call("CONFIG", "REWRITE")).toBe("OK")
    const after = fs.readFileSync(file, "latin1")
    expect(after).not.toContain("loadmodule")
    expect(after).toContain("# ??? moduleconfigs.string")
    r2.disconnect()
    await s2.close()

    const s3 = await startModuleServer({ args: [file] })
    const r3 = connect(s3.port)
    expect(await configGet(r3, "moduleconfigs.*")).toEqual({})
    r3.disconnect()
    await s3.close()
  })

  it("startup: module configs without loadmodule, a rejected value, a missing LoadConfigs all abort; quoted values load", async () => {
    await expect(startModuleServer({ args: ["--moduleconfigs.string", "hello"] })).rejects.toThrow(
      "Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting"
    )
    await expect(startModuleServer({ args: ["--loadmodule", M, "--moduleconfigs.string", "rejectisfreed"] })).rejects.toThrow(
      `Can't load module from ${M}`
    )
    await expect(startModuleServer({ args: ["--loadmodule", M, "noload", "--moduleconfigs.string", "hello"] })).rejects.toThrow(
      `Can't load module from ${M}`
    )
    const dir = fs.mkdtempSync(`${tmpdir()}/kf-modcfg-`)
    const file = `${dir}/keyfiber.conf`
    fs.writeFileSync(file, `moduleconfigs.string bootedup\nloadmodule ${M}\nmoduleconfigs.enum two\nmoduleconfigs.flags "two four"\n`)
    const s = await startModuleServer({ args: [file] })
    const r = connect(s.port)
    expect(await configGet(r, "moduleconfigs.*")).toMatchObject({
      "moduleconfigs.string": "bootedup",
      "moduleconfigs.enum": "two",
      "moduleconfigs.flags": "two four"
    })
    r.disconnect()
    await s.close()
  })
})
