import { beforeEach, describe, expect, it } from "vitest"
import { waitFor } from "../support/waitFor.js"
import { useServer } from "./setup.js"

const info = async (r: (...a: Array<string | number>) => Promise<any>, field: string): Promise<string> => {
  const text: string = await r("info", "all")
  const m = new RegExp(`^${field}:(.*)\\r$`, "m").exec(text)
  return m ? m[1]! : ""
}
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms))

/** Ported from valkey tests/unit/expire.tcl. */
describe("conformance: expire", () => {
  const t = useServer()
  beforeEach(() => t.r("flushall"))

  it("EXPIRE set multiple times, write on volatile key, EXPIREAT, SETEX", async () => {
    const { r, err } = t
    await r("set", "x", "foobar")
    expect(await r("expire", "x", 5)).toBe(1)
    expect([4, 5]).toContain(await r("ttl", "x"))
    expect(await r("expire", "x", 10)).toBe(1)
    expect(await r("ttl", "x")).toBe(10)
    expect(await r("get", "x")).toBe("foobar")
    await r("del", "x")
    await r("lpush", "x", "foo")
    await r("expire", "x", 1000)
    await r("lpush", "x", "bar")
    expect(await r("lrange", "x", 0, -1)).toEqual(["bar", "foo"])
    expect(await r("ttl", "x")).toBeGreaterThan(990)
    await r("del", "x")
    await r("set", "x", "foo")
    await r("expireat", "x", Math.floor(Date.now() / 1000) + 15)
    expect([13, 14, 15]).toContain(await r("ttl", "x"))
    await r("setex", "x", 12, "test")
    expect([10, 11, 12]).toContain(await r("ttl", "x"))
    expect(await r("get", "x")).toBe("test")
    expect(await err("setex", "z", -10, "foo")).toBe("ERR invalid expire time in 'setex' command")
  })

  it("keys expire (PSETEX / PEXPIRE / PEXPIREAT sub-second)", async () => {
    const { r } = t
    await r("psetex", "a", 50, "somevalue")
    await r("set", "b", "somevalue")
    await r("pexpire", "b", 50)
    await r("set", "c", "somevalue")
    const [sec, usec] = await r("time")
    await r("pexpireat", "c", Number(sec) * 1000 + Math.floor(Number(usec) / 1000) + 50)
    await waitFor("keys expire", async () => (await r("mget", "a", "b", "c")).every((v: unknown) => v === null))
    expect(await r("exists", "a", "b", "c")).toBe(0)
  })

  it("PERSIST", async () => {
    const { r } = t
    await r("set", "x", "foo")
    await r("expire", "x", 50)
    expect([await r("ttl", "x"), await r("persist", "x"), await r("ttl", "x"), await r("get", "x")]).toEqual([50, 1, -1, "foo"])
    expect([await r("persist", "foo"), await r("persist", "nokeyatall")]).toEqual([0, 0])
    expect(await r("persist", "x")).toBe(0)
  })

  it("expiration time already expired deletes and counts expired_keys", async () => {
    const { r } = t
    await r("config", "resetstat")
    await r("set", "x", "somevalue")
    expect(await r("expire", "x", -1)).toBe(1)
    expect(await r("exists", "x")).toBe(0)
    expect(await info(r, "expired_keys")).toBe("1")
    await r("set", "x", "somevalue")
    await r("expireat", "x", Math.floor(Date.now() / 1000) - 1)
    expect(await r("exists", "x")).toBe(0)
    expect(await info(r, "expired_keys")).toBe("2")
    await r("set", "x", "somevalue")
    await r("pexpire", "x", -1000)
    expect(await r("exists", "x")).toBe(0)
    expect(await info(r, "expired_keys")).toBe("3")
    await r("set", "x", "somevalue")
    await r("pexpireat", "x", Date.now() - 1000)
    expect(await r("exists", "x")).toBe(0)
    expect(await info(r, "expired_keys")).toBe("4")
  })

  it("TTL / PTTL / EXPIRETIME / PEXPIRETIME", async () => {
    const { r } = t
    await r("setex", "x", 10, "somevalue")
    const ttl = await r("ttl", "x")
    expect(ttl > 8 && ttl <= 10).toBe(true)
    await r("setex", "x", 1, "somevalue")
    const pttl = await r("pttl", "x")
    expect(pttl > 500 && pttl <= 1000).toBe(true)
    await r("set", "x", "hello")
    expect([await r("ttl", "x"), await r("pttl", "x"), await r("expiretime", "x"), await r("pexpiretime", "x")]).toEqual([-1, -1, -1, -1])
    await r("del", "x")
    expect([await r("ttl", "x"), await r("pttl", "x"), await r("expiretime", "x"), await r("pexpiretime", "x")]).toEqual([-2, -2, -2, -2])
    const abs = Math.floor(Date.now() / 1000) + 100
    await r("set", "x", "somevalue", "exat", abs)
    expect(await r("expiretime", "x")).toBe(abs)
    const pabs = Date.now() + 100000
    await r("set", "x", "somevalue", "pxat", pabs)
    expect(await r("pexpiretime", "x")).toBe(pabs)
  })

  it("active expiry removes keys; lazy expiry on access; no resurrection", async () => {
    const { r } = t
    await r("psetex", "key1", 50, "a")
    await r("psetex", "key2", 50, "a")
    await r("psetex", "key3", 50, "a")
    expect(await r("dbsize")).toBe(3)
    await waitFor("active expiry", async () => (await r("dbsize")) === 0)
    await r("set", "foo", "bar")
    await r("pexpire", "foo", 20)
    await sleep(40)
    expect(await r("expire", "foo", 10)).toBe(0)
    expect(await r("exists", "foo")).toBe(0)
    await r("set", "a", "c")
    await r("expire", "a", 5)
    for (const k of ["t", "e", "s"]) await r("set", k, "c")
    await r("set", "foo", "b")
    expect((await r("keys", "*")).sort()).toEqual(["a", "e", "foo", "s", "t"])
  })

  it("invalid expire values", async () => {
    const { r, err } = t
    await r("set", "foo", "bar")
    expect(await err("expire", "foo", "")).toBe("ERR value is not an integer or out of range")
    expect(await err("set", "foo", "bar", "EX", "10000000000000000")).toBe("ERR invalid expire time in 'set' command")
    expect(await err("SET", "foo", "bar", "EX", "-9999999999999999")).toBe("ERR invalid expire time in 'set' command")
    expect(await err("GETEX", "foo", "EX", "10000000000000000")).toBe("ERR invalid expire time in 'getex' command")
    expect(await err("GETEX", "foo", "EX", "-9999999999999999")).toBe("ERR invalid expire time in 'getex' command")
    await r("del", "foo")
    expect(await err("getex", "foo", "ex", "abcd")).toBe("ERR value is not an integer or out of range")
    await r("set", "foo", "bar")
    expect(await err("getex", "foo", "px", "-abcd")).toBe("ERR value is not an integer or out of range")
    await r("del", "foo")
    await r("rpush", "foo", "v")
    expect(await err("getex", "foo", "exat", "-abcd")).toBe("ERR value is not an integer or out of range")
    await r("del", "foo")
    await r("set", "foo", "bar")
    for (const v of ["9223370399119966", "9223372036854776", "10000000000000000", "18446744073709561"]) {
      expect(await err("EXPIRE", "foo", v)).toBe("ERR invalid expire time in 'expire' command")
    }
    expect(await r("ttl", "foo")).toBe(-1)
    expect(await err("PEXPIRE", "foo", "9223372036854770000")).toBe("ERR invalid expire time in 'pexpire' command")
    for (const v of ["-9223372036854776", "-9999999999999999"]) {
      expect(await err("EXPIRE", "foo", v)).toBe("ERR invalid expire time in 'expire' command")
    }
    expect(await r("ttl", "foo")).toBe(-1)
    expect(await r("PEXPIREAT", "foo", "9223372036854770000")).toBe(1)
    await r("set", "foo", "bar")
    await r("PEXPIREAT", "foo", "-9223372036854770000")
    expect(await r("ttl", "foo")).toBe(-2)
  })

  it("SET removes expire, KEEPTTL keeps it, GETEX PERSIST", async () => {
    const { r } = t
    await r("set", "foo", "bar", "EX", 100)
    await r("set", "foo", "bar")
    expect(await r("ttl", "foo")).toBe(-1)
    await r("set", "foo", "bar", "EX", 100)
    await r("set", "foo", "bar", "KEEPTTL")
    const ttl = await r("ttl", "foo")
    expect(ttl <= 100 && ttl > 90).toBe(true)
    await r("getex", "foo", "PERSIST")
    expect(await r("ttl", "foo")).toBe(-1)
  })

  it("EXPIRE NX / XX / GT / LT", async () => {
    const { r, err } = t
    const ttlIn = async (lo: number, hi: number) => {
      const v = await r("ttl", "foo")
      expect(v >= lo && v <= hi, `ttl ${v} in [${lo},${hi}]`).toBe(true)
    }
    await r("SET", "foo", "bar", "EX", 100)
    expect(await r("EXPIRE", "foo", 200, "NX")).toBe(0)
    await ttlIn(50, 100)
    await r("SET", "foo", "bar")
    expect(await r("EXPIRE", "foo", 200, "NX")).toBe(1)
    await ttlIn(100, 200)
    await r("SET", "foo", "bar", "EX", 100)
    expect(await r("EXPIRE", "foo", 200, "XX")).toBe(1)
    await ttlIn(100, 200)
    await r("SET", "foo", "bar")
    expect(await r("EXPIRE", "foo", 200, "XX")).toBe(0)
    expect(await r("TTL", "foo")).toBe(-1)
    await r("SET", "foo", "bar", "EX", 100)
    expect(await r("EXPIRE", "foo", 200, "GT")).toBe(1)
    await ttlIn(100, 200)
    await r("SET", "foo", "bar", "EX", 200)
    expect(await r("EXPIRE", "foo", 100, "GT")).toBe(0)
    await ttlIn(100, 200)
    await r("SET", "foo", "bar")
    expect(await r("EXPIRE", "foo", 200, "GT")).toBe(0)
    expect(await r("TTL", "foo")).toBe(-1)
    await r("SET", "foo", "bar", "EX", 100)
    expect(await r("EXPIRE", "foo", 200, "LT")).toBe(0)
    await ttlIn(50, 100)
    await r("SET", "foo", "bar", "EX", 200)
    expect(await r("EXPIRE", "foo", 100, "LT")).toBe(1)
    await ttlIn(50, 100)
    await r("SET", "foo", "bar")
    expect(await r("EXPIRE", "foo", 100, "LT")).toBe(1)
    await ttlIn(50, 100)
    await r("SET", "foo", "bar", "EX", 200)
    expect(await r("EXPIRE", "foo", 100, "LT", "XX")).toBe(1)
    await ttlIn(50, 100)
    await r("SET", "foo", "bar")
    expect(await r("EXPIRE", "foo", 200, "LT", "XX")).toBe(0)
    expect(await r("TTL", "foo")).toBe(-1)
    expect(await err("EXPIRE", "foo", 200, "LT", "GT")).toBe("ERR GT and LT options at the same time are not compatible")
    expect(await err("EXPIRE", "foo", 200, "NX", "GT")).toBe("ERR NX and XX, GT or LT options at the same time are not compatible")
    expect(await err("EXPIRE", "foo", 200, "NX", "LT")).toBe("ERR NX and XX, GT or LT options at the same time are not compatible")
    expect(await err("EXPIRE", "foo", 200, "NX", "XX")).toBe("ERR NX and XX, GT or LT options at the same time are not compatible")
    expect(await err("EXPIRE", "foo", 200, "AB")).toBe("ERR Unsupported option AB")
    expect(await err("EXPIRE", "foo", 200, "XX", "AB")).toBe("ERR Unsupported option AB")
    await r("SET", "foo", "bar", "EX", 100)
    expect(await r("EXPIRE", "foo", -10, "LT")).toBe(1)
    expect(await r("TTL", "foo")).toBe(-2)
    await r("SET", "foo", "bar")
    expect(await r("EXPIRE", "foo", -10, "LT")).toBe(1)
    expect(await r("TTL", "foo")).toBe(-2)
    for (const opt of ["NX", "XX", "GT", "LT"]) expect(await r("EXPIRE", "none", 100, opt)).toBe(0)
  })

  it("SCAN and RANDOMKEY skip logically expired keys", async () => {
    const { r } = t
    await r("set", "foo1", "bar", "PX", 1)
    await r("set", "foo2", "bar", "PX", 1)
    await sleep(5)
    const [cursor, keys] = await r("scan", 0)
    expect(keys).toEqual([])
    expect(cursor).toBe("0")
    expect(await r("randomkey")).toBe(null)
  })
})
