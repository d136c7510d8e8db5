// Streams over TCP with real clients: Valkey's replies and errors (t_stream.c), blocking XREAD and
// XREADGROUP (blocked.c), notifications, the generic key commands on streams, and what the AOF gets.
import * as path from "node:path"
import { Redis } from "ioredis"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { type RunningKeyfiber, start } from "../src/start.js"
import { lastIncrCommands, tempDir } from "./support/aofFiles.js"
import { RawClient } from "./support/raw.js"
import { cmd } from "./support/resp.js"
import { waitFor } from "./support/waitFor.js"

const errorOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p
  } catch (e) {
    return (e as Error).message
  }
  throw new Error("expected an error reply")
}

describe("streams", () => {
  let s: RunningKeyfiber
  const clients: Array<Redis> = []
  const connect = async (): Promise<Redis> => {
    const c = new Redis({ port: s.port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 })
    await c.connect()
    clients.push(c)
    return c
  }
  let r: Redis

  beforeAll(async () => {
    s = await start({ config: `enable-debug-command yes\nsave ""\ndir ${tempDir("streams")}\n` })
    r = await connect()
  })
  afterEach(async () => {
    await r.flushall()
  })
  afterAll(async () => {
    for (const c of clients) c.disconnect()
    await s.close()
  })

  it("appends with explicit, ms-* and generated IDs, over the whole u64-u64 range", async () => {
    expect(await r.xadd("s", "1-1", "a", "1")).toBe("1-1")
    expect(await r.xadd("s", "1-*", "a", "2")).toBe("1-2")
    expect(await r.xadd("s", "5-*", "a", "3")).toBe("5-0")
    const generated = await r.xadd("s", "*", "a", "4")
    expect(Number(generated!.split("-")[0])).toBeGreaterThan(5)
    expect(await r.xadd("s", "18446744073709551615-18446744073709551614", "x", "y")).toBe("18446744073709551615-18446744073709551614")
    expect(await r.xadd("s", "18446744073709551615-*", "x", "z")).toBe("18446744073709551615-18446744073709551615")
    expect(await errorOf(r.xadd("s", "*", "a", "5"))).toBe("ERR The stream has exhausted the last possible ID, unable to add more items")
    expect(await r.xlen("s")).toBe(6)
    expect(await r.xrevrange("s", "+", "-", "COUNT", 2)).toEqual([
      ["18446744073709551615-18446744073709551615", ["x", "z"]],
      ["18446744073709551615-18446744073709551614", ["x", "y"]]
    ])
    expect(await r.xrange("s", "(1-1", "(5-0")).toEqual([["1-2", ["a", "2"]]])
    expect(await r.xrange("s", "1", "1")).toEqual([
      ["1-1", ["a", "1"]],
      ["1-2", ["a", "2"]]
    ])
    expect(await r.call("XRANGE", "s", "-", "+", "COUNT", "0")).toBeNull()
    expect(await r.xrange("missing", "-", "+")).toEqual([])
  })

  it("replies Valkey's errors", async () => {
    await r.set("str", "x")
    expect(await errorOf(r.xadd("str", "*", "a", "1"))).toBe("WRONGTYPE Operation against a key holding the wrong kind of value")
    expect(await errorOf(r.xadd("s", "0-0", "a", "1"))).toBe("ERR The ID specified in XADD must be greater than 0-0")
    expect(await errorOf(r.xadd("s", "abc", "a", "1"))).toBe("ERR Invalid stream ID specified as stream command argument")
    await r.xadd("s", "5-5", "a", "1")
    expect(await errorOf(r.xadd("s", "5-5", "a", "1"))).toBe("ERR The ID specified in XADD is equal or smaller than the target stream top item")
    expect(await errorOf(r.call("XADD", "s", "*", "a"))).toBe("ERR wrong number of arguments for 'xadd' command")
    expect(await errorOf(r.call("XADD", "s", "MAXLEN", "-1", "*", "a", "b"))).toBe("ERR The MAXLEN argument must be >= 0.")
    expect(await errorOf(r.call("XADD", "s", "MAXLEN", "1", "LIMIT", "1", "*", "a", "b"))).toBe(
      "ERR syntax error, LIMIT cannot be used without the special ~ option"
    )
    expect(await errorOf(r.call("XTRIM", "s", "LIMIT", "1"))).toBe("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")
    expect(await errorOf(r.call("XRANGE", "s", "(-", "+"))).toBe("ERR Invalid stream ID specified as stream command argument")
    expect(await errorOf(r.call("XRANGE", "s", "(18446744073709551615-18446744073709551615", "+"))).toBe("ERR invalid start ID for the interval")
    expect(await errorOf(r.call("XGROUP", "CREATE", "nokey", "g", "$"))).toBe(
      "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."
    )
    expect(await r.call("XGROUP", "CREATE", "s", "g", "$")).toBe("OK")
    expect(await errorOf(r.call("XGROUP", "CREATE", "s", "g", "$"))).toBe("BUSYGROUP Consumer Group name already exists")
    expect(await errorOf(r.call("XGROUP", "SETID", "s", "nog", "$"))).toBe("NOGROUP No such consumer group 'nog' for key name 's'")
    expect(await errorOf(r.call("XREADGROUP", "GROUP", "nog", "c", "STREAMS", "s", ">"))).toBe(
      "NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option"
    )
    expect(await errorOf(r.call("XREAD", "COUNT", "1", "STREAMS", "s"))).toBe(
      "ERR Unbalanced 'xread' list of streams: for each stream key an ID or '$' must be specified."
    )
    expect(await errorOf(r.call("XINFO", "STREAM", "nokey"))).toBe("ERR no such key")
    expect(await errorOf(r.call("XGROUP", "FOO", "s", "g"))).toBe("ERR unknown subcommand 'FOO'. Try XGROUP HELP.")
    expect(await errorOf(r.call("XSETID", "s", "1-1"))).toBe("ERR The ID specified in XSETID is smaller than the target stream top item")
  })

  it("trims exactly and by whole nodes (~), deletes as tombstones, and keeps the counters", async () => {
    await r.config("SET", "stream-node-max-entries", "10")
    for (let i = 1; i <= 30; i++) await r.xadd("s", `${i}-0`, "f", String(i))
    expect(await r.xtrim("s", "MAXLEN", "~", 15)).toBe(10)
    expect(await r.xlen("s")).toBe(20)
    expect(await r.xtrim("s", "MAXLEN", 15)).toBe(5)
    expect(await r.xrange("s", "-", "+", "COUNT", 1)).toEqual([["16-0", ["f", "16"]]])
    expect(await r.xdel("s", "16-0", "17-0", "999-0")).toBe(2)
    expect(await r.xtrim("s", "MINID", 20)).toBe(2)
    const info = (await r.call("XINFO", "STREAM", "s")) as Array<unknown>
    const map = new Map<unknown, unknown>()
    for (let i = 0; i < info.length; i += 2) map.set(info[i], info[i + 1])
    expect(map.get("length")).toBe(11)
    expect(map.get("max-deleted-entry-id")).toBe("17-0")
    expect(map.get("entries-added")).toBe(30)
    expect(map.get("recorded-first-entry-id")).toBe("20-0")
    expect(map.get("first-entry")).toEqual(["20-0", ["f", "20"]])
    await r.config("SET", "stream-node-max-entries", "100")
  })

  it("XREADGROUP delivers each entry once per group; XACK, XPENDING, XCLAIM, XAUTOCLAIM", async () => {
    for (let i = 1; i <= 4; i++) await r.xadd("s", `${i}-0`, "f", String(i))
    await r.call("XGROUP", "CREATE", "s", "g", "0")
    expect(await r.call("XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">")).toEqual([
      [
        "s",
        [
          ["1-0", ["f", "1"]],
          ["2-0", ["f", "2"]]
        ]
      ]
    ])
    expect(await r.call("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">")).toEqual([
      [
        "s",
        [
          ["3-0", ["f", "3"]],
          ["4-0", ["f", "4"]]
        ]
      ]
    ])
    expect(await r.call("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">")).toBeNull()
    // History: the consumer's own pending entries.
    expect(await r.call("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0")).toEqual([
      [
        "s",
        [
          ["1-0", ["f", "1"]],
          ["2-0", ["f", "2"]]
        ]
      ]
    ])
    expect(await r.xack("s", "g", "1-0", "1-0", "9-0")).toBe(1)
    expect(await r.call("XPENDING", "s", "g")).toEqual([
      3,
      "2-0",
      "4-0",
      [
        ["alice", "1"],
        ["bob", "2"]
      ]
    ])
    const pending = (await r.call("XPENDING", "s", "g", "-", "+", "10", "alice")) as Array<[string, string, number, number]>
    expect(pending.map((p) => [p[0], p[1], p[3]])).toEqual([["2-0", "alice", 2]])
    expect(await r.call("XCLAIM", "s", "g", "carol", "0", "2-0", "JUSTID")).toEqual(["2-0"])
    await r.xdel("s", "3-0")
    expect(await r.call("XAUTOCLAIM", "s", "g", "carol", "0", "0", "COUNT", "10")).toEqual([
      "0-0",
      [
        ["2-0", ["f", "2"]],
        ["4-0", ["f", "4"]]
      ],
      ["3-0"]
    ])
    const consumers = (await r.call("XINFO", "CONSUMERS", "s", "g")) as Array<Array<unknown>>
    expect(consumers.map((c) => [c[1], c[3]])).toEqual([
      ["alice", 0],
      ["bob", 0],
      ["carol", 2]
    ])
    const groups = (await r.call("XINFO", "GROUPS", "s")) as Array<Array<unknown>>
    expect(groups[0]).toEqual(["name", "g", "consumers", 3, "pending", 2, "last-delivered-id", "4-0", "entries-read", 4, "lag", 0])
  })

  it("XREAD replies a map in RESP3", async () => {
    await r.xadd("s", "1-0", "f", "v")
    const raw = await RawClient.connect(s.port)
    try {
      raw.write(cmd("HELLO", "3"))
      await raw.until((t) => t.includes("modules"))
      raw.take()
      raw.write(cmd("XREAD", "STREAMS", "s", "0"))
      const expected = "%1\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"
      expect(await raw.until((t) => t.length >= expected.length)).toBe(expected)
    } finally {
      raw.socket.destroy()
    }
  })

  describe("blocking", () => {
    const blockedClients = () => s.server.blockedClients

    it("XREAD BLOCK with $ is served by the next XADD only", async () => {
      await r.xadd("s", "1-0", "old", "1")
      const waiter = await connect()
      const pending = waiter.call("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
      await waitFor("XREAD to block", () => blockedClients() === 1)
      await r.xadd("s", "2-0", "new", "2")
      expect(await pending).toEqual([["s", [["2-0", ["new", "2"]]]]])
      expect(blockedClients()).toBe(0)
    })

    it("serves blocked readers in the order they blocked, each XREADGROUP reader its own entry", async () => {
      await r.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
      const a = await connect()
      const b = await connect()
      const first = a.call("XREADGROUP", "GROUP", "g", "a", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", ">")
      await waitFor("a to block", () => blockedClients() === 1)
      const second = b.call("XREADGROUP", "GROUP", "g", "b", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", ">")
      await waitFor("b to block", () => blockedClients() === 2)
      await r.multi().xadd("s", "1-0", "n", "1").xadd("s", "2-0", "n", "2").exec()
      expect(await first).toEqual([["s", [["1-0", ["n", "1"]]]]])
      expect(await second).toEqual([["s", [["2-0", ["n", "2"]]]]])
    })

    it("times out with a null array, and CLIENT UNBLOCK ends it the same way", async () => {
      const waiter = await connect()
      expect(await waiter.call("XREAD", "BLOCK", "20", "STREAMS", "s", "$")).toBeNull()
      const id = await waiter.client("ID")
      const pending = waiter.call("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
      await waitFor("XREAD to block", () => blockedClients() === 1)
      expect(await r.client("UNBLOCK", id)).toBe(1)
      expect(await pending).toBeNull()
      const again = errorOf(waiter.call("XREAD", "BLOCK", "0", "STREAMS", "s", "$"))
      await waitFor("XREAD to block", () => blockedClients() === 1)
      expect(await r.client("UNBLOCK", id, "ERROR")).toBe(1)
      expect(await again).toBe("UNBLOCKED client unblocked via CLIENT UNBLOCK")
    })

    it("XREADGROUP gets NOGROUP when its key is deleted or its group destroyed, WRONGTYPE when the key changes type", async () => {
      const waiter = await connect()
      const cases: Array<[() => Promise<unknown>, string]> = [
        [() => r.del("s"), "NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option"],
        [() => r.call("XGROUP", "DESTROY", "s", "g"), "NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option"],
        [() => r.set("s", "now a string"), "WRONGTYPE Operation against a key holding the wrong kind of value"]
      ]
      for (const [change, error] of cases) {
        await r.del("s")
        await r.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        const pending = errorOf(waiter.call("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"))
        await waitFor("XREADGROUP to block", () => blockedClients() === 1)
        await change()
        expect(await pending).toBe(error)
      }
      // XREAD stays blocked when its key changes type, and is served by a stream again.
      await r.del("s")
      const reader = waiter.call("XREAD", "BLOCK", "0", "STREAMS", "s", "0")
      await waitFor("XREAD to block", () => blockedClients() === 1)
      await r.set("s", "string")
      await r.del("s")
      await r.xadd("s", "1-0", "a", "b")
      expect(await reader).toEqual([["s", [["1-0", ["a", "b"]]]]])
    })

    it("XREADGROUP re-runs when SWAPDB swaps its key away: NOGROUP, or WRONGTYPE for another type", async () => {
      const waiter = await connect()
      for (const [other, error] of [
        [null, "NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option"],
        ["list", "WRONGTYPE Operation against a key holding the wrong kind of value"]
      ] as const) {
        await r.select(4)
        await r.flushdb()
        if (other === "list") await r.lpush("s", "e1")
        await r.select(0)
        await r.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        const pending = errorOf(waiter.call("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"))
        await waitFor("XREADGROUP to block", () => blockedClients() === 1)
        await r.swapdb(0, 4)
        expect(await pending).toBe(error)
        await r.flushall()
      }
    })

    it("never blocks inside MULTI", async () => {
      const tx = await r.multi().call("XREAD", "BLOCK", "0", "STREAMS", "s", "$").exec()
      expect(tx).toEqual([[null, null]])
    })
  })

  it("publishes keyspace notifications", async () => {
    await r.config("SET", "notify-keyspace-events", "Et")
    const sub = await connect()
    const events: Array<string> = []
    sub.on("message", (_channel: string, message: string) => events.push(message))
    await sub.subscribe("__keyevent@0__:xadd", "__keyevent@0__:xtrim", "__keyevent@0__:xdel", "__keyevent@0__:xgroup-create")
    await sub.subscribe("__keyevent@0__:xgroup-createconsumer", "__keyevent@0__:xsetid", "__keyevent@0__:xgroup-destroy")
    await r.xadd("s", "MAXLEN", "1", "1-0", "a", "b")
    await r.xadd("s", "MAXLEN", "1", "2-0", "a", "b")
    await r.xdel("s", "2-0")
    await r.call("XGROUP", "CREATE", "s", "g", "0")
    await r.call("XGROUP", "CREATECONSUMER", "s", "g", "c")
    await r.call("XSETID", "s", "9-0")
    await r.call("XGROUP", "DESTROY", "s", "g")
    await waitFor("the events", () => events.length === 8)
    expect(events).toEqual(["s", "s", "s", "s", "s", "s", "s", "s"])
    await r.config("SET", "notify-keyspace-events", "")
  })

  it("works with the generic key commands", async () => {
    await r.xadd("s", "1-0", "a", "b")
    await r.call("XGROUP", "CREATE", "s", "g", "0")
    expect(await r.type("s")).toBe("stream")
    expect(await r.object("ENCODING", "s")).toBe("stream")
    await r.set("str", "x")
    expect(await r.scan("0", "TYPE", "stream")).toEqual(["0", ["s"]])
    expect(await r.copy("s", "s2")).toBe(1)
    await r.xadd("s2", "2-0", "c", "d")
    expect(await r.xlen("s")).toBe(1)
    expect(await r.call("XINFO", "GROUPS", "s2")).toHaveLength(1)
    expect(await r.rename("s2", "s3")).toBe("OK")
    expect(await r.move("s3", 1)).toBe(1)
    expect(await r.expire("s", 100)).toBe(1)
    expect(await r.ttl("s")).toBeGreaterThan(0)
    expect(Number(await r.memory("USAGE", "s"))).toBeGreaterThan(0)
    expect(await r.debug("OBJECT", "s")).toContain("encoding:stream")
    const dump = await r.dumpBuffer("s")
    await r.restore("restored", 0, dump)
    expect(await r.call("XINFO", "STREAM", "restored", "FULL")).toEqual(await r.call("XINFO", "STREAM", "s", "FULL"))
    const before = await r.call("XINFO", "STREAM", "s", "FULL")
    expect(await r.debug("RELOAD")).toBe("OK")
    expect(await r.call("XINFO", "STREAM", "s", "FULL")).toEqual(before)
    expect(await r.unlink("s", "restored")).toBe(2)
  })

  it("COMMAND INFO and GETKEYS know the stream commands", async () => {
    const info = (await r.command("INFO", "xreadgroup")) as Array<Array<unknown>>
    expect(info[0].slice(0, 3)).toEqual(["xreadgroup", -7, ["write", "blocking", "movablekeys"]])
    expect(await r.call("COMMAND", "GETKEYS", "XREAD", "COUNT", "2", "STREAMS", "a", "b", "0", "0")).toEqual(["a", "b"])
  })
})

/** XINFO STREAM FULL with the consumers' seen-time and active-time (other than -1) masked. */
const withoutConsumerTimes = (reply: unknown): unknown => {
  if (!Array.isArray(reply)) return reply
  return reply.map((item, i) =>
    i > 0 && (reply[i - 1] === "seen-time" || reply[i - 1] === "active-time") && item !== -1 ? "*" : withoutConsumerTimes(item)
  )
}

describe("streams in the AOF", () => {
  it("logs generated IDs, exact trims and group reads as Valkey propagates them, and loads them back", async () => {
    const dir = tempDir("streams-aof")
    const config = ["appendonly yes", "appendfsync always", "aof-use-rdb-preamble no", "stream-node-max-entries 10", `dir ${dir}`].join("\n") + "\n"
    const kf = await start({ config })
    const r = new Redis({ port: kf.port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 })
    await r.connect()
    let before: unknown
    try {
      const id = await r.xadd("s", "*", "f", "v")
      for (let i = 0; i < 30; i++) await r.xadd("s", "*", "f", String(i))
      await r.xadd("s", "MAXLEN", "~", "15", "*", "f", "last")
      await r.call("XGROUP", "CREATE", "s", "g", "0")
      await r.call("XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">")
      await r.call("XREADGROUP", "GROUP", "g", "bob", "NOACK", "COUNT", "1", "STREAMS", "s", ">")
      // The command name as the client sent it (ioredis: lower case), the rest as propagated.
      const aof = lastIncrCommands(path.join(dir, "appendonlydir")).map(([name, ...args]) => [name.toUpperCase(), ...args].join(" "))
      expect(aof).toContain(`XADD s ${id} f v`)
      expect(aof.some((c) => c.includes("*"))).toBe(false)
      // `~ 15` removed one node of 10 entries: 22 remain, and the AOF says so exactly.
      expect(aof.some((c) => /^XADD s MAXLEN = 22 \d+-\d+ f last$/.test(c))).toBe(true)
      expect(aof.filter((c) => c.startsWith("XCLAIM s g alice 0 ")).length).toBe(2)
      expect(aof.some((c) => /^XCLAIM s g alice 0 \d+-\d+ TIME \d+ RETRYCOUNT 1 FORCE JUSTID LASTID \d+-\d+$/.test(c))).toBe(true)
      expect(aof.some((c) => c.startsWith("XGROUP SETID s g ") && c.includes(" ENTRIESREAD "))).toBe(true)
      expect(aof).toContain("XGROUP CREATECONSUMER s g bob")
      expect(aof.some((c) => c.startsWith("XREADGROUP"))).toBe(false)
      // An empty stream never written, and one whose last entry was deleted (rewritten with XSETID).
      await r.call("XGROUP", "CREATE", "empty", "g", "$", "MKSTREAM")
      await r.xadd("d", "1-0", "a", "b")
      await r.xadd("d", "2-0", "a", "b")
      await r.xdel("d", "2-0")
      before = await Promise.all(["s", "empty", "d"].map((k) => r.call("XINFO", "STREAM", k, "FULL")))
      // A rewrite in the commands form (rewriteStreamObject), then a restart that loads it.
      await r.bgrewriteaof()
      await waitFor("the rewrite", async () => (await r.info("persistence")).includes("aof_rewrite_in_progress:0") && (await r.info("persistence")).includes("aof_last_bgrewrite_status:ok"))
    } finally {
      r.disconnect()
      await kf.close()
    }
    const again = await start({ config })
    const r2 = new Redis({ port: again.port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 })
    await r2.connect()
    try {
      // A replayed XCLAIM makes its consumer seen and active at load time, in Valkey too.
      const after = await Promise.all(["s", "empty", "d"].map((k) => r2.call("XINFO", "STREAM", k, "FULL")))
      expect(withoutConsumerTimes(after)).toEqual(withoutConsumerTimes(before))
    } finally {
      r2.disconnect()
      await again.close()
    }
  }, 30_000)
})
