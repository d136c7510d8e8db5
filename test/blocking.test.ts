import { assert, it as effectIt } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { BlockOutcome } from "../src/blocking/BlockedClient.js"
import { ServerCore } from "../src/layers/ServerCore.js"
import { ListValue } from "../src/keyspace/ListValue.js"
import { NULL_ARRAY, type Reply } from "../src/protocol/Reply.js"
import type { Client } from "../src/server/Client.js"
import type { Server } from "../src/server/Server.js"
import { RawClient } from "./support/raw.js"
import { type RunningServer, startServer } from "./support/server.js"
import { waitFor } from "./support/waitFor.js"
import { cmd } from "./support/resp.js"

const bulk = (s: string) => `$${s.length}\r\n${s}\r\n`
const arr = (...items: Array<string>) => `*${items.length}\r\n${items.join("")}`
const int = (n: number) => `:${n}\r\n`
const NULL_ARR = "*-1\r\n"

describe("blocking list commands (real clients)", () => {
  let s: RunningServer
  const open: Array<RawClient> = []
  const connect = async () => {
    const c = await RawClient.connect(s.port)
    open.push(c)
    await c.request(cmd("PING"), "+PONG\r\n")
    return c
  }
  /** The server-side client behind a RawClient. */
  const serverSide = (c: RawClient): Client =>
    Array.from(s.server.clients.values()).find((x) => x.addr.endsWith(":" + c.socket.localPort))!
  const send = async (c: RawClient, args: Array<string>, expected: string) => {
    expect(await c.request(cmd(...args), expected)).toBe(expected)
  }
  /** Sends a blocking command and waits until the server shows `blocked` blocked clients. */
  const block = async (c: RawClient, args: Array<string>, blocked: number) => {
    c.take()
    c.write(cmd(...args))
    await waitFor("the clients to block", () => s.server.blockedClients === blocked)
  }
  const expectReply = async (c: RawClient, expected: string) => {
    const got = await c.until((t) => t.length >= expected.length)
    c.take()
    expect(got).toBe(expected)
  }
  /**
   * Runs commands as one EXEC body does: nested, blocking denied, ready keys served once after the
   * last one (Valkey's `call` for each queued command). Returns the replies.
   */
  const execLike = (c: RawClient, commands: Array<Array<string>>): Array<Reply> => {
    const client = serverSide(c)
    const server = s.server
    client.denyBlocking = true
    server.nesting++
    const replies = commands.map((argv) => {
      const spec = server.dispatcher.lookup(argv)
      if (typeof spec === "string") throw new Error(spec)
      return server.dispatcher.call(client, spec, argv) as Reply
    })
    server.nesting--
    client.denyBlocking = false
    server.blocker!.serveReadyKeys()
    server.endOfTick()
    return replies
  }

  beforeAll(async () => {
    s = await startServer()
  })
  afterAll(async () => {
    for (const c of open) c.close()
    await s.close()
  })

  it("serves waiters FIFO; a waiter without data keeps its place", async () => {
    const [a, b, c, p] = [await connect(), await connect(), await connect(), await connect()]
    await block(a, ["BLPOP", "fifo", "0"], 1)
    await block(b, ["BLPOP", "fifo", "0"], 2)
    await block(c, ["BLPOP", "fifo", "0"], 3)
    await send(p, ["LPUSH", "fifo", "a", "b", "c"], int(3))
    await expectReply(a, arr(bulk("fifo"), bulk("c")))
    await expectReply(b, arr(bulk("fifo"), bulk("b")))
    await expectReply(c, arr(bulk("fifo"), bulk("a")))
    await send(p, ["LLEN", "fifo"], int(0))
    expect(s.server.blockedClients).toBe(0)

    await block(a, ["BLPOP", "fifo2", "0"], 1)
    await block(b, ["BLPOP", "fifo2", "0"], 2)
    await block(c, ["BLPOP", "fifo2", "0"], 3)
    await send(p, ["LPUSH", "fifo2", "a", "b"], int(2))
    await expectReply(a, arr(bulk("fifo2"), bulk("b")))
    await expectReply(b, arr(bulk("fifo2"), bulk("a")))
    await waitFor("one blocked client", () => s.server.blockedClients === 1)
    expect(serverSide(c).isBlocked).toBe(true)
    await send(p, ["RPUSH", "fifo2", "z"], int(1))
    await expectReply(c, arr(bulk("fifo2"), bulk("z")))
  })

  it("the LPUSH reply comes first and serving happens after the command", async () => {
    const [a, p] = [await connect(), await connect()]
    await block(a, ["BLPOP", "blist", "0"], 1)
    await send(p, ["LPUSH", "blist", "foo", "bar"], int(2))
    await expectReply(a, arr(bulk("blist"), bulk("bar")))
    await send(p, ["LRANGE", "blist", "0", "-1"], arr(bulk("foo")))
    await send(p, ["DEL", "blist"], int(1))
  })

  it("serves once after a whole EXEC body", async () => {
    const [a, p] = [await connect(), await connect()]
    await block(a, ["BLPOP", "tx", "0"], 1)
    execLike(p, [["LPUSH", "tx", "a"], ["LPUSH", "tx", "b"], ["LPUSH", "tx", "c"]])
    await expectReply(a, arr(bulk("tx"), bulk("c")))
    await send(p, ["DEL", "tx"], int(1))

    await block(a, ["BLPOP", "tx", "0"], 1)
    expect(execLike(p, [["LPUSH", "tx", "a"], ["DEL", "tx"]])).toEqual([1, 1])
    execLike(p, [["LPUSH", "tx", "a"], ["DEL", "tx"], ["SET", "tx", "str"]])
    expect(serverSide(a).isBlocked).toBe(true)
    await send(p, ["DEL", "tx"], int(1))
    await send(p, ["RPUSH", "tx", "z"], int(1))
    await expectReply(a, arr(bulk("tx"), bulk("z")))
  })

  it("real MULTI/EXEC serves after EXEC, when transactions exist", async (ctx) => {
    if (!s.server.commands.has("multi")) return ctx.skip()
    const [a, p] = [await connect(), await connect()]
    await block(a, ["BLPOP", "mx", "0"], 1)
    p.write(cmd("MULTI") + cmd("LPUSH", "mx", "a") + cmd("LPUSH", "mx", "b") + cmd("LPUSH", "mx", "c") + cmd("EXEC"))
    await expectReply(a, arr(bulk("mx"), bulk("c")))
    await p.until((t) => t.endsWith(arr(int(1), int(2), int(3))))
    p.take()
    await send(p, ["MULTI"], "+OK\r\n")
    await send(p, ["BLPOP", "empty", "0"], "+QUEUED\r\n")
    await send(p, ["BLMOVE", "empty", "d", "LEFT", "LEFT", "0"], "+QUEUED\r\n")
    await send(p, ["EXEC"], arr(NULL_ARR, "$-1\r\n"))
    await send(p, ["DEL", "mx"], int(1))
  })

  it("keeps fairness during a nested unblock (list.tcl)", async () => {
    const [a, b, c, p] = [await connect(), await connect(), await connect(), await connect()]
    await block(a, ["BRPOPLPUSH", "n1", "n3", "0"], 1)
    await block(b, ["BLPOP", "n2", "0"], 2)
    await block(c, ["BLMPOP", "0", "2", "n2", "n3", "LEFT", "COUNT", "1"], 3)
    p.write(cmd("MULTI") + cmd("LPUSH", "n1", "1") + cmd("LPUSH", "n2", "2") + cmd("EXEC"))
    await expectReply(a, bulk("1"))
    await expectReply(b, arr(bulk("n2"), bulk("2")))
    await expectReply(c, arr(bulk("n3"), arr(bulk("1"))))
    await p.until((t) => t.endsWith(arr(int(1), int(1))))
    expect(s.server.blockedClients).toBe(0)
  })

  it("a blocked command ended by CLIENT UNBLOCK TIMEOUT counts one call, not rejected", async () => {
    const [a, p] = [await connect(), await connect()]
    const stat = s.server.stats.command("blpop")
    const [calls, rejected, failed] = [stat.calls, stat.rejectedCalls, stat.failedCalls]
    await block(a, ["BLPOP", "cs", "0"], 1)
    await send(p, ["CLIENT", "UNBLOCK", String(serverSide(a).id), "TIMEOUT"], int(1))
    await expectReply(a, NULL_ARR)
    const after = s.server.stats.command("blpop")
    expect([after.calls, after.rejectedCalls, after.failedCalls]).toEqual([calls + 1, rejected, failed])
  })

  it("a re-run looks at keys in argument order", async () => {
    const [a, p] = [await connect(), await connect()]
    await block(a, ["BLPOP", "ob", "oa", "0"], 1)
    execLike(p, [["RPUSH", "oa", "x"], ["RPUSH", "ob", "y"]])
    await expectReply(a, arr(bulk("ob"), bulk("y")))
    await send(p, ["DEL", "oa"], int(1))
  })

  it("never blocks when blocking is denied, with Valkey's reply shapes", async () => {
    const p = await connect()
    expect(execLike(p, [["BLPOP", "empty", "0"], ["BRPOP", "empty", "0"], ["BLMPOP", "0", "1", "empty", "LEFT"]])).toEqual([
      NULL_ARRAY,
      NULL_ARRAY,
      NULL_ARRAY
    ])
    expect(execLike(p, [["BLMOVE", "empty", "d", "LEFT", "LEFT", "0"], ["BRPOPLPUSH", "empty", "d", "0"]])).toEqual([null, null])
    expect(s.server.blockedClients).toBe(0)
    await send(p, ["LPUSH", "xlist", "foo"], int(1))
    await send(p, ["LPUSH", "xlist", "bar"], int(2))
    const replies = execLike(p, [
      ["BRPOPLPUSH", "xlist", "target", "0"],
      ["BRPOPLPUSH", "xlist", "target", "0"],
      ["BRPOPLPUSH", "xlist", "target", "0"],
      ["LRANGE", "xlist", "0", "-1"],
      ["LRANGE", "target", "0", "-1"]
    ])
    expect(replies).toEqual(["foo", "bar", null, [], ["bar", "foo"]])
    await send(p, ["DEL", "target"], int(1))
    // A timed-out BRPOPLPUSH replies a null array, not a null bulk.
    await send(p, ["BRPOPLPUSH", "nothing", "b", "0.02"], NULL_ARR)
  })

  it("self-referential BRPOPLPUSH rotates the list", async () => {
    const [a, p] = [await connect(), await connect()]
    await block(a, ["BRPOPLPUSH", "self", "self", "0"], 1)
    await send(p, ["RPUSH", "self", "foo"], int(1))
    await expectReply(a, bulk("foo"))
    await send(p, ["LRANGE", "self", "0", "-1"], arr(bulk("foo")))
    await send(p, ["DEL", "self"], int(1))
  })

  it("linked LMOVEs, circular BRPOPLPUSH and BLMOVE into a BLPOPed key (blocked.c `handleClientsBlockedOnKeys`)", async () => {
    const [a, b, p] = [await connect(), await connect(), await connect()]
    await block(a, ["BLMOVE", "l1", "l2", "LEFT", "LEFT", "0"], 1)
    await block(b, ["BLMOVE", "l2", "l3", "LEFT", "LEFT", "0"], 2)
    await send(p, ["RPUSH", "l1", "foo"], int(1))
    await expectReply(a, bulk("foo"))
    await expectReply(b, bulk("foo"))
    await send(p, ["LLEN", "l1"], int(0))
    await send(p, ["LLEN", "l2"], int(0))
    await send(p, ["LRANGE", "l3", "0", "-1"], arr(bulk("foo")))
    await send(p, ["DEL", "l3"], int(1))

    await block(a, ["BRPOPLPUSH", "c1", "c2", "0"], 1)
    await block(b, ["BRPOPLPUSH", "c2", "c1", "0"], 2)
    await send(p, ["RPUSH", "c1", "foo"], int(1))
    await expectReply(a, bulk("foo"))
    await expectReply(b, bulk("foo"))
    await send(p, ["LRANGE", "c1", "0", "-1"], arr(bulk("foo")))
    await send(p, ["LLEN", "c2"], int(0))
    await send(p, ["DEL", "c1"], int(1))

    await block(a, ["BLPOP", "target", "0"], 1)
    await block(b, ["BLMOVE", "src", "target", "RIGHT", "LEFT", "0"], 2)
    await send(p, ["RPUSH", "src", "foo"], int(1))
    await expectReply(b, bulk("foo"))
    await expectReply(a, arr(bulk("target"), bulk("foo")))
    await send(p, ["LLEN", "target"], int(0))
    await send(p, ["LLEN", "src"], int(0))
  })

  it("a wrong destination type answers WRONGTYPE and the next waiter is served", async () => {
    const [a, b, p] = [await connect(), await connect(), await connect()]
    await block(a, ["BRPOPLPUSH", "wl", "target1", "0"], 1)
    await block(b, ["BRPOPLPUSH", "wl", "target2", "0"], 2)
    await send(p, ["SET", "target1", "nolist"], "+OK\r\n")
    await send(p, ["RPUSH", "wl", "foo"], int(1))
    await expectReply(a, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")
    await expectReply(b, bulk("foo"))
    await send(p, ["LRANGE", "target2", "0", "-1"], arr(bulk("foo")))
    await send(p, ["DEL", "target1", "target2"], int(2))
  })

  it("keeps fairness while pipelining", async () => {
    const [a, b] = [await connect(), await connect()]
    await block(a, ["BLPOP", "mylist", "0"], 1)
    b.write(cmd("LPUSH", "mylist", "1") + cmd("BLPOP", "mylist", "0"))
    await expectReply(a, arr(bulk("mylist"), bulk("1")))
    await expectReply(b, int(1))
    await waitFor("B to block", () => serverSide(b).isBlocked)
    // B's pipelined commands wait behind its block and run in order afterwards.
    b.write(cmd("PING") + cmd("ECHO", "after"))
    await send(a, ["RPUSH", "mylist", "2"], int(1))
    await expectReply(b, arr(bulk("mylist"), bulk("2")) + "+PONG\r\n" + bulk("after"))
  })

  it("CLIENT UNBLOCK with TIMEOUT and ERROR", async () => {
    const [a, p] = [await connect(), await connect()]
    await block(a, ["BLPOP", "ub", "0"], 1)
    const id = String(serverSide(a).id)
    await send(p, ["CLIENT", "UNBLOCK", id, "foo"], "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n")
    await send(p, ["CLIENT", "UNBLOCK", "abc", "foo"], "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n")
    await send(p, ["CLIENT", "UNBLOCK", "abc"], "-ERR value is not an integer or out of range\r\n")
    await send(p, ["CLIENT", "UNBLOCK", id], int(1))
    await expectReply(a, NULL_ARR)
    await send(p, ["CLIENT", "UNBLOCK", id], int(0))
    await send(p, ["CLIENT", "UNBLOCK", "999999"], int(0))
    await block(a, ["BLPOP", "ub", "0"], 1)
    await send(p, ["CLIENT", "UNBLOCK", id, "error"], int(1))
    await expectReply(a, "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n")
    await block(a, ["BLMOVE", "ub", "x", "LEFT", "LEFT", "0"], 1)
    a.write(cmd("PING"))
    await send(p, ["CLIENT", "UNBLOCK", id, "TIMEOUT"], int(1))
    await expectReply(a, NULL_ARR + "+PONG\r\n")
    // A failed call, as redis-server and Valkey count it (blocked.c `unblockClientOnError`).
    expect(s.server.stats.command("blpop").failedCalls).toBe(1)
    expect(s.server.stats.command("blpop").rejectedCalls).toBe(0)
  })

  it("does not serve a key that expired before serving; the deadline is kept", async () => {
    const [a, p] = [await connect(), await connect()]
    await block(a, ["BLPOP", "exp", "100"], 1)
    const again = serverSide(a).blocked!
    const deadline = again.deadline
    const client = serverSide(p)
    const server = s.server
    server.nesting++
    server.dispatcher.call(client, server.dispatcher.lookup(["RPUSH", "exp", "x"]) as never, ["RPUSH", "exp", "x"])
    const entry = server.keyspace.lookup(0, "exp")!
    server.keyspace.dbs[0].setExpire(entry, server.now() - 1)
    server.nesting--
    server.blocker!.serveReadyKeys()
    server.endOfTick()
    expect(serverSide(a).blocked).toBe(again)
    expect(again.deadline).toBe(deadline)
    expect(server.keyspace.lookup(0, "exp")).toBeUndefined()
    await send(p, ["RPUSH", "exp", "y"], int(1))
    await expectReply(a, arr(bulk("exp"), bulk("y")))
  })

  it("keys created by SWAPDB or a plain add (RENAME, COPY...) wake waiters", async () => {
    const [a, p] = [await connect(), await connect()]
    await block(a, ["BLPOP", "sw", "0"], 1)
    await send(p, ["SELECT", "1"], "+OK\r\n")
    await send(p, ["RPUSH", "sw", "from1"], int(1))
    await send(p, ["SELECT", "0"], "+OK\r\n")
    expect(serverSide(a).isBlocked).toBe(true)
    s.server.keyspace.swap(0, 1)
    s.server.blocker!.serveReadyKeys()
    s.server.endOfTick()
    await expectReply(a, arr(bulk("sw"), bulk("from1")))
    s.server.keyspace.swap(0, 1)

    await block(a, ["BLPOP", "rn", "0"], 1)
    s.server.keyspace.add(0, "rn", ListValue.of(["renamed"]))
    s.server.blocker!.serveReadyKeys()
    s.server.endOfTick()
    await expectReply(a, arr(bulk("rn"), bulk("renamed")))
  })

  it("RENAME, MOVE, COPY and SWAPDB wake waiters with real commands", async () => {
    const [a, p] = [await connect(), await connect()]
    await block(a, ["BLPOP", "dst1", "0"], 1)
    await send(p, ["RPUSH", "src1", "r"], int(1))
    await send(p, ["RENAME", "src1", "dst1"], "+OK\r\n")
    await expectReply(a, arr(bulk("dst1"), bulk("r")))

    await block(a, ["BLPOP", "dst2", "0"], 1)
    await send(p, ["RPUSH", "dst2src", "c"], int(1))
    await send(p, ["COPY", "dst2src", "dst2"], int(1))
    await expectReply(a, arr(bulk("dst2"), bulk("c")))
    await send(p, ["DEL", "dst2src"], int(1))

    await block(a, ["BLPOP", "mv", "0"], 1)
    await send(p, ["SELECT", "2"], "+OK\r\n")
    await send(p, ["RPUSH", "mv", "m"], int(1))
    await send(p, ["MOVE", "mv", "0"], int(1))
    await send(p, ["SELECT", "0"], "+OK\r\n")
    await expectReply(a, arr(bulk("mv"), bulk("m")))

    await block(a, ["BLPOP", "sw2", "0"], 1)
    await send(p, ["SELECT", "3"], "+OK\r\n")
    await send(p, ["RPUSH", "sw2", "s"], int(1))
    await send(p, ["SELECT", "0"], "+OK\r\n")
    await send(p, ["SWAPDB", "0", "3"], "+OK\r\n")
    await expectReply(a, arr(bulk("sw2"), bulk("s")))
    await send(p, ["SWAPDB", "0", "3"], "+OK\r\n")

    // FLUSHALL empties the key: a native waiter stays blocked.
    await block(a, ["BLPOP", "fl", "0"], 1)
    execLike(p, [["RPUSH", "fl", "x"], ["FLUSHALL"]])
    expect(serverSide(a).isBlocked).toBe(true)
    await send(p, ["RPUSH", "fl", "y"], int(1))
    await expectReply(a, arr(bulk("fl"), bulk("y")))
  })

  it("cleans up a blocked client that disconnects or is killed, losing nothing", async () => {
    const [a, b, p] = [await connect(), await connect(), await connect()]
    await block(a, ["BLPOP", "dc", "0"], 1)
    await block(b, ["BRPOP", "dc", "other", "0"], 2)
    expect(s.server.blocker!.totalBlockingKeys).toBe(2)
    a.close()
    await waitFor("one blocked client", () => s.server.blockedClients === 1)
    s.server.closeClient(serverSide(b), false)
    expect(s.server.blockedClients).toBe(0)
    expect(s.server.blocker!.totalBlockingKeys).toBe(0)
    await send(p, ["RPUSH", "dc", "kept"], int(1))
    await send(p, ["LRANGE", "dc", "0", "-1"], arr(bulk("kept")))
    await send(p, ["DEL", "dc"], int(1))
  })

  it("counts a blocked command once, when it completes, and keeps INFO counters", async () => {
    const [a, p] = [await connect(), await connect()]
    const before = s.server.stats.command("brpop").calls
    await block(a, ["BRPOP", "st1", "st2", "st1", "0"], 1)
    const blocker = s.server.blocker!
    expect(blocker.totalBlockingKeys).toBe(2)
    expect(blocker.clientsInTimeoutTable).toBe(0)
    expect(serverSide(a).lastCommand).toBe("brpop")
    expect(s.server.stats.command("brpop").calls).toBe(before)
    await send(p, ["RPUSH", "st2", "v"], int(1))
    await expectReply(a, arr(bulk("st2"), bulk("v")))
    expect(s.server.stats.command("brpop").calls).toBe(before + 1)
    await block(a, ["BRPOP", "st1", "0.05"], 1)
    expect(blocker.clientsInTimeoutTable).toBe(1)
    await expectReply(a, NULL_ARR)
    expect(s.server.stats.command("brpop").calls).toBe(before + 2)
    expect(blocker.clientsInTimeoutTable).toBe(0)
    expect(blocker.totalBlockingKeys).toBe(0)
  })

  it("BLMPOP serves up to COUNT elements when woken", async () => {
    const [a, p] = [await connect(), await connect()]
    await block(a, ["BLMPOP", "0", "2", "mp1", "mp2", "RIGHT", "COUNT", "2"], 1)
    await send(p, ["RPUSH", "mp2", "a", "b", "c"], int(3))
    await expectReply(a, arr(bulk("mp2"), arr(bulk("c"), bulk("b"))))
    await send(p, ["DEL", "mp2"], int(1))
  })
})

describe("blocking timeouts on Effect's Clock", () => {
  const run = (server: Server, client: Client, ...argv: Array<string>) => {
    server.dispatcher.processCommand(client, argv)
    server.endOfTick()
  }
  const settle = Effect.gen(function* () {
    for (let i = 0; i < 5; i++) yield* Effect.yieldNow
  })

  effectIt.effect("times out never early, re-arming for an earlier deadline", () =>
    Effect.gen(function* () {
      const server = yield* ServerCore.make()
      const a = server.createClient(null, "inproc:1", "inproc")
      const b = server.createClient(null, "inproc:2", "inproc")
      run(server, a, "BLPOP", "k", "10")
      yield* settle
      run(server, b, "BRPOPLPUSH", "k2", "d", "1.5")
      yield* settle
      yield* TestClock.adjust("1499 millis")
      yield* settle
      assert.isTrue(b.isBlocked)
      yield* TestClock.adjust("1 millis")
      yield* settle
      assert.isFalse(b.isBlocked)
      assert.deepStrictEqual(b.replies, [NULL_ARRAY])
      assert.isTrue(a.isBlocked)
      const record = a.blocked!
      yield* TestClock.adjust("8499 millis")
      yield* settle
      assert.isTrue(a.isBlocked)
      yield* TestClock.adjust("1 millis")
      yield* settle
      assert.isFalse(a.isBlocked)
      assert.deepStrictEqual(a.replies, [NULL_ARRAY])
      assert.strictEqual(record.result, BlockOutcome.TimedOut)
      assert.strictEqual(server.blockedClients, 0)
    })
  )

  effectIt.effect("a wake-up by a key that expired before serving keeps the first deadline", () =>
    Effect.gen(function* () {
      const server = yield* ServerCore.make()
      const a = server.createClient(null, "inproc:1", "inproc")
      const p = server.createClient(null, "inproc:2", "inproc")
      run(server, a, "BLPOP", "k", "2")
      const record = a.blocked!
      yield* TestClock.adjust("1000 millis")
      yield* settle
      // Created and already expired by the time serving looks at it (like an EXEC with PEXPIRE).
      server.nesting++
      server.dispatcher.call(p, server.dispatcher.lookup(["RPUSH", "k", "x"]) as never, ["RPUSH", "k", "x"])
      server.keyspace.dbs[0].setExpire(server.keyspace.lookup(0, "k")!, server.now())
      server.nesting--
      server.blocker!.serveReadyKeys()
      assert.strictEqual(a.blocked, record)
      yield* TestClock.adjust("999 millis")
      yield* settle
      assert.isTrue(a.isBlocked)
      yield* TestClock.adjust("1 millis")
      yield* settle
      assert.deepStrictEqual(a.replies, [NULL_ARRAY])
    })
  )
})

describe("engine API for other blockers (modules)", () => {
  const settle = Effect.gen(function* () {
    for (let i = 0; i < 5; i++) yield* Effect.yieldNow
  })

  effectIt.effect("a non-keyed block: first completion wins, the Deferred agrees, callbacks run once", () =>
    Effect.gen(function* () {
      const { server, blocking: engine } = yield* ServerCore.makeWithBlocking()
      const client = server.createClient(null, "inproc:1", "inproc")
      const seen: Array<string> = []
      const record = engine.blockClient(client, {
        deadline: server.now() + 100,
        handler: { mayTimeout: true, completed: (_r, outcome) => seen.push(outcome._tag) },
        data: "privdata"
      })
      assert.isTrue(client.isBlocked)
      assert.strictEqual(engine.clientsInTimeoutTable, 1)
      assert.strictEqual(engine.totalBlockingKeys, 0)
      const waiter = yield* Effect.forkChild(Deferred.await(record.outcome))
      yield* TestClock.adjust("100 millis")
      yield* settle
      assert.deepStrictEqual(seen, ["TimedOut"])
      assert.isFalse(engine.complete(record, BlockOutcome.Served))
      assert.deepStrictEqual(seen, ["TimedOut"])
      assert.strictEqual(yield* Fiber.join(waiter), BlockOutcome.TimedOut)
      assert.strictEqual(server.blockedClients, 0)
    })
  )

  effectIt.effect("a keyed block decides itself when a ready key serves it; no-key waiters hear deletions", () =>
    Effect.gen(function* () {
      const { server, blocking: engine } = yield* ServerCore.makeWithBlocking()
      const client = server.createClient(null, "inproc:1", "inproc")
      const producer = server.createClient(null, "inproc:2", "inproc")
      const calls: Array<string> = []
      const record = engine.blockClient(client, {
        keys: ["mk", "mk"],
        deadline: 0,
        unblockOnNoKey: true,
        handler: {
          mayTimeout: false,
          keyReady: (r, key) => {
            const exists = server.keyspace.lookup(r.db, key) !== undefined
            calls.push(exists ? "exists" : "gone")
            return !exists
          },
          completed: (_r, outcome) => calls.push(outcome._tag)
        }
      })
      assert.deepStrictEqual(record.keys, ["mk"])
      assert.strictEqual(engine.totalBlockingKeysOnNoKey, 1)
      server.dispatcher.processCommand(producer, ["RPUSH", "mk", "x"])
      assert.deepStrictEqual(calls, ["exists"])
      // CLIENT UNBLOCK cannot end a block without a timeout callback.
      assert.isFalse(engine.clientUnblock(client.id, false))
      server.dispatcher.processCommand(producer, ["DEL", "mk"])
      assert.deepStrictEqual(calls, ["exists", "gone", "Served"])
      assert.strictEqual(engine.totalBlockingKeysOnNoKey, 0)
      assert.strictEqual((yield* Deferred.await(record.outcome))._tag, "Served")
    })
  )

  effectIt.effect("disconnect ends a block at once with Disconnected", () =>
    Effect.gen(function* () {
      const { server, blocking: engine } = yield* ServerCore.makeWithBlocking()
      const client = server.createClient(null, "inproc:1", "inproc")
      const seen: Array<string> = []
      const record = engine.blockClient(client, {
        keys: ["dk"],
        deadline: server.now() + 1000,
        handler: { mayTimeout: true, completed: (_r, outcome) => seen.push(outcome._tag) }
      })
      server.closeClient(client, false)
      assert.deepStrictEqual(seen, ["Disconnected"])
      assert.strictEqual(record.result, BlockOutcome.Disconnected)
      assert.strictEqual(engine.clientsInTimeoutTable, 0)
      assert.strictEqual(engine.totalBlockingKeys, 0)
    })
  )
})
