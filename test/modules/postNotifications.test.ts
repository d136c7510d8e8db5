// Post-notification jobs, module keyspace notifications, the key server event and module options,
// through modules/postnotifications.ts (Valkey's tests/modules/postnotifications.c): the cases of
// Valkey's moduleapi unit postnotifications.tcl, with the propagated stream read from the AOF (the
// same commands Valkey sends its replicas: MULTI/EXEC-wrapped execution units).
import * as path from "node:path"
import { Redis } from "ioredis"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { start, type RunningKeyfiber } from "../../src/start.js"
import { lastIncrCommands, tempDir } from "../support/aofFiles.js"
import { modulePath } from "../support/moduleServer.js"
import { waitFor } from "../support/waitFor.js"

/** An AOF command as one line; absolute times (10+ digits) as `*`. */
const line = (argv: ReadonlyArray<string>): string => argv.map((a, i) => (i > 0 && /^\d{10,}$/.test(a) ? "*" : i === 0 ? a.toLowerCase() : a)).join(" ")

const startWith = async (dir: string, loadmodules: ReadonlyArray<string>): Promise<RunningKeyfiber> =>
  start({
    config:
      [
        "appendonly yes",
        "appendfsync always",
        "aof-use-rdb-preamble no",
        "enable-debug-command yes",
        "enable-module-command yes",
        // Valkey 8's defaults (keyfiber's too), kept explicit: expiry and eviction propagate UNLINK.
        "lazyfree-lazy-expire yes",
        "lazyfree-lazy-eviction yes",
        `dir ${dir}`,
        ...loadmodules.map((m) => `loadmodule ${m}`)
      ].join("\n") + "\n"
  })

