import { Redis } from "ioredis"
import { createClient } from "redis"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { ListValue } from "../src/keyspace/ListValue.js"
import { VerbatimReply } from "../src/protocol/Reply.js"
import { encodeReply } from "../src/protocol/RespWriter.js"
import { bytesToHuman, setInfoHooks } from "../src/server/Info.js"
import type { InProcessClient } from "../src/server/InProcessClient.js"
import { InProcessServer } from "./support/inProcessServer.js"
import { RawClient } from "./support/raw.js"
import { type RunningServer, startServer } from "./support/server.js"
import { waitFor } from "./support/waitFor.js"

const headers = (text: string) => text.split("\r\n").filter((line) => line.startsWith("# "))

/** INFO text as a map of `field -> value`. */
const parse = (text: string): Map<string, string> => {
  const out = new Map<string, string>()
  for (const line of text.split("\r\n")) {
    const i = line.indexOf(":")
    if (i > 0 && !line.startsWith("#")) out.set(line.slice(0, i), line.slice(i + 1))
  }
  return out
}

const DEFAULT = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules", "Errorstats", "Cluster", "Keyspace"]
const ALL = [
  "Server",
  "Clients",
  "Memory",
  "Persistence",
  "Stats",
  "Replication",
  "CPU",
  "Modules",
  "Commandstats",
  "Errorstats",
  "Latencystats",
  "Cluster",
  "Keyspace"
]

