import { Redis } from "ioredis"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { RawClient } from "./support/raw.js"
import { type RedisServer, startRedisServer } from "./support/redisServer.js"
import { cmd } from "./support/resp.js"
import { modulePath, type RunningModuleServer, startModuleServer } from "./support/moduleServer.js"
import { type RunningServer, startServer } from "./support/server.js"
import { waitFor } from "./support/waitFor.js"

const LINE = /^\+(\d+)\.(\d{6}) \[(\d+) ([^\]]*)\] (.*)$/

/** A client in MONITOR mode. */
const openMonitor = async (port: number): Promise<RawClient> => {
  const monitor = await RawClient.connect(port)
  expect(await monitor.request(cmd("MONITOR"), "+OK\r\n")).toBe("+OK\r\n")
  return monitor
}

/**
 * The monitor's stream once the actor's `ECHO <marker>` shows up in it, with the timestamps and the
 * actor's port replaced (they differ from run to run and from server to server).
 */
const streamUntil = async (monitor: RawClient, marker: string, actorPort: number): Promise<string> => {
  const text = await monitor.until((t) => t.includes(`"${marker}"\r\n`))
  monitor.take()
  return text.replace(/^\+\d+\.\d{6} /gm, "+T ").replaceAll(`127.0.0.1:${actorPort}]`, "127.0.0.1:P]")
}

/** Runs `commands` pipelined on a fresh connection while a monitor watches; the monitor's normalized stream. */
const monitorTranscript = async (port: number, commands: ReadonlyArray<ReadonlyArray<string>>): Promise<string> => {
  const monitor = await openMonitor(port)
  const actor = await RawClient.connect(port)
  actor.write(Buffer.from(commands.map((argv) => cmd(...argv)).join("") + cmd("ECHO", "end-of-script"), "latin1"))
  const stream = await streamUntil(monitor, "end-of-script", actor.socket.localPort!)
  actor.close()
  monitor.close()
  return stream
}

/** Commands whose MONITOR lines are the same in redis-server 7.0.15 and Valkey 8. */
const SCRIPT: ReadonlyArray<ReadonlyArray<string>> = [
  ["SET", "k", 'v\x00"\\\n\r\t\x07\x08\xff \xc3\xa9~'],
  ["GET", "k"],
  ["SELECT", "3"],
  ["AUTH", "pw"],
  ["AUTH", "user", "pw"],
  ["AUTH", "a", "b", "c"],
  ["HELLO", "2", "AUTH", "default", "secret", "SETNAME", "me"],
  ["HELLO", "3", "FOO", "AUTH", "a", "b"],
  ["HELLO", "9", "AUTH", "a", "b"],
  ["HELLO", "2", "SETNAME", "bad name", "AUTH", "a", "b"],
  ["MULTI"],
  ["SET", "a", "1"],
  ["INCR", "a"],
  ["LPUSH"],
  ["EXEC"],
  ["MULTI"],
  ["SET", "a", "2"],
  ["MONITOR"],
  ["EXEC"],
  ["MULTI"],
  ["DISCARD"],
  ["EXEC"],
  ["EXEC", "extra"],
  ["WATCH", "a"],
  ["UNWATCH"],
  ["CONFIG", "GET", "maxmemory"],
  ["CONFIG", "SET", "requirepass", ""],
  ["CLIENT", "SETNAME", "x"],
  ["CLIENT", "LIST"],
  ["CLIENT", "ID"],
  ["SLOWLOG", "LEN"],
  ["NOSUCH", "arg"],
  ["GET"],
  ["BLPOP", "empty", "0.01"],
  ["LPUSH", "l", "x"],
  ["BLPOP", "l", "0"],
  ["PING"],
  ["ECHO", ""],
  ["SELECT", "0"],
  ["RESET"],
  ["DBSIZE"]
]

