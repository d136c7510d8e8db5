import { beforeEach, describe, expect, it } from "vitest"
import { useServer } from "./setup.js"

/** Ported from valkey tests/unit/type/string.tcl and incr.tcl. */
describe("conformance: strings", () => {
  const t = useServer()
  beforeEach(() => t.r("flushall"))

  it("SET/GET basics, empty and big payloads", async () => {
    const { r } = t
    await r("set", "x", "foobar")
    expect(await r("get", "x")).toBe("foobar")
    await r("set", "x", "")
    expect(await r("get", "x")).toBe("")
    const buf = "abcd".repeat(1000000)
    await r("set", "foo", buf)
    expect(await r("get", "foo")).toBe(buf)
  })

  it("SET 10000 numeric keys and read back in reverse; DBSIZE", async () => {
    const { r } = t
    for (let x = 0; x < 10000; x++) t.c.send("set", x, x)
    for (let x = 0; x < 10000; x++) expect(await t.c.read()).toBe("OK")
    for (let x = 9999; x >= 0; x--) t.c.send("get", x)
    for (let x = 9999; x >= 0; x--) expect(await t.c.read()).toBe(String(x))
    expect(await r("dbsize")).toBe(10000)
  })

  it("SETNX", async () => {
    const { r } = t
    expect(await r("setnx", "novar", "foobared")).toBe(1)
    expect(await r("get", "novar")).toBe("foobared")
    expect(await r("setnx", "novar", "blabla")).toBe(0)
    expect(await r("get", "novar")).toBe("foobared")
    await r("set", "x", 10)
    await r("expire", "x", 10000)
    expect(await r("setnx", "x", 20)).toBe(0)
    expect(await r("get", "x")).toBe("10")
  })

  it("SETNX against expired volatile key", async () => {
    const { r } = t
    await r("set", "x", 10)
    await r("pexpire", "x", 1)
    await new Promise((res) => setTimeout(res, 5))
    expect(await r("setnx", "x", 20)).toBe(1)
    expect(await r("get", "x")).toBe("20")
  })

  it("GETEX options", async () => {
    const { r, err } = t
    await r("set", "foo", "bar")
    await r("getex", "foo", "ex", 10)
    expect(await r("ttl", "foo")).toBeGreaterThanOrEqual(5)
    await r("getex", "foo", "px", 10000)
    expect(await r("pttl", "foo")).toBeGreaterThan(5000)
    await r("getex", "foo", "exat", Math.floor(Date.now() / 1000) + 10)
    expect(await r("ttl", "foo")).toBeGreaterThanOrEqual(5)
    await r("getex", "foo", "pxat", Date.now() + 10000)
    expect(await r("pttl", "foo")).toBeGreaterThan(5000)
    await r("getex", "foo", "persist")
    expect(await r("ttl", "foo")).toBe(-1)
    expect(await r("getex", "foo")).toBe("bar")
    expect(await err("getex", "foo", "nonexistent-option")).toBe("ERR syntax error")
    expect(await err("getex")).toBe("ERR wrong number of arguments for 'getex' command")
    await r("set", "foo", "bar", "px", 1)
    await new Promise((res) => setTimeout(res, 3))
    expect(await r("getex", "foo")).toBe(null)
    expect(await r("get", "foo")).toBe(null)
    await r("set", "foo", "bar")
    expect(await err("getex", "foo", "ex", 0)).toBe("ERR invalid expire time in 'getex' command")
    expect(await err("getex", "foo", "ex", -1)).toBe("ERR invalid expire time in 'getex' command")
    expect(await err("getex", "foo", "ex", "x")).toBe("ERR value is not an integer or out of range")
    expect(await err("getex", "foo", "ex", 10, "px", 10)).toBe("ERR syntax error")
    expect(await err("getex", "foo", "persist", "ex", 10)).toBe("ERR syntax error")
    expect(await err("getex", "foo", "ex")).toBe("ERR syntax error")
    // expired via EXAT in the past deletes the key
    expect(await r("getex", "foo", "exat", 1)).toBe("bar")
    expect(await r("exists", "foo")).toBe(0)
  })

  it("GETDEL", async () => {
    const { r } = t
    await r("set", "foo", "bar")
    expect(await r("getdel", "foo")).toBe("bar")
    expect(await r("getdel", "foo")).toBe(null)
  })

  it("MGET/GETSET/MSET/MSETNX", async () => {
    const { r, err } = t
    await r("set", "foo", "BAR")
    await r("set", "bar", "FOO")
    expect(await r("mget", "foo", "bar")).toEqual(["BAR", "FOO"])
    expect(await r("mget", "foo", "baazz", "bar")).toEqual(["BAR", null, "FOO"])
    await r("rpush", "mylist", "a")
    expect(await r("mget", "foo", "baazz", "bar", "mylist")).toEqual(["BAR", null, "FOO", null])
    await r("del", "foo")
    expect([await r("getset", "foo", "xyz"), await r("get", "foo")]).toEqual([null, "xyz"])
    await r("set", "foo", "bar")
    expect([await r("getset", "foo", "xyz"), await r("get", "foo")]).toEqual(["bar", "xyz"])
    await r("mset", "x", 10, "y", "foo bar", "z", "x x x x x x x\n\n\r\n")
    expect(await r("mget", "x", "y", "z")).toEqual(["10", "foo bar", "x x x x x x x\n\n\r\n"])
    expect(await err("mset", "x", 10, "y", "foo bar", "z")).toBe("ERR wrong number of arguments for 'mset' command")
    expect(await err("msetnx", "x", 20, "y", "foo bar", "z")).toBe("ERR wrong number of arguments for 'msetnx' command")
    await r("set", "x", "x")
    expect([await r("mset", "x", "xxx", "x", "yyy"), await r("get", "x")]).toEqual(["OK", "yyy"])
    expect([await r("msetnx", "x1", "xxx", "y2", "yyy", "x", 20), await r("exists", "x1"), await r("exists", "y2")]).toEqual([0, 0, 0])
    expect([await r("msetnx", "x1", "xxx", "y2", "yyy"), await r("get", "x1"), await r("get", "y2")]).toEqual([1, "xxx", "yyy"])
    await r("del", "x1")
    expect([await r("msetnx", "x1", "xxx", "x1", "yyy"), await r("get", "x1")]).toEqual([1, "yyy"])
    expect([await r("msetnx", "x1", "xxx", "x1", "zzz"), await r("get", "x1")]).toEqual([0, "yyy"])
  })

  it("STRLEN", async () => {
    const { r } = t
    expect(await r("strlen", "notakey")).toBe(0)
    await r("set", "myinteger", -555)
    expect(await r("strlen", "myinteger")).toBe(4)
    await r("set", "mystring", "foozzz0123456789 baz")
    expect(await r("strlen", "mystring")).toBe(20)
    await r("rpush", "l", "a")
    expect(await t.err("strlen", "l")).toMatch(/^WRONGTYPE/)
  })

  it("SETRANGE", async () => {
    const { r, err } = t
    expect(await r("setrange", "mykey", 0, "foo")).toBe(3)
    expect(await r("get", "mykey")).toBe("foo")
    await r("del", "mykey")
    expect(await r("setrange", "mykey", 0, "")).toBe(0)
    expect(await r("exists", "mykey")).toBe(0)
    expect(await r("setrange", "mykey", 1, "foo")).toBe(4)
    expect(await r("get", "mykey")).toBe("\0foo")
    for (const [off, v, len, res] of [[0, "b", 3, "boo"], [0, "", 3, "foo"], [1, "b", 3, "fbo"], [4, "bar", 7, "foo\0bar"]] as const) {
      await r("set", "mykey", "foo")
      expect(await r("setrange", "mykey", off, v)).toBe(len)
      expect(await r("get", "mykey")).toBe(res)
    }
    for (const [off, v, len, res] of [[0, "2", 4, "2234"], [0, "", 4, "1234"], [1, "3", 4, "1334"], [5, "2", 6, "1234\0" + "2"]] as const) {
      await r("set", "mykey", 1234)
      expect(await r("setrange", "mykey", off, v)).toBe(len)
      expect(await r("get", "mykey")).toBe(res)
    }
    await r("del", "mykey")
    await r("lpush", "mykey", "foo")
    expect(await err("setrange", "mykey", 0, "bar")).toMatch(/^WRONGTYPE/)
    await r("del", "mykey")
    expect(await err("setrange", "mykey", 512 * 1024 * 1024 - 4, "world")).toBe("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
    await r("set", "mykey", "hello")
    expect(await err("setrange", "mykey", -1, "world")).toBe("ERR offset is out of range")
    expect(await err("setrange", "mykey", 512 * 1024 * 1024 - 4, "world")).toBe("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
    for (const value of ["9223372036854775807", "2147483647"]) {
      expect(await err("setrange", "K", value, "A")).toMatch(/string exceeds maximum allowed size|out of range/)
    }
    // an empty value on a missing key with a huge offset is fine
    expect(await r("setrange", "nokey", 100, "")).toBe(0)
  })

  it("GETRANGE and SUBSTR", async () => {
    const { r, err } = t
    expect(await r("getrange", "mykey", 0, -1)).toBe("")
    await r("lpush", "lkey1", "list")
    expect(await err("getrange", "lkey1", 0, -1)).toBe("WRONGTYPE Operation against a key holding the wrong kind of value")
    await r("set", "mykey", "Hello World")
    expect(await r("getrange", "mykey", 0, 3)).toBe("Hell")
    expect(await r("getrange", "mykey", 0, -1)).toBe("Hello World")
    expect(await r("getrange", "mykey", -4, -1)).toBe("orld")
    expect(await r("getrange", "mykey", 5, 3)).toBe("")
    expect(await r("getrange", "mykey", 5, 5000)).toBe(" World")
    expect(await r("getrange", "mykey", -5000, 10000)).toBe("Hello World")
    await r("set", "mykey", 1234)
    expect(await r("getrange", "mykey", 0, 2)).toBe("123")
    expect(await r("getrange", "mykey", -3, -1)).toBe("234")
    expect(await r("getrange", "mykey", 3, 5000)).toBe("4")
    await r("set", "foo", "bar")
    expect(await r("getrange", "foo", 0, 4294967297)).toBe("bar")
    await r("set", "key", "abcde")
    expect(await r("substr", "key", 0, 0)).toBe("a")
    expect(await r("substr", "key", 0, 3)).toBe("abcd")
    expect(await r("substr", "key", -4, -1)).toBe("bcde")
    expect(await r("substr", "key", -1, -3)).toBe("")
    expect(await r("substr", "key", 7, 8)).toBe("")
    expect(await r("substr", "nokey", 0, 1)).toBe("")
    expect(await err("getrange", "key", "a", 1)).toBe("ERR value is not an integer or out of range")
  })

  it("GETRANGE fuzzing against a string model", async () => {
    const { r } = t
    let seed = 7
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n)
    for (let i = 0; i < 300; i++) {
      let bin = ""
      const len = rand(1024)
      for (let j = 0; j < len; j++) bin += String.fromCharCode(rand(256))
      await r("set", "bin", bin)
      const start = rand(1500)
      const end = rand(1500)
      expect(await r("getrange", "bin", start, end)).toBe(bin.slice(start, end + 1))
    }
  })

  it("Extended SET options", async () => {
    const { r, err } = t
    expect(await err("set", "foo", "bar", "non-existing-option")).toBe("ERR syntax error")
    expect([await r("set", "foo", 1, "nx"), await r("set", "foo", 2, "nx"), await r("get", "foo")]).toEqual(["OK", null, "1"])
    await r("del", "foo")
    const v1 = await r("set", "foo", 1, "xx")
    await r("set", "foo", "bar")
    expect([v1, await r("set", "foo", 2, "xx"), await r("get", "foo")]).toEqual([null, "OK", "2"])
    await r("set", "foo", "bar")
    expect([await r("set", "foo", "bar2", "GET"), await r("get", "foo")]).toEqual(["bar", "bar2"])
    await r("del", "foo")
    expect([await r("set", "foo", "bar", "GET"), await r("get", "foo")]).toEqual([null, "bar"])
    expect([await r("set", "foo", "baz", "GET", "XX"), await r("get", "foo")]).toEqual(["bar", "baz"])
    await r("del", "foo")
    expect([await r("set", "foo", "bar", "GET", "XX"), await r("get", "foo")]).toEqual([null, null])
    expect([await r("set", "foo", "bar", "GET", "NX"), await r("get", "foo")]).toEqual([null, "bar"])
    expect([await r("set", "foo", "baz", "GET", "NX"), await r("get", "foo")]).toEqual(["bar", "bar"])
    await r("del", "foo")
    await r("rpush", "foo", "waffle")
    expect(await err("set", "foo", "bar", "GET")).toMatch(/WRONGTYPE/)
    expect(await r("rpop", "foo")).toBe("waffle")
    await r("set", "foo", "bar", "ex", 10)
    expect(await r("ttl", "foo")).toBeGreaterThan(5)
    await r("set", "foo", "bar", "px", 10000)
    expect(await r("ttl", "foo")).toBeGreaterThan(5)
    await r("set", "foo", "bar", "exat", Math.floor(Date.now() / 1000) + 10)
    expect(await r("ttl", "foo")).toBeGreaterThanOrEqual(5)
    await r("set", "foo", "bar", "pxat", Date.now() + 10000)
    expect(await r("ttl", "foo")).toBeGreaterThanOrEqual(5)
    await r("set", "foo", "val")
    expect(await r("set", "foo", "bar", "xx", "px", 10000)).toBe("OK")
    expect(await r("ttl", "foo")).toBeGreaterThan(5)
    // past EXAT/PXAT: key ends up absent
    await r("set", "foo", "bar", "exat", Math.floor(Date.now() / 1000) - 100)
    expect(await r("exists", "foo")).toBe(0)
    await r("set", "foo", "bar", "pxat", Date.now() - 10000)
    expect(await r("exists", "foo")).toBe(0)
    expect(await err("set", "foo", "bar", "ex", 0)).toBe("ERR invalid expire time in 'set' command")
    expect(await err("set", "foo", "bar", "px", -1)).toBe("ERR invalid expire time in 'set' command")
    expect(await err("set", "foo", "bar", "ex", "1.5")).toBe("ERR value is not an integer or out of range")
    expect(await err("set", "foo", "bar", "nx", "xx")).toBe("ERR syntax error")
    expect(await err("set", "foo", "bar", "ex", 10, "px", 100)).toBe("ERR syntax error")
    expect(await err("set", "foo", "bar", "ex", 10, "keepttl")).toBe("ERR syntax error")
    expect(await err("set", "foo", "bar", "ex")).toBe("ERR syntax error")
    expect(await err("setex", "foo", 0, "bar")).toBe("ERR invalid expire time in 'setex' command")
    expect(await err("psetex", "foo", -10, "bar")).toBe("ERR invalid expire time in 'psetex' command")
    expect(await err("set", "foo", "bar", "ex", "9223372036854775807")).toBe("ERR invalid expire time in 'set' command")
  })

  it("SET IFEQ (Valkey 8.1)", async () => {
    const { r, err } = t
    await r("set", "foo", "initial_value")
    expect(await r("set", "foo", "new_value", "ifeq", "initial_value")).toBe("OK")
    expect(await r("get", "foo")).toBe("new_value")
    expect(await r("set", "foo", "should_not_set", "ifeq", "wrong_value")).toBe(null)
    expect(await r("get", "foo")).toBe("new_value")
    await r("del", "foo")
    await r("rpush", "foo", "x")
    expect(await err("set", "foo", "new_value", "ifeq", "x")).toBe("WRONGTYPE Operation against a key holding the wrong kind of value")
    expect(await err("set", "foo", "new_value", "ifeq", "x", "get")).toBe("WRONGTYPE Operation against a key holding the wrong kind of value")
    await r("del", "foo")
    expect(await r("set", "foo", "new_value", "ifeq", "initial_value", "get")).toBe(null)
    expect(await r("get", "foo")).toBe(null)
    await r("set", "foo", "initial_value")
    expect(await r("set", "foo", "new_value", "ifeq", "initial_value", "get")).toBe("initial_value")
    expect(await r("get", "foo")).toBe("new_value")
    expect(await err("set", "foo", "new_value", "ifeq", "initial_value", "xx")).toBe("ERR syntax error")
    expect(await err("set", "foo", "new_value", "ifeq", "initial_value", "nx")).toBe("ERR syntax error")
  })

  it("LCS", async () => {
    const { r } = t
    const rna1 =
      "CACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTTCGTCCGGGTGTG"
    const rna2 =
      "ATTAAAGGTTTATACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTT"
    const rnalcs =
      "ACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTT"
    await r("set", "virus1", rna1)
    await r("set", "virus2", rna2)
    expect(await r("lcs", "virus1", "virus2")).toBe(rnalcs)
    expect(await r("lcs", "virus1", "virus2", "LEN")).toBe(rnalcs.length)
    const idx = await r("lcs", "virus1", "virus2", "IDX")
    expect(idx).toEqual(["matches", [[[238, 238], [239, 239]], [[236, 236], [238, 238]], [[229, 230], [236, 237]], [[224, 224], [235, 235]], [[1, 222], [13, 234]]], "len", 227])
    const withLen = await r("lcs", "virus1", "virus2", "IDX", "WITHMATCHLEN")
    expect(withLen[1]).toEqual([[[238, 238], [239, 239], 1], [[236, 236], [238, 238], 1], [[229, 230], [236, 237], 2], [[224, 224], [235, 235], 1], [[1, 222], [13, 234], 222]])
    const min = await r("lcs", "virus1", "virus2", "IDX", "WITHMATCHLEN", "MINMATCHLEN", 5)
    expect(min[1]).toEqual([[[1, 222], [13, 234], 222]])
  })

  it("APPEND", async () => {
    const { r } = t
    await r("set", "foo", 1)
    await r("append", "foo", 2)
    expect(await r("get", "foo")).toBe("12")
    expect(await r("append", "new", "abc")).toBe(3)
    expect(await r("append", "new", "de")).toBe(5)
  })

  it("DELIFEQ", async () => {
    const { r, err } = t
    expect(await r("delifeq", "foo", "test")).toBe(0)
    await r("set", "foo", "test")
    expect(await r("delifeq", "foo", "test")).toBe(1)
    await r("set", "foo", "nope")
    expect(await r("delifeq", "foo", "test")).toBe(0)
    await r("del", "foo")
    await r("rpush", "foo", "test")
    expect(await err("delifeq", "foo", "test")).toMatch(/^WRONGTYPE/)
  })
})

describe("conformance: incr", () => {
  const t = useServer()

  it("INCR/DECR family", async () => {
    const { r, err } = t
    expect(String(await r("incr", "novar")) + (await r("get", "novar"))).toBe("11")
    expect(await r("incr", "novar")).toBe(2)
    expect(await r("decr", "novar")).toBe(1)
    expect(await r("decr", "novar_not_exist")).toBe(-1)
    expect(await r("incr", "novar_not_exist")).toBe(0)
    await r("set", "novar", 100)
    expect(await r("incr", "novar")).toBe(101)
    await r("set", "novar", "17179869184")
    expect(await r("incr", "novar")).toBe(17179869185)
    await r("set", "novar", "17179869184")
    expect(await r("incrby", "novar", "17179869184")).toBe(34359738368)
    for (const v of ["    11", "11    ", "    11    "]) {
      await r("set", "novar", v)
      expect(await err("incr", "novar")).toBe("ERR value is not an integer or out of range")
    }
    await r("set", "x", 0)
    expect(await err("decrby", "x", "-9223372036854775808")).toBe("ERR decrement would overflow")
    await r("rpush", "mylist", 1)
    expect(await err("incr", "mylist")).toBe("WRONGTYPE Operation against a key holding the wrong kind of value")
    await r("rpop", "mylist")
    await r("set", "novar", "17179869184")
    expect(await r("decrby", "novar", "17179869185")).toBe(-1)
    expect(await r("decrby", "key_not_exist", 1)).toBe(-1)
    await r("set", "big", "9223372036854775807")
    expect(await err("incr", "big")).toBe("ERR increment or decrement would overflow")
    await r("set", "small", "-9223372036854775808")
    expect(await err("decr", "small")).toBe("ERR increment or decrement would overflow")
    expect(await err("incr", "mykeyincr", "v")).toBe("ERR wrong number of arguments for 'incr' command")
    expect(await err("decr", "mykeyincr", "v")).toBe("ERR wrong number of arguments for 'decr' command")
    expect(await err("incrby", "mykeyincr", "v")).toBe("ERR value is not an integer or out of range")
    expect(await err("incrby", "mykeyincr", "1.5")).toBe("ERR value is not an integer or out of range")
    expect(await err("decrby", "mykeyincr", "v")).toBe("ERR value is not an integer or out of range")
    expect(await err("decrby", "mykeyincr", "1.5")).toBe("ERR value is not an integer or out of range")
    expect(await err("incrbyfloat", "mykeyincr", "v")).toBe("ERR value is not a valid float")
  })

  it("INCRBYFLOAT", async () => {
    const { r, err } = t
    await r("del", "novar")
    expect(await r("incrbyfloat", "novar", 1)).toBe("1")
    expect(await r("get", "novar")).toBe("1")
    expect(await r("incrbyfloat", "novar", 0.25)).toBe("1.25")
    expect(await r("get", "novar")).toBe("1.25")
    await r("set", "novar", 1.5)
    expect(await r("incrbyfloat", "novar", 1.5)).toBe("3")
    await r("set", "novar", "17179869184")
    expect(await r("incrbyfloat", "novar", 1.5)).toBe("17179869185.5")
    await r("set", "novar", "17179869184")
    expect(await r("incrbyfloat", "novar", "17179869184")).toBe("34359738368")
    for (const v of ["    11", "11    ", " 11 "]) {
      await r("set", "novar", v)
      expect(await err("incrbyfloat", "novar", "1.0")).toBe("ERR value is not a valid float")
    }
    await r("rpush", "mylist", 1)
    expect(await err("incrbyfloat", "mylist", "1.0")).toMatch(/^WRONGTYPE/)
    await r("set", "foo", 0)
    expect(await err("incrbyfloat", "foo", "+inf")).toBe("ERR increment would produce NaN or Infinity")
    await r("set", "foo", 1)
    expect(await r("incrbyfloat", "foo", "-1.1")).toMatch(/^-0\.1(0000000000000)?\d*$/)
    await r("set", "foo", 1)
    await r("setrange", "foo", 2, 2)
    expect(await err("incrbyfloat", "foo", 1)).toBe("ERR value is not a valid float")
    await r("del", "foo")
    await r("incrbyfloat", "foo", String(1 / 41))
    await r("incrbyfloat", "foo", String(-1 / 41))
    expect(await r("get", "foo")).toBe("0")
    await r("set", "foo", "1.5")
    expect(await r("incrbyfloat", "foo", "1e2")).toBe("101.5")
    expect(await r("incrbyfloat", "foo", "0x10")).toBe("117.5")
  })
})
