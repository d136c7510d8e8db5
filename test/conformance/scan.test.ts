import { beforeEach, describe, expect, it } from "vitest"
import { useServer } from "./setup.js"

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms))

/** Ported from valkey tests/unit/scan.tcl (SCAN only: no hashes, sets or sorted sets here). */
describe("conformance: scan", () => {
  const t = useServer()
  beforeEach(() => t.r("flushall"))

  /** Valkey's `populate`: key:0..n-1 = value:0.. */
  const populate = async (n: number) => {
    for (let i = 0; i < n; i++) t.c.send("set", `key:${i}`, `value:${i}`)
    for (let i = 0; i < n; i++) await t.c.read()
  }
  const scanAll = async (...opts: Array<string | number>) => {
    let cur = "0"
    const keys: Array<string> = []
    for (;;) {
      const [next, k] = await t.r("scan", cur, ...opts)
      expect(typeof next).toBe("string")
      keys.push(...k)
      cur = next
      if (cur === "0") break
    }
    return keys
  }
  const dbKeys = async () => Number(/keys=(\d+)/.exec(await t.r("info", "keyspace"))?.[1] ?? 0)

  it("SCAN basic, COUNT, MATCH, TYPE", async () => {
    await populate(1000)
    expect(new Set(await scanAll()).size).toBe(1000)
    expect(new Set(await scanAll("count", 5)).size).toBe(1000)
    expect(new Set(await scanAll("match", "key:1??")).size).toBe(100)
    expect((await scanAll("type", "list")).length).toBe(0)
    expect((await scanAll("type", "string")).length).toBe(1000)
    expect((await scanAll("type", "string", "match", "key:*", "count", 10)).length).toBe(1000)
  })

  it("SCAN unknown type and argument errors", async () => {
    const { err, r } = t
    await populate(10)
    await r("rpush", "list", "v")
    await r("pexpire", "list", 1)
    await sleep(3)
    expect(await err("scan", 0, "type", "string1")).toBe("ERR unknown type name 'string1'")
    expect(await err("scan", "abc")).toBe("ERR invalid cursor")
    // string2ull: a canonical negative int64 is invalid; strtoull takes the rest (spaces, '+').
    expect(await err("scan", "-1")).toBe("ERR invalid cursor")
    expect(await err("scan", "18446744073709551616")).toBe("ERR invalid cursor")
    expect(await err("scan", "1x")).toBe("ERR invalid cursor")
    // (Redis 7.0 used strtoul, so "-1" wrapped around there; Valkey 8 uses string2ull.)
    expect(Array.isArray((await r("scan", "+0"))[1])).toBe(true)
    expect(Array.isArray((await r("scan", " 0"))[1])).toBe(true)
    expect(await err("scan", 0, "count", 0)).toBe("ERR syntax error")
    expect(await err("scan", 0, "count", "x")).toBe("ERR value is not an integer or out of range")
    expect(await err("scan", 0, "foo", "bar")).toBe("ERR syntax error")
    expect(await err("scan", 0, "match")).toBe("ERR syntax error")
  })

  it("SCAN with expired keys removes them; TYPE filter only removes the matching type", async () => {
    const { r } = t
    await populate(1000)
    await r("set", "foo", "bar")
    await r("pexpire", "foo", 1)
    await r("rpush", "list", "v")
    await r("pexpire", "list", 1)
    await sleep(3)
    // keep the active expire cycle from racing us: it may also remove them, which still passes
    expect((await scanAll("count", 10)).length).toBe(1000)
    expect(await dbKeys()).toBe(1000)
  })

  it("SCAN guarantees under write load; MATCH with a hashtag", async () => {
    const { r } = t
    await populate(100)
    let cur = "0"
    const keys: Array<string> = []
    let j = 0
    for (;;) {
      const [next, k] = await r("scan", cur)
      keys.push(...k)
      cur = next
      if (cur === "0") break
      for (let i = 0; i < 10; i++) await r("set", `addedkey:${(j++ * 7919) % 1000}`, "foo")
    }
    expect(new Set(keys.filter((k) => k.length <= 6 || k.startsWith("key:"))).size).toBe(100)
    await r("flushdb")
    for (let i = 0; i < 100; i++) {
      await r("set", `{foo}-${i}`, "foo")
      await r("set", `{bar}-${i}`, "bar")
    }
    expect(new Set(await scanAll("match", "{foo}-*")).size).toBe(100)
  })
})
