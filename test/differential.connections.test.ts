import { readFileSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RawClient } from "./support/raw.js"
import { type RedisServer, startRedisServer } from "./support/redisServer.js"
import { cmd } from "./support/resp.js"
import { type RunningServer, startServer } from "./support/server.js"

/** Connects, sends `request`, optionally ends its side, and returns every byte until the server closes. */
const exchangeUntilClose = async (port: number, request: string, endAfterWrite: boolean): Promise<{ bytes: string; closed: boolean }> => {
  const client = await RawClient.connect(port)
  if (request !== "") client.write(request)
  if (endAfterWrite) client.socket.end()
  // Waits for the close (the predicate never holds); fails if the server keeps the connection open.
  const bytes = await client.until(() => false)
  client.close()
  return { bytes, closed: client.closed }
}

/**
 * The kernel's timer on the server's side of a loopback connection (`/proc/net/tcp`): `tr` 2 is
 * the keepalive timer, `when` its seconds to go.
 */
const serverSideTimer = (serverPort: number, clientPort: number): { tr: number; seconds: number } | undefined => {
  const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, "0")
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const f = line.trim().split(/\s+/)
    if (f.length < 6 || !f[1].endsWith(`:${hex(serverPort)}`) || !f[2].endsWith(`:${hex(clientPort)}`)) continue
    const [tr, when] = f[5].split(":")
    // USER_HZ clock ticks (100 per second on Linux).
    return { tr: Number.parseInt(tr, 16), seconds: Number.parseInt(when, 16) / 100 }
  }
  return undefined
}

/** Valkey's connection lifecycle at the edges, compared with redis-server 7.0 in the same run. */
describe("connections: keyfiber vs redis-server", () => {
  let kf: RunningServer
  let redis: RedisServer
  beforeAll(async () => {
    kf = await startServer()
    redis = await startRedisServer()
  })
  afterAll(async () => {
    await kf.close()
    await redis.stop()
  })

  it("a client that sends its requests and closes its side gets every reply, then is closed", async () => {
    // Several reads long, so the end can arrive while replies are still being made.
    const echoes = Array.from({ length: 2000 }, (_, i) => `${i}:${"x".repeat(100)}`)
    const request = cmd("PING") + echoes.map((e) => cmd("ECHO", e)).join("") + cmd("SET", "halfclose", "1") + cmd("GET", "halfclose")
    const [ours, theirs] = await Promise.all([exchangeUntilClose(kf.port, request, true), exchangeUntilClose(redis.port, request, true)])
    const replies = "+PONG\r\n" + echoes.map((e) => `$${e.length}\r\n${e}\r\n`).join("") + "+OK\r\n$1\r\n1\r\n"
    expect(theirs.closed).toBe(true)
    expect(theirs.bytes === replies).toBe(true)
    expect(ours.closed).toBe(true)
    expect(ours.bytes.length).toBe(replies.length)
    expect(ours.bytes === replies).toBe(true)
  })

  it("past maxclients a new connection gets Valkey's error and is closed; the others keep working", async () => {
    const results: Array<{ bytes: string; closed: boolean; pong: string }> = []
    for (const port of [kf.port, redis.port]) {
      const control = await RawClient.connect(port)
      expect(await control.request(cmd("CONFIG", "SET", "maxclients", "1"), "+OK\r\n")).toBe("+OK\r\n")
      try {
        const rejected = await exchangeUntilClose(port, "", false)
        results.push({ ...rejected, pong: await control.request(cmd("PING"), "+PONG\r\n") })
      } finally {
        await control.request(cmd("CONFIG", "SET", "maxclients", "10000"), "+OK\r\n")
        control.close()
      }
    }
    expect(results[1]).toEqual({ bytes: "-ERR max number of clients reached\r\n", closed: true, pong: "+PONG\r\n" })
    expect(results[0]).toEqual(results[1])
  })

  it("tcp-keepalive: accepted connections get keepalive probes after that many seconds (0: none)", async () => {
    const timers: Array<Array<{ tr: number; seconds: number } | undefined>> = []
    for (const port of [kf.port, redis.port]) {
      const seen: Array<{ tr: number; seconds: number } | undefined> = []
      for (const keepalive of ["300", "0", "300"]) {
        const control = await RawClient.connect(port)
        expect(await control.request(cmd("CONFIG", "SET", "tcp-keepalive", keepalive), "+OK\r\n")).toBe("+OK\r\n")
        const probe = await RawClient.connect(port)
        // A round trip, so the server has accepted (and configured) the connection.
        expect(await probe.request(cmd("PING"), "+PONG\r\n")).toBe("+PONG\r\n")
        seen.push(serverSideTimer(port, probe.socket.localPort!))
        probe.close()
        control.close()
      }
      timers.push(seen)
    }
    for (const seen of timers) {
      expect(seen[0]?.tr).toBe(2)
      expect(seen[0]?.seconds).toBeGreaterThan(290)
      expect(seen[0]?.seconds).toBeLessThanOrEqual(300)
      expect(seen[1]?.tr).toBe(0)
      expect(seen[2]?.tr).toBe(2)
    }
  })
})
