import { Redis } from "ioredis"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { RawClient } from "../support/raw.js"
import { cmd } from "../support/resp.js"
import { modulePath, type RunningModuleServer, serverClient, startModuleServer } from "../support/moduleServer.js"
import { waitFor } from "../support/waitFor.js"
import * as path from "node:path"
import { start } from "../../src/start.js"
import { lastIncrCommands, tempDir } from "../support/aofFiles.js"

describe("module blocking on keys: blockonkeys.tcl", () => {
  let s: RunningModuleServer
  let r: Redis
  const blocked = () => s.server.blockedClients
  const reply = (c: RawClient) => c.until((t) => t.endsWith("\r\n")).then((t) => (c.take(), t))
  beforeAll(async () => {
    s = await startModuleServer({ modules: { load: [{ path: modulePath("blockonkeys.ts"), args: [] }] } })
    r = new Redis(s.port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })
  })
  afterAll(async () => {
    r.disconnect()
    await s.close()
  })
  beforeEach(async () => {
    await r.call("FLUSHALL")
    await waitFor("no blocked clients", () => blocked() === 0)
  })
  const blockedClient = async (...args: Array<string | number>) => {
    const c = await RawClient.connect(s.port)
    const before = blocked()
    c.write(cmd(...args))
    await waitFor("one more blocked client", () => blocked() === before + 1)
    return c
  }

  it("FSL.BPOP: no block, blocked then served, timeout", async () => {
    await r.call("fsl.push", "k", "33")
    await r.call("fsl.push", "k", "34")
    expect(await r.call("fsl.bpop", "k", "0")).toBe(34)
    await r.call("del", "k")
    const c = await blockedClient("fsl.bpop", "k", 0)
    expect(await r.call("fsl.push", "k", "34")).toBe("OK")
    expect(await reply(c)).toBe(":34\r\n")
    expect(await r.call("fsl.bpop", "empty", "1")).toBe("Request timedout")
    c.close()
  })

  it("FSL.PUSHTIMER from database 9 pushes in database 9 and serves a waiter there (a timer selects its creator's database)", async () => {
    const c = await RawClient.connect(s.port)
    await c.request(cmd("SELECT", "9"), "+OK\r\n")
    const before = blocked()
    c.write(cmd("fsl.bpoppush", "src", "dst", 0))
    await waitFor("the waiter blocked", () => blocked() === before + 1)
    const other = new Redis(s.port, "127.0.0.1", { db: 9, maxRetriesPerRequest: 0 })
    try {
      expect(typeof (await other.call("fsl.pushtimer", "src", "9000", "10"))).toBe("number")
      expect(await reply(c)).toBe(":9000\r\n")
      expect(await other.call("fsl.getall", "dst")).toEqual([9000])
      expect(await r.call("fsl.getall", "src")).toEqual([])
      expect(await r.call("dbsize")).toBe(0)
    } finally {
      other.disconnect()
      c.close()
    }
  })

  it("FSL.BPOPGT: only a greater element serves it; DEL and FLUSHALL unblock it with an error", async () => {
    await r.call("fsl.push", "k", "34")
    expect(await r.call("fsl.bpopgt", "k", "30", "0")).toBe(34)
    await r.call("fsl.push", "k", "33")
    expect(await r.call("fsl.bpopgt", "k", "35", "1")).toBe("Request timedout")
    await r.call("fsl.push", "k", "34")
    const c = await blockedClient("fsl.bpopgt", "k", 35, 0)
    await r.call("fsl.push", "k", "35")
    expect(blocked()).toBe(1)
    await r.call("fsl.push", "k", "36")
    expect(await reply(c)).toBe(":36\r\n")
    const d = await blockedClient("fsl.bpopgt", "k", 40, 0)
    await r.call("del", "k")
    expect(await reply(d)).toBe("-UNBLOCKED key no longer exists\r\n")
    await r.call("fsl.push", "k", "1")
    const f = await blockedClient("fsl.bpopgt", "k", 40, 0)
    await r.call("flushall")
    expect(await reply(f)).toBe("-UNBLOCKED key no longer exists\r\n")
    await waitFor("the module to free every privdata", async () => (await r.call("blockonkeys.live_privdata")) === 0)
    for (const x of [c, d, f]) x.close()
  })

  it("FSL.BPOPGT and SWAPDB: no key, wrong type, a value that does or does not satisfy", async () => {
    const c = await RawClient.connect(s.port)
    await c.request(cmd("SELECT", 9), "+OK\r\n")
    await r.call("select", "9")
    await r.call("fsl.push", "k", "32")
    c.write(cmd("fsl.bpopgt", "k", 35, 0))
    await waitFor("one blocked client", () => blocked() === 1)
    await r.call("swapdb", "0", "9")
    expect(await reply(c)).toBe("-UNBLOCKED key no longer exists\r\n")
    // db 9 now has no k; db 0 holds the fsl. Put a satisfying fsl in db 0 and block in db 9.
    await r.call("select", "0")
    await r.call("del", "k")
    await r.call("fsl.push", "k", "38")
    await r.call("select", "9")
    await r.call("fsl.push", "k", "30")
    c.write(cmd("fsl.bpopgt", "k", 35, 0))
    await waitFor("one blocked client", () => blocked() === 1)
    await r.call("swapdb", "0", "9")
    expect(await reply(c)).toBe(":38\r\n")
    await r.call("select", "0")
    c.close()
  })

  it("circular and self-referential FSL.BPOPPUSH", async () => {
    const a = await blockedClient("fsl.bpoppush", "src", "dst", 0)
    const b = await blockedClient("fsl.bpoppush", "dst", "src", 0)
    await r.call("fsl.push", "src", "42")
    await waitFor("no blocked clients", () => blocked() === 0)
    expect(await r.call("fsl.getall", "src")).toEqual([42])
    expect(await r.call("fsl.getall", "dst")).toEqual([])
    await r.call("flushall")
    const self = await blockedClient("fsl.bpoppush", "src", "src", 0)
    await r.call("fsl.push", "src", "42")
    expect(await reply(self)).toBe(":42\r\n")
    expect(await r.call("fsl.getall", "src")).toEqual([42])
    for (const x of [a, b, self]) x.close()
  })

  it("BPOPPUSH unblocked by a module timer", async () => {
    const c = await blockedClient("fsl.bpoppush", "src", "dst", 0)
    await r.call("fsl.pushtimer", "src", "9000", "10")
    expect(await reply(c)).toBe(":9000\r\n")
    expect(await r.call("fsl.getall", "dst")).toEqual([9000])
    expect(await r.call("fsl.getall", "src")).toEqual([])
    c.close()
  })

  it("a wrong-type wake-up leaves it blocked and counts once", async () => {
    const c = await blockedClient("fsl.bpop", "k", 0)
    await r.call("lpush", "k", "12")
    await r.call("lpush", "k", "13")
    await r.call("lpush", "k", "14")
    expect(blocked()).toBe(1)
    await r.call("del", "k")
    await r.call("fsl.push", "k", "34")
    expect(await reply(c)).toBe(":34\r\n")
    expect(await r.call("get", "fsl_wrong_type")).toBe("1")
    c.close()
  })

  it("BLOCKONKEYS.POPALL woken by LPUSH; BLPOP served by BLOCKONKEYS.LPUSH", async () => {
    const c = await blockedClient("blockonkeys.popall", "k")
    await r.call("lpush", "k", "42", "squirrel", "banana")
    expect(await reply(c)).toBe("*3\r\n$6\r\nbanana\r\n$8\r\nsquirrel\r\n$2\r\n42\r\n")
    const d = await blockedClient("blpop", "k", 3)
    await r.call("blockonkeys.lpush", "k", "42")
    expect(await reply(d)).toBe("*2\r\n$1\r\nk\r\n$2\r\n42\r\n")
    c.close()
    d.close()
  })

  it("BLOCKONKEYS.BLPOPN on a non-empty list; BLPOPN_OR_UNBLOCK", async () => {
    await r.call("lpush", "k", "aa")
    const c = await blockedClient("blockonkeys.blpopn", "k", 5)
    await r.call("blockonkeys.lpush_unblock", "k", "bb", "cc")
    await r.call("lpush", "k", "dd", "ee", "ff")
    expect(blocked()).toBe(1)
    await r.call("blockonkeys.lpush_unblock", "k", "gg")
    expect(await reply(c)).toBe("*5\r\n$2\r\ngg\r\n$2\r\nff\r\n$2\r\nee\r\n$2\r\ndd\r\n$2\r\ncc\r\n")
    await r.call("del", "k")
    await r.set("somekey", "someval")
    const d = await blockedClient("blockonkeys.blpopn_or_unblock", "k", 5, 0)
    await r.call("lpush", "k", "dd")
    await waitFor("no blocked clients", () => blocked() === 0)
    expect(await reply(d)).toBe("+Action aborted\r\n")
    expect(await d.request(cmd("GET", "somekey"), "$7\r\nsomeval\r\n")).toBe("$7\r\nsomeval\r\n")
    c.close()
    d.close()
  })

  it("CLIENT UNBLOCK TIMEOUT / ERROR, and :0 without a timeout callback", async () => {
    await r.call("fsl.push", "k", "32")
    const c = await blockedClient("fsl.bpopgt", "k", 35, 0)
    const id = serverClient(s.server, c).id
    expect(await r.call("client", "unblock", String(id), "timeout")).toBe(1)
    expect(await reply(c)).toBe("+Request timedout\r\n")
    c.write(cmd("fsl.bpopgt", "k", 35, 0))
    await waitFor("one blocked client", () => blocked() === 1)
    expect(await r.call("client", "unblock", String(id), "error")).toBe(1)
    expect(await reply(c)).toBe("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n")
    await r.call("del", "k")
    c.write(cmd("fsl.bpop", "k", 0, "NO_TO_CB"))
    await waitFor("one blocked client", () => blocked() === 1)
    expect(await r.call("client", "unblock", String(id), "timeout")).toBe(0)
    expect(await r.call("client", "unblock", String(id), "error")).toBe(0)
    c.close()
    await waitFor("no blocked clients", () => blocked() === 0)
    await waitFor("the module to free every privdata", async () => (await r.call("blockonkeys.live_privdata")) === 0)
  })

  it("CLIENT KILL-style disconnect of a key-blocked client frees its private data", async () => {
    await r.call("fsl.push", "k", "32")
    const c = await blockedClient("fsl.bpopgt", "k", 35, 0)
    c.close()
    await waitFor("no blocked clients", () => blocked() === 0)
    await waitFor("the module to free every privdata", async () => (await r.call("blockonkeys.live_privdata")) === 0)
    expect(s.modules.find("blockonkeys")!.blockedClients).toBe(0)
  })
})

