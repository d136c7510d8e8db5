import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Redis } from "ioredis"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { KEYFIBER_BIN, type ServerProcess, startServerProcess } from "./support/childServer.js"
import { startRedisServer } from "./support/redisServer.js"
import { waitFor } from "./support/waitFor.js"

let root: string
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "keyfiber-persistence-"))
})
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

const running: Array<{ server: ServerProcess; client: Redis }> = []
afterEach(async () => {
  for (const { server, client } of running.splice(0)) {
    client.disconnect()
    await server.kill()
  }
})

const freshDir = (): string => fs.mkdtempSync(path.join(root, "d-"))

/** A keyfiber process saving into `dir`, and a client. `args` add to (or override) the defaults. */
const start = async (dir: string, args: ReadonlyArray<string> = []) => {
  const server = await startServerProcess(["--port", "0", "--bind", "127.0.0.1", "--dir", dir, ...args])
  // No reconnecting: the tests stop servers under their clients on purpose.
  const client = new Redis(server.port, "127.0.0.1", { retryStrategy: () => null, enableOfflineQueue: false, lazyConnect: true })
  client.on("error", () => {})
  await client.connect()
  running.push({ server, client })
  return { server, client }
}

/** Runs the server until it exits (it is expected to refuse to start): its exit code and output. */
const runToExit = (args: ReadonlyArray<string>): Promise<{ code: number | null; output: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, ["--max-semi-space-size=32", KEYFIBER_BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    child.stdout.on("data", (d) => (output += d))
    child.stderr.on("data", (d) => (output += d))
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000)
    child.once("exit", (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })

/** Waits for a log line (the server's stdout can arrive after a reply sent over TCP). */
const expectLog = async (server: ServerProcess, text: string | RegExp): Promise<void> => {
  await waitFor(`the log line ${String(text)}`, () => (typeof text === "string" ? server.output().includes(text) : text.test(server.output()))).catch(
    (e) => {
      throw new Error(`${e}\n${server.output()}`)
    }
  )
}

const infoField = async (client: Redis, name: string): Promise<string> => {
  const info = await client.info("persistence")
  const m = new RegExp(`^${name}:(.*)\\r?$`, "m").exec(info)
  if (m === null) throw new Error(`no ${name} in INFO persistence`)
  return m[1]
}

/** Every key of every database with its type, value and TTL presence, for comparing data sets. */
const dataSet = async (client: Redis, dbs = 3): Promise<Record<string, unknown>> => {
  const out: Record<string, unknown> = {}
  for (let db = 0; db < dbs; db++) {
    await client.select(db)
    const keys = (await client.keys("*")).sort()
    for (const key of keys) {
      const type = await client.type(key)
      let value: unknown
      if (type === "string") value = await client.get(key)
      else if (type === "list") value = await client.lrange(key, 0, -1)
      else if (type === "hash") value = await client.hgetall(key)
      else if (type === "set") value = (await client.smembers(key)).sort()
      else if (type === "zset") value = await client.zrange(key, 0, -1, "WITHSCORES")
      const pttl = await client.pttl(key)
      out[`${db}/${key}`] = { type, value, ttl: pttl > 0 }
    }
  }
  await client.select(0)
  return out
}

/** Keys of every type in databases 0 and 2, one with a TTL. */
const fill = async (client: Redis): Promise<void> => {
  await client.set("str", "hello")
  await client.set("int", "12345")
  await client.set("long", "x".repeat(200))
  await client.rpush("list", "a", "b", "c")
  await client.hset("hash", "f1", "v1", "f2", "v2")
  await client.sadd("intset", "1", "2", "3")
  await client.sadd("set", "a", "b")
  await client.zadd("zset", 1, "one", 2.5, "two")
  await client.set("ttl", "v", "EX", 1000)
  await client.select(2)
  await client.set("other", "db2")
  await client.select(0)
}

describe("RDB persistence", () => {
  it("SAVE writes dump.rdb, and a restart loads every key, type, value and TTL", async () => {
    const dir = freshDir()
    const { server, client } = await start(dir, ["--save", ""])
    await fill(client)
    const before = await dataSet(client)
    expect(await client.save()).toBe("OK")
    expect(fs.existsSync(path.join(dir, "dump.rdb"))).toBe(true)
    expect(Number(await client.lastsave())).toBeGreaterThan(0)
    await expectLog(server, "DB saved on disk")
    await server.kill()
    const again = await start(dir, ["--save", ""])
    expect(await dataSet(again.client)).toEqual(before)
    await expectLog(again.server, /DB loaded from disk: \d+\.\d{3} seconds/)
    await expectLog(again.server, "Done loading RDB, keys loaded: 10, keys expired: 0.")
    expect(await infoField(again.client, "rdb_last_load_keys_loaded")).toBe("10")
  })

  it("BGSAVE answers at once, saves in the background, and the data survives a restart", async () => {
    const dir = freshDir()
    const { server, client } = await start(dir, ["--save", ""])
    await fill(client)
    const before = await dataSet(client)
    expect(await client.bgsave()).toBe("Background saving started")
    await waitFor("the background save to end", async () => (await infoField(client, "rdb_bgsave_in_progress")) === "0")
    expect(await infoField(client, "rdb_last_bgsave_status")).toBe("ok")
    expect(await infoField(client, "rdb_saves")).toBe("1")
    await expectLog(server, "Background saving terminated with success")
    await server.kill()
    const again = await start(dir, ["--save", ""])
    expect(await dataSet(again.client)).toEqual(before)
  })

  it("a save point saves by itself once its changes and seconds are reached", async () => {
    const dir = freshDir()
    const { server, client } = await start(dir, ["--save", "1 3"])
    await fill(client)
    const before = await dataSet(client)
    await waitFor("the save point", () => server.output().includes("Background saving terminated with success"), 10_000)
    await expectLog(server, "3 changes in 1 seconds. Saving...")
    expect(await infoField(client, "rdb_changes_since_last_save")).toBe("0")
    await server.kill()
    const again = await start(dir, ["--save", ""])
    expect(await dataSet(again.client)).toEqual(before)
  })

  it("SHUTDOWN saves when save points exist; SHUTDOWN NOSAVE does not; SHUTDOWN SAVE does without them", async () => {
    const dir = freshDir()
    const first = await start(dir)
    await fill(first.client)
    const before = await dataSet(first.client)
    await first.client.call("SHUTDOWN").catch(() => undefined)
    await first.server.exited()
    await expectLog(first.server, "Saving the final RDB snapshot before exiting.")
    const second = await start(dir)
    expect(await dataSet(second.client)).toEqual(before)
    await second.client.set("later", "1")
    await second.client.call("SHUTDOWN", "NOSAVE").catch(() => undefined)
    await second.server.exited()
    const third = await start(dir, ["--save", ""])
    expect(await third.client.exists("later")).toBe(0)
    await third.client.set("later", "2")
    await third.client.call("SHUTDOWN", "SAVE").catch(() => undefined)
    await third.server.exited()
    const fourth = await start(dir, ["--save", ""])
    expect(await fourth.client.get("later")).toBe("2")
  })

  it("SIGTERM saves like SHUTDOWN before the process exits", async () => {
    const dir = freshDir()
    const { server, client } = await start(dir)
    await fill(client)
    const before = await dataSet(client)
    server.child.kill("SIGTERM")
    await server.exited()
    expect(server.child.exitCode).toBe(0)
    await expectLog(server, "Saving the final RDB snapshot before exiting.")
    const again = await start(dir, ["--save", ""])
    expect(await dataSet(again.client)).toEqual(before)
  })

  it("a BGSAVE holds exactly the data set of its start while another client keeps writing", async () => {
    const dir = freshDir()
    // 200 µs per key: the save spans many event-loop turns, and the writes land in between.
    const { server, client } = await start(dir, ["--save", "", "--rdb-key-save-delay", "200"])
    const pipeline = client.pipeline()
    for (let i = 0; i < 300; i++) {
      pipeline.set(`s${i}`, `v${i}`)
      if (i % 10 === 0) {
        pipeline.rpush(`l${i}`, "a", "b", "c")
        pipeline.hset(`h${i}`, "f", "v", "g", "w")
        pipeline.sadd(`set${i}`, "1", "2", "x")
        pipeline.zadd(`z${i}`, 1, "a", 2, "b")
      }
    }
    await pipeline.exec()
    const before = await dataSet(client, 1)
    expect(await client.bgsave()).toBe("Background saving started")
    const writer = new Redis(server.port, "127.0.0.1", { retryStrategy: () => null })
    let writes = 0
    try {
      while ((await infoField(client, "rdb_bgsave_in_progress")) === "1") {
        const i = (writes * 7) % 300
        const j = (writes * 10) % 300
        await writer
          .multi()
          .set(`s${i}`, `changed${writes}`)
          .del(`s${(i + 1) % 300}`)
          .set(`new${writes}`, "n")
          .rpush(`l${j}`, "pushed")
          .lpop(`l${j}`)
          .hset(`h${j}`, "f", `changed${writes}`, "new", "x")
          .hdel(`h${j}`, "g")
          .sadd(`set${j}`, `m${writes}`)
          .srem(`set${j}`, "1")
          .zadd(`z${j}`, writes, "a", 5, "c")
          .zrem(`z${j}`, "b")
          .expire(`s${(i + 2) % 300}`, 1000)
          .exec()
        writes++
      }
    } finally {
      writer.disconnect()
    }
    expect(writes).toBeGreaterThan(10)
    expect(await infoField(client, "rdb_last_bgsave_status")).toBe("ok")
    await server.kill()
    const again = await start(dir, ["--save", ""])
    expect(await dataSet(again.client, 1)).toEqual(before)
  })

  it("loads a file written by redis-server 7.0.15", async () => {
    const dir = freshDir()
    const redis = await startRedisServer(["--dir", dir])
    const r = new Redis(redis.port, "127.0.0.1", { retryStrategy: () => null })
    r.on("error", () => {})
    try {
      await fill(r)
      await r.rpush("biglist", ...Array.from({ length: 1000 }, (_, i) => `item${i}`))
      await r.hset("bighash", ...Array.from({ length: 300 }, (_, i) => [`f${i}`, `v${i}`]).flat())
      await r.zadd("bigzset", ...Array.from({ length: 300 }, (_, i) => [i, `m${i}`]).flat())
      await r.sadd("bigset", ...Array.from({ length: 600 }, (_, i) => `m${i}`))
      expect(await r.save()).toBe("OK")
      const expected = await dataSet(r)
      r.disconnect()
      await redis.stop()
      const { client, server } = await start(dir, ["--save", ""])
      await expectLog(server, "Loading RDB produced by Redis version 7.0.15")
      expect(await dataSet(client)).toEqual(expected)
    } finally {
      r.disconnect()
      await redis.stop()
    }
  })

  it("skips keys whose TTL passed while the server was down", async () => {
    const dir = freshDir()
    const { server, client } = await start(dir, ["--save", ""])
    const expireAt = Date.now() + 300
    await client.set("short", "v", "PXAT", expireAt)
    await client.set("kept", "v")
    await client.save()
    await server.kill()
    await waitFor("the TTL to pass while the server is down", () => Date.now() > expireAt + 50)
    const again = await start(dir, ["--save", ""])
    await expectLog(again.server, "Done loading RDB, keys loaded: 1, keys expired: 1.")
    expect(await again.client.keys("*")).toEqual(["kept"])
    expect(await infoField(again.client, "rdb_last_load_keys_expired")).toBe("1")
  })

  describe("a bad file stops the start with Valkey's lines and exit code 1", () => {
    const goodFile = async (): Promise<Buffer> => {
      const dir = freshDir()
      const { server, client } = await start(dir, ["--save", ""])
      await fill(client)
      await client.save()
      await server.kill()
      return fs.readFileSync(path.join(dir, "dump.rdb"))
    }

    const startWith = async (bytes: Uint8Array) => {
      const dir = freshDir()
      fs.writeFileSync(path.join(dir, "dump.rdb"), bytes)
      return runToExit(["--port", "0", "--bind", "127.0.0.1", "--dir", dir, "--save", ""])
    }

    it("truncated", async () => {
      const good = await goodFile()
      const { code, output } = await startWith(good.subarray(0, good.length - 20))
      expect(code).toBe(1)
      expect(output).toContain("Short read or OOM loading DB. Unrecoverable error, aborting now.")
      expect(output).toContain("Fatal error loading the DB, check server logs. Exiting.")
      expect(output).not.toContain("Ready to accept connections")
    })

    it("a wrong checksum", async () => {
      const good = Buffer.from(await goodFile())
      good[good.length - 1] ^= 0xff
      const { code, output } = await startWith(good)
      expect(code).toBe(1)
      expect(output).toMatch(/Wrong RDB checksum expected: \([0-9a-f]+\) but got \([0-9a-f]+\)\. Aborting now\./)
    })

    it("an unknown version", async () => {
      const good = Buffer.from(await goodFile())
      good.write("0099", 5, "latin1")
      const { code, output } = await startWith(good)
      expect(code).toBe(1)
      expect(output).toContain("Can't handle RDB format version 99")
    })

    it("not an RDB file", async () => {
      const { code, output } = await startWith(Buffer.from("hello world, not an RDB file at all"))
      expect(code).toBe(1)
      expect(output).toContain("Wrong signature trying to load DB from file")
    })
  })

  it("a missing file is an empty data set", async () => {
    const { client, server } = await start(freshDir(), ["--save", ""])
    expect(await client.dbsize()).toBe(0)
    expect(server.output()).not.toContain("DB loaded from disk")
  })

  it("after a failed BGSAVE, writes and PING get MISCONF until a save succeeds", async () => {
    const dir = freshDir()
    const { server, client } = await start(dir, ["--save", "3600 1", "--enable-protected-configs", "yes"])
    await client.set("k", "v")
    // The server runs as root here, so permissions do not stop it: `dir` becomes a file instead.
    const gone = path.join(dir, "gone")
    fs.mkdirSync(gone)
    await client.config("SET", "dir", gone)
    fs.rmdirSync(gone)
    fs.writeFileSync(gone, "not a folder")
    expect(await client.bgsave()).toBe("Background saving started")
    await waitFor("the background save to fail", async () => (await infoField(client, "rdb_last_bgsave_status")) === "err").catch((e) => {
      throw new Error(`${e}\n${server.output()}`)
    })
    await expectLog(server, "Background saving error")
    const misconf =
      "MISCONF Valkey is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Valkey logs for details about the RDB error."
    await expect(client.set("k", "w")).rejects.toThrow(misconf)
    await expect(client.ping()).rejects.toThrow(misconf)
    expect(await client.get("k")).toBe("v")
    // SAVE itself fails the same way (Valkey replies a bare ERR).
    await expect(client.save()).rejects.toThrow(/^ERR$/)
    fs.rmSync(gone)
    fs.mkdirSync(gone)
    expect(await client.save()).toBe("OK")
    expect(await client.set("k", "w")).toBe("OK")
    await client.config("SET", "stop-writes-on-bgsave-error", "no")
  })

  it("SHUTDOWN refuses to stop when its save fails, unless FORCE or NOSAVE", async () => {
    const dir = freshDir()
    const { server, client } = await start(dir, ["--enable-protected-configs", "yes"])
    const gone = path.join(dir, "gone")
    fs.mkdirSync(gone)
    await client.config("SET", "dir", gone)
    fs.rmdirSync(gone)
    fs.writeFileSync(gone, "not a folder")
    await expect(client.call("SHUTDOWN")).rejects.toThrow("ERR Errors trying to SHUTDOWN. Check logs.")
    await expectLog(server, "Error trying to save the DB, can't exit.")
    await expectLog(server, "Errors trying to shut down the server. Check the logs for more information.")
    expect(await client.ping()).toBe("PONG")
    await client.call("SHUTDOWN", "FORCE").catch(() => undefined)
    await server.exited()
    await expectLog(server, "Error trying to save the DB. Exit anyway.")
  })

  it("SAVE and BGSAVE while a BGSAVE runs, BGSAVE CANCEL, and BGSAVE inside MULTI", async () => {
    const dir = freshDir()
    const { server, client } = await start(dir, ["--save", "", "--rdb-key-save-delay", "100000"])
    for (let i = 0; i < 20; i++) await client.set(`k${i}`, "v")
    expect(await client.bgsave()).toBe("Background saving started")
    await expect(client.save()).rejects.toThrow("ERR Background save already in progress")
    await expect(client.bgsave()).rejects.toThrow("ERR Background save already in progress")
    expect(await infoField(client, "rdb_bgsave_in_progress")).toBe("1")
    expect(Number(await infoField(client, "current_save_keys_total"))).toBe(20)
    expect(await client.call("BGSAVE", "CANCEL")).toBe("Background saving cancelled")
    expect(await infoField(client, "rdb_bgsave_in_progress")).toBe("0")
    expect(await infoField(client, "rdb_last_bgsave_status")).toBe("ok")
    expect(fs.readdirSync(dir)).toEqual([])
    await expect(client.call("BGSAVE", "CANCEL")).rejects.toThrow("ERR Background saving is currently not in progress or scheduled")
    await expect(client.call("BGSAVE", "FOO")).rejects.toThrow("ERR syntax error")
    await client.config("SET", "rdb-key-save-delay", "0")
    const replies = await client.multi().bgsave().exec()
    expect(replies).toEqual([[null, "Background saving scheduled"]])
    await waitFor("the scheduled save", () => server.output().includes("Background saving terminated with success"), 10_000)
    expect(fs.existsSync(path.join(dir, "dump.rdb"))).toBe(true)
  })

  it("Valkey's rdb.tcl: while an AOF rewrite runs, BGSAVE is refused, BGSAVE SCHEDULE waits for it and runs after", async () => {
    const dir = freshDir()
    const { server, client } = await start(dir, ["--save", "", "--rdb-key-save-delay", "100000"])
    for (let i = 0; i < 20; i++) await client.set(`k${i}`, "v")
    // rdb-key-save-delay stretches the rewrite as it stretches a BGSAVE.
    expect(await client.bgrewriteaof()).toBe("Background append only file rewriting started")
    expect(await infoField(client, "aof_rewrite_in_progress")).toBe("1")
    await expect(client.bgsave()).rejects.toThrow(
      "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."
    )
    expect(await client.call("BGSAVE", "SCHEDULE")).toBe("Background saving scheduled")
    expect(await client.call("BGSAVE", "CANCEL")).toBe("Scheduled background saving cancelled")
    await expect(client.call("BGSAVE", "CANCEL")).rejects.toThrow("ERR Background saving is currently not in progress or scheduled")
    expect(await client.call("BGSAVE", "SCHEDULE")).toBe("Background saving scheduled")
    await client.config("SET", "rdb-key-save-delay", "0")
    await expectLog(server, "Background AOF rewrite finished successfully")
    await expectLog(server, "Background saving terminated with success")
    expect(fs.existsSync(path.join(dir, "dump.rdb"))).toBe(true)
  })

  it("FLUSHALL with save points saves the empty data set; DEBUG RELOAD saves and loads back", async () => {
    const dir = freshDir()
    const { client } = await start(dir, ["--save", "3600 1000", "--enable-debug-command", "yes"])
    await fill(client)
    const before = await dataSet(client)
    expect(await client.call("DEBUG", "RELOAD")).toBe("OK")
    expect(await dataSet(client)).toEqual(before)
    expect(await infoField(client, "rdb_changes_since_last_save")).toBe("0")
    await client.set("extra", "1")
    // NOSAVE loads the file as it is: the key written since is gone.
    expect(await client.call("DEBUG", "RELOAD", "NOSAVE")).toBe("OK")
    expect(await client.exists("extra")).toBe(0)
    await expect(client.call("DEBUG", "RELOAD", "FOO")).rejects.toThrow("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
    expect(await client.flushall()).toBe("OK")
    expect(await infoField(client, "rdb_changes_since_last_save")).toBe("0")
    expect(await client.call("DEBUG", "RELOAD", "NOSAVE")).toBe("OK")
    expect(await client.dbsize()).toBe(0)
  })

  it("INFO persistence has Valkey 8's fields in order, and counts changes since the last save", async () => {
    const { client } = await start(freshDir(), ["--save", ""])
    const names = (await client.info("persistence"))
      .split("\r\n")
      .filter((l) => l.includes(":"))
      .map((l) => l.split(":")[0])
    expect(names.slice(0, 18)).toEqual([
      "loading",
      "async_loading",
      "current_cow_peak",
      "current_cow_size",
      "current_cow_size_age",
      "current_fork_perc",
      "current_save_keys_processed",
      "current_save_keys_total",
      "rdb_changes_since_last_save",
      "rdb_bgsave_in_progress",
      "rdb_last_save_time",
      "rdb_last_bgsave_status",
      "rdb_last_bgsave_time_sec",
      "rdb_current_bgsave_time_sec",
      "rdb_saves",
      "rdb_last_cow_size",
      "rdb_last_load_keys_expired",
      "rdb_last_load_keys_loaded"
    ])
    expect(names[18]).toBe("aof_enabled")
    await client.set("a", "1")
    await client.set("b", "1")
    await client.del("a")
    expect(await infoField(client, "rdb_changes_since_last_save")).toBe("3")
    await client.save()
    expect(await infoField(client, "rdb_changes_since_last_save")).toBe("0")
    expect(await infoField(client, "rdb_saves")).toBe("1")
  })

  // Valkey's tests/integration/rdb.tcl and tests/unit/other.tcl cases that need a server of their
  // own (external:skip there), on one.
  it("Valkey's rdb.tcl: FLUSHALL aborts a BGSAVE, a BGSAVE resets the change counter, BGSAVE CANCEL removes the temp file", async () => {
    const dir = freshDir()
    const { client } = await start(dir, ["--save", ""])
    await client.config("SET", "rdb-key-save-delay", "1000")
    const pipeline = client.pipeline()
    for (let i = 0; i < 5000; i++) pipeline.set(`key:${i}`, `value:${i}`)
    await pipeline.exec()
    expect(Number(await infoField(client, "rdb_changes_since_last_save"))).toBeGreaterThan(999)
    await client.bgsave()
    expect(await infoField(client, "rdb_bgsave_in_progress")).toBe("1")
    await client.flushall()
    await waitFor("the BGSAVE to be aborted", async () => (await infoField(client, "rdb_bgsave_in_progress")) === "0", 1000)
    expect(Number(await infoField(client, "rdb_changes_since_last_save"))).toBeGreaterThan(999)
    expect(await client.set("x", "xx")).toBe("OK")

    await client.config("SET", "rdb-key-save-delay", "0")
    await client.bgsave()
    await waitFor("the BGSAVE", async () => (await infoField(client, "rdb_bgsave_in_progress")) === "0")
    expect(await infoField(client, "rdb_changes_since_last_save")).toBe("0")

    await client.config("SET", "rdb-key-save-delay", "1000000")
    for (let i = 0; i < 100; i++) await client.set(`k${i}`, "x".repeat(16))
    await client.bgsave()
    await waitFor("the temp file", () => fs.readdirSync(dir).some((f) => /^temp-\d+-\d+\.rdb$/.test(f)))
    expect(await client.call("BGSAVE", "CANCEL")).toBe("Background saving cancelled")
    expect(fs.readdirSync(dir).filter((f) => f.startsWith("temp-"))).toEqual([])
    await expect(client.call("BGSAVE", "CANCEL")).rejects.toThrow("ERR Background saving is currently not in progress or scheduled")
  })

  it("Valkey's other.tcl: FLUSHALL keeps the change counter without save points and zeroes it with them", async () => {
    const { client } = await start(freshDir(), ["--save", ""])
    await client.set("key", "value")
    await client.flushall()
    expect(Number(await infoField(client, "rdb_changes_since_last_save"))).toBeGreaterThan(0)
    await client.config("SET", "save", "3600 1 300 100 60 10000")
    await client.set("key", "value")
    await client.flushall()
    expect(await infoField(client, "rdb_changes_since_last_save")).toBe("0")
  })

  it("module values are saved through their type's rdbSave by SAVE and BGSAVE, and loaded back", async () => {
    const fixture = path.join(import.meta.dirname, "modules", "fixtures", "datatype.ts")
    const dir = freshDir()
    const args = ["--save", "", "--loadmodule", fixture]
    const { server, client } = await start(dir, args)
    expect(await client.call("datatype.set", "m1", "text é", "bytes", "123456789012")).toBe("OK")
    await client.set("plain", "v")
    const before = await client.call("datatype.get", "m1")
    expect(await client.bgsave()).toBe("Background saving started")
    await waitFor("the BGSAVE", async () => (await infoField(client, "rdb_bgsave_in_progress")) === "0")
    expect(await infoField(client, "rdb_last_bgsave_status")).toBe("ok")
    await server.kill()
    const again = await start(dir, args)
    expect(await again.client.call("datatype.get", "m1")).toEqual(before)
    expect(await again.client.get("plain")).toBe("v")
    expect(await again.client.save()).toBe("OK")
    await again.server.kill()
    const third = await start(dir, args)
    expect(await third.client.call("datatype.get", "m1")).toEqual(before)
  })
})
