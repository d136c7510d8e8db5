import { beforeEach, describe, expect, it } from "vitest"
import { waitFor } from "../support/waitFor.js"
import { useServer } from "./setup.js"
import { ServerError } from "./tcl.js"

/** Ported from valkey tests/unit/info.tcl (no AUTH/ACL, Lua, OOM or DEBUG parts). */
describe("conformance: info", () => {
  const t = useServer()
  beforeEach(async () => {
    await t.r("flushall")
    await t.r("config", "resetstat")
  })

  const info = async (section = "all") => (await t.r("info", section)) as string
  const field = async (name: string) => new RegExp(`^${name}:(.*)\\r$`, "m").exec(await info())?.[1] ?? ""
  /** Valkey's cmdrstat: the stats line of a command, "" when absent. */
  const cmdstat = async (cmd: string) => new RegExp(`^cmdstat_${cmd.replace("|", "\\|")}:(.*)\\r$`, "m").exec(await info("commandstats"))?.[1] ?? ""
  const errorstat = async (code: string) => new RegExp(`^errorstat_${code}:(.*)\\r$`, "m").exec(await info("errorstats"))?.[1] ?? ""
  const latency = async (cmd: string) => new RegExp(`^latency_percentiles_usec_${cmd.replace("|", "\\|")}:(.*)\\r$`, "m").exec(await info("latencystats"))?.[1] ?? ""

  it("latencystats: disable/enable and configure percentiles", async () => {
    const { r, err } = t
    await r("config", "set", "latency-tracking", "no")
    await r("set", "a", "b")
    expect(await latency("set")).toBe("")
    await r("config", "set", "latency-tracking", "yes")
    await r("set", "a", "b")
    expect(await latency("set")).toMatch(/p50=.*,p99=.*,p99\.9=/)
    await r("config", "resetstat")
    expect(await latency("set")).toBe("")
    await r("SET", "a", "b")
    await r("GET", "a")
    await r("config", "set", "latency-tracking-info-percentiles", "0.0 50.0 100.0")
    expect(await r("config", "get", "latency-tracking-info-percentiles")).toEqual(["latency-tracking-info-percentiles", "0 50 100"])
    expect(await latency("set")).toMatch(/^p0=.*,p50=.*,p100=/)
    expect(await latency("get")).toMatch(/^p0=.*,p50=.*,p100=/)
    await r("config", "resetstat")
    const before = await r("config", "get", "latency-tracking-info-percentiles")
    expect(await err("config", "set", "latency-tracking-info-percentiles", "10.0 50.0 a")).toMatch(/^ERR CONFIG SET failed/)
    expect(await field("total_error_replies")).toBe("1")
    expect(await err("config", "set", "latency-tracking-info-percentiles", "10.0 50.0 101.0")).toMatch(/^ERR CONFIG SET failed/)
    expect(await field("total_error_replies")).toBe("2")
    expect(await r("config", "get", "latency-tracking-info-percentiles")).toEqual(before)
    await r("config", "resetstat")
    expect(await errorstat("ERR")).toBe("")
    await r("config", "set", "latency-tracking-info-percentiles", "50 99 99.9")
  })

  it("latencystats: blocking commands and subcommands", async () => {
    const { r } = t
    await r("config", "set", "latency-tracking", "yes")
    const rd = await t.client()
    rd.send("blpop", "list1", 0)
    await waitFor("blocked", async () => (await field("blocked_clients")) === "1")
    await r("lpush", "list1", "a")
    expect(await rd.read()).toEqual(["list1", "a"])
    expect(await latency("blpop")).toMatch(/p50=.*,p99=.*,p99\.9=/)
    await r("config", "get", "maxmemory")
    expect(await latency("config|get")).toMatch(/p50=.*,p99=.*,p99\.9=/)
  })

  it("errorstats: failed call within MULTI/EXEC", async () => {
    const { r, err } = t
    await r("multi")
    await r("set", "a", "b")
    await r("lpush", "a", "x")
    const res = await r("exec")
    expect((res[1] as ServerError).message).toMatch(/^WRONGTYPE/)
    expect(await errorstat("WRONGTYPE")).toMatch(/count=1/)
    expect(await cmdstat("set")).toMatch(/calls=1,.*,rejected_calls=0,failed_calls=0/)
    expect(await cmdstat("lpush")).toMatch(/calls=1,.*,rejected_calls=0,failed_calls=1/)
    expect(await cmdstat("exec")).toMatch(/calls=1,.*,rejected_calls=0,failed_calls=0/)
    expect(await field("total_error_replies")).toBe("1")
    expect(await err("exec")).toBe("ERR EXEC without MULTI")
    expect(await cmdstat("exec")).toMatch(/calls=2,.*,rejected_calls=0,failed_calls=1/)
    expect(await errorstat("ERR")).toMatch(/count=1/)
    expect(await field("total_error_replies")).toBe("2")
  })

  it("errorstats: rejected calls (unknown command, in MULTI, wrong arity)", async () => {
    const { r, err } = t
    expect(await err("asdf")).toMatch(/^ERR unknown/)
    expect(await errorstat("ERR")).toMatch(/count=1/)
    expect(await field("total_error_replies")).toBe("1")
    await r("config", "resetstat")
    await r("multi")
    expect(await err("set")).toBe("ERR wrong number of arguments for 'set' command")
    expect(await err("exec")).toMatch(/^EXECABORT/)
    expect(await errorstat("ERR")).toMatch(/count=1/)
    expect(await errorstat("EXECABORT")).toMatch(/count=1/)
    expect(await field("total_error_replies")).toBe("2")
    expect(await cmdstat("set")).toMatch(/calls=0,.*,rejected_calls=1,failed_calls=0/)
    expect(await cmdstat("multi")).toMatch(/calls=1,.*,rejected_calls=0,failed_calls=0/)
    expect(await cmdstat("exec")).toMatch(/calls=1,.*,rejected_calls=0,failed_calls=1/)
    await r("config", "resetstat")
    expect(await errorstat("ERR")).toBe("")
    expect(await err("set", "k")).toBe("ERR wrong number of arguments for 'set' command")
    expect(await errorstat("ERR")).toMatch(/count=1/)
    expect(await cmdstat("set")).toMatch(/calls=0,.*,rejected_calls=1,failed_calls=0/)
    await r("set", "k1", "v1")
    await r("set", "k2", "v2")
    expect(await cmdstat("set")).toMatch(/^calls=2,.*,rejected_calls=1,failed_calls=0$/)
    expect(await field("total_error_replies")).toBe("1")
  })

  it("errorstats: blocking commands unblocked with an error", async () => {
    const { r } = t
    const rd = await t.client()
    rd.send("client", "id")
    let id = await rd.read()
    if (typeof id !== "number") id = Math.max(...t.s.server.clients.keys())
    await r("config", "resetstat")
    rd.send("blpop", "list1", 0)
    await waitFor("blocked", async () => (await field("blocked_clients")) === "1")
    await r("client", "unblock", id, "error")
    expect(((await rd.read()) as ServerError).message).toMatch(/^UNBLOCKED/)
    expect(await errorstat("UNBLOCKED")).toMatch(/count=1/)
    expect(await cmdstat("blpop")).toMatch(/calls=1,.*,rejected_calls=0,failed_calls=1/)
    expect(await field("total_error_replies")).toBe("1")
  })

  it("INFO sections and the keyspace section", async () => {
    const { r } = t
    const all = await info("all")
    for (const section of ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules", "Commandstats", "Errorstats", "Keyspace"]) {
      expect(all).toContain(`# ${section}\r\n`)
    }
    const def: string = await r("info")
    expect(def).not.toContain("# Commandstats")
    await r("set", "a", 1)
    await r("set", "b", 2, "ex", 100)
    expect(await info("keyspace")).toMatch(/^# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=\d+\r\n$/)
    expect(await info("nosuchsection")).toBe("")
    const two: string = await r("info", "server", "clients")
    expect(two).toMatch(/^# Server\r\n/)
    expect(two).toContain("\r\n\r\n# Clients\r\n")
  })

  it("clients: watching clients", async () => {
    const { r } = t
    const r2 = await t.client()
    const watchOf = async (c: typeof r2 | null) => /watch=(\d+)/.exec(c === null ? await r("client", "info") : await c.call("client", "info"))?.[1]
    expect([await field("watching_clients"), await field("total_watched_keys")]).toEqual(["0", "0"])
    expect([await watchOf(null), await watchOf(r2)]).toEqual(["0", "0"])
    await r2.call("watch", "key")
    expect([await field("watching_clients"), await field("total_watched_keys")]).toEqual(["1", "1"])
    expect([await watchOf(null), await watchOf(r2)]).toEqual(["0", "1"])
    await r2.call("watch", "key")
    expect([await field("watching_clients"), await field("total_watched_keys")]).toEqual(["1", "1"])
    await r("watch", "key2")
    expect([await field("watching_clients"), await field("total_watched_keys")]).toEqual(["2", "2"])
    expect([await watchOf(null), await watchOf(r2)]).toEqual(["1", "1"])
    await r("unwatch")
    expect([await field("watching_clients"), await field("total_watched_keys")]).toEqual(["1", "1"])
    await r2.call("unwatch")
    expect([await field("watching_clients"), await field("total_watched_keys")]).toEqual(["0", "0"])
    await r2.call("watch", "key")
    await r2.call("multi")
    await r2.call("exec")
    expect(await field("watching_clients")).toBe("0")
    await r2.call("watch", "key")
    await r2.call("multi")
    await r2.call("discard")
    expect(await field("watching_clients")).toBe("0")
    await r2.call("watch", "key")
    expect(await r2.err("discard")).toBe("ERR DISCARD without MULTI")
    expect(await field("watching_clients")).toBe("1")
    await r("unwatch")
    expect(await field("watching_clients")).toBe("1")
    r2.close()
    await waitFor("watchers gone", async () => (await field("watching_clients")) === "0")
  })

  it("stats: client input and output buffer limit disconnections", async () => {
    const { r } = t
    expect(await field("client_query_buffer_limit_disconnections")).toBe("0")
    expect(await field("client_output_buffer_limit_disconnections")).toBe("0")
    const original = (await r("config", "get", "client-query-buffer-limit"))[1]
    await r("config", "set", "client-query-buffer-limit", 1048576)
    const c = await t.client()
    c.send("set", "key", "a".repeat(1048576))
    await c.raw.until(() => false, 5000).catch(() => undefined)
    expect(c.raw.closed).toBe(true)
    expect(await field("client_query_buffer_limit_disconnections")).toBe("1")
    await r("config", "set", "client-query-buffer-limit", original)
    const outOriginal = (await r("config", "get", "client-output-buffer-limit"))[1]
    await r("config", "set", "client-output-buffer-limit", "normal 10 0 0")
    await r("set", "key", "a".repeat(100000))
    const d = await t.client()
    d.send("get", "key")
    await d.raw.until(() => false, 5000).catch(() => undefined)
    expect(await field("client_output_buffer_limit_disconnections")).toBe("1")
    await r("config", "set", "client-output-buffer-limit", outOriginal)
  })

  it("errorstats: failed call authentication error, also within MULTI/EXEC", async () => {
    const { r, err } = t
    expect(await err("auth", "k")).toMatch(/^ERR AUTH/)
    expect(await errorstat("ERR")).toMatch(/count=1/)
    expect(await cmdstat("auth")).toMatch(/calls=1,.*,rejected_calls=0,failed_calls=1/)
    expect(await field("total_error_replies")).toBe("1")
    await r("config", "resetstat")
    expect(await errorstat("ERR")).toBe("")
    await r("multi")
    await r("set", "a", "b")
    await r("auth", "a")
    const res = await r("exec")
    expect((res[1] as ServerError).message).toMatch(/^ERR AUTH/)
    expect(await errorstat("ERR")).toMatch(/count=1/)
    expect(await cmdstat("set")).toMatch(/calls=1,.*,rejected_calls=0,failed_calls=0/)
    expect(await cmdstat("auth")).toMatch(/calls=1,.*,rejected_calls=0,failed_calls=1/)
    expect(await cmdstat("exec")).toMatch(/calls=1,.*,rejected_calls=0,failed_calls=0/)
    expect(await field("total_error_replies")).toBe("1")
  })

  it("latencystats: subcommands", async () => {
    const { r } = t
    await r("config", "set", "latency-tracking", "yes")
    await r("client", "id")
    expect(await latency("client|id")).toMatch(/p50=.*,p99=.*,p99\.9=/)
    expect(await latency("config|set")).toMatch(/p50=.*,p99=.*,p99\.9=/)
  })
})
