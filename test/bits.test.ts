// Bit commands where Valkey 8 differs from redis-server 7.0.15 (so test/differential.bits.test.ts
// cannot compare them), and what a reply does not show: change counts, keyspace events, what the
// AOF logs, encodings, and large bitmaps written through a rope.
import { Redis } from "ioredis"
import * as path from "node:path"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { start, type RunningKeyfiber } from "../src/start.js"
import { lastIncrCommands, tempDir } from "./support/aofFiles.js"
import { type RunningServer, startServer } from "./support/server.js"
import { waitFor } from "./support/waitFor.js"

const BAD_OFFSET = "ERR bit offset is not an integer or out of range"

describe("bit commands", () => {
  let s: RunningServer
  let r: Redis

  beforeAll(async () => {
    s = await startServer()
    r = new Redis({ port: s.port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 })
    await r.connect()
  })
  afterAll(async () => {
    r?.disconnect()
    await s?.close()
  })
  beforeEach(() => s.server.keyspace.flushAll())

  const error = (p: Promise<unknown>): Promise<string> =>
    p.then(
      (v) => `no error: ${String(v)}`,
      (e: Error) => e.message
    )

  it("BITCOUNT takes a start without an end, and parses its arguments in Valkey's order", async () => {
    await r.set("s", "foobar")
    expect(await r.call("BITCOUNT", "s", "1")).toBe(22)
    expect(await r.call("BITCOUNT", "s", "-1")).toBe(4)
    expect(await error(r.call("BITCOUNT", "s", "1", "x", "FOO"))).toBe("ERR syntax error")
    await r.lpush("l", "a")
    expect(await error(r.call("BITCOUNT", "l", "0", "x"))).toBe("ERR value is not an integer or out of range")
    expect(await error(r.call("BITPOS", "l", "1", "0", "x"))).toBe("ERR value is not an integer or out of range")
  })

  it("counts a change only when a bit flips or the string grows (Valkey's server.dirty)", async () => {
    const changes = async () => s.server.keyspace.dirty
    const before = await changes()
    await r.setbit("foo", 0, 0)
    await r.call("BITFIELD", "foo2", "SET", "i5", "0", "0")
    expect(await changes()).toBe(before + 2)
    await r.setbit("foo", 0, 0)
    await r.call("BITFIELD", "foo2", "SET", "i5", "0", "0")
    expect(await changes()).toBe(before + 2)
    await r.setbit("foo", 0, 1)
    await r.setbit("foo", 0, 1)
    await r.call("BITFIELD", "foo2", "SET", "i5", "0", "1", "SET", "i5", "5", "1", "GET", "u8", "0")
    expect(await changes()).toBe(before + 5)
    await r.call("BITFIELD", "foo3", "INCRBY", "i5", "0", "1")
    await r.call("BITFIELD", "foo3", "INCRBY", "i5", "0", "1")
    expect(await changes()).toBe(before + 7)
    // Growth alone is a change; a failed write on a new key creates it without counting.
    await r.setbit("foo", 90, 0)
    await r.call("BITFIELD", "new", "OVERFLOW", "FAIL", "SET", "u2", "0", "9")
    expect(await changes()).toBe(before + 8)
    expect(await r.exists("new")).toBe(1)
    // BITOP counts its store or its deletion; deleting nothing counts nothing.
    await r.call("BITOP", "OR", "dest", "foo")
    await r.call("BITOP", "OR", "dest", "nokey")
    await r.call("BITOP", "OR", "dest", "nokey")
    expect(await changes()).toBe(before + 10)
  })

  it("sends setbit, set and del keyspace events as Valkey does", async () => {
    await r.config("SET", "notify-keyspace-events", "KEA")
    const sub = new Redis({ port: s.port, host: "127.0.0.1", lazyConnect: true })
    await sub.connect()
    const events: Array<string> = []
    sub.on("pmessage", (_pattern, channel: string, message: string) => {
      if (channel.startsWith("__keyevent@0__:")) events.push(`${channel.slice(15)} ${message}`)
    })
    await sub.psubscribe("__keyevent@0__:*")
    try {
      await r.setbit("b", 3, 1)
      await r.setbit("b", 3, 1) // no change, no event
      await r.call("BITFIELD", "b", "GET", "u8", "0")
      await r.call("BITFIELD", "b", "SET", "u8", "0", "16") // unchanged value
      await r.call("BITFIELD", "b", "INCRBY", "u8", "0", "1", "GET", "u8", "0")
      await r.call("BITOP", "NOT", "d", "b")
      await r.call("BITOP", "AND", "d", "nokey")
      await r.set("done", "1")
      await waitFor("events", () => events.includes("set done"))
      expect(events).toEqual(["setbit b", "setbit b", "set d", "del d", "set done"])
    } finally {
      sub.disconnect()
      await r.config("SET", "notify-keyspace-events", "")
    }
  })

  it("writes raw strings, keeps the TTL of the key it writes, and BITOP's result has none", async () => {
    await r.set("n", "123")
    expect(await r.object("ENCODING", "n")).toBe("int")
    await r.setbit("n", 0, 0)
    expect(await r.object("ENCODING", "n")).toBe("raw")
    await r.set("t", "x", "EX", 100)
    await r.setbit("t", 100, 1)
    expect(await r.ttl("t")).toBeGreaterThan(0)
    await r.call("BITFIELD", "t", "SET", "u8", "#20", "1")
    expect(await r.ttl("t")).toBeGreaterThan(0)
    await r.set("d", "x", "EX", 100)
    await r.call("BITOP", "OR", "d", "t")
    expect(await r.ttl("d")).toBe(-1)
    expect(await r.object("ENCODING", "d")).toBe("raw")
  })

  it("refuses offsets at or past proto-max-bulk-len, and growth past the longest string V8 holds", async () => {
    await r.config("SET", "proto-max-bulk-len", "1mb")
    try {
      expect(await error(r.setbit("k", 8 * 1024 * 1024, 1))).toBe(BAD_OFFSET)
      expect(await error(r.getbit("k", 8 * 1024 * 1024))).toBe(BAD_OFFSET)
      expect(await error(r.call("BITFIELD", "k", "GET", "u8", "#1048576"))).toBe(BAD_OFFSET)
      expect(await r.setbit("k", 8 * 1024 * 1024 - 1, 1)).toBe(0)
      expect(await r.strlen("k")).toBe(1024 * 1024)
    } finally {
      await r.config("SET", "proto-max-bulk-len", "512mb")
    }
    // Valkey would allocate 512 MB here; V8's longest string is 2^29 - 24 characters.
    const tooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
    expect(await error(r.setbit("huge", 4294967295, 1))).toBe(tooLong)
    expect(await error(r.call("BITFIELD", "huge", "SET", "u8", "#536870911", "1"))).toBe(tooLong)
    expect(await r.exists("huge")).toBe(0)
    expect(await r.getbit("huge", 4294967295)).toBe(0)
  })

  it("writes a large bitmap bit by bit and stays consistent with the writes of other commands", async () => {
    const size = 300 * 1024
    const model = Buffer.alloc(size)
    const flip = async (bit: number, on: number) => {
      const old = (model[bit >> 3] >> (7 - (bit & 7))) & 1
      expect(await r.setbit("big", bit, on)).toBe(old)
      if (on) model[bit >> 3] |= 1 << (7 - (bit & 7))
      else model[bit >> 3] &= ~(1 << (7 - (bit & 7)))
    }
    await flip(size * 8 - 1, 1)
    let seed = 7
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648)
    for (let i = 0; i < 300; i++) await flip(next() % (size * 8), i % 3 === 0 ? 0 : 1)
    for (let i = 0; i < 50; i++) {
      const bit = next() % (size * 8)
      expect(await r.getbit("big", bit)).toBe((model[bit >> 3] >> (7 - (bit & 7))) & 1)
    }
    expect(Buffer.compare((await r.getBuffer("big"))!, model)).toBe(0)
    // Another command replaces the value: the next bit write starts from it, not from the rope.
    await r.setrange("big", 10, "hello")
    model.write("hello", 10, "latin1")
    await flip(0, 1)
    await r.append("big", "tail")
    const grown = Buffer.concat([model, Buffer.from("tail", "latin1")])
    expect(await r.setbit("big", 3, 1)).toBe((grown[0] >> 4) & 1)
    grown[0] |= 1 << 4
    expect(Buffer.compare((await r.getBuffer("big"))!, grown)).toBe(0)
    expect(await r.bitcount("big")).toBe([...grown].reduce((n, b) => n + b.toString(2).split("1").length - 1, 0))
  })

  it("writes more large bitmaps in turn than it keeps ropes for", async () => {
    const size = 70 * 1024
    const models = Array.from({ length: 20 }, () => Buffer.alloc(size))
    for (let round = 0; round < 3; round++) {
      for (let k = 0; k < models.length; k++) {
        const bit = (round * 7919 + k * 104729) % (size * 8)
        await r.setbit(`bm${k}`, size * 8 - 1 - round, 1)
        models[k][size - 1] |= 1 << round
        expect(await r.setbit(`bm${k}`, bit, 1)).toBe((models[k][bit >> 3] >> (7 - (bit & 7))) & 1)
        models[k][bit >> 3] |= 1 << (7 - (bit & 7))
      }
    }
    for (let k = 0; k < models.length; k++) expect(Buffer.compare((await r.getBuffer(`bm${k}`))!, models[k])).toBe(0)
  })
})

