import { Redis } from "ioredis"
import { createClient } from "redis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RawClient } from "./support/raw.js"
import { cmd } from "./support/resp.js"
import { type RunningServer, startServer } from "./support/server.js"
import { waitFor } from "./support/waitFor.js"

/** Sends a command and waits for exactly `expected` bytes, which must be what arrives. */
const exchange = async (c: RawClient, expected: string, ...args: Array<string>): Promise<void> => {
  expect(await c.request(cmd(...args), expected)).toBe(expected)
}

const arr = (...items: Array<string | number | null>): string => {
  let out = `*${items.length}\r\n`
  for (const item of items) {
    if (item === null) out += "$-1\r\n"
    else if (typeof item === "number") out += `:${item}\r\n`
    else out += `$${item.length}\r\n${item}\r\n`
  }
  return out
}
const push = (...items: Array<string | number | null>): string => ">" + arr(...items).slice(1).replace("$-1\r\n", "_\r\n")

describe("Pub/Sub", () => {
  let s: RunningServer
  beforeAll(async () => {
    s = await startServer()
  })
  afterAll(() => s.close())

  it("RESP2 exact bytes: subscribe, message, pmessage, unsubscribe", async () => {
    const sub = await RawClient.connect(s.port)
    const pub = await RawClient.connect(s.port)
    await exchange(sub, arr("subscribe", "a", 1) + arr("subscribe", "b", 2), "SUBSCRIBE", "a", "b")
    await exchange(sub, arr("psubscribe", "a*", 3), "PSUBSCRIBE", "a*")
    // Subscribing twice keeps the count.
    await exchange(sub, arr("subscribe", "a", 3), "SUBSCRIBE", "a")
    sub.take()
    await exchange(pub, ":2\r\n", "PUBLISH", "a", "hello")
    const expected = arr("message", "a", "hello") + arr("pmessage", "a*", "a", "hello")
    expect(await sub.until((t) => t.length >= expected.length)).toBe(expected)
    sub.take()
    await exchange(pub, ":0\r\n", "PUBLISH", "zzz", "x")
    // Unsubscribing from all goes in subscription order here (Valkey's is its dict's order).
    await exchange(sub, arr("unsubscribe", "a", 2) + arr("unsubscribe", "b", 1), "UNSUBSCRIBE")
    await exchange(sub, arr("unsubscribe", null, 1), "UNSUBSCRIBE")
    await exchange(sub, arr("punsubscribe", "nope", 1), "PUNSUBSCRIBE", "nope")
    await exchange(sub, arr("punsubscribe", "a*", 0), "PUNSUBSCRIBE")
    // Subscribed to nothing now: Valkey 8 refuses the unsubscribe commands (Redis 7.0 replied
    // with an empty unsubscribe each).
    for (const name of ["unsubscribe", "punsubscribe", "sunsubscribe"]) {
      await exchange(sub, `-NOSUB '${name}' command executed not in subscribed mode\r\n`, name.toUpperCase())
    }
    // No longer subscribed: normal commands work again.
    await exchange(sub, "+PONG\r\n", "PING")
    sub.close()
    pub.close()
  })

  it("RESP2 subscribed mode allows only (P|S)(UN)SUBSCRIBE, PING, QUIT, RESET", async () => {
    const c = await RawClient.connect(s.port)
    await exchange(c, arr("subscribe", "x", 1), "SUBSCRIBE", "x")
    await exchange(
      c,
      "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
      "GET",
      "k"
    )
    await exchange(
      c,
      "-ERR Can't execute 'pubsub|numpat': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
      "PUBSUB",
      "NUMPAT"
    )
    await exchange(c, arr("pong", ""), "PING")
    await exchange(c, arr("pong", "hi"), "PING", "hi")
    await exchange(c, arr("ssubscribe", "sh", 1), "SSUBSCRIBE", "sh")
    await exchange(c, "+RESET\r\n", "RESET")
    // RESET dropped every subscription.
    await exchange(c, "$-1\r\n", "GET", "k")
    await exchange(c, ":0\r\n", "PUBLISH", "x", "m")
    await exchange(c, "+OK\r\n", "QUIT")
    c.close()
  })

  it("SUBSCRIBE inside MULTI/EXEC: the pushes sit at the command's place in the EXEC array", async () => {
    const c = await RawClient.connect(s.port)
    c.write(cmd("MULTI") + cmd("SUBSCRIBE", "t1", "t2") + cmd("EXEC"))
    // EXEC's array counts one reply; SUBSCRIBE's two confirmations follow at its place, as Valkey
    // writes them.
    const expected = "+OK\r\n+QUEUED\r\n*1\r\n" + arr("subscribe", "t1", 1) + arr("subscribe", "t2", 2)
    expect(await c.until((t) => t.length >= expected.length)).toBe(expected)
    // Subscribed after EXEC: RESP2 restrictions apply.
    await exchange(c, arr("pong", ""), "PING")
    c.close()
    // Queued while subscribed to nothing, an UNSUBSCRIBE is refused (-NOSUB) and aborts the
    // transaction, as in Valkey 8.
    const d = await RawClient.connect(s.port)
    d.write(cmd("MULTI") + cmd("SUBSCRIBE", "t1") + cmd("UNSUBSCRIBE", "t1") + cmd("EXEC"))
    const aborted =
      "+OK\r\n+QUEUED\r\n-NOSUB 'unsubscribe' command executed not in subscribed mode\r\n" +
      "-EXECABORT Transaction discarded because of previous errors.\r\n"
    expect(await d.until((t) => t.length >= aborted.length)).toBe(aborted)
    d.close()
  })

  it("CLIENT LIST TYPE pubsub and CLIENT KILL TYPE pubsub", async () => {
    const sub = await RawClient.connect(s.port)
    const q = new Redis(s.port)
    await exchange(sub, arr("psubscribe", "kill*", 1), "PSUBSCRIBE", "kill*")
    const pubsubList = (await q.call("CLIENT", "LIST", "TYPE", "pubsub")) as string
    expect(pubsubList.trim().split("\n")).toHaveLength(1)
    expect(pubsubList).toContain(" flags=P db=0 sub=0 psub=1 ssub=0 ")
    expect(((await q.call("CLIENT", "LIST", "TYPE", "normal")) as string).includes("psub=1")).toBe(false)
    expect(await q.client("KILL", "TYPE", "pubsub")).toBe(1)
    await sub.until(() => false, 5000).catch(() => undefined)
    expect(sub.closed).toBe(true)
    expect(await q.call("PUBSUB", "NUMPAT")).toBe(0)
    q.disconnect()
  })

  it("a subscriber past the pubsub output buffer limit is disconnected; normal clients use their own class", async () => {
    const q = new Redis(s.port)
    await q.config("SET", "client-output-buffer-limit", "pubsub 1024 0 0")
    try {
      const sub = await RawClient.connect(s.port)
      await exchange(sub, arr("subscribe", "big", 1), "SUBSCRIBE", "big")
      // Never read: the socket's pending bytes plus this message pass the hard limit.
      sub.socket.pause()
      const big = "x".repeat(64 * 1024)
      expect(await q.publish("big", big)).toBe(1)
      await waitFor("the subscriber to be closed", async () => ((await q.call("PUBSUB", "NUMSUB", "big")) as Array<unknown>)[1] === 0)
      // A normal client reading as much is fine (normal class: no limit).
      await q.set("bigkey", big)
      expect(await q.get("bigkey")).toBe(big)
      sub.close()
    } finally {
      await q.config("SET", "client-output-buffer-limit", "pubsub 33554432 8388608 60")
      q.disconnect()
    }
  })

  it("RESP3 exact bytes: pushes, and no restrictions while subscribed", async () => {
    const c = await RawClient.connect(s.port)
    c.write(cmd("HELLO", "3"))
    await c.until((t) => t.includes("modules"))
    c.take()
    await exchange(c, push("subscribe", "r3", 1), "SUBSCRIBE", "r3")
    await exchange(c, "+PONG\r\n", "PING")
    await exchange(c, "_\r\n", "GET", "nokey")
    // A client publishing to itself gets the message before the PUBLISH reply.
    await exchange(c, push("message", "r3", "m") + ":1\r\n", "PUBLISH", "r3", "m")
    await exchange(c, push("psubscribe", "r?", 2), "PSUBSCRIBE", "r?")
    c.take()
    c.write(cmd("UNSUBSCRIBE", "r3") + cmd("PUNSUBSCRIBE"))
    const first = push("unsubscribe", "r3", 1) + push("punsubscribe", "r?", 0)
    expect(await c.until((t) => t.length >= first.length)).toBe(first)
    c.take()
    c.write(cmd("UNSUBSCRIBE", "r3") + cmd("PUNSUBSCRIBE"))
    // Subscribed to nothing: Valkey 8's -NOSUB, in RESP3 too.
    const expected =
      "-NOSUB 'unsubscribe' command executed not in subscribed mode\r\n-NOSUB 'punsubscribe' command executed not in subscribed mode\r\n"
    expect(await c.until((t) => t.length >= expected.length)).toBe(expected)
    c.close()
  })

  it("pattern matching follows the glob rules", async () => {
    const sub = await RawClient.connect(s.port)
    const pub = await RawClient.connect(s.port)
    await exchange(
      sub,
      arr("psubscribe", "news.*", 1) + arr("psubscribe", "h?llo", 2) + arr("psubscribe", "h[ae]y", 3) + arr("psubscribe", "lit\\*", 4),
      "PSUBSCRIBE",
      "news.*",
      "h?llo",
      "h[ae]y",
      "lit\\*"
    )
    const cases: Array<[string, number]> = [
      ["news.tech", 1],
      ["news", 0],
      ["hello", 1],
      ["hallo", 1],
      ["hllo", 0],
      ["hey", 1],
      ["hiy", 0],
      ["lit*", 1],
      ["lite", 0]
    ]
    for (const [channel, n] of cases) {
      sub.take()
      await exchange(pub, `:${n}\r\n`, "PUBLISH", channel, "p")
    }
    sub.close()
    pub.close()
  })

  it("PUBSUB CHANNELS, NUMSUB, NUMPAT, SHARDCHANNELS, SHARDNUMSUB, HELP; INFO and CLIENT LIST", async () => {
    const a = await RawClient.connect(s.port)
    const b = await RawClient.connect(s.port)
    const q = new Redis(s.port)
    await exchange(a, arr("subscribe", "ch1", 1) + arr("subscribe", "ch2", 2), "SUBSCRIBE", "ch1", "ch2")
    await exchange(b, arr("subscribe", "ch1", 1), "SUBSCRIBE", "ch1")
    await exchange(b, arr("psubscribe", "p*", 2), "PSUBSCRIBE", "p*")
    await exchange(b, arr("ssubscribe", "s1", 1), "SSUBSCRIBE", "s1")
    expect((await q.call("PUBSUB", "CHANNELS")) as Array<string>).toEqual(expect.arrayContaining(["ch1", "ch2"]))
    expect(await q.call("PUBSUB", "CHANNELS", "*2")).toEqual(["ch2"])
    expect(await q.call("PUBSUB", "NUMSUB", "ch1", "ch2", "nope")).toEqual(["ch1", 2, "ch2", 1, "nope", 0])
    expect(await q.call("PUBSUB", "NUMSUB")).toEqual([])
    expect(await q.call("PUBSUB", "NUMPAT")).toBe(1)
    expect(await q.call("PUBSUB", "SHARDCHANNELS")).toEqual(["s1"])
    expect(await q.call("PUBSUB", "SHARDNUMSUB", "s1", "s2")).toEqual(["s1", 1, "s2", 0])
    expect(await q.call("SPUBLISH", "s1", "x")).toBe(1)
    expect(await b.until((t) => t.includes("smessage"))).toContain(arr("smessage", "s1", "x"))
    await expect(q.call("PUBSUB", "CHANNELS", "a", "b")).rejects.toThrow(
      "ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP."
    )
    await expect(q.call("PUBSUB", "NUMPAT", "x")).rejects.toThrow("ERR wrong number of arguments for 'pubsub|numpat' command")
    const help = (await q.call("PUBSUB", "HELP")) as Array<string>
    expect(help[0]).toBe("PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
    expect(help).toContain("SHARDNUMSUB [<shardchannel> ...]")
    const info = (await q.info("stats")) as string
    expect(info).toContain("pubsub_channels:2\r\n")
    expect(info).toContain("pubsub_patterns:1\r\n")
    expect(info).toContain("pubsubshard_channels:1\r\n")
    expect(await q.info("clients")).toContain("pubsub_clients:2\r\n")
    const list = (await q.client("LIST")) as string
    const line = list.split("\n").find((l) => / sub=1 psub=1 ssub=1 /.test(l))
    expect(line).toContain(" flags=P ")
    expect(list.split("\n").filter((l) => / sub=2 psub=0 ssub=0 /.test(l))).toHaveLength(1)
    // Disconnect cleanup.
    a.close()
    b.close()
    await waitFor("unsubscribe on disconnect", async () => ((await q.call("PUBSUB", "NUMSUB", "ch1")) as Array<unknown>)[1] === 0)
    expect(await q.call("PUBSUB", "CHANNELS")).toEqual([])
    expect(await q.call("PUBSUB", "NUMPAT")).toBe(0)
    expect(await q.call("PUBSUB", "SHARDCHANNELS")).toEqual([])
    expect(await q.info("clients")).toContain("pubsub_clients:0\r\n")
    expect(s.server.pubsub.clientCount).toBe(0)
    q.disconnect()
  })

  it("ioredis subscriber receives messages and pmessages", async () => {
    const sub = new Redis(s.port)
    const pub = new Redis(s.port)
    const got: Array<string> = []
    sub.on("message", (channel, message) => got.push(`message ${channel} ${message}`))
    sub.on("pmessage", (pattern, channel, message) => got.push(`pmessage ${pattern} ${channel} ${message}`))
    expect(await sub.subscribe("io1", "io2")).toBe(2)
    expect(await sub.psubscribe("io*")).toBe(3)
    await expect(sub.get("k")).rejects.toThrow("Connection in subscriber mode")
    expect(await pub.publish("io1", "one")).toBe(2)
    expect(await pub.publish("io3", "three")).toBe(1)
    await waitFor("messages", () => got.length === 3)
    expect(got).toEqual(["message io1 one", "pmessage io* io1 one", "pmessage io* io3 three"])
    // (ioredis waits forever on a bare UNSUBSCRIBE while patterns remain, with redis-server too.)
    expect(await sub.unsubscribe("io1", "io2")).toBe(1)
    expect(await sub.punsubscribe()).toBe(0)
    expect(await sub.ping()).toBe("PONG")
    sub.disconnect()
    pub.disconnect()
  })

  for (const RESP of [2, 3] as const) {
    it(`node-redis subscriber over RESP${RESP}`, async () => {
      const sub = createClient({ socket: { port: s.port, host: "127.0.0.1" }, RESP })
      const pub = createClient({ socket: { port: s.port, host: "127.0.0.1" }, RESP })
      await sub.connect()
      await pub.connect()
      const got: Array<string> = []
      const nr = `nr${RESP}`
      await sub.subscribe(nr, (message, channel) => got.push(`${channel}:${message}`))
      await sub.pSubscribe(`${nr}.*`, (message, channel) => got.push(`p ${channel}:${message}`))
      await sub.sSubscribe(`${nr}s`, (message, channel) => got.push(`s ${channel}:${message}`))
      expect(await pub.publish(nr, "a")).toBe(1)
      expect(await pub.publish(`${nr}.x`, "b")).toBe(1)
      expect(await pub.sPublish(`${nr}s`, "c")).toBe(1)
      await waitFor("messages", () => got.length === 3)
      expect(got).toEqual([`${nr}:a`, `p ${nr}.x:b`, `s ${nr}s:c`])
      expect(await pub.pubSubNumSub([nr])).toEqual({ [nr]: 1 })
      expect(await pub.pubSubNumPat()).toBe(1)
      await sub.unsubscribe(nr)
      await sub.pUnsubscribe()
      await sub.sUnsubscribe()
      expect(await pub.publish(nr, "a")).toBe(0)
      expect(await pub.pubSubNumPat()).toBe(0)
      await sub.quit()
      await pub.quit()
    })
  }
})
