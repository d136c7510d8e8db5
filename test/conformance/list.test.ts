import { beforeEach, describe, expect, it } from "vitest"
import { waitFor } from "../support/waitFor.js"
import { useServer } from "./setup.js"
import { ServerError, type TclClient } from "./tcl.js"

/** Ported from valkey tests/unit/type/list.tcl (non-blocking parts and unblock fairness). */
describe("conformance: lists", () => {
  const t = useServer()
  beforeEach(() => t.r("flushall"))
  /** CLIENT ID, or (where CLIENT ID is not there yet) the newest client's id. */
  const clientId = async (rd: TclClient): Promise<number> => {
    rd.send("client", "id")
    const v = await rd.read()
    if (typeof v === "number") return v
    return Math.max(...t.s.server.clients.keys())
  }
  const blocked = async (n: number) => {
    await waitFor(`${n} blocked clients`, async () => /blocked_clients:(\d+)/.exec(await t.r("info", "clients"))?.[1] === String(n))
  }

  for (const large of ["x".repeat(10), "q".repeat(10000)]) {
    const create = async (key: string, items: Array<string>) => {
      await t.r("del", key)
      await t.r("rpush", key, ...items)
    }
    describe(`with ${large.length}-byte values`, () => {
      it("LPOS", async () => {
        const { r, err } = t
        await create("mylist", ["a", "b", "c", large, "2", "3", "c", "c"])
        expect(await r("lpos", "mylist", "a")).toBe(0)
        expect(await r("lpos", "mylist", "c")).toBe(2)
        expect(await r("lpos", "mylist", "c", "RANK", 1)).toBe(2)
        expect(await r("lpos", "mylist", "c", "RANK", 2)).toBe(6)
        expect(await r("lpos", "mylist", "c", "RANK", 4)).toBe(null)
        expect(await r("lpos", "mylist", "c", "RANK", -1)).toBe(7)
        expect(await r("lpos", "mylist", "c", "RANK", -2)).toBe(6)
        expect(await err("lpos", "mylist", "c", "RANK", 0)).toBe(
          "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
        )
        expect(await err("lpos", "mylist", "c", "RANK", "-9223372036854775808")).toMatch(/value is out of range/)
        expect(await r("lpos", "mylist", "c", "COUNT", 0)).toEqual([2, 6, 7])
        expect(await r("lpos", "mylist", "c", "COUNT", 1)).toEqual([2])
        expect(await r("lpos", "mylist", "c", "COUNT", 2)).toEqual([2, 6])
        expect(await r("lpos", "mylist", "c", "COUNT", 100)).toEqual([2, 6, 7])
        expect(await r("lpos", "mylist", "c", "COUNT", 0, "RANK", 2)).toEqual([6, 7])
        expect(await r("lpos", "mylist", "c", "COUNT", 2, "RANK", -1)).toEqual([7, 6])
        expect(await r("lpos", "mylist", "x", "COUNT", 2, "RANK", -1)).toEqual([])
        expect(await r("lpos", "mylist", "x", "RANK", -1)).toBe(null)
        expect(await err("lpos", "mylist", "c", "COUNT", -1)).toBe("ERR COUNT can't be negative")
        expect(await r("lpos", "mylist", "c", "COUNT", 0, "MAXLEN", 7)).toEqual([2, 6])
        expect(await r("lpos", "mylist", "c", "COUNT", 0, "MAXLEN", 7, "RANK", 2)).toEqual([6])
        expect(await r("lpos", "mylist", "c", "COUNT", 0, "MAXLEN", 3, "RANK", -1)).toEqual([7, 6])
        expect(await r("lpos", "mylist", "c", "COUNT", 0, "MAXLEN", 7, "RANK", -1)).toEqual([7, 6, 2])
        expect(await r("lpos", "mylist", "a", "COUNT", 0, "MAXLEN", 1)).toEqual([0])
        expect(await r("lpos", "mylist", "c", "COUNT", 0, "MAXLEN", 1)).toEqual([])
        expect(await r("lpos", "mylist", "c", "COUNT", 0, "MAXLEN", 3)).toEqual([2])
        expect(await err("lpos", "mylist", "c", "MAXLEN", -1)).toBe("ERR MAXLEN can't be negative")
        expect(await err("lpos", "mylist", "c", "FOO", 1)).toBe("ERR syntax error")
        expect(await err("lpos", "mylist", "c", "COUNT")).toBe("ERR syntax error")
        expect(await r("lpos", "nolist", "c")).toBe(null)
        expect(await r("lpos", "nolist", "c", "COUNT", 0)).toEqual([])
        expect(await r("lpos", "mylistxxx", "c", "COUNT", 0, "RANK", 2)).toEqual([])
        await create("one", ["a"])
        expect(await r("lpos", "one", "b", "COUNT", 10, "RANK", 5)).toEqual([])
      })

      it("LPUSH/RPUSH/LLEN/LINDEX/LPOP/RPOP, optional count", async () => {
        const { r, err } = t
        expect(await r("lpush", "mylist1", large)).toBe(1)
        expect(await r("rpush", "mylist1", "b")).toBe(2)
        expect(await r("rpush", "mylist1", "c")).toBe(3)
        expect(await r("llen", "mylist1")).toBe(3)
        expect([await r("lindex", "mylist1", 0), await r("lindex", "mylist1", 1), await r("lindex", "mylist1", 2), await r("lindex", "mylist1", 3)]).toEqual([large, "b", "c", null])
        expect(await r("rpop", "mylist1")).toBe("c")
        expect(await r("lpop", "mylist1")).toBe(large)
        expect(await err("lpop", "key", 1, 1)).toBe("ERR wrong number of arguments for 'lpop' command")
        expect(await err("rpop", "key", 2, 2)).toBe("ERR wrong number of arguments for 'rpop' command")
        expect(await r("lpush", "listcount", "aa", large, "cc", "dd", "ee", "ff", "gg")).toBe(7)
        expect(await r("lpop", "listcount", 1)).toEqual(["gg"])
        expect(await r("lpop", "listcount", 2)).toEqual(["ff", "ee"])
        expect(await r("rpop", "listcount", 2)).toEqual(["aa", large])
        expect(await r("rpop", "listcount", 1)).toEqual(["cc"])
        expect(await r("rpop", "listcount", 123)).toEqual(["dd"])
        expect(await err("lpop", "forbarqaz", -123)).toBe("ERR value is out of range, must be positive")
      })

      it("LPUSHX/RPUSHX, LINSERT", async () => {
        const { r, err } = t
        expect(await r("lpushx", "xlist", "a")).toBe(0)
        expect(await r("rpushx", "xlist", "a")).toBe(0)
        expect(await r("llen", "xlist")).toBe(0)
        await create("xlist", [large, "c"])
        expect(await r("rpushx", "xlist", "d")).toBe(3)
        expect(await r("lpushx", "xlist", "a")).toBe(4)
        expect(await r("rpushx", "xlist", 42, "x")).toBe(6)
        expect(await r("lpushx", "xlist", "y3", "y2", "y1")).toBe(9)
        expect(await r("lrange", "xlist", 0, -1)).toEqual(["y1", "y2", "y3", "a", large, "c", "d", "42", "x"])
        await create("xlist", ["a", large, "c", "d"])
        expect(await r("linsert", "xlist", "before", "c", "zz")).toBe(5)
        expect(await r("lrange", "xlist", 0, 10)).toEqual(["a", large, "zz", "c", "d"])
        expect(await r("linsert", "xlist", "after", "c", "yy")).toBe(6)
        expect(await r("linsert", "xlist", "after", "d", "dd")).toBe(7)
        expect(await r("linsert", "xlist", "after", "bad", "ddd")).toBe(-1)
        expect(await r("linsert", "xlist", "before", "a", "aa")).toBe(8)
        expect(await r("linsert", "xlist", "before", "bad", "aaa")).toBe(-1)
        expect(await r("lrange", "xlist", 0, 10)).toEqual(["aa", "a", large, "zz", "c", "yy", "d", "dd"])
        expect(await r("linsert", "xlist", "before", "aa", 42)).toBe(9)
        expect(await r("lrange", "xlist", 0, 0)).toEqual(["42"])
        expect(await err("linsert", "xlist", "aft3r", "aa", 42)).toBe("ERR syntax error")
        await r("set", "k1", "v1")
        expect(await err("linsert", "k1", "after", 0, 0)).toBe("WRONGTYPE Operation against a key holding the wrong kind of value")
        expect(await r("linsert", "not-a-key", "before", 0, 0)).toBe(0)
      })

      it("LINDEX consistency, wrong types, non existing keys", async () => {
        const { r, err } = t
        await r("del", "mylist")
        for (let i = 0; i < 250; i++) t.c.send("rpush", "mylist", i)
        for (let i = 0; i < 250; i++) expect(await t.c.read()).toBe(i + 1)
        for (let i = 0; i < 250; i++) {
          expect(await r("lindex", "mylist", i)).toBe(String(i))
          expect(await r("lindex", "mylist", -i - 1)).toBe(String(249 - i))
        }
        await r("del", "mylist")
        await r("set", "mylist", "foobar")
        expect(await err("llen", "mylist")).toMatch(/^WRONGTYPE/)
        expect(await r("llen", "not-a-key")).toBe(0)
        expect(await err("lindex", "mylist", 0)).toMatch(/^WRONGTYPE/)
        expect(await r("lindex", "not-a-key", 10)).toBe(null)
        expect(await err("lpush", "mylist", 0)).toMatch(/^WRONGTYPE/)
        expect(await err("rpush", "mylist", 0)).toMatch(/^WRONGTYPE/)
        // The key is looked up before the index is parsed.
        expect(await r("lindex", "nokey", "x")).toBe(null)
        await r("rpush", "mylist2", "a")
        expect(await err("lindex", "mylist2", "x")).toBe("ERR value is not an integer or out of range")
      })

      it("RPOPLPUSH / LMOVE", async () => {
        const { r, err } = t
        await create("mylist1", ["a", large, "c", "d"])
        await r("del", "mylist2")
        expect(await r("rpoplpush", "mylist1", "mylist2")).toBe("d")
        expect(await r("rpoplpush", "mylist1", "mylist2")).toBe("c")
        expect(await r("rpoplpush", "mylist1", "mylist2")).toBe(large)
        expect(await r("lrange", "mylist1", 0, -1)).toEqual(["a"])
        expect(await r("lrange", "mylist2", 0, -1)).toEqual([large, "c", "d"])
        for (const from of ["left", "right"]) {
          for (const to of ["left", "right"]) {
            await r("del", "mylist2")
            await create("mylist1", from === "right" ? ["c", "d", large, "a"] : ["a", large, "c", "d"])
            expect(await r("lmove", "mylist1", "mylist2", from, to)).toBe("a")
            expect(await r("lmove", "mylist1", "mylist2", from, to)).toBe(large)
            expect(await r("lrange", "mylist1", 0, -1)).toEqual(["c", "d"])
            expect(await r("lrange", "mylist2", 0, -1)).toEqual(to === "right" ? ["a", large] : [large, "a"])
            await create("mylist", from === "right" ? ["a", large, "c"] : ["c", "a", large])
            expect(await r("lmove", "mylist", "mylist", from, to)).toBe("c")
            expect(await r("lrange", "mylist", 0, -1)).toEqual(to === "right" ? ["a", large, "c"] : ["c", "a", large])
            await create("dstlist", ["other"])
            await create("srclist", from === "right" ? ["a", "b", "c", large] : [large, "c", "a", "b"])
            expect(await r("lmove", "srclist", "dstlist", from, to)).toBe(large)
            expect(await r("lmove", "srclist", "dstlist", from, to)).toBe("c")
            expect(await r("lrange", "srclist", 0, -1)).toEqual(["a", "b"])
            expect(await r("lrange", "dstlist", 0, -1)).toEqual(to === "right" ? ["other", large, "c"] : ["c", large, "other"])
          }
        }
        await create("mylist", ["a", large, "c"])
        expect(await r("rpoplpush", "mylist", "mylist")).toBe("c")
        expect(await r("lrange", "mylist", 0, -1)).toEqual(["c", "a", large])
        await r("del", "srclist", "dstlist")
        expect(await r("rpoplpush", "srclist", "dstlist")).toBe(null)
        expect(await r("exists", "srclist", "dstlist")).toBe(0)
        await r("set", "srclist", "x")
        expect(await err("rpoplpush", "srclist", "dstlist")).toMatch(/^WRONGTYPE/)
        expect(await r("type", "srclist")).toBe("string")
        await create("srclist", ["a", large, "c", "d"])
        await r("set", "dstlist", "x")
        expect(await err("rpoplpush", "srclist", "dstlist")).toMatch(/^WRONGTYPE/)
        expect(await r("type", "dstlist")).toBe("string")
        expect(await r("lrange", "srclist", 0, -1)).toEqual(["a", large, "c", "d"])
        expect(await err("lmove", "srclist", "dstlist", "up", "left")).toBe("ERR syntax error")
      })

      it("LPOP/RPOP/LMPOP basics and errors", async () => {
        const { r, err } = t
        await create("mylist", [large, "1", "2"])
        expect(await r("lpop", "mylist")).toBe(large)
        expect(await r("rpop", "mylist")).toBe("2")
        expect(await r("lpop", "mylist")).toBe("1")
        expect(await r("llen", "mylist")).toBe(0)
        await create("mylist", [large, "1", "2"])
        expect(await r("lmpop", 1, "mylist", "left", "count", 1)).toEqual(["mylist", [large]])
        expect(await r("lmpop", 2, "mylist", "mylist", "right", "count", 2)).toEqual(["mylist", ["2", "1"]])
        expect(await r("lpop", "non-existing-list")).toBe(null)
        expect(await r("rpop", "non-existing-list2")).toBe(null)
        expect(await r("lmpop", 1, "non-existing-list", "left", "count", 1)).toBe(null)
        expect(await r("lmpop", 2, "non-existing-list", "non-existing-list2", "right", "count", 10)).toBe(null)
        await r("set", "notalist", "foo")
        for (const cmd of [["lpop", "notalist"], ["blpop", "notalist", 0], ["rpop", "notalist"], ["brpop", "notalist", 0], ["lmpop", 2, "notalist", "notalist2", "left", "count", 1], ["blmpop", 0, 2, "notalist", "notalist2", "left", "count", 1]]) {
          expect(await err(...cmd)).toMatch(/^WRONGTYPE/)
        }
        await r("del", "notalist")
        await r("set", "notalist2", "nolist")
        expect(await err("lmpop", 2, "notalist", "notalist2", "right", "count", 10)).toMatch(/^WRONGTYPE/)
        expect(await err("blmpop", 0, 2, "notalist", "notalist2", "left", "count", 1)).toMatch(/^WRONGTYPE/)
        expect(await err("lmpop")).toBe("ERR wrong number of arguments for 'lmpop' command")
        expect(await err("lmpop", 1)).toBe("ERR wrong number of arguments for 'lmpop' command")
        expect(await err("lmpop", 1, "mylist")).toBe("ERR wrong number of arguments for 'lmpop' command")
        for (const n of [0, "a", -1]) expect(await err("lmpop", n, "mylist", "LEFT")).toBe("ERR numkeys should be greater than 0")
        for (const args of [[1, "mylist", "bad_where"], [1, "mylist", "LEFT", "bar_arg"], [1, "mylist", "RIGHT", "LEFT"], [1, "mylist", "COUNT"], [1, "mylist", "LEFT", "COUNT", 1, "COUNT", 2], [2, "mylist", "mylist2", "bad_arg"]]) {
          expect(await err("lmpop", ...args)).toBe("ERR syntax error")
        }
        for (const args of [[1, "mylist", "LEFT", "COUNT", 0], [1, "mylist", "RIGHT", "COUNT", "a"], [1, "mylist", "LEFT", "COUNT", -1], [2, "mylist", "mylist2", "RIGHT", "COUNT", -1]]) {
          expect(await err("lmpop", ...args)).toBe("ERR count should be greater than 0")
        }
        expect(await err("lmpop", 3, "a", "b", "LEFT")).toBe("ERR syntax error")
      })

      it("LMPOP single and multiple lists", async () => {
        const { r } = t
        await create("mylist", ["a", "b", large, "d", "e", "f"])
        expect(await r("lmpop", 2, "mylist", "mylist", "left", "count", 2)).toEqual(["mylist", ["a", "b"]])
        expect(await r("lmpop", 2, "mylist", "mylist", "right", "count", 2)).toEqual(["mylist", ["f", "e"]])
        expect(await r("llen", "mylist")).toBe(2)
        await create("mylist", ["a", "b", large, "d", "e"])
        await r("del", "mylist2")
        expect(await r("lmpop", 2, "mylist", "mylist2", "left", "count", 1)).toEqual(["mylist", ["a"]])
        expect(await r("lmpop", 2, "mylist", "mylist2", "right", "count", 10)).toEqual(["mylist", ["e", "d", large, "b"]])
        expect(await r("lmpop", 2, "mylist", "mylist2", "right", "count", 1)).toBe(null)
        await create("mylist2", ["1", "2", large, "4", "5"])
        expect(await r("lmpop", 2, "mylist", "mylist2", "right", "count", 1)).toEqual(["mylist2", ["5"]])
        expect(await r("lmpop", 2, "mylist", "mylist2", "left", "count", 10)).toEqual(["mylist2", ["1", "2", large, "4"]])
        expect(await r("exists", "mylist", "mylist2")).toBe(0)
      })

      it("LRANGE / LTRIM / LSET / LREM", async () => {
        const { r, err } = t
        await create("mylist", [large, "1", "2", "3", "4", "5", "6", "7", "8", "9"])
        expect(await r("lrange", "mylist", 1, -2)).toEqual(["1", "2", "3", "4", "5", "6", "7", "8"])
        expect(await r("lrange", "mylist", -3, -1)).toEqual(["7", "8", "9"])
        expect(await r("lrange", "mylist", 4, 4)).toEqual(["4"])
        expect(await r("lrange", "mylist", 6, 2)).toEqual([])
        await create("mylist", [large, "1", "2", "3"])
        expect(await r("lrange", "mylist", -1000, 1000)).toEqual([large, "1", "2", "3"])
        expect(await r("lrange", "mylist", 0, -4)).toEqual([large])
        expect(await r("lrange", "mylist", 0, -5)).toEqual([])
        expect(await r("lrange", "nosuchkey", 0, 1)).toEqual([])
        await create("mylist", ["1", large, "3"])
        expect(await r("lrange", "mylist", 1, 0)).toEqual([])
        expect(await r("lrange", "mylist", -1, -2)).toEqual([])
        const trim = async (min: number, max: number) => {
          await create("mylist", ["1", "2", "3", "4", large])
          expect(await r("ltrim", "mylist", min, max)).toBe("OK")
          return r("lrange", "mylist", 0, -1)
        }
        expect(await trim(0, 0)).toEqual(["1"])
        expect(await trim(0, 1)).toEqual(["1", "2"])
        expect(await trim(1, 2)).toEqual(["2", "3"])
        expect(await trim(1, -1)).toEqual(["2", "3", "4", large])
        expect(await trim(1, -2)).toEqual(["2", "3", "4"])
        expect(await trim(-2, -1)).toEqual(["4", large])
        expect(await trim(-1, -1)).toEqual([large])
        expect(await trim(-5, -1)).toEqual(["1", "2", "3", "4", large])
        expect(await trim(-10, 10)).toEqual(["1", "2", "3", "4", large])
        expect(await trim(0, 5)).toEqual(["1", "2", "3", "4", large])
        expect(await trim(0, -5)).toEqual(["1"])
        expect(await trim(0, -6)).toEqual([])
        expect(await r("exists", "mylist")).toBe(0)
        await create("mylist", ["99", "98", large, "96", "95"])
        await r("lset", "mylist", 1, "foo")
        await r("lset", "mylist", -1, "bar")
        expect(await r("lrange", "mylist", 0, -1)).toEqual(["99", "foo", large, "96", "bar"])
        expect(await err("lset", "mylist", 10, "foo")).toBe("ERR index out of range")
        expect(await err("lset", "nosuchkey", 10, "foo")).toBe("ERR no such key")
        await r("set", "nolist", "foobar")
        expect(await err("lset", "nolist", 0, "foo")).toMatch(/^WRONGTYPE/)
        await create("mylist", [large, "foo", "bar", "foobar", "foobared", "zap", "bar", "test", "foo"])
        expect(await r("lrem", "mylist", 0, "bar")).toBe(2)
        expect(await r("lrange", "mylist", 0, -1)).toEqual([large, "foo", "foobar", "foobared", "zap", "test", "foo"])
        expect(await r("lrem", "mylist", 1, "foo")).toBe(1)
        expect(await r("lrem", "mylist", 1, "nosuchelement")).toBe(0)
        expect(await r("lrange", "mylist", 0, -1)).toEqual([large, "foobar", "foobared", "zap", "test", "foo"])
        await create("mylist", [large, "foo", "bar", "foobar", "foobared", "zap", "bar", "test", "foo", "foo"])
        expect(await r("lrem", "mylist", -1, "bar")).toBe(1)
        expect(await r("lrange", "mylist", 0, -1)).toEqual([large, "foo", "bar", "foobar", "foobared", "zap", "test", "foo", "foo"])
        expect(await r("lrem", "mylist", -2, "foo")).toBe(2)
        expect(await r("lrange", "mylist", 0, -1)).toEqual([large, "foo", "bar", "foobar", "foobared", "zap", "test"])
        await create("myotherlist", [large, "1", "2", "3"])
        expect(await r("lrem", "myotherlist", 1, 2)).toBe(1)
        expect(await r("llen", "myotherlist")).toBe(3)
      })
    })
  }

  it("LPOP/RPOP with count 0 and against missing keys in RESP2 and RESP3", async () => {
    const c = await t.client()
    await c.call("lpush", "listcount", "zero")
    // RESP3 only where HELLO exists.
    const protos = (await c.raw.request("*1\r\n$5\r\nHELLO\r\n", "x")).startsWith("-ERR unknown command") ? [2] : [2, 3]
    await c.call("ping")
    for (const proto of protos) {
      if (protos.length > 1) await c.call("hello", proto)
      c.send("lpop", "listcount", 0)
      await c.read()
      c.raw.take()
      c.send("lpop", "listcount", 0)
      expect(await c.raw.until((s) => s.endsWith("\r\n"))).toBe("*0\r\n")
      c.raw.take()
      for (const cmd of [["lpop", "nokey"], ["rpop", "nokey"]]) {
        c.send(...cmd)
        expect(await c.raw.until((s) => s.endsWith("\r\n"))).toBe(proto === 2 ? "$-1\r\n" : "_\r\n")
        c.raw.take()
      }
      for (const cmd of [["lpop", "nokey", 0], ["lpop", "nokey", 1], ["rpop", "nokey", 0], ["rpop", "nokey", 1]]) {
        c.send(...cmd)
        expect(await c.raw.until((s) => s.endsWith("\r\n"))).toBe(proto === 2 ? "*-1\r\n" : "_\r\n")
        c.raw.take()
      }
    }
  })

  it("Regression for bug 593 - chaining BRPOPLPUSH with other blocking cmds", async () => {
    const rd1 = await t.client()
    const rd2 = await t.client()
    rd1.send("brpoplpush", "a", "b", 0)
    rd1.send("brpoplpush", "a", "b", 0)
    await blocked(1)
    rd2.send("brpoplpush", "b", "c", 0)
    await blocked(2)
    await t.r("lpush", "a", "data")
    rd1.close()
    rd2.close()
    expect(await t.r("ping")).toBe("PONG")
  })

  // Needs the dirty counter (rdb_changes_since_last_save), which keyfiber does not keep: no persistence.
  it.skip("BLPOP/BLMOVE should increase dirty", async () => {
    const { r } = t
    const rd = await t.client()
    const dirty = async () => Number(/rdb_changes_since_last_save:(\d+)/.exec(await r("info", "persistence"))![1])
    let before = await dirty()
    rd.send("blpop", "lst", 0)
    await blocked(1)
    await r("lpush", "lst", "a")
    expect(await rd.read()).toEqual(["lst", "a"])
    expect(await dirty()).toBe(before + 2)
    before = await dirty()
    rd.send("blmove", "lst", "lst1", "left", "left", 0)
    await blocked(1)
    await r("lpush", "lst", "a")
    expect(await rd.read()).toBe("a")
    expect(await dirty()).toBe(before + 2)
  })

  it("CLIENT UNBLOCK on BLPOP and BLMPOP", async () => {
    const { r, err } = t
    const rd = await t.client()
    const id = await clientId(rd)
    for (const cmd of [["blpop", "l", 0], ["blmpop", 0, 1, "l", "right", "count", 1]]) {
      rd.send(...cmd)
      await blocked(1)
      expect(await r("client", "unblock", id)).toBe(1)
      expect(await rd.read()).toBe(null)
      rd.send(...cmd)
      await blocked(1)
      expect(await r("client", "unblock", id, "TIMEOUT")).toBe(1)
      expect(await rd.read()).toBe(null)
      rd.send(...cmd)
      await blocked(1)
      expect(await r("client", "unblock", id, "ERROR")).toBe(1)
      expect(((await rd.read()) as ServerError).message).toBe("UNBLOCKED client unblocked via CLIENT UNBLOCK")
      expect(await err("client", "unblock", "asd")).toBe("ERR value is not an integer or out of range")
      expect(await r("client", "unblock", await clientId(t.c))).toBe(0)
      rd.send(...cmd)
      await blocked(1)
      await r("lpush", "l", "foo")
      const v = await rd.read()
      expect(Array.isArray(v) && v[0]).toBe("l")
    }
  })

  it("Unblock fairness is kept while pipelining", async () => {
    const { r } = t
    const rd1 = await t.client()
    const rd2 = await t.client()
    rd1.send("BLPOP", "mylist", 0)
    await blocked(1)
    rd2.raw.write("LPUSH mylist 1\r\nBLPOP mylist 0\r\n")
    expect(await rd1.read()).toEqual(["mylist", "1"])
    expect(await rd2.read()).toBe(1)
    await blocked(1)
    await r("LPUSH", "mylist", 2)
    await blocked(0)
    expect(await rd2.read()).toEqual(["mylist", "2"])
  })

  it("Unblock fairness is kept during nested unblock", async () => {
    const { r } = t
    const rd1 = await t.client()
    const rd2 = await t.client()
    const rd3 = await t.client()
    rd1.send("BRPOPLPUSH", "l1", "l3", 0)
    await blocked(1)
    rd2.send("BLPOP", "l2", 0)
    await blocked(2)
    rd3.send("BLMPOP", 0, 2, "l2", "l3", "LEFT", "COUNT", 1)
    await blocked(3)
    await r("multi")
    await r("lpush", "l1", 1)
    await r("lpush", "l2", 2)
    await r("exec")
    await blocked(0)
    expect(await rd1.read()).toBe("1")
    expect(await rd2.read()).toEqual(["l2", "2"])
    expect(await rd3.read()).toEqual(["l3", ["1"]])
  })

  it("Blocking command accounted only once in commandstats", async () => {
    const { r } = t
    const rd = await t.client()
    const id = await clientId(rd)
    for (const how of ["push", "timeout"]) {
      await r("config", "resetstat")
      rd.send("BLPOP", "mylist", 0)
      await blocked(1)
      if (how === "push") await r("LPUSH", "mylist", 1)
      else await r("client", "unblock", id, "timeout")
      await blocked(0)
      await rd.read()
      const stats: string = await r("info", "commandstats")
      expect(stats).toMatch(/cmdstat_blpop:calls=1,.*,rejected_calls=0,failed_calls=0/)
    }
  })

  it("Command being unblocked causes another to get unblocked: execution order", async () => {
    const { r } = t
    const rd1 = await t.client()
    const rd2 = await t.client()
    const rd3 = await t.client()
    rd1.send("blmove", "src", "dst", "left", "right", 0)
    await blocked(1)
    rd2.send("blmove", "dst", "src", "right", "left", 0)
    await blocked(2)
    rd3.raw.write("set key1 value1\r\nlpush src dummy\r\nset key2 value2\r\n")
    expect(await rd3.read()).toBe("OK")
    expect(await rd3.read()).toBe(1)
    expect(await rd3.read()).toBe("OK")
    expect(await rd1.read()).toBe("dummy")
    expect(await rd2.read()).toBe("dummy")
    expect(await r("lrange", "src", 0, -1)).toEqual(["dummy"])
    expect(await r("exists", "dst")).toBe(0)
  })

  it("Variadic RPUSH/LPUSH, DEL a list", async () => {
    const { r } = t
    expect(await r("lpush", "mylist", "a", "b", "c", "d")).toBe(4)
    expect(await r("rpush", "mylist", 0, 1, 2, 3)).toBe(8)
    expect(await r("lrange", "mylist", 0, -1)).toEqual(["d", "c", "b", "a", "0", "1", "2", "3"])
    expect(await r("del", "mylist")).toBe(1)
    expect(await r("exists", "mylist")).toBe(0)
    expect(await r("llen", "mylist")).toBe(0)
  })
})