describe("blockonkeys propagation (the needs:repl cases of blockonkeys.tcl, read from the AOF)", () => {
  it("a timer's push and the waiter it serves are logged: FSL.PUSH, then the served FSL.BPOPPUSH verbatim", async () => {
    const dir = tempDir("blockonkeys-aof")
    const kf = await start({
      config: ["appendonly yes", "appendfsync always", "aof-use-rdb-preamble no", `dir ${dir}`, `loadmodule ${modulePath("blockonkeys.ts")}`].join("\n") + "\n"
    })
    const c = await RawClient.connect(kf.port)
    const r = new Redis(kf.port, "127.0.0.1", { maxRetriesPerRequest: 0 })
    try {
      c.write(cmd("fsl.bpoppush", "src", "dst", 0))
      await waitFor("the waiter blocked", () => kf.server.blockedClients === 1)
      const before = lastIncrCommands(path.join(dir, "appendonlydir")).length
      await r.call("fsl.pushtimer", "src", "9000", "10")
      await c.until((t) => t.endsWith("\r\n"))
      expect(c.take()).toBe(":9000\r\n")
      await waitFor("both logged", () => lastIncrCommands(path.join(dir, "appendonlydir")).length >= before + 3)
      const logged = lastIncrCommands(path.join(dir, "appendonlydir")).slice(before).map((argv) => argv.join(" "))
      expect(logged).toEqual(["SELECT 0", "FSL.PUSH src 9000", "fsl.bpoppush src dst 0"])
    } finally {
      c.close()
      r.disconnect()
      await kf.close()
    }
  })
})

describe("blockonkeys' data type in RDB files", () => {
  it("an fsltype_t value survives DEBUG RELOAD (rdbSave/rdbLoad as blockonkeys.c)", async () => {
    const dir = tempDir("blockonkeys-rdb")
    const kf = await start({ config: ["enable-debug-command yes", `dir ${dir}`, `loadmodule ${modulePath("blockonkeys.ts")}`].join("\n") + "\n" })
    const r = new Redis(kf.port, "127.0.0.1", { maxRetriesPerRequest: 0 })
    try {
      for (const n of ["5", "7"]) await r.call("fsl.push", "k", n)
      expect(await r.call("DEBUG", "RELOAD")).toBe("OK")
      expect(await r.call("fsl.getall", "k")).toEqual([5, 7])
    } finally {
      r.disconnect()
      await kf.close()
    }
  })
})