describe("post-notification jobs (postnotifications.tcl)", () => {
  let kf: RunningKeyfiber
  let r: Redis
  let dir: string
  let mark = 0
  /** The AOF commands written since the last call. */
  const stream = (): Array<string> => {
    const all = lastIncrCommands(path.join(dir, "appendonlydir"))
    const out = all.slice(mark).map(line)
    mark = all.length
    return out
  }

  /** Waits, without touching the key (which would expire it), until its TTL has passed on the server clock. */
  const pastTtl = (key: string) =>
    waitFor(`${key} past its TTL`, () => {
      const entry = kf.server.keyspace.dbs[0].entries.get(key)
      return entry !== undefined && entry.expireAt !== 0 && entry.expireAt <= kf.server.now()
    })

  beforeAll(async () => {
    dir = tempDir("postnotif")
    kf = await startWith(dir, [`${modulePath("postnotifications.ts")} with_key_events`])
    r = new Redis({ port: kf.port, host: "127.0.0.1", maxRetriesPerRequest: 0 })
  }, 30_000)
  afterAll(async () => {
    r?.disconnect()
    await kf?.close()
  })
  beforeEach(async () => {
    await r.flushall()
    stream()
  })

  it("a write's notification adds jobs that run after it, before its reply, in one unit with it", async () => {
    await r.set("string_x", "1")
    expect(await r.get("string_changed{string_x}")).toBe("1")
    expect(await r.get("string_total")).toBe("1")
    await r.set("string_x", "2")
    expect(await r.get("string_changed{string_x}")).toBe("2")
    expect(await r.get("string_total")).toBe("2")
    // The overwrite's key event adds its job (lpush before_overwritten) before SET's notification does.
    expect(stream()).toEqual([
      "multi",
      "set string_x 1",
      "incr string_changed{string_x}",
      "incr string_total",
      "exec",
      "multi",
      "set string_x 2",
      "lpush before_overwritten string_x",
      "incr string_changed{string_x}",
      "incr string_total",
      "exec"
    ])
  })

  it("a write from a thread-safe context: its jobs run in its unit", async () => {
    expect(await r.call("postnotification.async_set")).toBe("OK")
    expect(await r.get("string_changed{string_x}")).toBe("1")
    expect(await r.get("string_total")).toBe("1")
    expect(stream()).toEqual(["multi", "set string_x 1", "incr string_changed{string_x}", "incr string_total", "exec"])
  })

  it("active expiry: the key event's and the expired notification's jobs run in the deletion's unit", async () => {
    await r.set("x", "1")
    await r.pexpire("x", 10)
    await waitFor("x expired and counted", async () => (await r.keys("expired")).length === 1)
    expect(stream()).toEqual([
      "set x 1",
      "pexpireat x *",
      "multi",
      "unlink x",
      "lpush before_expired x",
      "incr expired",
      "exec"
    ])
  })

  it("lazy expiry inside a command: the jobs run in the command's unit", async () => {
    await r.call("debug", "set-active-expire", "0")
    try {
      await r.set("x", "1")
      await r.pexpire("x", 1)
      await pastTtl("x")
      expect(await r.get("x")).toBe(null)
      expect(stream()).toEqual(["set x 1", "pexpireat x *", "multi", "unlink x", "lpush before_expired x", "incr expired", "exec"])
    } finally {
      await r.call("debug", "set-active-expire", "1")
    }
  })

  it("lazy expiry inside a post-notification job", async () => {
    await r.call("debug", "set-active-expire", "0")
    try {
      await r.set("x", "1")
      await r.pexpire("x", 1)
      await pastTtl("x")
      expect(await r.set("read_x", "1")).toBe("OK")
      expect(stream()).toEqual([
        "set x 1",
        "pexpireat x *",
        "multi",
        "set read_x 1",
        "unlink x",
        "lpush before_expired x",
        "incr expired",
        "exec"
      ])
    } finally {
      await r.call("debug", "set-active-expire", "1")
    }
  })

  it("nested keyspace notifications (ALLOW_NESTED_KEYSPACE_NOTIFICATIONS): a callback's write notifies it again", async () => {
    expect(await r.set("write_sync_write_sync_x", "1")).toBe("OK")
    expect(stream()).toEqual(["multi", "set x 1", "set write_sync_x 1", "set write_sync_write_sync_x 1", "exec"])
  })

  it("eviction: the key event's and the evicted notification's jobs run in the eviction's unit", async () => {
    await r.set("x", "1")
    await r.config("SET", "maxmemory-policy", "allkeys-random")
    await r.config("SET", "maxmemory", "1")
    try {
      await expect(r.set("y", "1")).rejects.toThrow(/^OOM /)
      // (Then the tracking keys the jobs wrote go too, each alone: the module ignores them.)
      expect(stream().slice(0, 6)).toEqual(["set x 1", "multi", "unlink x", "lpush before_evicted x", "incr evicted", "exec"])
    } finally {
      await r.config("SET", "maxmemory", "0")
      await r.config("SET", "maxmemory-policy", "noeviction")
    }
  })

  it("DEL fires the key event (before_deleted), its job runs in DEL's unit", async () => {
    await r.set("k", "v")
    await r.del("k")
    expect(await r.lrange("before_deleted", 0, -1)).toEqual(["k"])
    expect(stream()).toEqual(["set k v", "multi", "del k", "lpush before_deleted k", "exec"])
  })

  it("unload forgets its subscriptions; a load subscribes again", async () => {
    expect(await r.call("module", "unload", "postnotifications")).toBe("OK")
    await r.set("string_y", "1")
    expect(await r.exists("string_changed{string_y}")).toBe(0)
    expect(await r.call("module", "load", modulePath("postnotifications.ts"), "with_key_events")).toBe("OK")
    await r.set("string_y", "2")
    expect(await r.get("string_changed{string_y}")).toBe("1")
  })
})