describe("INFO (in process)", () => {
  let s: InProcessServer
  let r: InProcessClient
  const info = (...sections: Array<string>): string => {
    const reply = s.run(r, "INFO", ...sections)
    if (!(reply instanceof VerbatimReply)) throw new Error("INFO did not reply verbatim text")
    return reply.text
  }
  beforeEach(() => {
    s = new InProcessServer()
    r = s.client()
  })

  it("prints Valkey's sections for INFO, default, all, everything and a list", () => {
    expect(headers(info()).map((h) => h.slice(2))).toEqual(DEFAULT)
    expect(headers(info("default")).map((h) => h.slice(2))).toEqual(DEFAULT)
    expect(headers(info("all")).map((h) => h.slice(2))).toEqual(ALL)
    expect(headers(info("everything")).map((h) => h.slice(2))).toEqual(ALL)
    expect(headers(info("keyspace", "SERVER", "clients")).map((h) => h.slice(2))).toEqual(["Server", "Clients", "Keyspace"])
    expect(headers(info("commandstats")).map((h) => h.slice(2))).toEqual(["Commandstats"])
    expect(headers(info("modules")).map((h) => h.slice(2))).toEqual(["Modules"])
    expect(info("nosuchsection")).toBe("")
  })

  it("separates sections by an empty line and ends with CRLF", () => {
    const text = info("server", "cluster")
    expect(text.startsWith("# Server\r\nredis_version:7.2.4\r\nserver_name:valkey\r\nvalkey_version:8.1.0\r\nkeyfiber_version:")).toBe(true)
    expect(text.endsWith("\r\n\r\n# Cluster\r\ncluster_enabled:0\r\n")).toBe(true)
  })

  it("the server section carries the fields clients read", () => {
    const f = parse(info("server"))
    expect(f.get("redis_mode") ?? f.get("server_mode")).toBe("standalone")
    expect(f.get("run_id")).toMatch(/^[0-9a-f]{40}$/)
    expect(f.get("process_id")).toBe(String(process.pid))
    expect(f.get("uptime_in_seconds")).toBe("0")
    s.advance(90_000)
    expect(parse(info("server")).get("uptime_in_seconds")).toBe("90")
    expect(parse(info("server")).get("run_id")).toBe(f.get("run_id"))
    expect(f.get("server_time_usec")).toBe(String(1_700_000_000_000 * 1000))
  })

  it("persistence says loading:0", () => {
    expect(info("persistence")).toContain("\r\nloading:0\r\nasync_loading:0\r\n")
    expect(info()).toContain("\r\nloading:0\r\n")
  })

  it("keyspace lines count keys and keys with a TTL per database", () => {
    expect(info("keyspace")).toBe("# Keyspace\r\n")
    s.run(r, "SET", "a", "1")
    s.run(r, "SET", "b", "1")
    s.expireIn(0, "b", 10_000)
    s.run(r, "SELECT", "3")
    s.run(r, "SET", "c", "1")
    expect(info("keyspace")).toBe("# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=10000\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n")
  })

  it("commandstats, errorstats and stats counters move", () => {
    s.run(r, "SET", "k", "v")
    s.run(r, "GET", "k")
    s.run(r, "GET", "missing")
    s.run(r, "GET", "a", "b")
    s.server.keyspace.add(0, "list", new ListValue())
    s.run(r, "GET", "list")
    s.run(r, "nosuch")
    const text = info("commandstats", "errorstats", "stats")
    expect(text).toMatch(/\r\ncmdstat_get:calls=3,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=1,failed_calls=1\r\n/)
    expect(text).toMatch(/\r\ncmdstat_set:calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0\r\n/)
    expect(text).toContain("# Errorstats\r\nerrorstat_ERR:count=2\r\nerrorstat_WRONGTYPE:count=1\r\n")
    const f = parse(text)
    expect(f.get("total_commands_processed")).toBe("4")
    expect(f.get("keyspace_hits")).toBe("2")
    expect(f.get("keyspace_misses")).toBe("1")
    expect(f.get("total_error_replies")).toBe("3")
    // INFO itself is counted once it completes.
    expect(parse(info("stats")).get("total_commands_processed")).toBe("5")
    expect(info("commandstats")).toMatch(/\r\ncmdstat_info:calls=2,/)
  })

  it("clients section: connected, watching and watched keys", () => {
    const other = s.client()
    s.run(other, "WATCH", "a", "b")
    const f = parse(info("clients"))
    expect(f.get("connected_clients")).toBe("2")
    expect(f.get("watching_clients")).toBe("1")
    expect(f.get("total_watched_keys")).toBe("2")
    expect(f.get("blocked_clients")).toBe("0")
    expect(f.get("total_blocking_keys")).toBe("0")
    expect(f.get("total_blocking_keys_on_nokey")).toBe("0")
    expect(f.get("clients_in_timeout_table")).toBe("0")
    other.close()
    expect(parse(info("clients")).get("connected_clients")).toBe("1")
  })

  it("reads blocking counters from the blocking engine when it has them", () => {
    s.server.blocker = {
      block: () => {},
      serveReadyKeys: () => {},
      disconnect: () => {},
      blockedClients: 3,
      clientsInTimeoutTable: 2,
      totalBlockingKeys: 4,
      totalBlockingKeysOnNoKey: 1
    } as never
    const f = parse(info("clients"))
    expect([f.get("blocked_clients"), f.get("clients_in_timeout_table"), f.get("total_blocking_keys"), f.get("total_blocking_keys_on_nokey")]).toEqual([
      "3",
      "2",
      "4",
      "1"
    ])
  })

  it("resetStats zeroes the counters", () => {
    s.run(r, "GET", "x")
    s.run(r, "nosuch")
    s.server.resetStats()
    const f = parse(info("stats"))
    expect(f.get("total_commands_processed")).toBe("0")
    expect(f.get("keyspace_misses")).toBe("0")
    expect(f.get("total_error_replies")).toBe("0")
    // Only the INFO call made after the reset is counted.
    expect(info("commandstats", "errorstats")).toMatch(/^# Commandstats\r\ncmdstat_info:calls=1,[^\r]*\r\n\r\n# Errorstats\r\n$/)
  })

  it("the modules hook adds module lines", () => {
    setInfoHooks(s.server, {
      moduleLines: () => ["module:name=hello,ver=1,api=1,filters=0,usedby=[],using=[],options=[]"]
    })
    expect(info("modules")).toBe("# Modules\r\nmodule:name=hello,ver=1,api=1,filters=0,usedby=[],using=[],options=[]\r\n")
  })

  it("is a bulk string in RESP2 and a verbatim string in RESP3", () => {
    const reply = new VerbatimReply("# Cluster\r\ncluster_enabled:0\r\n")
    expect(encodeReply(reply, 2)).toBe("$30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n")
    expect(encodeReply(reply, 3)).toBe("=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n")
  })

  it("bytesToHuman follows Valkey", () => {
    expect(bytesToHuman(0)).toBe("0B")
    expect(bytesToHuman(1023)).toBe("1023B")
    expect(bytesToHuman(1024)).toBe("1.00K")
    expect(bytesToHuman(1536 * 1024)).toBe("1.50M")
    expect(bytesToHuman(3 * 1024 ** 3)).toBe("3.00G")
  })
})

describe("INFO over TCP", () => {
  let s: RunningServer
  beforeAll(async () => {
    s = await startServer()
  })
  afterAll(() => s.close())

  it("replies a bulk string over RESP2 and verbatim over RESP3", async () => {
    const c = await RawClient.connect(s.port)
    const expected = "$30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n"
    expect(await c.request("INFO cluster\r\n", expected)).toBe(expected)
    expect(await c.request("INFO nosuch\r\n", "$0\r\n\r\n")).toBe("$0\r\n\r\n")
    for (const client of s.server.clients.values()) client.resp = 3
    const verbatim = "=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n"
    expect(await c.request("INFO cluster\r\n", verbatim)).toBe(verbatim)
    c.close()
  })

  it("network and connection counters move; tcp_port is the listening port", async () => {
    const io = new Redis({ port: s.port, host: "127.0.0.1" })
    const before = parse(await io.info("stats"))
    await io.set("k", "v")
    const after = parse(await io.info("stats"))
    expect(Number(after.get("total_net_input_bytes"))).toBeGreaterThan(Number(before.get("total_net_input_bytes")))
    expect(Number(after.get("total_net_output_bytes"))).toBeGreaterThan(Number(before.get("total_net_output_bytes")))
    expect(Number(after.get("total_commands_processed"))).toBeGreaterThan(Number(before.get("total_commands_processed")))
    expect(Number(after.get("total_connections_received"))).toBeGreaterThanOrEqual(1)
    expect(parse(await io.info("server")).get("tcp_port")).toBe(String(s.port))
    io.disconnect()
  })

  it("CONFIG RESETSTAT zeroes the counters INFO shows", async () => {
    const c = await RawClient.connect(s.port)
    c.write("GET nosuch\r\nnosuchcommand\r\n")
    await c.until((t) => /^\$-1\r\n-ERR unknown[^\r]*\r\n$/.test(t))
    c.take()
    expect(await c.request("CONFIG RESETSTAT\r\n", "+OK\r\n")).toBe("+OK\r\n")
    c.write("INFO stats errorstats\r\n")
    const text = await c.until((t) => t.includes("# Errorstats\r\n") && t.endsWith("\r\n\r\n"))
    const f = parse(text)
    expect([f.get("total_commands_processed"), f.get("keyspace_misses"), f.get("total_error_replies")]).toEqual(["1", "0", "0"])
    expect(text).toMatch(/# Errorstats\r\n\r\n$/)
    c.close()
  })

  it("clients section follows blocked clients", async () => {
    const io = new Redis({ port: s.port, host: "127.0.0.1" })
    const waiter = await RawClient.connect(s.port)
    const clients = async () => parse(await io.info("clients"))
    waiter.write("BLPOP info:l1 info:l2 100\r\n")
    await waitFor("blocked_clients:1", async () => (await clients()).get("blocked_clients") === "1")
    const f = await clients()
    expect(f.get("total_blocking_keys")).toBe("2")
    expect(f.get("clients_in_timeout_table")).toBe("1")
    await io.lpush("info:l2", "x")
    expect(await waiter.until((t) => t.length >= 24)).toBe("*2\r\n$7\r\ninfo:l2\r\n$1\r\nx\r\n")
    const after = await clients()
    expect([after.get("blocked_clients"), after.get("total_blocking_keys"), after.get("clients_in_timeout_table")]).toEqual(["0", "0", "0"])
    waiter.close()
    io.disconnect()
  })

  it("ioredis passes its ready check (INFO loading:0) and node-redis reads INFO", async () => {
    const io = new Redis({ port: s.port, host: "127.0.0.1", enableReadyCheck: true, lazyConnect: true })
    await io.connect()
    expect(io.status).toBe("ready")
    expect(await io.info("keyspace")).toMatch(/^# Keyspace\r\n/)
    io.disconnect()

    const nr = createClient({ socket: { port: s.port, host: "127.0.0.1" } })
    await nr.connect()
    const text = await nr.info("server")
    expect(text).toContain("redis_version:7.2.4\r\n")
    expect(text).toContain("valkey_version:8.1.0\r\n")
    await nr.quit()
  })
})
