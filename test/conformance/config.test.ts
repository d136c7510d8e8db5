import { describe, expect, it } from "vitest"
import { useServer } from "./setup.js"

/** Ported from valkey tests/unit/introspection.tcl (the CONFIG parts that need no restart). */
describe("conformance: CONFIG", () => {
  const t = useServer()
  const asDict = (flat: Array<string>) => {
    const out = new Map<string, string>()
    for (let i = 0; i < flat.length; i += 2) out.set(flat[i]!, flat[i + 1]!)
    return out
  }

  // Newer Valkey sorts CONFIG GET *; Redis 7.0 (and keyfiber, for now) reply in table order.
  it("CONFIG GET * has no duplicates", async () => {
    const flat: Array<string> = await t.r("config", "get", "*")
    const keys = flat.filter((_, i) => i % 2 === 0)
    expect(new Set(keys).size).toBe(keys.length)
  })

  it("CONFIG sanity: setting every config to its current value keeps it", async () => {
    const skip = new Set(
      `rdbchecksum daemonize tcp-backlog mptcp repl-mptcp always-show-logo syslog-enabled cluster-enabled disable-thp aclfile unixsocket pidfile
      syslog-ident appendfilename appenddirname supervised syslog-facility databases cluster-databases io-threads logfile unixsocketperm
      unixsocketgroup replicaof slaveof requirepass server-cpulist bio-cpulist aof-rewrite-cpulist bgsave-cpulist server_cpulist bio_cpulist
      aof_rewrite_cpulist bgsave_cpulist set-proc-title cluster-config-file cluster-port oom-score-adj oom-score-adj-values
      enable-protected-configs enable-debug-command enable-module-command dbfilename dir socket-mark-id req-res-logfile client-default-resp
      dual-channel-replication-enabled rdma-completion-vector rdma-rx-size rdma-bind rdma-port tls-prefer-server-ciphers
      tls-session-cache-timeout tls-session-cache-size tls-session-caching tls-cert-file tls-key-file tls-client-cert-file tls-client-key-file
      tls-dh-params-file tls-ca-cert-file tls-ca-cert-dir tls-protocols tls-ciphers tls-ciphersuites tls-port port bind`.split(/\s+/)
    )
    const before = asDict(await t.r("config", "get", "*"))
    const failures: Array<string> = []
    for (const [k, v] of before) {
      if (skip.has(k)) continue
      try {
        await t.r("config", "set", k, v)
      } catch (e) {
        failures.push(`${k} ${JSON.stringify(v)}: ${(e as Error).message}`)
      }
    }
    expect(failures).toEqual([])
    const after = asDict(await t.r("config", "get", "*"))
    const mismatches: Array<string> = []
    for (const [k, v] of before) if (!skip.has(k) && after.get(k) !== v) mismatches.push(`${k}: ${v} -> ${after.get(k)}`)
    expect(mismatches).toEqual([])
  })

  it("CONFIG SET with multiple args", async () => {
    const { r } = t
    const some: Array<[string, string]> = [["maxmemory", "10000001"], ["repl-backlog-size", "10000002"], ["save", "3000 5"]]
    const backups: Array<string> = []
    for (const [c] of some) backups.push(c, (await r("config", "get", c))[1])
    expect(await r("config", "set", ...some.flat())).toBe("OK")
    for (const [c, v] of some) expect((await r("config", "get", c))[1]).toBe(v)
    expect(await r("config", "set", ...backups)).toBe("OK")
  })

  it("CONFIG SET rollback on set error", async () => {
    const { r, err } = t
    const mmc = (await r("config", "get", "maxmemory-clients"))[1]
    const qbl = (await r("config", "get", "client-query-buffer-limit"))[1]
    const mm = (await r("config", "get", "maxmemory"))[1]
    expect(await r("config", "set", "maxmemory", "10000002")).toBe("OK")
    expect(await err("config", "set", "maxmemory", "10000001", "maxmemory-clients", "200%", "client-query-buffer-limit", "invalid")).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - percentage argument must be less or equal to 100"
    )
    expect((await r("config", "get", "maxmemory"))[1]).toBe("10000002")
    expect((await r("config", "get", "maxmemory-clients"))[1]).toBe(mmc)
    expect((await r("config", "get", "client-query-buffer-limit"))[1]).toBe(qbl)
    expect(await r("config", "set", "maxmemory", mm)).toBe("OK")
  })

  it("CONFIG SET duplicate, immutable, unknown; CONFIG GET hidden configs and multiple args", async () => {
    const { r, err } = t
    expect(await err("config", "set", "maxmemory", "10000001", "maxmemory", "10000002")).toBe("ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter")
    expect(await err("config", "set", "daemonize", "yes")).toBe("ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config")
    expect(await err("config", "set", "nosuchconfig", "yes")).toBe("ERR Unknown option or number of arguments for CONFIG SET - 'nosuchconfig'")
    expect(await err("config", "set", "maxmemory")).toBe("ERR wrong number of arguments for 'config|set' command")
    const all = asDict(await r("config", "get", "*"))
    expect(all.has("key-load-delay")).toBe(false)
    expect(asDict(await r("config", "get", "key-load-delay")).has("key-load-delay")).toBe(true)
    const res: Array<string> = await r("config", "get", "maxmemory", "maxmemory*", "bind", "*of")
    const dict = asDict(res)
    expect(dict.size * 2).toBe(res.length)
    for (const k of ["slaveof", "replicaof", "maxmemory", "maxmemory-samples", "maxmemory-clients", "bind"]) expect(dict.has(k), k).toBe(true)
    expect(await r("config", "get", "nosuch*")).toEqual([])
  })

  it("CONFIG GET/SET value forms", async () => {
    const { r, err } = t
    expect(await r("config", "set", "maxmemory", "1mb")).toBe("OK")
    expect(await r("config", "get", "maxmemory")).toEqual(["maxmemory", "1048576"])
    expect(await r("config", "set", "maxmemory", "1GB")).toBe("OK")
    expect(await r("config", "get", "maxmemory")).toEqual(["maxmemory", "1073741824"])
    expect(await r("config", "set", "maxmemory", 0)).toBe("OK")
    expect(await err("config", "set", "maxmemory", "abc")).toBe("ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value")
    expect(await err("config", "set", "appendonly", "maybe")).toBe("ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'")
    expect(await err("config", "set", "maxmemory-policy", "bogus")).toMatch(/^ERR CONFIG SET failed \(possibly related to argument 'maxmemory-policy'\) - argument\(s\) must be one of the following: /)
    expect(await r("config", "set", "maxmemory-policy", "ALLKEYS-LRU")).toBe("OK")
    expect(await r("config", "get", "maxmemory-policy")).toEqual(["maxmemory-policy", "allkeys-lru"])
    await r("config", "set", "maxmemory-policy", "noeviction")
    expect(await r("config", "set", "hz", "1000")).toBe("OK")
    expect(await r("config", "get", "hz")).toEqual(["hz", "500"])
    await r("config", "set", "hz", "10")
    // The name is echoed as given when it is not a pattern.
    expect(await r("config", "get", "MAXMEMORY")).toEqual(["MAXMEMORY", "0"])
  })
})
