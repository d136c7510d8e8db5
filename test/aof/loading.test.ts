// Loading the AOF at start-up with `appendonly yes` (aof.c `loadAppendOnlyFiles`,
// `loadSingleAppendOnlyFile`): a truncated last command is dropped with Valkey's warnings under
// `aof-load-truncated yes`; otherwise, and for any other damage, Valkey's error and exit status 1.
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { Redis } from "ioredis"
import { describe, expect, it } from "vitest"
import { encodeCommand } from "../../src/persistence/aof/encodeCommand.js"
import { tempDir } from "../support/aofFiles.js"
import { KEYFIBER_BIN, startServerProcess } from "../support/childServer.js"

const INCR = "appendonly.aof.1.incr.aof"

/** A data directory whose AOF is one incremental file holding `content`. */
const aofWith = (content: string, manifest = `file ${INCR} seq 1 type i\n`): string => {
  const dir = tempDir("aof-load")
  fs.mkdirSync(path.join(dir, "appendonlydir"))
  fs.writeFileSync(path.join(dir, "appendonlydir", "appendonly.aof.manifest"), manifest)
  fs.writeFileSync(path.join(dir, "appendonlydir", INCR), Buffer.from(content, "latin1"))
  return dir
}

const args = (dir: string, extra: ReadonlyArray<string> = []) => ["--port", "0", "--dir", dir, "--appendonly", "yes", ...extra]

