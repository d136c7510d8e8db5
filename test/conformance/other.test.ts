import { beforeEach, describe, expect, it } from "vitest"
import { useServer } from "./setup.js"

/** Ported from valkey tests/unit/other.tcl (no persistence, DEBUG, ACL or pubsub parts). */
describe("conformance: other", () => {
  const t = useServer()
  beforeEach(() => t.r("flushall"))

  it("HELP commands, ECHO, SELECT out of range", async () => {
    const { r, err } = t
    expect((await r("OBJECT", "HELP")).join("\n")).toMatch(/OBJECT <subcommand> /)
    expect((await r("CONFIG", "HELP")).join("\n")).toMatch(/CONFIG <subcommand> /)
    expect(await r("ECHO", "bang")).toBe("bang")
    expect(await err("select", 1000000)).toBe("ERR DB index is out of range")
    expect(await err("select", -1)).toBe("ERR DB index is out of range")
    expect(await err("select", "x")).toBe("ERR value is not an integer or out of range")
  })

  it("FUZZ stresser: SET/GET round trips", async () => {
    const { r } = t
    let seed = 11
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n)
    for (const type of ["binary", "alpha", "compr"]) {
      for (let i = 0; i < 300; i++) {
        const len = rand(513)
        let fuzz = ""
        for (let j = 0; j < len; j++) {
          fuzz += type === "binary" ? String.fromCharCode(rand(256)) : type === "alpha" ? String.fromCharCode(48 + rand(75)) : String.fromCharCode(97 + rand(3))
        }
        await r("set", "foo", fuzz)
        expect(await r("get", "foo")).toBe(fuzz)
      }
    }
  })

  it("PIPELINING stresser", async () => {
    const n = 20000
    let q = "SELECT 9\r\n"
    for (let i = 0; i < n; i++) q += `SET key:${i} 0000${i}0000\r\nGET key:${i}\r\n`
    t.c.raw.write(q)
    expect(await t.c.read()).toBe("OK")
    for (let i = 0; i < n; i++) {
      expect(await t.c.read()).toBe("OK")
      expect(await t.c.read()).toBe(`0000${i}0000`)
    }
    await t.r("select", 0)
  })

  it("APPEND basics and fuzzing", async () => {
    const { r } = t
    expect([await r("append", "foo", "bar"), await r("get", "foo"), await r("append", "foo", 100), await r("get", "foo")]).toEqual([3, "bar", 6, "bar100"])
    await r("del", "foo")
    await r("append", "foo", 1)
    await r("append", "foo", 2)
    expect(await r("get", "foo")).toBe("12")
    await r("set", "foo", 1)
    await r("append", "foo", 2)
    expect(await r("get", "foo")).toBe("12")
    let buf = ""
    let seed = 5
    for (let i = 0; i < 1000; i++) {
      let bin = ""
      const len = ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % 11)
      for (let j = 0; j < len; j++) bin += String.fromCharCode(((seed = (seed * 1103515245 + 12345) % 2147483648), seed % 256))
      buf += bin
      await r("append", "x", bin)
    }
    expect(await r("get", "x")).toBe(buf)
  })

  it("FLUSHDB", async () => {
    const { r } = t
    await r("select", 9)
    await r("set", "a", 1)
    await r("flushdb")
    expect(await r("dbsize")).toBe(0)
    await r("select", 10)
    await r("flushdb")
    expect(await r("dbsize")).toBe(0)
    expect(await r("flushdb", "async")).toBe("OK")
    expect(await r("flushdb", "sync")).toBe("OK")
    expect(await r("flushall", "async")).toBe("OK")
    expect(await t.err("flushdb", "foo")).toBe("ERR syntax error")
    await r("select", 0)
  })

  it("Subcommand syntax error crash (issue #10070)", async () => {
    const { err } = t
    expect(await err("GET|")).toMatch(/unknown command/)
    expect(await err("GET|SET")).toMatch(/unknown command/)
    expect(await err("GET|SET|OTHER")).toMatch(/unknown command/)
    expect(await err("CONFIG|GET", "GET_XX")).toMatch(/unknown command/)
    expect(await err("CONFIG", "GET_XX")).toBe("ERR unknown subcommand 'GET_XX'. Try CONFIG HELP.")
  })

  it("Extended Redis Compatibility config (INFO part)", async () => {
    const { r } = t
    await r("config", "set", "extended-redis-compatibility", "yes")
    let info: string = await r("info", "server")
    expect(info).toMatch(/redis_mode:/)
    expect(info).not.toMatch(/server_mode:/)
    await r("config", "set", "extended-redis-compatibility", "no")
    info = await r("info", "server")
    expect(info).not.toMatch(/redis_mode:/)
    expect(info).toMatch(/server_mode:/)
  })
})