describe("MONITOR compared with redis-server 7.0.15", () => {
  let redis: RedisServer
  let s: RunningServer
  beforeAll(async () => {
    ;[redis, s] = await Promise.all([startRedisServer(), startServer()])
  })
  afterAll(async () => {
    await Promise.all([redis.stop(), s.close()])
  })

  it("shows the same lines for the same commands (format, escaping, what is hidden, redaction, MULTI/EXEC)", async () => {
    const expected = await monitorTranscript(redis.port, SCRIPT)
    const actual = await monitorTranscript(s.port, SCRIPT)
    expect(actual).toBe(expected)
    // What the comparison covers, spelled out.
    expect(actual).toContain('+T [0 127.0.0.1:P] "SET" "k" "v\\x00\\"\\\\\\n\\r\\t\\a\\b\\xff \\xc3\\xa9~"\r\n')
    expect(actual).toContain('"AUTH" "(redacted)" "(redacted)"\r\n')
    expect(actual).toContain('"AUTH" "a" "b" "c"\r\n')
    expect(actual).toContain('"HELLO" "2" "AUTH" "(redacted)" "(redacted)" "SETNAME" "me"\r\n')
    expect(actual).not.toContain('"CONFIG"')
    expect(actual).not.toContain('"LIST"')
    expect(actual).not.toContain("NOSUCH")
    expect(actual.match(/"BLPOP" "l"/g)).toHaveLength(1)
  })

  it("a monitor's own session: kept off the keyspace, its own commands shown after their replies, RESET ends it", async () => {
    const session = async (port: number) => {
      const monitor = await openMonitor(port)
      const session = [["GET", "x"], ["SET", "x", "1"], ["PING"], ["MONITOR"], ["MULTI"], ["GET", "x"], ["EXEC"], ["MULTI"], ["PING"], ["ECHO", "y"], ["EXEC"], ["RESET"], ["GET", "x"], ["ECHO", "done"]]
      monitor.write(session.map((a) => cmd(...a)).join(""))
      const text = await monitor.until((t) => t.endsWith("$4\r\ndone\r\n"))
      monitor.close()
      return text.replace(/^\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\]/gm, "+T [0 M]")
    }
    const expected = await session(redis.port)
    expect(await session(s.port)).toBe(expected)
    expect(expected).toBe(
      "-ERR Replica can't interact with the keyspace\r\n" +
        "-ERR Replica can't interact with the keyspace\r\n" +
        '+PONG\r\n+T [0 M] "PING"\r\n' +
        '+OK\r\n+T [0 M] "MULTI"\r\n' +
        "-ERR Replica can't interact with the keyspace\r\n" +
        '-EXECABORT Transaction discarded because of previous errors.\r\n+T [0 M] "EXEC"\r\n' +
        // Its own transaction: each line right after its reply, inside the EXEC array.
        '+OK\r\n+T [0 M] "MULTI"\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+PONG\r\n+T [0 M] "PING"\r\n$1\r\ny\r\n+T [0 M] "ECHO" "y"\r\n+T [0 M] "EXEC"\r\n' +
        "+RESET\r\n$-1\r\n$4\r\ndone\r\n"
    )
  })
})

