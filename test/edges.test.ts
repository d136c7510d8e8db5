/**
 * keyfiber at the edges of its process, as valkey-server behaves there: a port it cannot listen on,
 * SIGTERM and SIGINT, `--version`, the default listening addresses, and the connection fast path's
 * start-up probe and its fallback. Real processes, real sockets.
 */
import { type ChildProcess, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { Redis } from "ioredis"
import { afterEach, describe, expect, it, vi } from "vitest"
import { start } from "../src/start.js"
import { probeFastPath } from "../src/server/FastPathProbe.js"
import { startServerProcess, type ServerProcess } from "./support/childServer.js"
import { REDIS_SERVER_PATH } from "./support/redisServer.js"
import { waitFor } from "./support/waitFor.js"

// The processes startServerProcess spawns, so a test can read the exit status of one that exits
// before it is ready (however the server is launched).
const spawned = vi.hoisted(() => [] as Array<ChildProcess>)
vi.mock("node:child_process", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:child_process")>()
  const spawn = (...args: Parameters<typeof actual.spawn>) => {
    const child = actual.spawn(...args)
    spawned.push(child)
    return child
  }
  return { ...actual, spawn }
})

const PACKAGE_VERSION = (JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "..", "package.json"), "utf8")) as { version: string }).version

/** A Valkey log line (`pid:M date time <mark> message`) with exactly this message. */
const logLine = (mark: string, message: string) =>
  new RegExp(`^\\d+:M \\d\\d \\w{3} \\d{4} \\d\\d:\\d\\d:\\d\\d\\.\\d{3} ${mark.replace("*", "\\*")} ${message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m")

/** A line logged from a signal handler (server.c `serverLogRawFromHandler`). */
const signalLine = (message: string) => new RegExp(`^\\d+:signal-handler \\(\\d+\\) ${message.replace(/[.]/g, "\\.")}$`, "m")

/** Runs keyfiber with `args`, expecting it to exit before it is ready: its output and exit status. */
const runToExit = async (args: ReadonlyArray<string>) => {
  const before = spawned.length
  const error = await startServerProcess(args, { readyMs: 60_000 }).then(
    (server) => {
      void server.kill()
      throw new Error(`keyfiber ${args.join(" ")} became ready`)
    },
    (e: Error) => e
  )
  const child = spawned[before]
  if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once("exit", resolve))
  return { output: error.message.slice(error.message.indexOf("output: ") + "output: ".length), status: child.exitCode }
}

/** A listener holding `port` on `host`, as another program would. */
const holdPort = async (port: number, host: string) => {
  const holder = net.createServer()
  await new Promise<void>((resolve, reject) => {
    holder.once("error", reject)
    holder.listen(port, host, resolve)
  })
  return holder
}

const opened: Array<{ close(): unknown }> = []
const servers: Array<ServerProcess> = []
afterEach(async () => {
  for (const o of opened.splice(0)) await o.close()
  for (const s of servers.splice(0)) await s.kill()
})

const started = async (args: ReadonlyArray<string>) => {
  const server = await startServerProcess(args)
  servers.push(server)
  return server
}

const client = (port: number, host = "127.0.0.1") => {
  const redis = new Redis({ port, host, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  opened.push({ close: () => redis.disconnect() })
  return redis
}

describe("a port that cannot be listened on", () => {
  it("logs Valkey's two lines and exits with status 1, with no stack trace", async () => {
    const holder = await holdPort(7610, "127.0.0.1")
    opened.push(holder)
    const { output, status } = await runToExit(["--port", "7610", "--bind", "127.0.0.1"])
    expect(output).toMatch(logLine("#", "Warning: Could not create server TCP listening socket 127.0.0.1:7610: bind: Address already in use"))
    expect(output).toMatch(logLine("#", "Failed listening on port 7610 (tcp), aborting."))
    expect(output).not.toMatch(/ListenError|^\s+at /m)
    expect(status).toBe(1)
  })

  const sameAsRedis = async (args: ReadonlyArray<string>) => {
    const redis = spawnSync(REDIS_SERVER_PATH, [...args, "--save", ""], { encoding: "utf8", timeout: 30_000 })
    const warning = (output: string) => /# (Warning: Could not create server TCP listening socket .*)$/m.exec(output)?.[1]
    const ours = await runToExit(args)
    expect(warning(ours.output)).toBeDefined()
    expect(warning(ours.output)).toBe(warning(redis.stdout))
    expect([ours.status, redis.status]).toEqual([1, 1])
  }

  it("the same warning text as redis-server on the same busy port", async () => {
    const holder = await holdPort(7615, "127.0.0.1")
    opened.push(holder)
    await sameAsRedis(["--port", "7615", "--bind", "127.0.0.1"])
  })

  it("a host name: resolved to IPv4 as valkey-server does; one that does not resolve fails as there", async () => {
    await sameAsRedis(["--port", "7616", "--bind", "no-such-host.invalid"])
    const server = await started(["--port", "7616", "--bind", "localhost"])
    expect(server.output()).toMatch(/Ready to accept connections tcp on 127\.0\.0\.1:7616$/m)
  })

  it("names the configured address: `*` for the default bind", async () => {
    const holder = await holdPort(7611, "127.0.0.1")
    opened.push(holder)
    const { output, status } = await runToExit(["--port", "7611"])
    expect(output).toMatch(logLine("#", "Warning: Could not create server TCP listening socket *:7611: bind: Address already in use"))
    expect(output).toMatch(logLine("#", "Failed listening on port 7611 (tcp), aborting."))
    expect(status).toBe(1)
  })

  it("an address this host does not have: EADDRNOTAVAIL, fatal unless the address is optional", async () => {
    const { output, status } = await runToExit(["--port", "7612", "--bind", "10.255.255.1"])
    expect(output).toMatch(logLine("#", "Warning: Could not create server TCP listening socket 10.255.255.1:7612: bind: Cannot assign requested address"))
    expect(output).toMatch(logLine("#", "Failed listening on port 7612 (tcp), aborting."))
    expect(status).toBe(1)

    // `-address`: logged and skipped, as Valkey's listenToPort does.
    const server = await started(["--port", "7612", "--bind", "127.0.0.1", "-10.255.255.1"])
    expect(server.output()).toMatch(logLine("#", "Warning: Could not create server TCP listening socket 10.255.255.1:7612: bind: Cannot assign requested address"))
    expect(await client(server.port).ping()).toBe("PONG")
  })

  it("embedded, start() rejects with a ListenError carrying the same text", async () => {
    const holder = await holdPort(7613, "127.0.0.1")
    opened.push(holder)
    const error = await start({ port: 7613, host: "127.0.0.1" }).then(
      () => expect.fail("expected a ListenError"),
      (e: unknown) => e as { _tag?: string; message?: string }
    )
    expect(error._tag).toBe("ListenError")
    expect(error.message).toBe("Could not create server TCP listening socket 127.0.0.1:7613: bind: Address already in use")
  })
})

describe("SIGTERM and SIGINT", () => {
  /** A server with a client blocked in BLPOP, as seen by the server's INFO. */
  const withBlockedClient = async () => {
    // No save points: the shutdown would write dump.rdb into the test runner's folder.
    const server = await started(["--port", "0", "--bind", "127.0.0.1", "--save", ""])
    const blocked = net.connect({ port: server.port, host: "127.0.0.1" })
    let received = ""
    let closed = false
    blocked.on("data", (d: Buffer) => (received += d.toString("latin1")))
    blocked.on("error", () => {})
    blocked.on("close", () => (closed = true))
    blocked.write("*3\r\n$5\r\nBLPOP\r\n$4\r\nlist\r\n$1\r\n0\r\n")
    const observer = client(server.port)
    await waitFor("the BLPOP client to block", async () => /blocked_clients:1\r\n/.test(await observer.info("clients")))
    observer.disconnect()
    return { server, received: () => received, closed: () => closed }
  }

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`${signal}: Valkey's shutdown lines, the blocked client's connection closed, exit status 0`, async () => {
      const { server, received, closed } = await withBlockedClient()
      server.child.kill(signal)
      await server.exited()
      expect(server.child.exitCode).toBe(0)
      const output = server.output()
      const lines = [
        signalLine(`Received ${signal} scheduling shutdown...`),
        logLine("*", "User requested shutdown..."),
        logLine("#", "Valkey is now ready to exit, bye bye...")
      ]
      for (const line of lines) expect(output).toMatch(line)
      const positions = lines.map((line) => output.search(line))
      expect(positions).toEqual([...positions].sort((a, b) => a - b))
      await waitFor("the blocked client's connection to close", closed)
      // Released without a reply, as Valkey's exit leaves it.
      expect(received()).toBe("")
      expect(output).not.toMatch(/^\s+at /m)
    })
  }

  it("SHUTDOWN takes the same path, naming the client that asked", async () => {
    const { server } = await withBlockedClient()
    const asking = client(server.port)
    await asking.call("CLIENT", "SETNAME", "stopper")
    await asking.call("SHUTDOWN").catch(() => {})
    await server.exited()
    expect(server.child.exitCode).toBe(0)
    expect(server.output()).toMatch(/^\d+:M .* \* User requested shutdown\.\.\. \(user request from 'id=\d+ addr=127\.0\.0\.1:\d+ .*name=stopper .*'\)$/m)
    expect(server.output()).toMatch(logLine("#", "Valkey is now ready to exit, bye bye..."))
  })
})

describe("--version", () => {
  for (const flag of ["--version", "-v"]) {
    it(`${flag}: valkey-server's line, its build naming keyfiber's package version`, async () => {
      const { output, status } = await runToExit([flag])
      expect(output).toBe(`Valkey server v=8.1.0 sha=00000000:0 malloc=libc bits=64 build=keyfiber-${PACKAGE_VERSION}\n`)
      expect(status).toBe(0)
    })
  }

  it("INFO server names both versions", async () => {
    const server = await started(["--port", "0", "--bind", "127.0.0.1"])
    const info = await client(server.port).info("server")
    expect(info).toContain("valkey_version:8.1.0\r\n")
    expect(info).toContain(`keyfiber_version:${PACKAGE_VERSION}\r\n`)
  })
})

describe("defaults as valkey-server", () => {
  it("without bind options: `* -::*`, protected-mode yes, serving IPv4 and IPv6", async () => {
    const server = await started(["--port", "7614"])
    const v4 = client(7614)
    expect(await v4.call("CONFIG", "GET", "bind")).toEqual(["bind", "* -::*"])
    expect(await v4.call("CONFIG", "GET", "protected-mode")).toEqual(["protected-mode", "yes"])
    expect(server.output()).toMatch(/Ready to accept connections tcp on 0\.0\.0\.0:7614$/m)
    // A second listener serves IPv6 (this host has it: `::1` is on the loopback interface).
    expect(await client(7614, "::1").ping()).toBe("PONG")
  })
})

describe("the connection fast path", () => {
  // The fallback run (vitest.fallback.config.ts) forces net.Socket: no fast path to see there.
  it.skipIf(process.env.KEYFIBER_CONNECTIONS === "socket")("passes its start-up probe on this Node, and the server uses it", async () => {
    expect(await probeFastPath(5000)).toBe(true)
    // Out of time, it says no (the server then logs one notice and uses net.Socket).
    expect(await probeFastPath(0)).toBe(false)
    const server = await started(["--port", "0", "--bind", "127.0.0.1"])
    expect(server.output()).not.toMatch(/net\.Socket/)
  })

  it("forced off (KEYFIBER_CONNECTIONS=socket), the net.Socket fallback serves everything", async () => {
    process.env.KEYFIBER_CONNECTIONS = "socket"
    let server: ServerProcess
    try {
      server = await started(["--port", "0", "--bind", "127.0.0.1"])
    } finally {
      delete process.env.KEYFIBER_CONNECTIONS
    }
    expect(server.output()).toMatch(logLine("*", "Connections use net.Socket (KEYFIBER_CONNECTIONS=socket)"))
    const redis = client(server.port)
    expect(await redis.set("k", "v")).toBe("OK")
    expect(await redis.get("k")).toBe("v")
    const pipeline = redis.pipeline()
    for (let i = 0; i < 1000; i++) pipeline.incr("n")
    const results = await pipeline.exec()
    expect(results?.at(-1)).toEqual([null, 1000])
    // A reply larger than the kernel takes at once goes out in full.
    const big = "x".repeat(8 * 1024 * 1024)
    await redis.set("big", big)
    expect((await redis.get("big"))?.length).toBe(big.length)

    const waiter = client(server.port)
    const popped = waiter.blpop("queue", 0)
    await waitFor("the BLPOP client to block", async () => /blocked_clients:1\r\n/.test(await redis.info("clients")))
    expect(await redis.lpush("queue", "job")).toBe(1)
    expect(await popped).toEqual(["queue", "job"])
  })
})
