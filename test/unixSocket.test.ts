/**
 * The `unixsocket` listener and the start-up lines a supervisor (or Valkey's test suite, which
 * starts valkey-server itself and reads its log) looks for.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startServerProcess, type ServerProcess } from "./support/childServer.js"
import { waitFor } from "./support/waitFor.js"

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kf-unix-"))
const socketPath = path.join(dir, "keyfiber.sock")
let server: ServerProcess

beforeAll(async () => {
  // A file left at the path (a crashed server's socket) is replaced, as unix.c does.
  fs.writeFileSync(socketPath, "stale")
  server = await startServerProcess(["--port", "0", "--save", "", "--unixsocket", socketPath, "--unixsocketperm", "700", "--always-show-logo", "yes"])
})
afterAll(async () => {
  await server?.kill()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe("unixsocket", () => {
  it("serves commands over the socket file, with the permissions of unixsocketperm", async () => {
    expect(fs.statSync(socketPath).isSocket()).toBe(true)
    expect(fs.statSync(socketPath).mode & 0o777).toBe(0o700)
    const client = new Redis({ path: socketPath, lazyConnect: true })
    await client.connect()
    try {
      expect(await client.set("k", "over unix")).toBe("OK")
      expect(await client.get("k")).toBe("over unix")
      // networking.c: a Unix socket client's addr and laddr are `<unixsocket>:0`, its flags `U`.
      const info = (await client.call("CLIENT", "INFO")) as string
      expect(info).toContain(`addr=${socketPath}:0 laddr=${socketPath}:0`)
      expect(/ flags=(\S+)/.exec(info)?.[1]).toBe("U")
    } finally {
      client.disconnect()
    }
  })

  it("MONITOR shows a Unix socket client as unix:<path>", async () => {
    const monitor = new Redis({ port: server.port, host: "127.0.0.1", lazyConnect: true })
    await monitor.connect()
    const client = new Redis({ path: socketPath, lazyConnect: true })
    await client.connect()
    try {
      const feed = await monitor.monitor()
      const lines: Array<string> = []
      feed.on("monitor", (_time: string, args: Array<string>, source: string, database: string) => lines.push(`${database} ${source} ${args.join(" ")}`))
      await client.set("watched", "1")
      await waitFor("the MONITOR line", () => lines.length > 0)
      expect(lines[0]).toBe(`0 unix:${socketPath} set watched 1`)
      feed.disconnect()
    } finally {
      client.disconnect()
      monitor.disconnect()
    }
  })

  it("redis-cli -s reaches the same data", () => {
    const result = spawnSync("redis-cli", ["-s", socketPath, "GET", "k"], { encoding: "utf8" })
    expect(result.stdout.trim()).toBe("over unix")
  })

  it("a TCP client is not flagged U", async () => {
    const client = new Redis({ port: server.port, lazyConnect: true })
    await client.connect()
    try {
      const info = (await client.call("CLIENT", "INFO")) as string
      expect(/ flags=(\S+)/.exec(info)?.[1]).toBe("N")
    } finally {
      client.disconnect()
    }
  })

  it("logs the logo with the PID, 'Server initialized' before the ready lines, and a ready line for unix", () => {
    const out = server.output()
    // Valkey's test suite waits for / PID: <pid>.*Server initialized/ in the log.
    expect(out).toMatch(new RegExp(` PID: ${server.child.pid}[\\s\\S]*Server initialized`))
    expect(out.indexOf("Server initialized")).toBeLessThan(out.indexOf("Ready to accept connections tcp"))
    expect(out).toContain("Ready to accept connections unix")
  })

  it("a path that cannot be bound ends the server with Valkey's line and status 1", () => {
    const bad = path.join(dir, "missing-dir", "k.sock")
    const result = spawnSync(
      process.execPath,
      [path.resolve(import.meta.dirname, "..", "bin", "keyfiber.js"), "--port", "0", "--save", "", "--unixsocket", bad],
      { encoding: "utf8", timeout: 30_000 }
    )
    expect(result.status).toBe(1)
    expect(result.stdout).toMatch(/# Failed opening Unix socket: bind: /)
    expect(result.stdout).not.toContain("Failed listening on port")
  })
})

describe("without the logo", () => {
  it("logs Valkey's one-line 'Running mode' instead", async () => {
    const plain = await startServerProcess(["--port", "0", "--save", ""])
    try {
      expect(plain.output()).toContain("Running mode=standalone, port=0.")
      expect(plain.output()).not.toContain(" PID: ")
    } finally {
      await plain.kill()
    }
  })
})