describe("MONITOR", () => {
  let s: RunningServer
  let r: Redis
  beforeAll(async () => {
    s = await startServer()
    r = new Redis(s.port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })
    // Connected before any monitor, so its CLIENT SETINFO lines are not in the streams.
    await r.ping()
  })
  beforeEach(async () => {
    await waitFor("the previous test's monitors to leave", () => s.server.monitors.size === 0)
  })
  afterAll(async () => {
    r.disconnect()
    await s.close()
  })

  it("`+<sec>.<usec> [<db> <ip:port>]` with the time the command ran", async () => {
    const monitor = await openMonitor(s.port)
    const before = Date.now()
    await r.set("t", "1")
    const text = await monitor.until((t) => t.endsWith("\r\n"))
    const after = Date.now()
    const m = LINE.exec(text.slice(0, -2))!
    expect(m).not.toBeNull()
    const ms = Number(m[1]) * 1000 + Number(m[2]) / 1000
    expect(ms).toBeGreaterThanOrEqual(before - 1)
    expect(ms).toBeLessThanOrEqual(after + 1)
    expect(m[3]).toBe("0")
    expect(m[4]).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(m[5]).toBe('"set" "t" "1"')
    monitor.close()
  })

  it("is fed to every monitor, in RESP3 too, and only while one is connected", async () => {
    const a = await openMonitor(s.port)
    const b = await RawClient.connect(s.port)
    b.write(cmd("HELLO", "3") + cmd("MONITOR"))
    expect(await b.until((t) => t.endsWith("+OK\r\n"))).toMatch(/^%7\r\n/)
    b.take()
    expect(s.server.monitors.size).toBe(2)
    await r.call("ECHO", "both")
    const [ta, tb] = await Promise.all([a.until((t) => t.includes('"both"')), b.until((t) => t.includes('"both"'))])
    const both = (t: string) => t.split("\r\n").find((l) => l.includes('"both"'))!.replace(/^\+\S+ /, "")
    expect(both(ta)).toMatch(/^\[0 127\.0\.0\.1:\d+\] "ECHO" "both"$/)
    expect(both(tb)).toBe(both(ta))
    a.close()
    b.close()
    await waitFor("monitors to leave", () => s.server.monitors.size === 0)
  })

  it("CLIENT LIST flags=O; a monitor is a normal client in INFO clients and CLIENT LIST TYPE", async () => {
    const connected = async () => Number(/connected_clients:(\d+)/.exec((await r.info("clients")) as string)![1])
    const before = await connected()
    const monitor = await openMonitor(s.port)
    expect(await connected()).toBe(before + 1)
    const list = (await r.call("CLIENT", "LIST")) as string
    const line = list.split("\n").find((l) => l.includes("cmd=monitor"))!
    expect(line).toContain(" flags=O ")
    expect((await r.call("CLIENT", "LIST", "TYPE", "normal")) as string).toContain("cmd=monitor")
    expect(await monitor.request(cmd("RESET"), "+RESET\r\n")).toBe("+RESET\r\n")
    const after = (await r.call("CLIENT", "LIST")) as string
    expect(after).not.toContain("flags=O")
    expect(s.server.monitors.size).toBe(0)
    monitor.close()
  })

  it("MONITOR inside MULTI is refused at EXEC (a deny-blocking client)", async () => {
    const c = await RawClient.connect(s.port)
    const reply = await c.request(cmd("MULTI") + cmd("MONITOR") + cmd("EXEC"), "+OK\r\n+QUEUED\r\n*1\r\n-ERR MONITOR isn't allowed for DENY BLOCKING client\r\n")
    expect(reply).toBe("+OK\r\n+QUEUED\r\n*1\r\n-ERR MONITOR isn't allowed for DENY BLOCKING client\r\n")
    expect(s.server.monitors.size).toBe(0)
    c.close()
  })

  it("a blocked command is shown once, when it blocks, not when it is served", async () => {
    const monitor = await openMonitor(s.port)
    const waiter = new Redis(s.port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })
    const popped = waiter.blpop("served", 0)
    await waitFor("the waiter to block", async () => (s.server.blockedClients as number) === 1)
    await r.rpush("served", "v")
    expect(await popped).toEqual(["served", "v"])
    await r.call("ECHO", "after")
    const text = await monitor.until((t) => t.includes('"after"'))
    expect(text.match(/"(blpop|rpush|ECHO)"[^\r]*/g)).toEqual(['"blpop" "served" "0"', '"rpush" "served" "v"', '"ECHO" "after"'])
    waiter.disconnect()
    monitor.close()
  })

  it("a monitor whose output passes its buffer limit is closed", async () => {
    await r.call("CONFIG", "SET", "client-output-buffer-limit", "normal 100000 0 0")
    const monitor = await RawClient.connect(s.port)
    monitor.socket.pause()
    monitor.write(cmd("MONITOR"))
    await waitFor("the monitor", () => s.server.monitors.size === 1)
    const big = "x".repeat(10000)
    const pipeline = r.pipeline()
    for (let i = 0; i < 100; i++) pipeline.echo(big)
    await pipeline.exec()
    await waitFor("the monitor to be closed", () => s.server.monitors.size === 0)
    await r.call("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0")
    monitor.close()
  })
})

describe("MONITOR and module calls (RM_Call)", () => {
  let s: RunningModuleServer
  let r: Redis
  beforeAll(async () => {
    s = await startModuleServer({ args: ["--enable-module-command", "yes", "--loadmodule", modulePath("blockedclient.ts")] })
    r = new Redis(s.port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })
    await r.ping()
  })
  afterAll(async () => {
    r.disconnect()
    await s.close()
  })
  beforeEach(async () => {
    await waitFor("the previous test's monitors to leave", () => s.server.monitors.size === 0)
  })

  it("a call is shown before the command that made it, from a client without an address", async () => {
    const monitor = await openMonitor(s.port)
    await r.call("do_rm_call", "set", "x", "y")
    await r.call("ECHO", "end")
    const text = await monitor.until((t) => t.includes('"end"'))
    const lines = text.trimEnd().split("\r\n").map((l) => l.replace(/^\+\S+ /, ""))
    expect(lines[0]).toBe('[0 ] "set" "x" "y"')
    expect(lines[1]).toMatch(/^\[0 127\.0\.0\.1:\d+\] "do_rm_call" "set" "x" "y"$/)
    monitor.close()
  })

  it("RM_Call of MONITOR is refused: its client expects one reply per call", async () => {
    await expect(r.call("do_rm_call", "monitor")).rejects.toThrow("ERR MONITOR isn't allowed for DENY BLOCKING client")
    expect(s.server.monitors.size).toBe(0)
  })

  it("RM_Call of RESET is refused", async () => {
    await expect(r.call("do_rm_call", "reset")).rejects.toThrow("ERR can only reset normal client connections")
  })
})