describe("RM_Call K unblock handlers as one unit (async_rm_call.tcl, with postnotifications)", () => {
  let kf: RunningKeyfiber
  let r: Redis
  let dir: string
  let mark = 0
  const stream = (): Array<string> => {
    const all = lastIncrCommands(path.join(dir, "appendonlydir"))
    const out = all.slice(mark).map(line)
    mark = all.length
    return out
  }
  const blocked = () => kf.server.blockedClients

  beforeAll(async () => {
    dir = tempDir("postnotif-async")
    kf = await startWith(dir, [modulePath("blockedclient.ts"), modulePath("postnotifications.ts")])
    r = new Redis({ port: kf.port, host: "127.0.0.1", maxRetriesPerRequest: 0 })
  }, 30_000)
  afterAll(async () => {
    r?.disconnect()
    await kf?.close()
  })
  beforeEach(async () => {
    await r.flushall()
    stream()
  })

  /** `blpop_and_set_multiple_keys l k1 v1 k2 v2` from a client of its own, served by an LPUSH. */
  const blpopAndSet = async (...pairs: Array<string>): Promise<void> => {
    const rd = new Redis({ port: kf.port, host: "127.0.0.1", maxRetriesPerRequest: 0 })
    try {
      const reply = rd.call("blpop_and_set_multiple_keys", "l", ...pairs)
      await waitFor("blocked", () => blocked() === 1)
      await r.lpush("l", "a")
      expect(await reply).toBe("OK")
      await waitFor("unblocked", () => blocked() === 0)
    } finally {
      rd.disconnect()
    }
  }

  it("basic: the served BLPOP propagates as LPOP after the LPUSH", async () => {
    const rd = new Redis({ port: kf.port, host: "127.0.0.1", maxRetriesPerRequest: 0 })
    const reply = rd.call("do_rm_call_async", "blpop", "l", "0")
    await waitFor("blocked", () => blocked() === 1)
    await r.lpush("l", "a")
    expect(await reply).toEqual(["l", "a"])
    rd.disconnect()
    expect(stream()).toEqual(["lpush l a", "lpop l"])
  })

  it("the served command and its unblock handler's writes, with their jobs, are one unit", async () => {
    await blpopAndSet("string_foo", "1", "string_bar", "2")
    expect(stream()).toEqual([
      "lpush l a",
      "multi",
      "lpop l",
      "set string_foo 1",
      "set string_bar 2",
      "incr string_changed{string_foo}",
      "incr string_changed{string_bar}",
      "incr string_total",
      "incr string_total",
      "exec"
    ])
  })

  it("with lazy expire: the expired key's UNLINK and its job join the unit", async () => {
    await r.call("debug", "set-active-expire", "0")
    try {
      await blpopAndSet("string_foo", "1", "string_bar", "2")
      stream()
      await r.pexpire("string_foo", 1)
      await waitFor("string_foo past its TTL", () => {
        const entry = kf.server.keyspace.dbs[0].entries.get("string_foo")
        return entry !== undefined && entry.expireAt !== 0 && entry.expireAt <= kf.server.now()
      })
      await blpopAndSet("string_foo", "1", "string_bar", "2")
      expect(stream()).toEqual([
        "pexpireat string_foo *",
        "lpush l a",
        "multi",
        "lpop l",
        "unlink string_foo",
        "set string_foo 1",
        "set string_bar 2",
        "incr expired",
        "incr string_changed{string_foo}",
        "incr string_changed{string_bar}",
        "incr string_total",
        "incr string_total",
        "exec"
      ])
    } finally {
      await r.call("debug", "set-active-expire", "1")
    }
  })

  it("without ! the served command is not propagated", async () => {
    const rd = new Redis({ port: kf.port, host: "127.0.0.1", maxRetriesPerRequest: 0 })
    const reply = rd.call("do_rm_call_async_no_replicate", "blpop", "l", "0")
    await waitFor("blocked", () => blocked() === 1)
    await r.lpush("l", "a")
    expect(await reply).toEqual(["l", "a"])
    rd.disconnect()
    await r.set("x", "1")
    expect(stream()).toEqual(["lpush l a", "set x 1"])
  })
})

