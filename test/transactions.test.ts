import { Redis } from "ioredis"
import { createClient, WatchError } from "redis"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { BlockRequest } from "../src/blocking/BlockRequest.js"
import { defineCommand } from "../src/commands/CommandSpec.js"
import { ListValue } from "../src/keyspace/ListValue.js"
import type { InProcessClient } from "../src/server/InProcessClient.js"
import { InProcessServer, show } from "./support/inProcessServer.js"
import { RawClient } from "./support/raw.js"
import { type RunningServer, startServer } from "./support/server.js"
import { waitFor } from "./support/waitFor.js"

describe("MULTI / EXEC / DISCARD (in process)", () => {
  let s: InProcessServer
  let r: InProcessClient
  const run = (...argv: Array<string>) => show(s.run(r, ...argv))
  beforeEach(() => {
    s = new InProcessServer()
    r = s.client()
  })

  it("queues commands and replies to EXEC with an array of their replies", () => {
    expect(run("MULTI")).toBe("+OK")
    expect(run("SET", "k", "v")).toBe("+QUEUED")
    expect(run("GET", "k")).toBe("+QUEUED")
    expect(run("PING")).toBe("+QUEUED")
    expect(run("EXEC")).toEqual(["+OK", "v", "+PONG"])
    expect(run("GET", "k")).toBe("v")
  })

  it("EXEC of an empty transaction is an empty array", () => {
    run("MULTI")
    expect(run("EXEC")).toEqual([])
  })

  it("DISCARD drops the queue", () => {
    run("SET", "k", "a")
    run("MULTI")
    expect(run("DEL", "k")).toBe("+QUEUED")
    expect(run("DISCARD")).toBe("+OK")
    expect(run("GET", "k")).toBe("a")
  })

  it("replies Valkey's errors for EXEC and DISCARD without MULTI", () => {
    expect(run("EXEC")).toBe("-ERR EXEC without MULTI")
    expect(run("DISCARD")).toBe("-ERR DISCARD without MULTI")
  })

  it("nested MULTI and WATCH inside MULTI are rejected and abort the transaction (Valkey 8, #723)", () => {
    run("MULTI")
    expect(run("MULTI")).toBe("-ERR Command not allowed inside a transaction")
    expect(run("PING")).toBe("+QUEUED")
    expect(run("EXEC")).toBe("-EXECABORT Transaction discarded because of previous errors.")
    run("MULTI")
    expect(run("WATCH", "x")).toBe("-ERR Command not allowed inside a transaction")
    expect(run("EXEC")).toBe("-EXECABORT Transaction discarded because of previous errors.")
    expect(s.server.stats.command("multi").rejectedCalls).toBe(1)
    expect(s.server.stats.command("watch").rejectedCalls).toBe(1)
    expect(s.server.watchedKeys.totalWatchedKeys).toBe(0)
  })

  it("MULTI and WATCH keep Redis 7's own errors when called directly inside MULTI", () => {
    // Reachable only past the dispatcher (module calls); the dispatcher rejects them first.
    run("MULTI")
    const multi = s.server.commands.lookup("multi")!
    const watch = s.server.commands.lookup("watch")!
    expect(show(s.server.dispatcher.call(r.client, multi, ["MULTI"]) as never)).toBe("-ERR MULTI calls can not be nested")
    expect(show(s.server.dispatcher.call(r.client, watch, ["WATCH", "x"]) as never)).toBe("-ERR WATCH inside MULTI is not allowed")
    run("DISCARD")
  })

  it("aborts with EXECABORT after an unknown command or a wrong arity while queueing", () => {
    run("MULTI")
    run("SET", "foo1", "bar1")
    expect(run("non-existing-command")).toBe("-ERR unknown command 'non-existing-command', with args beginning with: ")
    run("SET", "foo2", "bar2")
    expect(run("EXEC")).toBe("-EXECABORT Transaction discarded because of previous errors.")
    expect(run("GET", "foo1")).toBe(null)
    expect(run("GET", "foo2")).toBe(null)
    // The MULTI state is cleared.
    expect(run("PING")).toBe("+PONG")

    run("MULTI")
    expect(run("SET", "k")).toBe("-ERR wrong number of arguments for 'set' command")
    expect(run("EXEC")).toBe("-EXECABORT Transaction discarded because of previous errors.")
    expect(run("EXEC")).toBe("-ERR EXEC without MULTI")
  })

  it("rejects no_multi commands inside MULTI and aborts the transaction", () => {
    run("MULTI")
    expect(run("SHUTDOWN")).toBe("-ERR Command not allowed inside a transaction")
    expect(run("EXEC")).toBe("-EXECABORT Transaction discarded because of previous errors.")
  })

  it("puts errors of commands run by EXEC in the array and runs the rest", () => {
    s.server.keyspace.add(0, "list", new ListValue())
    run("MULTI")
    run("SET", "a", "1")
    run("GET", "list")
    run("SET", "b", "2")
    expect(run("EXEC")).toEqual(["+OK", "-WRONGTYPE Operation against a key holding the wrong kind of value", "+OK"])
    expect(run("GET", "b")).toBe("2")
  })

  it("counts EXECABORT and errors inside EXEC in errorstats", () => {
    s.server.keyspace.add(0, "list", new ListValue())
    run("MULTI")
    run("GET", "list")
    run("EXEC")
    expect(s.server.stats.errors.get("WRONGTYPE")).toBe(1)
    run("MULTI")
    run("nope")
    run("EXEC")
    expect(s.server.stats.errors.get("EXECABORT")).toBe(1)
    expect(s.server.stats.command("exec").failedCalls).toBe(1)
  })

  it("runs a command that would block as if its timeout had passed, and restores denyBlocking", () => {
    s.server.commands.register(
      defineCommand({
        name: "testblock",
        arity: 1,
        group: "list",
        run: () => new BlockRequest(["k"], 0, NULL_ARRAY_REPLY)
      })
    )
    run("MULTI")
    run("TESTBLOCK")
    run("PING")
    expect(run("EXEC")).toEqual(["*nil", "+PONG"])
    expect(r.client.denyBlocking).toBe(false)
    expect(s.server.stats.command("testblock").calls).toBe(1)
  })

  it("sets denyBlocking while the body runs", () => {
    let seen: boolean | undefined
    s.server.commands.register(
      defineCommand({
        name: "testdeny",
        arity: 1,
        group: "server",
        run: (client) => {
          seen = client.denyBlocking
          return 1
        }
      })
    )
    run("MULTI")
    run("TESTDENY")
    expect(run("EXEC")).toEqual([1])
    expect(seen).toBe(true)
    expect(run("TESTDENY")).toBe(1)
    expect(seen).toBe(false)
  })

  it("serves SELECT inside the transaction and keeps the db afterwards", () => {
    run("MULTI")
    run("SELECT", "3")
    run("SET", "k", "in3")
    expect(run("EXEC")).toEqual(["+OK", "+OK"])
    expect(r.client.db).toBe(3)
    expect(s.server.keyspace.dbs[3].raw("k")?.value).toBe("in3")
  })
})

