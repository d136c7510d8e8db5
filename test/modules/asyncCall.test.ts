import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RawClient } from "../support/raw.js"
import { cmd } from "../support/resp.js"
import { modulePath, type RunningModuleServer, serverClient, startModuleServer } from "../support/moduleServer.js"
import { waitFor } from "../support/waitFor.js"

const connect = (port: number) => new Redis(port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })

/** commandstats of one command as numbers (`calls`, `rejected_calls`, `failed_calls`). */
const commandStat = async (r: Redis, name: string): Promise<Record<string, number>> => {
  const info = (await r.info("commandstats")) as string
  const line = info.split("\r\n").find((l) => l.startsWith(`cmdstat_${name}:`))
  const out: Record<string, number> = {}
  for (const kv of (line ?? "").slice(`cmdstat_${name}:`.length).split(",")) {
    const [k, v] = kv.split("=")
    if (k) out[k] = Number(v)
  }
  return out
}

describe("RM_Call flags: K promises, NULL on error, busy module commands (async_rm_call.tcl, blockedclient.tcl)", () => {
  let s: RunningModuleServer
  let r: Redis
  const blocked = () => s.server.blockedClients
  beforeAll(async () => {
    s = await startModuleServer({
      modules: { load: ["blockedclient.ts", "block.ts", "blockonkeys.ts"].map((m) => ({ path: modulePath(m), args: [] })) }
    })
    r = connect(s.port)
  })
  afterAll(async () => {
    r.disconnect()
    await s.close()
  })

  it("without K a blocking command called from a module does not wait (its timeout reply)", async () => {
    expect(await r.call("do_rm_call", "blpop", "nolist", "0")).toBe(null)
    await r.rpush("l0", "x")
    expect(await r.call("do_rm_call", "blpop", "l0", "0")).toEqual(["l0", "x"])
    expect(blocked()).toBe(0)
  })

  it("with K, BLPOP blocks: the promise's unblock handler relays the element when it is pushed", async () => {
    const c = await RawClient.connect(s.port)
    c.write(cmd("do_rm_call_async", "blpop", "pl", "0"))
    // Only the real client counts: the module's call client is not a blocked client in INFO.
    await waitFor("one blocked client", () => blocked() === 1)
    expect(await r.lpush("pl", "a")).toBe(1)
    expect(await c.until((t) => t.endsWith("a\r\n"))).toBe("*2\r\n$2\r\npl\r\n$1\r\na\r\n")
    expect(await r.llen("pl")).toBe(0)
    await waitFor("no blocked clients", () => blocked() === 0)
    c.close()
  })

  it("with K a blocked call times out with the command's timeout reply", async () => {
    expect(await r.call("do_rm_call_async", "blpop", "never", "0.05")).toBe(null)
    expect(blocked()).toBe(0)
  })

  it("nested async calls and BRPOPLPUSH, BZPOPMIN through promises", async () => {
    const c = await RawClient.connect(s.port)
    c.write(cmd("do_rm_call_async", "do_rm_call_async", "do_rm_call_async", "blpop", "nl", "0"))
    await waitFor("one blocked client", () => blocked() === 1)
    await r.lpush("nl", "deep")
    expect(await c.until((t) => t.endsWith("deep\r\n"))).toBe("*2\r\n$2\r\nnl\r\n$4\r\ndeep\r\n")
    c.take()
    c.write(cmd("do_rm_call_async", "bzpopmin", "zs", "0"))
    await waitFor("one blocked client", () => blocked() === 1)
    await r.zadd("zs", 10, "foo")
    expect(await c.until((t) => t.endsWith("10\r\n"))).toBe("*3\r\n$2\r\nzs\r\n$3\r\nfoo\r\n$2\r\n10\r\n")
    c.close()
    await waitFor("no blocked clients", () => blocked() === 0)
  })

  it("a module command that blocks on keys, called with K: its reply reaches the unblock handler (async_rm_call.tcl)", async () => {
    const c = await RawClient.connect(s.port)
    expect(await r.call("fsl.push", "fl", "1")).toBe("OK")
    c.write(cmd("do_rm_call_async", "FSL.BPOPGT", "fl", 3, 0))
    await waitFor("one blocked client", () => blocked() === 1)
    for (const v of ["2", "3", "4"]) await r.call("fsl.push", "fl", v)
    expect(await c.until((t) => t.endsWith("\r\n"))).toBe(":4\r\n")
    await waitFor("no blocked clients", () => blocked() === 0)
    c.close()
  })

  it("fire and forget: the blocked call still consumes the element, its reply is dropped", async () => {
    expect(await r.call("do_rm_call_fire_and_forget", "blpop", "ff", "0")).toBe("Blocked")
    expect(blocked()).toBe(0)
    await r.lpush("ff", "a")
    expect(await r.llen("ff")).toBe(0)
  })

  it("the client going away aborts the promise: nothing is consumed afterwards", async () => {
    const c = await RawClient.connect(s.port)
    c.write(cmd("do_rm_call_async", "blpop", "ab", "0"))
    await waitFor("one blocked client", () => blocked() === 1)
    await r.call("CLIENT", "KILL", "ID", String(serverClient(s.server, c).id))
    await waitFor("no blocked clients", () => blocked() === 0)
    await r.lpush("ab", "1")
    expect(await r.llen("ab")).toBe(1)
  })

  it("blpop_and_set_multiple_keys: the unblock handler calls commands", async () => {
    const c = await RawClient.connect(s.port)
    c.write(cmd("blpop_and_set_multiple_keys", "bs", "x", "1", "y", "2"))
    await waitFor("one blocked client", () => blocked() === 1)
    await r.lpush("bs", "a")
    expect(await c.until((t) => t.endsWith("\r\n"))).toBe("+OK\r\n")
    expect(await r.mget("x", "y")).toEqual(["1", "2"])
    expect(await r.llen("bs")).toBe(0)
    c.close()
  })

  it("without E an error before the command runs is NULL; a command's own error is a reply; E gives errors as replies", async () => {
    await expect(r.call("do_bg_rm_call", "hgetalllll")).rejects.toThrow(/^NULL reply returned$/)
    await expect(r.call("do_rm_call", "hgetalllll")).rejects.toThrow("ERR unknown command 'hgetalllll', with args beginning with:")
    await r.set("str", "v")
    await expect(r.call("do_bg_rm_call", "hgetall", "str")).rejects.toThrow(/^WRONGTYPE/)
    expect(await r.call("do_bg_rm_call_format", "S", "hset", "k", "foo", "bar")).toBe(1)
    await expect(r.call("do_bg_rm_call_format", "S", "module", "list")).rejects.toThrow(
      "ERR command 'module|list' is not allowed on script mode"
    )
    await expect(r.call("do_bg_rm_call_format", "W", "set", "k2", "v")).rejects.toThrow(
      "ERR Write command 'set' was called while write is not allowed."
    )
    // A letter that is no format modifier: NULL (Valkey's EBADF), even with E.
    await expect(r.call("do_bg_rm_call_format", "x", "ping")).rejects.toThrow(/^NULL reply returned$/)
    await r.config("SET", "maxmemory", "1")
    await expect(r.call("do_bg_rm_call_format", "M", "hset", "k1", "foo", "bar")).rejects.toThrow(/^OOM command not allowed/)
    await r.config("SET", "maxmemory", "0")
    expect(await r.call("do_bg_rm_call_format", "M", "hset", "k1", "foo", "bar")).toBe(1)
    expect(await r.info("errorstats")).toContain("errorstat_NULL:count=2")
  })

  it("a yielding command with CLIENTS: other clients get -BUSY after busy-reply-threshold; allow-busy commands run", async () => {
    await r.config("SET", "busy-reply-threshold", "50")
    const c = await RawClient.connect(s.port)
    const other = connect(s.port)
    try {
      c.write(cmd("slow_fg_command", 0) + cmd("PING"))
      await waitFor("-BUSY for another client", () =>
        other.ping().then(
          () => false,
          (e: Error) => e.message === "BUSY Slow module operation"
        )
      )
      expect(await other.call("stop_slow_fg_command")).toBe(1)
      expect(await c.until((t) => t.includes("PONG"))).toBe(":1\r\n+PONG\r\n")
      expect(await other.ping()).toBe("PONG")
    } finally {
      other.disconnect()
      c.close()
      await r.config("SET", "busy-reply-threshold", "5000")
    }
  })

  it("a yielding command without CLIENTS: other clients' commands wait until it ends", async () => {
    const c = await RawClient.connect(s.port)
    const other = connect(s.port)
    try {
      await other.ping()
      c.write(cmd("slow_fg_command", 100000))
      await waitFor("the slow command runs", () => blocked() === 1)
      const slow = c.until((t) => t.endsWith("\r\n"))
      // Answered only once the slow command has ended on the server.
      const ping = other.ping().then((p) => ({ p, busy: s.server.dispatcher.busy.active, blocked: blocked() }))
      expect(await ping).toEqual({ p: "PONG", busy: false, blocked: 0 })
      expect(await slow).toBe(":1\r\n")
    } finally {
      other.disconnect()
      c.close()
    }
  })

  it("nested: a long module command through RM_Call holds the server for its caller; -BUSY after the threshold, the caller replies after it", async () => {
    await r.config("SET", "busy-reply-threshold", "50")
    const c = await RawClient.connect(s.port)
    const other = connect(s.port)
    try {
      c.write(cmd("do_rm_call", "slow_fg_command", 0) + cmd("PING"))
      await waitFor("-BUSY for another client", () =>
        other.ping().then(
          () => false,
          (e: Error) => e.message === "BUSY Slow module operation"
        )
      )
      // Nothing of the caller's pipeline ran while the inner command runs.
      expect(await c.until(() => true)).toBe("")
      expect(await other.call("stop_slow_fg_command")).toBe(1)
      expect(await c.until((t) => t.includes("PONG"))).toBe(":1\r\n+PONG\r\n")
      expect(await other.ping()).toBe("PONG")
      // Counted once each, the inner command as a call of its own.
      expect((await commandStat(r, "slow_fg_command")).calls).toBeGreaterThanOrEqual(1)
    } finally {
      other.disconnect()
      c.close()
      await r.config("SET", "busy-reply-threshold", "5000")
    }
  })

  it("nested without CLIENTS: other clients wait until the inner command and its caller have replied", async () => {
    const c = await RawClient.connect(s.port)
    const other = connect(s.port)
    try {
      await other.ping()
      c.write(cmd("do_rm_call", "do_rm_call", "slow_fg_command", 100000))
      await waitFor("the slow command runs", () => blocked() === 1)
      const slow = c.until((t) => t.endsWith("\r\n"))
      const ping = other.ping().then(async (p) => {
        const busy = s.server.dispatcher.busy.active
        return { p, busy, replied: await c.until(() => true) }
      })
      expect(await ping).toEqual({ p: "PONG", busy: false, replied: ":1\r\n" })
      expect(await slow).toBe(":1\r\n")
    } finally {
      other.disconnect()
      c.close()
    }
  })

  it("a long module command called where nothing can wait (MULTI) replies what it had replied, else an error", async () => {
    const tx = await r.multi().call("do_rm_call", "slow_fg_command", 100000).exec()
    expect(String(tx![0][0])).toMatch(/cannot wait inside a transaction or a module call/)
    await waitFor("the detached slow command ends", () => !s.server.dispatcher.busy.active)
  })

  it("a thread-safe context that yields holding the lock: -BUSY until it unlocks", async () => {
    await r.config("SET", "busy-reply-threshold", "50")
    const c = await RawClient.connect(s.port)
    const other = connect(s.port)
    try {
      await r.hset("hash", "foo", "bar")
      expect(await r.call("set_slow_bg_operation", "1")).toBe("OK")
      c.write(cmd("do_bg_rm_call", "hgetall", "hash") + cmd("PING"))
      await waitFor("in the slow operation", async () => (await other.call("is_in_slow_bg_operation")) === 1)
      await waitFor("-BUSY", () =>
        other.ping().then(
          () => false,
          (e: Error) => e.message === "BUSY Slow module operation"
        )
      )
      expect(await other.call("set_slow_bg_operation", "0")).toBe("OK")
      expect(await c.until((t) => t.includes("PONG"))).toBe("*2\r\n$3\r\nfoo\r\n$3\r\nbar\r\n+PONG\r\n")
      expect(await other.ping()).toBe("PONG")
    } finally {
      other.disconnect()
      c.close()
      await r.config("SET", "busy-reply-threshold", "5000")
    }
  })

  it("CLIENT UNBLOCK ... ERROR on a module block counts a failed call, as native blocks (Valkey's info.tcl)", async () => {
    await r.config("RESETSTAT")
    const c = await RawClient.connect(s.port)
    await c.request(cmd("PING"), "+PONG\r\n")
    c.write(cmd("block.block", 20000))
    await waitFor("one blocked client", () => blocked() === 1)
    expect(await r.call("CLIENT", "UNBLOCK", String(serverClient(s.server, c).id), "ERROR")).toBe(1)
    expect(await c.until((t) => t.endsWith("\r\n"))).toBe("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n")
    const stat = await commandStat(r, "block.block")
    expect(stat).toMatchObject({ calls: 1, rejected_calls: 0, failed_calls: 1 })
    // The same as BLPOP's.
    c.take()
    c.write(cmd("blpop", "empty", "0"))
    await waitFor("one blocked client", () => blocked() === 2 || blocked() === 1)
    expect(await r.call("CLIENT", "UNBLOCK", String(serverClient(s.server, c).id), "ERROR")).toBe(1)
    await c.until((t) => t.endsWith("\r\n"))
    expect(await commandStat(r, "blpop")).toMatchObject({ calls: 1, rejected_calls: 0, failed_calls: 1 })
    c.close()
    await waitFor("no blocked clients", () => blocked() === 0)
  })
})