describe("postnotifications with testkeyspace (postnotifications.tcl's second server; keyspace_events.c)", () => {
  let kf: RunningKeyfiber
  let r: Redis
  let dir: string
  let mark = 0
  const stream = (): Array<string> => {
    const all = lastIncrCommands(path.join(dir, "appendonlydir"))
    const out = all.slice(mark).map(line)
    mark = all.length
    return out
  }

  beforeAll(async () => {
    dir = tempDir("postnotif-ks")
    kf = await startWith(dir, [`${modulePath("postnotifications.ts")} with_key_events`, modulePath("keyspace_events.ts")])
    r = new Redis({ port: kf.port, host: "127.0.0.1", maxRetriesPerRequest: 0 })
  }, 30_000)
  afterAll(async () => {
    r?.disconnect()
    await kf?.close()
  })
  beforeEach(async () => {
    await r.flushall()
    stream()
  })

  it("both modules' jobs for one write run in its unit, in the order they were added", async () => {
    await r.set("string_x", "1")
    expect(await r.get("string_changed{string_x}")).toBe("1")
    expect(await r.get("string_total")).toBe("1")
    await r.set("string_x", "2")
    expect(await r.get("string_changed{string_x}")).toBe("2")
    expect(await r.get("string_total")).toBe("2")
    await r.set("string1_x", "1")
    expect(await r.get("string_changed{string1_x}")).toBe("1")
    expect(await r.get("string_total")).toBe("3")
    expect(stream()).toEqual([
      "multi",
      "set string_x 1",
      "incr string_changed{string_x}",
      "incr string_total",
      "exec",
      "multi",
      "set string_x 2",
      "lpush before_overwritten string_x",
      "incr string_changed{string_x}",
      "incr string_total",
      "exec",
      "multi",
      "set string1_x 1",
      "incr string_changed{string1_x}",
      "incr string_total",
      "exec"
    ])
  })

  it("testkeyspace: a module's own event (keyspace.notify), key misses, and DEL's copy deleted with the cached time checked", async () => {
    expect(await r.call("keyspace.notify", "k1")).toBe(null)
    expect(await r.call("keyspace.is_module_key_notified", "k1")).toEqual([1, "k1"])
    expect(await r.call("keyspace.is_module_key_notified", "k2")).toEqual([0, null])
    expect(await r.get("nosuchkey")).toBe(null)
    expect(await r.get("missed")).toBe("1")
    await r.set("a", "1")
    await r.set("a_copy", "1")
    expect(await r.call("keyspace.del_key_copy", "a")).toBe(1)
    expect(await r.exists("a", "a_copy")).toBe(0)
    expect(await r.call("keyspace.incr_case1", "n")).toBe(1)
    expect(await r.call("keyspace.incr_case2", "n")).toBe(2)
    expect(await r.call("keyspace.incr_case3", "n")).toBe(3)
  })

  it("testkeyspace: keys loaded from an RDB file are `loaded` events (DEBUG RELOAD)", async () => {
    await r.set("loaded_key", "v")
    expect(await r.call("keyspace.is_key_loaded", "loaded_key")).toEqual([0, null])
    expect(await r.call("debug", "reload")).toBe("OK")
    expect(await r.call("keyspace.is_key_loaded", "loaded_key")).toEqual([1, "loaded_key"])
  })
})

describe("post-notification jobs while a file loads", () => {
  it("are refused (ERR) from a `loaded` event, and accepted from a command's event", async () => {
    const dir = tempDir("loadedjob")
    const kf = await start({
      config: ["enable-debug-command yes", "save ''", `dir ${dir}`, `loadmodule ${path.resolve(import.meta.dirname, "fixtures", "loadedjob.ts")}`].join("\n") + "\n"
    })
    const r = new Redis({ port: kf.port, host: "127.0.0.1" })
    try {
      await r.set("k", "v")
      expect(await r.call("DEBUG", "RELOAD")).toBe("OK")
      expect(await r.call("loadedjob.answers")).toEqual(["set:OK", "loaded:ERR"])
    } finally {
      r.disconnect()
      await kf.close()
    }
  })
})