const NULL_ARRAY_REPLY = (await import("../src/protocol/Reply.js")).NULL_ARRAY

describe("WATCH (in process, Valkey's multi.tcl)", () => {
  let s: InProcessServer
  let r: InProcessClient
  let other: InProcessClient
  const run = (...argv: Array<string>) => show(s.run(r, ...argv))
  const pingTransaction = () => {
    run("MULTI")
    run("PING")
    return run("EXEC")
  }
  beforeEach(() => {
    s = new InProcessServer()
    r = s.client()
    other = s.client()
    s.server.keyspace.activeExpire = false
  })

  it("EXEC works on WATCHed key not modified", () => {
    run("WATCH", "x", "y", "z")
    run("WATCH", "k")
    expect(pingTransaction()).toEqual(["+PONG"])
  })

  it("EXEC fails on WATCHed key modified (1 key of 1 watched)", () => {
    run("SET", "x", "30")
    run("WATCH", "x")
    run("SET", "x", "40")
    expect(pingTransaction()).toBe("*nil")
  })

  it("EXEC fails on WATCHed key modified by another client (1 key of 5 watched)", () => {
    run("SET", "x", "30")
    run("WATCH", "a", "b", "x", "k", "z")
    s.run(other, "SET", "x", "40")
    run("MULTI")
    expect(run("PING")).toBe("+QUEUED")
    expect(run("EXEC")).toBe("*nil")
  })

  it("a deleted watched key fails EXEC; deleting a missing key does not", () => {
    run("SET", "x", "1")
    run("WATCH", "x", "missing")
    s.run(other, "DEL", "missing")
    expect(pingTransaction()).toEqual(["+PONG"])
    run("WATCH", "x")
    s.run(other, "DEL", "x")
    expect(pingTransaction()).toBe("*nil")
  })

  it("EXEC fails on a watched key that expires between WATCH and EXEC (lazy expiry)", () => {
    run("SET", "key", "1")
    s.expireIn(0, "key", 100)
    run("WATCH", "key")
    s.advance(101)
    run("MULTI")
    run("GET", "key")
    expect(run("EXEC")).toBe("*nil")
  })

  it("EXEC fails when the watched key expired and was already deleted on access", () => {
    run("SET", "key", "1")
    s.expireIn(0, "key", 100)
    run("WATCH", "key")
    s.advance(101)
    expect(s.run(other, "GET", "key")).toBe(null)
    expect(pingTransaction()).toBe("*nil")
  })

  it("WATCH will consider touched expired keys (active expiry)", () => {
    s.server.keyspace.activeExpire = true
    run("SET", "x", "foo")
    s.expireIn(0, "x", 1000)
    run("WATCH", "x")
    s.advance(1001)
    s.server.keyspace.activeExpireCycle()
    expect(s.server.keyspace.dbs[0].size).toBe(0)
    expect(pingTransaction()).toBe("*nil")
  })

  it("WATCH will consider touched keys target of EXPIRE", () => {
    run("SET", "x", "foo")
    run("WATCH", "x")
    s.expireIn(0, "x", 10_000)
    expect(pingTransaction()).toBe("*nil")
  })

  it("WATCH stale keys should not fail EXEC", () => {
    run("SET", "x", "foo")
    s.expireIn(0, "x", 1)
    s.advance(2)
    run("WATCH", "x")
    expect(pingTransaction()).toEqual(["+PONG"])
  })

  it("Delete WATCHed stale keys should not fail EXEC", () => {
    run("SET", "x", "foo")
    s.expireIn(0, "x", 1)
    s.advance(2)
    run("WATCH", "x")
    // A lookup deletes the stale key.
    expect(run("GET", "x")).toBe(null)
    expect(s.server.keyspace.dbs[0].raw("x")).toBe(undefined)
    expect(pingTransaction()).toEqual(["+PONG"])
  })

  it("a stale watched key that is deleted and then written again fails EXEC", () => {
    run("SET", "x", "foo")
    s.expireIn(0, "x", 1)
    s.advance(2)
    run("WATCH", "x")
    s.run(other, "SET", "x", "new")
    expect(pingTransaction()).toBe("*nil")
  })

  it("FLUSHDB while watching stale keys should not fail EXEC", () => {
    run("SET", "x", "foo")
    s.expireIn(0, "x", 1)
    s.advance(2)
    run("WATCH", "x")
    run("FLUSHDB")
    expect(pingTransaction()).toEqual(["+PONG"])
  })

  it("After successful EXEC key is no longer watched", () => {
    run("SET", "x", "30")
    run("WATCH", "x")
    expect(pingTransaction()).toEqual(["+PONG"])
    run("SET", "x", "40")
    expect(pingTransaction()).toEqual(["+PONG"])
  })

  it("After failed EXEC key is no longer watched", () => {
    run("SET", "x", "30")
    run("WATCH", "x")
    run("SET", "x", "40")
    expect(pingTransaction()).toBe("*nil")
    run("SET", "x", "40")
    expect(pingTransaction()).toEqual(["+PONG"])
  })

  it("the transaction's own writes do not fail it, and it is not watching afterwards", () => {
    run("WATCH", "x")
    run("MULTI")
    run("SET", "x", "1")
    run("SET", "x", "2")
    expect(run("EXEC")).toEqual(["+OK", "+OK"])
    expect(s.server.watchedKeys.totalWatchedKeys).toBe(0)
    expect(s.server.watchedKeys.watchingClients).toBe(0)
  })

  it("It is possible to UNWATCH, also with nothing watched", () => {
    expect(run("UNWATCH")).toBe("+OK")
    run("SET", "x", "30")
    run("WATCH", "x")
    run("SET", "x", "40")
    expect(run("UNWATCH")).toBe("+OK")
    expect(pingTransaction()).toEqual(["+PONG"])
  })

  it("FLUSHALL is able to touch the watched keys, and does not touch missing keys", () => {
    run("SET", "x", "30")
    run("WATCH", "x")
    run("FLUSHALL")
    expect(pingTransaction()).toBe("*nil")
    run("WATCH", "x")
    run("FLUSHALL")
    expect(pingTransaction()).toEqual(["+PONG"])
  })

  it("FLUSHDB is able to touch the watched keys, and does not touch missing keys", () => {
    run("SET", "x", "30")
    run("WATCH", "x")
    run("FLUSHDB")
    expect(pingTransaction()).toBe("*nil")
    run("WATCH", "x")
    run("FLUSHDB")
    expect(pingTransaction()).toEqual(["+PONG"])
  })

  it("FLUSHDB of another database does not touch the watched keys", () => {
    run("SET", "x", "30")
    run("WATCH", "x")
    s.run(other, "SELECT", "1")
    s.run(other, "SET", "x", "1")
    s.run(other, "FLUSHDB")
    expect(pingTransaction()).toEqual(["+PONG"])
  })

  it("SWAPDB is able to touch the watched keys that exist", () => {
    run("SET", "x", "30")
    run("WATCH", "x")
    run("SWAPDB", "0", "1")
    expect(pingTransaction()).toBe("*nil")
  })

  it("SWAPDB is able to touch the watched keys that do not exist", () => {
    run("SELECT", "1")
    run("SET", "x", "30")
    run("SELECT", "0")
    run("WATCH", "x")
    run("SWAPDB", "0", "1")
    expect(pingTransaction()).toBe("*nil")
  })

  it("SWAPDB does not touch watched stale keys", () => {
    run("SELECT", "1")
    run("SET", "x", "foo")
    s.expireIn(1, "x", 1)
    s.advance(2)
    run("WATCH", "x")
    run("SWAPDB", "0", "1") // expired key replaced with no key: no change
    expect(pingTransaction()).toEqual(["+PONG"])
  })

  it("SWAPDB does not touch non-existing key replaced with stale key", () => {
    run("SET", "x", "foo")
    s.expireIn(0, "x", 1)
    s.advance(2)
    run("SELECT", "1")
    run("WATCH", "x")
    run("SWAPDB", "0", "1") // no key replaced with an expired key: no change
    expect(pingTransaction()).toEqual(["+PONG"])
  })

  it("SWAPDB does not touch stale key replaced with another stale key", () => {
    run("SELECT", "1")
    run("SET", "x", "foo")
    s.expireIn(1, "x", 1)
    run("SELECT", "0")
    run("SET", "x", "bar")
    s.expireIn(0, "x", 1)
    s.advance(2)
    run("SELECT", "1")
    run("WATCH", "x")
    run("SWAPDB", "0", "1")
    expect(pingTransaction()).toEqual(["+PONG"])
  })

  it("SWAPDB touches a stale watched key replaced with a live one", () => {
    run("SELECT", "1")
    run("SET", "x", "stale")
    s.expireIn(1, "x", 1)
    s.advance(2)
    run("WATCH", "x")
    run("SELECT", "0")
    run("SET", "x", "live")
    run("SELECT", "1")
    run("SWAPDB", "0", "1")
    expect(pingTransaction()).toBe("*nil")
  })

  it("WATCH is able to remember the DB a key belongs to", () => {
    run("SELECT", "5")
    run("SET", "x", "30")
    run("WATCH", "x")
    run("SELECT", "1")
    run("SET", "x", "10")
    run("SELECT", "5")
    expect(pingTransaction()).toEqual(["+PONG"])
  })

  it("DISCARD should clear the WATCH dirty flag on the client", () => {
    run("WATCH", "x")
    run("SET", "x", "10")
    run("MULTI")
    run("DISCARD")
    run("MULTI")
    run("GET", "x")
    expect(run("EXEC")).toEqual(["10"])
  })

  it("DISCARD should UNWATCH all the keys", () => {
    run("WATCH", "x")
    run("SET", "x", "10")
    run("MULTI")
    run("DISCARD")
    run("SET", "x", "10")
    run("MULTI")
    run("GET", "x")
    expect(run("EXEC")).toEqual(["10"])
  })

  it("WATCH on a dirty client is a no-op that replies OK", () => {
    run("WATCH", "x")
    s.run(other, "SET", "x", "1")
    expect(run("WATCH", "y")).toBe("+OK")
    expect(s.server.watchedKeys.totalWatchedKeys).toBe(0)
    expect(pingTransaction()).toBe("*nil")
  })

  it("a disconnecting client stops watching", () => {
    run("WATCH", "a", "b")
    s.run(other, "WATCH", "b")
    expect(s.server.watchedKeys.totalWatchedKeys).toBe(2)
    expect(s.server.watchedKeys.watchingClients).toBe(2)
    r.close()
    expect(s.server.watchedKeys.totalWatchedKeys).toBe(1)
    expect(s.server.watchedKeys.watchingClients).toBe(1)
    other.close()
    expect(s.server.watchedKeys.totalWatchedKeys).toBe(0)
    expect(s.server.watchedKeys.watchingClients).toBe(0)
  })

  it("a watch dropped without unwatchAll (client.watched cleared) never marks the client dirty", () => {
    run("SET", "x", "1")
    run("WATCH", "x")
    r.client.watched.length = 0
    s.run(other, "SET", "x", "2")
    expect(r.client.dirtyCas).toBe(false)
    s.run(other, "WATCH", "x")
    run("WATCH", "x")
    r.client.watched.length = 0
    s.run(other, "FLUSHALL")
    expect(r.client.dirtyCas).toBe(false)
    expect(other.client.dirtyCas).toBe(true)
  })

  it("a touch marks every client watching the key", () => {
    const third = s.client()
    run("WATCH", "x")
    s.run(third, "WATCH", "x")
    s.run(other, "SET", "x", "1")
    expect(pingTransaction()).toBe("*nil")
    s.run(third, "MULTI")
    s.run(third, "PING")
    expect(show(s.run(third, "EXEC"))).toBe("*nil")
  })
})