describe("bit commands in the AOF", () => {
  let keyfiber: RunningKeyfiber
  let dir: string
  let r: Redis

  beforeAll(async () => {
    dir = tempDir("aof-bits")
    keyfiber = await start({ config: ["appendonly yes", "appendfsync always", "aof-use-rdb-preamble no", `dir ${dir}`].join("\n") + "\n" })
    r = new Redis({ port: keyfiber.port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 })
    await r.connect()
  }, 30_000)
  afterAll(async () => {
    r?.disconnect()
    await keyfiber?.close()
  })

  it("logs bit writes as given, and nothing for one that changed nothing (Valkey propagates on a change)", async () => {
    const aof = () => lastIncrCommands(path.join(dir, "appendonlydir")).map((argv) => argv.join(" "))
    const before = aof().length
    await r.setbit("b", 1, 1)
    await r.setbit("b", 1, 1)
    await r.call("BITFIELD", "b", "GET", "u8", "0")
    await r.call("BITFIELD", "b", "SET", "u8", "0", "64", "GET", "u4", "0")
    await r.call("BITFIELD", "b", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1000")
    await r.call("BITFIELD", "b", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "1000", "GET", "u8", "0")
    await r.call("BITFIELD_RO", "b", "GET", "u8", "0")
    await r.call("BITOP", "NOT", "d", "b")
    await r.call("BITOP", "AND", "d", "nokey")
    await r.call("BITOP", "AND", "d", "nokey")
    await r.set("done", "1")
    await waitFor("the AOF", () => aof().at(-1) === "set done 1")
    expect(aof().slice(before)).toEqual([
      "SELECT 0",
      "setbit b 1 1",
      "BITFIELD b OVERFLOW SAT INCRBY u8 0 1000 GET u8 0",
      "BITOP NOT d b",
      "BITOP AND d nokey",
      "set done 1"
    ])
  })
})