/** Runs the server until it exits (it must fail at start); its status and output. */
const failedStart = (dir: string, extra: ReadonlyArray<string> = []): Promise<{ code: number | null; output: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [KEYFIBER_BIN, ...args(dir, extra)], { stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    child.stdout.on("data", (d) => (output += d))
    child.stderr.on("data", (d) => (output += d))
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000)
    child.once("exit", (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })

const GOOD = encodeCommand(["SELECT", "0"]) + encodeCommand(["SET", "a", "1"]) + encodeCommand(["RPUSH", "l", "x", "y"])
const TRUNCATED_TAIL = "*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1"

describe("AOF loading", () => {
  it("loads an incremental file's commands at start", async () => {
    const dir = aofWith(GOOD + encodeCommand(["PEXPIREAT", "a", String(Date.now() + 100_000)]))
    const server = await startServerProcess(args(dir))
    const client = new Redis({ port: server.port, host: "127.0.0.1" })
    try {
      expect(await client.get("a")).toBe("1")
      expect(await client.lrange("l", 0, -1)).toEqual(["x", "y"])
      expect(await client.pttl("a")).toBeGreaterThan(90_000)
      expect(server.output()).toContain(`DB loaded from incr file ${INCR}: `)
      expect(server.output()).toContain("DB loaded from append only file: ")
      expect(server.output()).toContain(`Opening AOF incr file ${INCR} on server start`)
    } finally {
      client.disconnect()
      await server.kill()
    }
  }, 60_000)

  it("expires nothing while loading: a past PEXPIREAT or SET PXAT keeps the key for the commands after it (Valkey's aof.tcl AOF+EXPIRE)", async () => {
    const dir = aofWith(
      encodeCommand(["SELECT", "0"]) +
        encodeCommand(["RPUSH", "list", "foo"]) +
        encodeCommand(["PEXPIREAT", "list", "1000"]) +
        encodeCommand(["RPUSH", "list", "bar"]) +
        encodeCommand(["SET", "s", "v", "PXAT", "1000"]) +
        encodeCommand(["APPEND", "s", "x"]) +
        encodeCommand(["SET", "live", "1"])
    )
    const server = await startServerProcess(args(dir))
    const client = new Redis({ port: server.port, host: "127.0.0.1" })
    try {
      // One key each, with the TTL it was given, expired once the load is over: nothing left.
      expect(await client.llen("list")).toBe(0)
      expect(await client.get("s")).toBe(null)
      expect(await client.get("live")).toBe("1")
      expect(await client.dbsize()).toBe(1)
    } finally {
      client.disconnect()
      await server.kill()
    }
  }, 60_000)

  it("DEBUG LOADAOF empties the data set and loads the AOF back (Valkey's expire.tcl KEEPTTL / PERSIST after loadaof)", async () => {
    const dir = aofWith(encodeCommand(["SELECT", "0"]) + encodeCommand(["SET", "from-file", "1"]))
    const server = await startServerProcess(args(dir, ["--enable-debug-command", "yes"]))
    const client = new Redis({ port: server.port, host: "127.0.0.1" })
    try {
      await client.set("foo", "bar", "EX", 100)
      await client.set("foo", "bar2", "KEEPTTL")
      await client.set("g", "v", "EX", 100)
      await client.getex("g", "PERSIST")
      await client.rpush("l", "a", "b")
      // Keys made by DEBUG POPULATE are not in the AOF: the reload drops them.
      expect(await client.call("DEBUG", "POPULATE", "3")).toBe("OK")
      expect(await client.dbsize()).toBe(7)
      expect(await client.call("DEBUG", "LOADAOF")).toBe("OK")
      expect(await client.get("foo")).toBe("bar2")
      const ttl = await client.ttl("foo")
      expect(ttl).toBeGreaterThan(90)
      expect(ttl).toBeLessThanOrEqual(100)
      expect(await client.ttl("g")).toBe(-1)
      expect(await client.lrange("l", 0, -1)).toEqual(["a", "b"])
      expect(await client.get("from-file")).toBe("1")
      expect(await client.dbsize()).toBe(4)
      expect(server.output()).toContain("Append Only File loaded by DEBUG LOADAOF")
      // The load is no change to save.
      expect(/rdb_changes_since_last_save:(\d+)/.exec(await client.info("persistence"))![1]).toBe("0")
      // It zeroes the change counter: not a change, so DEBUG LOADAOF is not logged itself.
      await client.set("after", "1")
      const logged = fs.readdirSync(path.join(dir, "appendonlydir")).filter((f) => f.endsWith(".incr.aof"))
      const text = logged.map((f) => fs.readFileSync(path.join(dir, "appendonlydir", f), "latin1")).join("")
      expect(text).not.toMatch(/LOADAOF/i)
      expect(text).toContain("after")
    } finally {
      client.disconnect()
      await server.kill()
    }
  }, 60_000)

  it("drops a truncated last command with aof-load-truncated yes, truncating the file, with Valkey's warnings", async () => {
    const dir = aofWith(GOOD + TRUNCATED_TAIL)
    const server = await startServerProcess(args(dir, ["--aof-load-truncated", "yes"]))
    const client = new Redis({ port: server.port, host: "127.0.0.1" })
    try {
      expect(await client.get("a")).toBe("1")
      expect(await client.exists("c")).toBe(0)
      const out = server.output()
      expect(out).toContain(`!!! Warning: short read while loading the AOF file ${INCR}!!!`)
      expect(out).toContain(`!!! Truncating the AOF ${INCR} at offset ${Buffer.byteLength(GOOD)} !!!`)
      expect(out).toContain(`AOF ${INCR} loaded anyway because aof-load-truncated is enabled`)
      // New writes go after the last whole command (a restarted server selects its db again).
      await client.set("after", "1")
      const bytes = fs.readFileSync(path.join(dir, "appendonlydir", INCR), "latin1")
      expect(bytes).toBe(GOOD + encodeCommand(["SELECT", "0"]) + encodeCommand(["set", "after", "1"]))
    } finally {
      client.disconnect()
      await server.kill()
    }
  }, 60_000)

  it("reverts a MULTI without EXEC at the end of the file like a short read", async () => {
    const dir = aofWith(GOOD + encodeCommand(["MULTI"]) + encodeCommand(["SET", "m", "1"]))
    const server = await startServerProcess(args(dir))
    const client = new Redis({ port: server.port, host: "127.0.0.1" })
    try {
      expect(await client.exists("m")).toBe(0)
      expect(await client.get("a")).toBe("1")
      expect(server.output()).toContain(`Revert incomplete MULTI/EXEC transaction in AOF file ${INCR}`)
      expect(fs.statSync(path.join(dir, "appendonlydir", INCR)).size).toBe(Buffer.byteLength(GOOD))
    } finally {
      client.disconnect()
      await server.kill()
    }
  }, 60_000)

  it("stops with Valkey's error and status 1 on a truncated file with aof-load-truncated no", async () => {
    const { code, output } = await failedStart(aofWith(GOOD + TRUNCATED_TAIL), ["--aof-load-truncated", "no"])
    expect(code).toBe(1)
    expect(output).toContain(
      `Unexpected end of file reading the append only file ${INCR}. You can: 1) Make a backup of your AOF file, then use ./valkey-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`
    )
    expect(output).not.toContain("Ready to accept connections")
  }, 60_000)

  it("stops with status 1 on a format error, an unknown command, or a file listed but missing", async () => {
    const bad = await failedStart(aofWith(GOOD + "+OK\r\n" + encodeCommand(["SET", "b", "2"])))
    expect(bad.code).toBe(1)
    expect(bad.output).toContain(
      `Bad file format reading the append only file ${INCR}: make a backup of your AOF file, then use ./valkey-check-aof --fix <filename.manifest>`
    )
    const unknown = await failedStart(aofWith(GOOD + encodeCommand(["NOSUCHCMD", "x"])))
    expect(unknown.code).toBe(1)
    expect(unknown.output).toContain(`Unknown command 'NOSUCHCMD' reading the append only file ${INCR}`)
    const missing = await failedStart(aofWith(GOOD, `file appendonly.aof.1.base.aof seq 1 type b\nfile ${INCR} seq 1 type i\n`))
    expect(missing.code).toBe(1)
    expect(missing.output).toContain("Unable to obtain the AOF file appendonly.aof.1.base.aof length. stat: No such file or directory")
  }, 120_000)

  it("stops with Valkey's FATAL AOF MANIFEST FILE ERROR on a bad manifest", async () => {
    const { code, output } = await failedStart(aofWith(GOOD, `file ${INCR} seq 1 type i\nfile x seq 1\n`))
    expect(code).toBe(1)
    expect(output).toContain("*** FATAL AOF MANIFEST FILE ERROR ***")
    expect(output).toContain("Reading the manifest file, at line 2")
    expect(output).toContain(">>> 'file x seq 1'")
    expect(output).toContain("Invalid AOF manifest file format")
  }, 60_000)
})