describe("transactions over TCP", () => {
  let s: RunningServer
  beforeAll(async () => {
    s = await startServer()
  })
  afterAll(() => s.close())

  it("exact bytes for MULTI/EXEC, EXECABORT and a touched WATCH", async () => {
    const c = await RawClient.connect(s.port)
    const ok = "+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n$1\r\nv\r\n"
    expect(await c.request("MULTI\r\nSET tk v\r\nGET tk\r\nEXEC\r\n", ok)).toBe(ok)
    const abort =
      "+OK\r\n-ERR unknown command 'nosuch', with args beginning with: \r\n-EXECABORT Transaction discarded because of previous errors.\r\n"
    expect(await c.request("MULTI\r\nnosuch\r\nEXEC\r\n", abort)).toBe(abort)
    const other = await RawClient.connect(s.port)
    expect(await c.request("WATCH tk\r\n", "+OK\r\n")).toBe("+OK\r\n")
    expect(await other.request("SET tk w\r\n", "+OK\r\n")).toBe("+OK\r\n")
    const dirty = "+OK\r\n+QUEUED\r\n*-1\r\n"
    expect(await c.request("MULTI\r\nPING\r\nEXEC\r\n", dirty)).toBe(dirty)
    c.close()
    other.close()
  })

  it("WATCH and TTLs over TCP with active expiry off (multi.tcl)", async () => {
    const c = await RawClient.connect(s.port)
    const pastTtl = (key: string) => {
      const expireAt = s.server.keyspace.dbs[0].raw(key)!.expireAt
      return waitFor(`${key} past its TTL`, () => s.server.now() > expireAt)
    }
    // DEBUG SET-ACTIVE-EXPIRE 0, without depending on enable-debug-command.
    s.server.keyspace.activeExpire = false
    // EXEC fails on a lazily expired watched key.
    expect(await c.request("SET lazy 1 PX 30\r\nWATCH lazy\r\n", "+OK\r\n+OK\r\n")).toBe("+OK\r\n+OK\r\n")
    await pastTtl("lazy")
    const failed = "+OK\r\n+QUEUED\r\n*-1\r\n"
    expect(await c.request("MULTI\r\nINCR lazy\r\nEXEC\r\n", failed)).toBe(failed)
    // WATCH of an already stale key does not fail EXEC, even when the key is then deleted.
    expect(await c.request("SET stale foo PX 1\r\n", "+OK\r\n")).toBe("+OK\r\n")
    await pastTtl("stale")
    expect(await c.request("WATCH stale\r\nEXISTS stale\r\n", "+OK\r\n:0\r\n")).toBe("+OK\r\n:0\r\n")
    const ok = "+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n"
    expect(await c.request("MULTI\r\nPING\r\nEXEC\r\n", ok)).toBe(ok)
    s.server.keyspace.activeExpire = true
    c.close()
  })

  it("ready keys are served after EXEC, and a blocking command inside EXEC does not block", async () => {
    const waiter = await RawClient.connect(s.port)
    const c = await RawClient.connect(s.port)
    waiter.write("BLPOP txl 0\r\n")
    await waitFor("the waiter to block", () => s.server.blocker!.blockedClients === 1)
    const body = "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*4\r\n:1\r\n:2\r\n:3\r\n*2\r\n$3\r\ntxl\r\n$1\r\nc\r\n"
    expect(await c.request("MULTI\r\nLPUSH txl a\r\nLPUSH txl b\r\nLPUSH txl c\r\nBLPOP txl 0\r\nEXEC\r\n", body)).toBe(body)
    // The waiter is served once, after EXEC, with what the transaction left at the head.
    expect(await waiter.until((t) => t.length >= 20)).toBe("*2\r\n$3\r\ntxl\r\n$1\r\nb\r\n")
    waiter.close()
    c.close()
  })

  it("ioredis: multi/exec, EXECABORT and WATCH", async () => {
    const r = new Redis({ port: s.port, host: "127.0.0.1", lazyConnect: true })
    const r2 = new Redis({ port: s.port, host: "127.0.0.1", lazyConnect: true })
    await r.connect()
    await r2.connect()
    expect(await r.multi().set("io:k", "v").get("io:k").exec()).toEqual([
      [null, "OK"],
      [null, "v"]
    ])
    await expect(r.multi().call("set", "io:k").set("io:k", "x").exec()).rejects.toThrow(
      "EXECABORT Transaction discarded because of previous errors."
    )
    expect(await r.get("io:k")).toBe("v")

    expect(await r.watch("io:k")).toBe("OK")
    await r2.set("io:k", "changed")
    expect(await r.multi().set("io:k", "mine").exec()).toBe(null)
    expect(await r.get("io:k")).toBe("changed")

    expect(await r.watch("io:k")).toBe("OK")
    expect(await r.multi().set("io:k", "mine").exec()).toEqual([[null, "OK"]])
    expect(await r.get("io:k")).toBe("mine")
    r.disconnect()
    r2.disconnect()
  })

  it("node-redis: multi/exec and WatchError", async () => {
    const c = createClient({ socket: { port: s.port, host: "127.0.0.1" } })
    const c2 = createClient({ socket: { port: s.port, host: "127.0.0.1" } })
    await c.connect()
    await c2.connect()
    expect(await c.multi().set("nr:k", "1").get("nr:k").exec()).toEqual(["OK", "1"])
    // WATCH needs an isolated connection in node-redis 5: use the client's own connection.
    await c.watch("nr:k")
    await c2.set("nr:k", "2")
    await expect(c.multi().set("nr:k", "3").exec()).rejects.toBeInstanceOf(WatchError)
    expect(await c.get("nr:k")).toBe("2")
    await c.quit()
    await c2.quit()
  })
})