/** list.tcl "List listpack -> quicklist encoding conversion" and back. */
describe("conformance: list encodings", () => {
  const t = useServer()
  const enc = (key: string) => t.r("object", "encoding", key)
  const create = async (key: string, items: Array<string>) => {
    await t.r("del", key)
    await t.r("rpush", key, ...items)
  }

  it("listpack -> quicklist conversion", async () => {
    const { r } = t
    for (const [max, large] of [["3", "x".repeat(10)], ["-1", "x".repeat(4096)]] as const) {
      await r("config", "set", "list-max-listpack-size", max)
      await create("lst", ["a", "b", "c"])
      expect(await enc("lst")).toBe("listpack")
      await r("rpush", "lst", large)
      expect(await enc("lst")).toBe("quicklist")
      await create("lst", ["a", "b", "c"])
      await r("linsert", "lst", "after", "b", large)
      expect(await enc("lst")).toBe("quicklist")
      if (max === "-1") {
        await create("lst", ["a", "b", "c"])
        await r("lset", "lst", 0, large)
        expect(await enc("lst")).toBe("quicklist")
      }
      await create("lsrc", ["a", "b", "c", large])
      await create("ldes", ["d", "e", "f"])
      await r("lmove", "lsrc", "ldes", "right", "right")
      expect(await enc("ldes")).toBe("quicklist")
    }
    await r("config", "set", "list-max-listpack-size", -2)
  })

  it("quicklist -> listpack conversion", async () => {
    const { r } = t
    await r("config", "set", "list-max-listpack-size", 3)
    await create("lst", ["a", "b", "c", "d"])
    expect(await enc("lst")).toBe("quicklist")
    await r("rpop", "lst", 3)
    expect(await enc("lst")).toBe("listpack")
    await create("lst", ["a", "a", "a", "d"])
    await r("lrem", "lst", 3, "a")
    expect(await enc("lst")).toBe("listpack")
    await create("lst", ["a", "b", "c", "d"])
    await r("ltrim", "lst", 1, 1)
    expect(await enc("lst")).toBe("listpack")
    await r("config", "set", "list-max-listpack-size", -1)
    const big = "x".repeat(8192)
    await create("lst", ["a", "b", "c", big])
    await r("rpop", "lst", 1)
    expect(await enc("lst")).toBe("listpack")
    await create("lst", ["a", big])
    await r("lrem", "lst", 1, big)
    expect(await enc("lst")).toBe("listpack")
    await create("lst", ["a", "b", big])
    await r("ltrim", "lst", 0, 1)
    expect(await enc("lst")).toBe("listpack")
    await create("lst", [big, "a", "b"])
    await r("rpop", "lst", 2)
    expect(await enc("lst")).toBe("quicklist")
    await r("lset", "lst", -1, "c")
    expect(await enc("lst")).toBe("listpack")
    await r("config", "set", "list-max-listpack-size", 0)
    await create("lst", ["a"])
    expect(await enc("lst")).toBe("listpack")
    await r("rpush", "lst", "b")
    expect(await enc("lst")).toBe("quicklist")
    await r("config", "set", "list-max-listpack-size", -6)
    await create("lst", ["x".repeat(60000)])
    expect(await enc("lst")).toBe("listpack")
    await r("rpush", "lst", "x".repeat(5536))
    expect(await enc("lst")).toBe("quicklist")
    await r("config", "set", "list-max-listpack-size", -2)
  })
})
