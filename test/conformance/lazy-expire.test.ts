import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { waitFor } from "../support/waitFor.js"
import { useServer } from "./setup.js"
import type { TclClient } from "./tcl.js"

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms))

/** The needs:debug cases of expire.tcl, scan.tcl, keyspace.tcl and multi.tcl (DEBUG SET-ACTIVE-EXPIRE 0). */
describe("conformance: lazy expiry with active expiry off", () => {
  const t = useServer(["--enable-debug-command", "yes"])
  beforeEach(async () => {
    await t.r("flushall")
    expect(await t.r("debug", "set-active-expire", 0)).toBe("OK")
  })
  afterEach(() => t.r("debug", "set-active-expire", 1))
  const keysInfo = async () => Number(/keys=(\d+)/.exec(await t.r("info", "keyspace"))?.[1] ?? 0)

  it("Server should lazy expire keys", async () => {
    const { r } = t
    for (const k of ["key1", "key2", "key3"]) await r("psetex", k, 20, "a")
    const size1 = await r("dbsize")
    await sleep(40)
    const size2 = await r("dbsize")
    await r("mget", "key1", "key2", "key3")
    expect([size1, size2, await r("dbsize")]).toEqual([3, 3, 0])
  })

  it("DEL against expired key; EXPIRE should not resurrect keys", async () => {
    const { r } = t
    await r("set", "keyExpire", "valExpire", "px", 10)
    await r("set", "foo", "bar", "px", 10)
    await sleep(30)
    expect(await r("del", "keyExpire")).toBe(0)
    expect(await r("expire", "foo", 10)).toBe(0)
    expect(await r("exists", "foo")).toBe(0)
  })

  it("SCAN with an unknown type does not expire keys; SCAN expires what it visits", async () => {
    const { r, err } = t
    for (let i = 0; i < 100; i++) await r("set", `key:${i}`, i)
    await r("rpush", "list", "v")
    await r("pexpire", "list", 1)
    await sleep(5)
    expect(await err("scan", 0, "type", "string1")).toBe("ERR unknown type name 'string1'")
    expect(await keysInfo()).toBe(101)
    // TYPE filter: the expired list is not of the wanted type, so it is not touched.
    let cur = "0"
    const seen: Array<string> = []
    do {
      const [next, keys] = await r("scan", cur, "type", "string", "count", 10)
      seen.push(...keys)
      cur = next
    } while (cur !== "0")
    expect(seen.length).toBe(100)
    expect(await keysInfo()).toBe(101)
    await r("set", "foo", "bar", "px", 1)
    await sleep(5)
    cur = "0"
    seen.length = 0
    do {
      const [next, keys] = await r("scan", cur, "count", 10)
      seen.push(...keys)
      cur = next
    } while (cur !== "0")
    expect(seen.length).toBe(100)
    expect(await keysInfo()).toBe(100)
  })

  it("WATCH stale keys should not fail EXEC; deleting them neither", async () => {
    const { r } = t
    await r("set", "x", "foo", "px", 1)
    await sleep(5)
    await r("watch", "x")
    await r("multi")
    await r("ping")
    expect(await r("exec")).toEqual(["PONG"])
    await r("set", "x", "foo", "px", 1)
    await sleep(5)
    await r("watch", "x")
    expect(await r("exists", "x")).toBe(0)
    await r("multi")
    await r("ping")
    expect(await r("exec")).toEqual(["PONG"])
  })

  it("EXEC fails on a WATCHed key that expires lazily after WATCH", async () => {
    const { r } = t
    await r("set", "key", 1, "px", 20)
    await r("watch", "key")
    await sleep(40)
    await r("multi")
    await r("incr", "key")
    expect(await r("exec")).toBe(null)
  })

  it("MSET/SET on logically expired keys, RANDOMKEY and KEYS skip them", async () => {
    const { r } = t
    await r("set", "a", 1, "px", 1)
    await r("set", "b", 1, "px", 1)
    await sleep(5)
    expect(await r("randomkey")).toBe(null)
    expect(await r("keys", "*")).toEqual([])
    expect(await r("setnx", "a", 2)).toBe(1)
    expect(await r("ttl", "a")).toBe(-1)
    expect(await r("set", "b", 3, "xx")).toBe(null)
    expect(await r("exists", "b")).toBe(0)
  })

  const blocked = (n: number) =>
    waitFor(`${n} blocked clients`, async () => /blocked_clients:(\d+)/.exec(await t.r("info", "clients"))?.[1] === String(n))
  const clientId = async (c: TclClient): Promise<number> => {
    c.send("client", "id")
    const v = await c.read()
    return typeof v === "number" ? v : Math.max(...t.s.server.clients.keys())
  }

  it("SWAPDB wants to wake a blocked client, but the key already expired", async () => {
    const { r } = t
    await r("select", 1)
    await r("rpush", "k", "hello")
    await r("pexpire", "k", 20)
    const rd = await t.client()
    const id = await clientId(rd)
    expect(await rd.call("select", 9)).toBe("OK")
    rd.send("brpop", "k", 0)
    await blocked(1)
    await sleep(40)
    await r("swapdb", 1, 9)
    await blocked(1)
    expect(await r("client", "unblock", id)).toBe(1)
    expect(await rd.read()).toBe(null)
    expect(await rd.call("exists", "k")).toBe(0)
    await r("select", 0)
  })

  it("MULTI + LPUSH + EXPIRE + DEBUG SLEEP on a blocked client, key already expired", async () => {
    const { r } = t
    const rd = await t.client()
    const id = await clientId(rd)
    rd.send("brpop", "k", 0)
    await blocked(1)
    await r("multi")
    await r("rpush", "k", "hello")
    await r("pexpire", "k", 20)
    await r("debug", "sleep", "0.05")
    await r("exec")
    await blocked(1)
    expect(await r("client", "unblock", id)).toBe(1)
    expect(await rd.read()).toBe(null)
    expect(await rd.call("exists", "k")).toBe(0)
  })
})

