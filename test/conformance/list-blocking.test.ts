import { beforeEach, describe, expect, it } from "vitest"
import { waitFor } from "../support/waitFor.js"
import { useServer } from "./setup.js"
import { ServerError, type TclClient } from "./tcl.js"

/** Ported from valkey tests/unit/type/list.tcl (blocking parts). */
describe("conformance: blocking lists", () => {
  const t = useServer()
  beforeEach(() => t.r("flushall"))

  const blocked = async (n: number) => {
    await waitFor(`${n} blocked clients`, async () => /blocked_clients:(\d+)/.exec(await t.r("info", "clients"))?.[1] === String(n))
  }
  const large = "x".repeat(600)
  type Pop = "BLPOP" | "BRPOP" | "BLMPOP_LEFT" | "BLMPOP_RIGHT"
  /** Valkey's bpop_command(_two_key) helper. */
  const bpop = (rd: TclClient, pop: Pop, keys: Array<string>, timeout: number | string) => {
    if (pop === "BLPOP" || pop === "BRPOP") rd.send(pop, ...keys, timeout)
    else rd.send("BLMPOP", timeout, keys.length, ...keys, pop === "BLMPOP_LEFT" ? "LEFT" : "RIGHT", "COUNT", 1)
  }
  /** Normalizes a BLMPOP reply ({key {el}}) to BLPOP's ({key el}). */
  const norm = (v: any) => (Array.isArray(v) && Array.isArray(v[1]) && v[1].length === 1 ? [v[0], v[1][0]] : v)

  for (const pop of ["BLPOP", "BLMPOP_LEFT"] as const) {
    const other = pop === "BLPOP" ? "BRPOP" : "BLMPOP_RIGHT"
    it(`${pop}: single existing list, multiple lists, second list has an entry`, async () => {
      const { r } = t
      const rd = await t.client()
      await r("rpush", "blist", "a", "b", large, "c", "d")
      bpop(rd, pop, ["blist"], 1)
      expect(norm(await rd.read())).toEqual(["blist", "a"])
      bpop(rd, other, ["blist"], 1)
      expect(norm(await rd.read())).toEqual(["blist", "d"])
      bpop(rd, pop, ["blist"], 1)
      expect(norm(await rd.read())).toEqual(["blist", "b"])
      bpop(rd, other, ["blist"], 1)
      expect(norm(await rd.read())).toEqual(["blist", "c"])
      expect(await r("llen", "blist")).toBe(1)
      await r("rpush", "blist1", "a", large, "c")
      await r("rpush", "blist2", "d", large, "f")
      bpop(rd, pop, ["blist1", "blist2"], 1)
      expect(norm(await rd.read())).toEqual(["blist1", "a"])
      bpop(rd, other, ["blist1", "blist2"], 1)
      expect(norm(await rd.read())).toEqual(["blist1", "c"])
      expect([await r("llen", "blist1"), await r("llen", "blist2")]).toEqual([1, 3])
      bpop(rd, pop, ["blist2", "blist1"], 1)
      expect(norm(await rd.read())).toEqual(["blist2", "d"])
      bpop(rd, other, ["blist2", "blist1"], 1)
      expect(norm(await rd.read())).toEqual(["blist2", "f"])
      await r("del", "blist1")
      bpop(rd, pop, ["blist1", "blist2"], 1)
      expect(norm(await rd.read())).toEqual(["blist2", large])
    })

    it(`${pop}, LPUSH + DEL (+ SET) should not awake blocked client`, async () => {
      const { r } = t
      const rd = await t.client()
      for (const extra of [false, true]) {
        bpop(rd, pop, ["list"], 0)
        await blocked(1)
        await r("multi")
        await r("lpush", "list", "a")
        await r("del", "list")
        if (extra) await r("set", "list", "foo")
        await r("exec")
        await r("del", "list")
        await r("lpush", "list", "b")
        expect(norm(await rd.read())).toEqual(["list", "b"])
      }
    })

    it(`MULTI/EXEC is isolated from the point of view of ${pop}; variadic LPUSH`, async () => {
      const { r } = t
      const rd = await t.client()
      bpop(rd, pop, ["list"], 0)
      await blocked(1)
      await r("multi")
      await r("lpush", "list", "a")
      await r("lpush", "list", "b")
      await r("lpush", "list", "c")
      await r("exec")
      expect(norm(await rd.read())).toEqual(["list", "c"])
      bpop(rd, pop, ["blist"], 0)
      await blocked(1)
      expect(await r("lpush", "blist", "foo", "bar")).toBe(2)
      expect(norm(await rd.read())).toEqual(["blist", "bar"])
      expect(await r("lrange", "blist", 0, -1)).toEqual(["foo"])
    })

    it(`${pop} when new key is moved into place`, async () => {
      const { r } = t
      const rd = await t.client()
      bpop(rd, pop, ["foo"], 0)
      await blocked(1)
      await r("lpush", "bob", "abc", "def", "hij")
      await r("rename", "bob", "foo")
      expect(norm(await rd.read())).toEqual(["foo", "hij"])
    })

    it(`${pop} inside a transaction`, async () => {
      const { r } = t
      await r("lpush", "xlist", "foo")
      await r("lpush", "xlist", "bar")
      await r("multi")
      for (let i = 0; i < 3; i++) {
        bpop(t.c, pop, ["xlist"], 0)
        expect(await t.c.read()).toBe("QUEUED")
      }
      expect((await r("exec")).map(norm)).toEqual([["xlist", "bar"], ["xlist", "foo"], null])
    })
  }

  it("BLPOP with same key multiple times should work (issue #801)", async () => {
    const { r } = t
    const rd = await t.client()
    rd.send("blpop", "list1", "list2", "list2", "list1", 0)
    await blocked(1)
    await r("lpush", "list1", "a")
    expect(await rd.read()).toEqual(["list1", "a"])
    rd.send("blpop", "list1", "list2", "list2", "list1", 0)
    await blocked(1)
    await r("lpush", "list2", "b")
    expect(await rd.read()).toEqual(["list2", "b"])
    await r("lpush", "list1", "a")
    await r("lpush", "list2", "b")
    rd.send("blpop", "list1", "list2", "list2", "list1", 0)
    expect(await rd.read()).toEqual(["list1", "a"])
    rd.send("blpop", "list1", "list2", "list2", "list1", 0)
    expect(await rd.read()).toEqual(["list2", "b"])
  })

  it("BRPOPLPUSH and BLMOVE (existing data and zero timeout)", async () => {
    const { r } = t
    const rd = await t.client()
    await r("rpush", "target", "bar")
    await r("rpush", "blist", "a", "b", large, "c", "d")
    rd.send("brpoplpush", "blist", "target", 1)
    expect(await rd.read()).toBe("d")
    expect(await r("lpop", "target")).toBe("d")
    expect(await r("lrange", "blist", 0, -1)).toEqual(["a", "b", large, "c"])
    for (const from of ["left", "right"]) {
      for (const to of ["left", "right"]) {
        await r("del", "target", "blist")
        await r("rpush", "target", "bar")
        await r("rpush", "blist", "a", "b", large, "c", "d")
        rd.send("blmove", "blist", "target", from, to, 1)
        const popped = await rd.read()
        if (from === "right") {
          expect(popped).toBe("d")
          expect(await r("lrange", "blist", 0, -1)).toEqual(["a", "b", large, "c"])
        } else {
          expect(popped).toBe("a")
          expect(await r("lrange", "blist", 0, -1)).toEqual(["b", large, "c", "d"])
        }
        expect(await r(to === "right" ? "rpop" : "lpop", "target")).toBe(popped)
        await r("del", "blist", "target")
        await r("rpush", "target", "bar")
        rd.send("blmove", "blist", "target", from, to, 0)
        await blocked(1)
        await r("rpush", "blist", "foo")
        expect(await rd.read()).toBe("foo")
        expect(await r("lrange", "target", 0, -1)).toEqual(to === "right" ? ["bar", "foo"] : ["foo", "bar"])
        // with a client BLPOPing the target list
        await r("del", "blist", "target")
        const rd2 = await t.client()
        rd2.send("blpop", "target", 0)
        await blocked(1)
        rd.send("blmove", "blist", "target", from, to, 0)
        await blocked(2)
        await r("rpush", "blist", "foo")
        expect(await rd.read()).toBe("foo")
        expect(await rd2.read()).toEqual(["target", "foo"])
        expect(await r("exists", "target")).toBe(0)
        rd2.close()
      }
    }
  })

  it("BRPOPLPUSH wrong types, order after failure, multiple blocked clients", async () => {
    const { r } = t
    const rd = await t.client()
    await r("set", "blist", "nolist")
    rd.send("brpoplpush", "blist", "target", 1)
    expect(((await rd.read()) as ServerError).message).toMatch(/^WRONGTYPE/)
    await r("del", "blist")
    await r("set", "target", "nolist")
    await r("lpush", "blist", "foo")
    rd.send("brpoplpush", "blist", "target", 1)
    expect(((await rd.read()) as ServerError).message).toMatch(/^WRONGTYPE/)
    await r("del", "blist")
    rd.send("brpoplpush", "blist", "target", 0)
    await blocked(1)
    await r("rpush", "blist", "foo")
    expect(((await rd.read()) as ServerError).message).toMatch(/^WRONGTYPE/)
    expect(await r("lrange", "blist", 0, -1)).toEqual(["foo"])
    await r("del", "blist")
    rd.send("brpoplpush", "blist", "target", 0)
    await blocked(1)
    await r("rpush", "blist", "a", "b", "c")
    expect(((await rd.read()) as ServerError).message).toMatch(/^WRONGTYPE/)
    expect(await r("lrange", "blist", 0, -1)).toEqual(["a", "b", "c"])
    await r("del", "blist", "target")
    await r("set", "target1", "nolist")
    const rd2 = await t.client()
    rd.send("brpoplpush", "blist", "target1", 0)
    await blocked(1)
    rd2.send("brpoplpush", "blist", "target2", 0)
    await blocked(2)
    await r("lpush", "blist", "foo")
    expect(((await rd.read()) as ServerError).message).toMatch(/^WRONGTYPE/)
    expect(await rd2.read()).toBe("foo")
    expect(await r("lrange", "target2", 0, -1)).toEqual(["foo"])
  })

  it("BLMPOP with multiple blocked clients", async () => {
    const { r } = t
    const rds = [await t.client(), await t.client(), await t.client(), await t.client()]
    const specs = [["left", 1], ["right", 10], ["left", 10], ["right", 1]] as const
    for (let i = 0; i < 4; i++) {
      rds[i]!.send("blmpop", 0, 2, "blist", "blist2", specs[i]![0], "count", specs[i]![1])
      await blocked(i + 1)
    }
    await r("multi")
    await r("lpush", "blist", "a", "b", "c", "d", "e")
    await r("lpush", "blist2", 1, 2, 3, 4, 5)
    await r("exec")
    expect(await rds[0]!.read()).toEqual(["blist", ["e"]])
    expect(await rds[1]!.read()).toEqual(["blist", ["a", "b", "c", "d"]])
    expect(await rds[2]!.read()).toEqual(["blist2", ["5", "4", "3", "2", "1"]])
    await r("lpush", "blist2", 1, 2, 3)
    expect(await rds[3]!.read()).toEqual(["blist2", ["1"]])
  })

  it("Linked LMOVEs, circular and self-referential BRPOPLPUSH", async () => {
    const { r } = t
    const rd1 = await t.client()
    const rd2 = await t.client()
    rd1.send("blmove", "list1", "list2", "right", "left", 0)
    await blocked(1)
    rd2.send("blmove", "list2", "list3", "left", "right", 0)
    await blocked(2)
    await r("rpush", "list1", "foo")
    expect(await rd1.read()).toBe("foo")
    expect(await rd2.read()).toBe("foo")
    expect(await r("lrange", "list1", 0, -1)).toEqual([])
    expect(await r("lrange", "list2", 0, -1)).toEqual([])
    expect(await r("lrange", "list3", 0, -1)).toEqual(["foo"])
    await r("del", "list1", "list2", "list3")
    rd1.send("brpoplpush", "list1", "list2", 0)
    await blocked(1)
    rd2.send("brpoplpush", "list2", "list1", 0)
    await blocked(2)
    await r("rpush", "list1", "foo")
    expect(await rd1.read()).toBe("foo")
    expect(await rd2.read()).toBe("foo")
    expect(await r("lrange", "list1", 0, -1)).toEqual(["foo"])
    expect(await r("lrange", "list2", 0, -1)).toEqual([])
    await r("del", "blist")
    rd1.send("brpoplpush", "blist", "blist", 0)
    await blocked(1)
    await r("rpush", "blist", "foo")
    expect(await rd1.read()).toBe("foo")
    expect(await r("lrange", "blist", 0, -1)).toEqual(["foo"])
  })

  it("BRPOPLPUSH inside a transaction; pushes from it affect WATCH", async () => {
    const { r } = t
    await r("lpush", "xlist", "foo")
    await r("lpush", "xlist", "bar")
    await r("multi")
    for (const cmd of [["brpoplpush", "xlist", "target", 0], ["brpoplpush", "xlist", "target", 0], ["brpoplpush", "xlist", "target", 0], ["lrange", "xlist", 0, -1], ["lrange", "target", 0, -1]]) {
      expect(await r(...cmd)).toBe("QUEUED")
    }
    expect(await r("exec")).toEqual(["foo", "bar", null, [], ["bar", "foo"]])

    const blockedClient = await t.client()
    const watching = await t.client()
    await r("set", "somekey", "somevalue")
    blockedClient.send("brpoplpush", "srclist", "dstlist", 0)
    await blocked(1)
    expect(await watching.call("watch", "dstlist")).toBe("OK")
    expect(await watching.call("multi")).toBe("OK")
    expect(await watching.call("get", "somekey")).toBe("QUEUED")
    await r("lpush", "srclist", "element")
    expect(await watching.call("exec")).toBe(null)
    expect(await blockedClient.read()).toBe("element")

    await r("del", "srclist", "dstlist")
    blockedClient.send("brpoplpush", "srclist", "dstlist", 0)
    await blocked(1)
    expect(await watching.call("watch", "dstlist")).toBe("OK")
    expect(await watching.call("multi")).toBe("OK")
    expect(await watching.call("get", "somekey")).toBe("QUEUED")
    expect(await watching.call("exec")).toEqual(["somevalue"])
    await r("lpush", "srclist", "element")
    expect(await blockedClient.read()).toBe("element")
  })

  it("timeouts: BRPOPLPUSH, 0.001, two-key timeout; SWAPDB awakes blocked client", async () => {
    const { r } = t
    const rd = await t.client()
    rd.send("brpoplpush", "foo_list", "bar_list", 0.05)
    expect(await rd.read()).toBe(null)
    for (const pop of ["BLPOP", "BRPOP", "BLMPOP_LEFT", "BLMPOP_RIGHT"] as const) {
      bpop(rd, pop, ["blist1"], 0.001)
      expect(await rd.read()).toBe(null)
      bpop(rd, pop, ["blist1", "blist2"], 0.05)
      expect(await rd.read()).toBe(null)
    }
    await r("select", 1)
    await r("rpush", "k", "hello")
    await r("select", 9)
    rd.send("select", 9)
    expect(await rd.read()).toBe("OK")
    rd.send("brpop", "k", 5)
    await blocked(1)
    await r("swapdb", 1, 9)
    expect(await rd.read()).toEqual(["k", "hello"])
    await r("select", 0)
  })

  it("timeout argument errors", async () => {
    const { err } = t
    expect(await err("BLPOP", "blist1", "0x7FFFFFFFFFFFFF")).toBe("ERR timeout is out of range")
    for (const pop of ["BLPOP", "BRPOP", "BLMPOP_LEFT", "BLMPOP_RIGHT"] as const) {
      bpop(t.c, pop, ["blist1"], -1)
      expect(((await t.c.read()) as ServerError).message).toBe("ERR timeout is negative")
      bpop(t.c, pop, ["blist1"], "abc")
      expect(((await t.c.read()) as ServerError).message).toBe("ERR timeout is not a float or out of range")
    }
    expect(await err("brpoplpush", "a", "b", "-1")).toBe("ERR timeout is negative")
  })

  for (const pop of ["BLPOP", "BRPOP", "BLMPOP_LEFT", "BLMPOP_RIGHT"] as const) {
    it(`${pop}: empty list argument, non-integer timeout, zero timeout, second argument not a list, arguments are empty`, async () => {
      const { r } = t
      const rd = await t.client()
      bpop(rd, pop, ["blist1"], 1)
      await blocked(1)
      await r("rpush", "blist1", "foo")
      expect(norm(await rd.read())).toEqual(["blist1", "foo"])
      expect(await r("exists", "blist1")).toBe(0)
      bpop(rd, pop, ["blist1"], 0.1)
      await r("rpush", "blist1", "foo")
      expect(norm(await rd.read())).toEqual(["blist1", "foo"])
      bpop(rd, pop, ["blist1"], 0)
      await blocked(1)
      await r("rpush", "blist1", "foo")
      expect(norm(await rd.read())).toEqual(["blist1", "foo"])
      await r("set", "blist2", "nolist")
      bpop(rd, pop, ["blist1", "blist2"], 1)
      expect(((await rd.read()) as ServerError).message).toMatch(/^WRONGTYPE/)
      await r("del", "blist1", "blist2")
      bpop(rd, pop, ["blist1", "blist2"], 1)
      await blocked(1)
      await r("rpush", "blist1", "foo")
      expect(norm(await rd.read())).toEqual(["blist1", "foo"])
      expect(await r("exists", "blist1", "blist2")).toBe(0)
      bpop(rd, pop, ["blist1", "blist2"], 1)
      await blocked(1)
      await r("rpush", "blist2", "foo")
      expect(norm(await rd.read())).toEqual(["blist2", "foo"])
      expect(await r("exists", "blist1", "blist2")).toBe(0)
    })
  }
})
