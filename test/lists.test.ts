import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RawClient } from "./support/raw.js"
import { type RunningServer, startServer } from "./support/server.js"
import { cmd } from "./support/resp.js"


const bulk = (s: string) => `$${s.length}\r\n${s}\r\n`
const arr = (...items: Array<string>) => `*${items.length}\r\n${items.join("")}`
const int = (n: number) => `:${n}\r\n`
const err = (s: string) => `-${s}\r\n`
const WRONGTYPE = err("WRONGTYPE Operation against a key holding the wrong kind of value")

describe("list commands", () => {
  let s: RunningServer
  let c: RawClient
  const send = async (args: Array<string>, expected: string) => {
    expect(await c.request(cmd(...args), expected)).toBe(expected)
  }
  beforeAll(async () => {
    s = await startServer()
    c = await RawClient.connect(s.port)
  })
  afterAll(async () => {
    c.close()
    await s.close()
  })

  it("pushes and pops at both ends, with counts and null shapes", async () => {
    await send(["RPUSH", "l", "a", "b", "c"], int(3))
    await send(["LPUSH", "l", "x", "y"], int(5))
    await send(["LRANGE", "l", "0", "-1"], arr(bulk("y"), bulk("x"), bulk("a"), bulk("b"), bulk("c")))
    await send(["LPOP", "l"], bulk("y"))
    await send(["RPOP", "l"], bulk("c"))
    await send(["LPOP", "l", "0"], "*0\r\n")
    await send(["LPOP", "l", "2"], arr(bulk("x"), bulk("a")))
    await send(["RPOP", "l", "5"], arr(bulk("b")))
    await send(["LLEN", "l"], int(0))
    await send(["LPOP", "l"], "$-1\r\n")
    await send(["LPOP", "l", "2"], "*-1\r\n")
    await send(["LPOP", "l", "-1"], err("ERR value is out of range, must be positive"))
    await send(["LPOP", "l", "x"], err("ERR value is out of range, must be positive"))
    await send(["LPOP", "l", "1", "2"], err("ERR wrong number of arguments for 'lpop' command"))
    await send(["LPUSHX", "l", "a"], int(0))
    await send(["RPUSHX", "l", "a"], int(0))
    await send(["RPUSH", "l", "a"], int(1))
    await send(["RPUSHX", "l", "b", "c"], int(3))
    await send(["LPUSHX", "l", "z"], int(4))
    await send(["SET", "s", "v"], "+OK\r\n")
    await send(["LPUSH", "s", "a"], WRONGTYPE)
    await send(["LPOP", "s"], WRONGTYPE)
    await send(["LLEN", "s"], WRONGTYPE)
    await send(["LLEN", "nokey"], int(0))
    await send(["DEL", "l"], int(1))
  })

  it("answers RESP3 nulls for missing keys", async () => {
    const r = await RawClient.connect(s.port)
    await r.request(cmd("PING"), "+PONG\r\n")
    for (const client of s.server.clients.values()) if (client.lastCommand === "ping") client.resp = 3
    expect(await r.request(cmd("LPOP", "nokey"), "_\r\n")).toBe("_\r\n")
    expect(await r.request(cmd("LPOP", "nokey", "3"), "_\r\n")).toBe("_\r\n")
    expect(await r.request(cmd("LMPOP", "1", "nokey", "LEFT"), "_\r\n")).toBe("_\r\n")
    expect(await r.request(cmd("BLPOP", "nokey", "0.01"), "_\r\n")).toBe("_\r\n")
    r.close()
  })

  it("LRANGE, LINDEX, LSET, LTRIM, LINSERT and LREM follow Valkey", async () => {
    await send(["RPUSH", "l", "a", "b", "c", "a", "b", "c", "a"], int(7))
    await send(["LRANGE", "l", "-2", "100"], arr(bulk("c"), bulk("a")))
    await send(["LRANGE", "l", "5", "2"], "*0\r\n")
    await send(["LRANGE", "l", "0", "x"], err("ERR value is not an integer or out of range"))
    await send(["LRANGE", "nokey", "0", "1"], "*0\r\n")
    await send(["LRANGE", "s", "0", "1"], WRONGTYPE)
    await send(["LINDEX", "l", "-1"], bulk("a"))
    await send(["LINDEX", "l", "10"], "$-1\r\n")
    await send(["LINDEX", "l", "x"], err("ERR value is not an integer or out of range"))
    await send(["LINDEX", "nokey", "x"], "$-1\r\n")
    await send(["LSET", "l", "0", "z"], "+OK\r\n")
    await send(["LSET", "l", "10", "z"], err("ERR index out of range"))
    await send(["LSET", "nokey", "0", "z"], err("ERR no such key"))
    await send(["LSET", "s", "0", "z"], WRONGTYPE)
    await send(["LREM", "l", "2", "a"], int(2))
    await send(["LRANGE", "l", "0", "-1"], arr(bulk("z"), bulk("b"), bulk("c"), bulk("b"), bulk("c")))
    await send(["LREM", "l", "-1", "b"], int(1))
    await send(["LRANGE", "l", "0", "-1"], arr(bulk("z"), bulk("b"), bulk("c"), bulk("c")))
    await send(["LREM", "l", "0", "c"], int(2))
    await send(["LREM", "l", "x", "c"], err("ERR value is not an integer or out of range"))
    await send(["LINSERT", "l", "before", "z", "q"], int(3))
    await send(["LINSERT", "l", "AFTER", "z", "w"], int(4))
    await send(["LINSERT", "l", "middle", "z", "w"], err("ERR syntax error"))
    await send(["LINSERT", "l", "before", "nothere", "w"], int(-1))
    await send(["LINSERT", "nokey", "before", "a", "b"], int(0))
    await send(["LRANGE", "l", "0", "-1"], arr(bulk("q"), bulk("z"), bulk("w"), bulk("b")))
    await send(["LTRIM", "l", "1", "-2"], "+OK\r\n")
    await send(["LRANGE", "l", "0", "-1"], arr(bulk("z"), bulk("w")))
    await send(["LTRIM", "l", "5", "1"], "+OK\r\n")
    await send(["LLEN", "l"], int(0))
  })

  it("LPOS with RANK, COUNT, MAXLEN and its errors", async () => {
    await send(["RPUSH", "p", "a", "b", "c", "a", "b", "c", "a"], int(7))
    await send(["LPOS", "p", "a"], int(0))
    await send(["LPOS", "p", "a", "RANK", "2"], int(3))
    await send(["LPOS", "p", "a", "RANK", "-1"], int(6))
    await send(["LPOS", "p", "a", "COUNT", "0"], arr(int(0), int(3), int(6)))
    await send(["LPOS", "p", "a", "COUNT", "2", "RANK", "-2"], arr(int(3), int(0)))
    await send(["LPOS", "p", "a", "MAXLEN", "3", "COUNT", "0"], arr(int(0)))
    await send(["LPOS", "p", "x"], "$-1\r\n")
    await send(["LPOS", "p", "x", "COUNT", "1"], "*0\r\n")
    await send(
      ["LPOS", "p", "a", "RANK", "0"],
      err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")
    )
    await send(
      ["LPOS", "p", "a", "RANK", "-9223372036854775808"],
      err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
    )
    await send(["LPOS", "p", "a", "COUNT", "-1"], err("ERR COUNT can't be negative"))
    await send(["LPOS", "p", "a", "COUNT", "abc"], err("ERR COUNT can't be negative"))
    await send(["LPOS", "p", "a", "MAXLEN", "-1"], err("ERR MAXLEN can't be negative"))
    await send(["LPOS", "p", "a", "foo"], err("ERR syntax error"))
    await send(["LPOS", "p", "a", "RANK"], err("ERR syntax error"))
    await send(["LPOS", "nokey", "a"], "$-1\r\n")
    await send(["LPOS", "nokey", "a", "COUNT", "1"], "*0\r\n")
    await send(["LPOS", "s", "a"], WRONGTYPE)
  })

  it("LMOVE, RPOPLPUSH and LMPOP", async () => {
    await send(["RPUSH", "m", "a", "b", "c"], int(3))
    await send(["LMOVE", "m", "m2", "LEFT", "RIGHT"], bulk("a"))
    await send(["LMOVE", "m", "m2", "up", "RIGHT"], err("ERR syntax error"))
    await send(["LMOVE", "m", "s", "LEFT", "RIGHT"], WRONGTYPE)
    await send(["LRANGE", "m", "0", "-1"], arr(bulk("b"), bulk("c")))
    await send(["RPOPLPUSH", "m", "m"], bulk("c"))
    await send(["LRANGE", "m", "0", "-1"], arr(bulk("c"), bulk("b")))
    await send(["RPOPLPUSH", "nokey", "m"], "$-1\r\n")
    await send(["LMOVE", "m2", "m3", "LEFT", "LEFT"], bulk("a"))
    await send(["LLEN", "m2"], int(0))
    await send(["LMPOP", "0", "m", "LEFT"], err("ERR numkeys should be greater than 0"))
    await send(["LMPOP", "2", "m", "k"], err("ERR syntax error"))
    await send(["LMPOP", "5", "m", "LEFT"], err("ERR syntax error"))
    await send(["LMPOP", "1", "m", "middle"], err("ERR syntax error"))
    await send(["LMPOP", "1", "m", "LEFT", "COUNT", "0"], err("ERR count should be greater than 0"))
    await send(["LMPOP", "1", "m", "LEFT", "COUNT", "1", "COUNT", "1"], err("ERR syntax error"))
    await send(["LMPOP", "1", "m", "LEFT", "foo"], err("ERR syntax error"))
    await send(["LMPOP", "2", "nokey", "m", "RIGHT", "COUNT", "10"], arr(bulk("m"), arr(bulk("b"), bulk("c"))))
    await send(["LMPOP", "1", "nokey", "LEFT"], "*-1\r\n")
    await send(["LMPOP", "2", "s", "m3", "LEFT"], WRONGTYPE)
    await send(["LMPOP", "2", "m3", "s", "LEFT"], arr(bulk("m3"), arr(bulk("a"))))
  })

  it("blocking commands parse arguments in Valkey's order", async () => {
    await send(["BLPOP", "x", "-1"], err("ERR timeout is negative"))
    await send(["BLPOP", "x", "abc"], err("ERR timeout is not a float or out of range"))
    await send(["BLPOP", "x", " 1"], err("ERR timeout is not a float or out of range"))
    await send(["BLPOP", "x", "nan"], err("ERR timeout is not a float or out of range"))
    await send(["BLPOP", "x", "0x7FFFFFFFFFFFFF"], err("ERR timeout is out of range"))
    await send(["BLPOP", "x", "inf"], err("ERR timeout is out of range"))
    await send(["RPUSH", "t", "v"], int(1))
    // The timeout is checked before any key, even when data is there.
    await send(["BLPOP", "t", "-1"], err("ERR timeout is negative"))
    await send(["BLPOP", "s", "0"], WRONGTYPE)
    await send(["BLPOP", "nokey", "t", "0"], arr(bulk("t"), bulk("v")))
    await send(["BLMOVE", "a", "b", "up", "left", "x"], err("ERR syntax error"))
    await send(["BLMOVE", "a", "b", "left", "left", "x"], err("ERR timeout is not a float or out of range"))
    await send(["BLMOVE", "s", "b", "left", "left", "0"], WRONGTYPE)
    await send(["BLMPOP", "0", "0", "l", "left"], err("ERR numkeys should be greater than 0"))
    await send(["BLMPOP", "0", "2", "l", "k"], err("ERR syntax error"))
    await send(["BLMPOP", "x", "1", "l", "left", "COUNT", "0"], err("ERR count should be greater than 0"))
    await send(["BLMPOP", "x", "1", "l", "left"], err("ERR timeout is not a float or out of range"))
    await send(["BLMPOP", "0", "1", "s", "left"], WRONGTYPE)
    await send(["RPUSH", "t", "1", "2", "3"], int(3))
    await send(["BLMPOP", "0", "2", "nokey", "t", "RIGHT", "COUNT", "2"], arr(bulk("t"), arr(bulk("3"), bulk("2"))))
    await send(["BLPOP", "nokey", "0.001"], "*-1\r\n")
    await send(["BRPOPLPUSH", "nokey", "b", "0.01"], "*-1\r\n")
    await send(["BLMOVE", "nokey", "b", "LEFT", "LEFT", "0.01"], "*-1\r\n")
  })
})
