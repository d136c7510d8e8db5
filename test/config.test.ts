import { Effect, Layer, ManagedRuntime } from "effect"
import { Redis } from "ioredis"
import * as os from "node:os"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { defineCommand } from "../src/commands/CommandSpec.js"
import { configBool, configNumeric } from "../src/config/ConfigSchemas.js"
import { ServerCore } from "../src/layers/ServerCore.js"
import { configFromText } from "../src/layers/StartupConfig.js"
import { TcpListener } from "../src/layers/TcpListener.js"
import { OK } from "../src/protocol/Reply.js"
import { RawClient } from "./support/raw.js"
import { type RunningServer, startServer, startServerWithConfig } from "./support/server.js"

const errorOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p
  } catch (e) {
    return (e as Error).message
  }
  throw new Error("expected an error reply")
}

const pairs = (flat: Array<string>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (let i = 0; i < flat.length; i += 2) out[flat[i]] = flat[i + 1]
  return out
}

describe("CONFIG GET / SET", () => {
  let s: RunningServer
  let r: Redis
  beforeAll(async () => {
    s = await startServer()
    r = new Redis({ port: s.port, lazyConnect: true, enableReadyCheck: false })
    await r.connect()
  })
  afterAll(async () => {
    r.disconnect()
    await s.close()
  })

  it("CONFIG GET: exact names as typed, globs case-insensitive with aliases, no duplicates", async () => {
    expect(await r.call("config", "get", "maxmemory")).toEqual(["maxmemory", "0"])
    expect(await r.call("config", "get", "MAXMEMORY")).toEqual(["MAXMEMORY", "0"])
    expect(pairs((await r.call("config", "get", "hash-max-*-entries")) as Array<string>)).toEqual({
      "hash-max-listpack-entries": "512",
      "hash-max-ziplist-entries": "512"
    })
    expect(pairs((await r.call("config", "get", "MAXMEMORY-P*", "maxmemory-policy", "maxmemory-p*")) as Array<string>)).toEqual({
      "maxmemory-policy": "noeviction"
    })
    expect(await r.call("config", "get", "nosuch")).toEqual([])
    expect(pairs((await r.call("config", "get", "save", "client-output-buffer-limit", "bind", "latency-tracking-info-percentiles")) as Array<string>)).toEqual({
      save: "3600 1 300 100 60 10000",
      "client-output-buffer-limit": "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
      bind: "* -::*",
      "latency-tracking-info-percentiles": "50 99 99.9"
    })
  })

  it("CONFIG GET: hidden configs only by exact name", async () => {
    expect(await r.call("config", "get", "key-load-delay")).toEqual(["key-load-delay", "0"])
    expect(await r.call("config", "get", "key-load-*")).toEqual([])
    const all = pairs((await r.call("config", "get", "*")) as Array<string>)
    expect(all["key-load-delay"]).toBeUndefined()
    expect(all["port"]).toBe("6379")
    expect(Object.keys(all).length).toBeGreaterThan(150)
  })

  it("atomic CONFIG SET with rollback and Valkey's error texts (config.c configSetCommand)", async () => {
    expect(await r.call("config", "set", "maxmemory", "1mb")).toBe("OK")
    expect(await errorOf(r.call("config", "set", "maxmemory", "10000001", "maxmemory-clients", "200%"))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - percentage argument must be less or equal to 100"
    )
    expect(await r.call("config", "get", "maxmemory")).toEqual(["maxmemory", "1048576"])
    expect(
      await errorOf(r.call("config", "set", "maxmemory", "10000001", "maxmemory-clients", "200%", "client-query-buffer-limit", "invalid"))
    ).toBe("ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - percentage argument must be less or equal to 100")
    expect(await r.call("config", "get", "maxmemory")).toEqual(["maxmemory", "1048576"])
    expect(await errorOf(r.call("config", "set", "maxmemory", "1", "maxmemory", "2"))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter"
    )
    expect(await errorOf(r.call("config", "set", "hash-max-listpack-entries", "1", "hash-max-ziplist-entries", "2"))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'hash-max-ziplist-entries') - duplicate parameter"
    )
    expect(await errorOf(r.call("config", "set", "nosuch", "1"))).toBe("ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'")
    expect(await errorOf(r.call("config", "set", "a"))).toBe("ERR wrong number of arguments for 'config|set' command")
    expect(await errorOf(r.call("config", "set", "a", "1", "b"))).toBe("ERR syntax error")
    expect(await errorOf(r.call("config", "set", "enable-module-command", "yes"))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'enable-module-command') - can't set immutable config"
    )
    expect(await errorOf(r.call("config", "set", "dir", "/tmp"))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"
    )
    // The first problem decides.
    expect(await errorOf(r.call("config", "set", "databases", "3", "nosuch", "1"))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config"
    )
  })

  it("reports the canonical name when a value typed under an alias fails", async () => {
    expect(await errorOf(r.call("config", "set", "maxmemory", "5", "HASH-MAX-ZIPLIST-ENTRIES", "abc"))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'hash-max-listpack-entries') - argument couldn't be parsed into an integer"
    )
    expect(await r.call("config", "get", "maxmemory")).toEqual(["maxmemory", "1048576"])
    expect(await r.call("config", "set", "hash-max-ziplist-entries", "100")).toBe("OK")
    expect(await r.call("config", "get", "hash-max-listpack-entries")).toEqual(["hash-max-listpack-entries", "100"])
  })

  it("value rules: bools, memory units, enums, percent, multi-argument values", async () => {
    const cases: Array<[string, string, string]> = [
      ["appendonly", "maybe", "argument must be 'yes' or 'no'"],
      ["hz", "abc", "argument couldn't be parsed into an integer"],
      ["maxmemory", "-1", "argument must be a memory value"],
      ["maxmemory-clients", "abc", "argument must be a memory or percent value"],
      ["port", "99999", "argument must be between 0 and 65535 inclusive"],
      ["timeout", "-1", "argument must be between 0 and 2147483647 inclusive"],
      ["maxclients", "0", "argument must be between 1 and 4294967295 inclusive"],
      ["slowlog-log-slower-than", "-2", "argument must be between -1 and 9223372036854775807 inclusive"],
      [
        "maxmemory-policy",
        "foo",
        "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"
      ],
      ["loglevel", "loud", "argument(s) must be one of the following: debug, verbose, notice, warning, nothing"],
      ["save", "1 2 3", "Invalid save parameters"],
      ["save", "0 1", "Invalid save parameters"],
      ["client-output-buffer-limit", "foo 1 2 3", "Invalid client class specified in buffer limit configuration."],
      ["client-output-buffer-limit", "normal 1 2", "Wrong number of arguments in buffer limit configuration."],
      ["client-output-buffer-limit", "normal 1 x 3", "Error in hard, soft or soft_seconds setting in buffer limit configuration."],
      ["latency-tracking-info-percentiles", "101", "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"],
      ["latency-tracking-info-percentiles", "abc", "Invalid latency-tracking-info-percentiles parameters"],
      ["notify-keyspace-events", "Q", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."],
      ["bind", "a b c d e f g h i j k l m n o p q", "Too many bind addresses specified."]
    ]
    for (const [name, value, reason] of cases) {
      expect(await errorOf(r.call("config", "set", name, value))).toBe(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${reason}`)
    }
    const set = async (name: string, value: string, shown: string) => {
      expect(await r.call("config", "set", name, value)).toBe("OK")
      expect(await r.call("config", "get", name)).toEqual([name, shown])
    }
    await set("appendonly", "YES", "yes")
    await set("maxmemory", "1KB", "1024")
    await set("maxmemory", "1k", "1000")
    await set("maxmemory", "2Gb", String(2 * 1024 ** 3))
    await set("maxmemory-clients", "5%", "5%")
    await set("maxmemory-policy", "ALLKEYS-LRU", "allkeys-lru")
    await set("save", "100 10 50 5", "100 10 50 5")
    await set("save", "", "")
    await set("client-output-buffer-limit", "pubsub 1mb 2kb 3 normal 1 2 3", "normal 1 2 3 slave 268435456 67108864 60 pubsub 1048576 2048 3")
    await set("client-output-buffer-limit", "slave 1 1 1", "normal 1 2 3 slave 1 1 1 pubsub 1048576 2048 3")
    await set("latency-tracking-info-percentiles", "50.5 99.99 100", "50.5 99.99 100")
    await set("notify-keyspace-events", "KEA", "AKE")
    await set("notify-keyspace-events", "Kgxmn", "gxnKm")
    await set("hz", "0", "1")
    await set("hz", "1000", "500")
    await set("list-max-ziplist-size", "5", "5")
    await set("shutdown-on-sigterm", "nosave now", "nosave now")
  })

  it("hot-path limits follow the config", async () => {
    await r.call("config", "set", "proto-max-bulk-len", "2mb", "client-query-buffer-limit", "3mb", "maxclients", "77")
    expect(s.server.limits).toEqual({ protoMaxBulkLen: 2 * 1024 * 1024, clientQueryBufferLimit: 3 * 1024 * 1024, maxclients: 77 })
    // A connected client's parser sees the new bulk limit at once.
    const c = await RawClient.connect(s.port)
    c.write(`*2\r\n$4\r\nECHO\r\n$${3 * 1024 * 1024}\r\n`)
    const text = await c.until(() => false, 3000).catch(() => "")
    expect(c.closed).toBe(true)
    expect(text).toBe("-ERR Protocol error: invalid bulk length\r\n")
    await r.call("config", "set", "proto-max-bulk-len", "512mb", "client-query-buffer-limit", "1gb", "maxclients", "10000")
  })

  it("the loglevel config filters the server's log", async () => {
    const lines: Array<string> = []
    const t = await startServer({ log: (level, message) => lines.push(`${level} ${message}`) })
    const startup = lines.length // the listener's lines
    t.server.log("verbose", "hidden at notice")
    t.server.log("notice", "shown")
    t.server.config.setMany(t.server, [["loglevel", "verbose"]], false)
    t.server.log("verbose", "now shown")
    t.server.config.setMany(t.server, [["loglevel", "nothing"]], false)
    t.server.log("warning", "never")
    expect(lines.slice(startup)).toEqual(["notice shown", "verbose now shown"])
    await t.close()
  })

  it("CONFIG RESETSTAT, CONFIG HELP, unknown subcommand", async () => {
    await r.set("k", "v")
    await r.get("k")
    await r.get("nokey")
    expect(s.server.keyspace.stats.hits).toBeGreaterThan(0)
    expect(await r.call("config", "resetstat")).toBe("OK")
    expect(s.server.keyspace.stats.hits).toBe(0)
    expect(s.server.keyspace.stats.misses).toBe(0)
    expect(s.server.stats.commands.get("get")).toBeUndefined()
    const help = (await r.call("config", "help")) as Array<string>
    expect(help[0]).toBe("CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
    expect(help.at(-1)).toBe("    Prints this help.")
    expect(await errorOf(r.call("config", "foo"))).toBe("ERR unknown subcommand 'foo'. Try CONFIG HELP.")
    expect(await errorOf(r.call("config"))).toBe("ERR wrong number of arguments for 'config' command")
  })

  it("CONFIG REWRITE without a config file", async () => {
    expect(await errorOf(r.call("config", "rewrite"))).toBe("ERR The server is running without a config file")
  })

  it("module configs: registered with get/set/apply, apply failure rolls back both kinds", async () => {
    const server = s.server
    let flag = true
    let size = 1024
    const applied: Array<string> = []
    const apply = () => {
      applied.push(`${flag}/${size}`)
      return size === 1000 && !flag ? "cannot equal" : undefined
    }
    expect(
      server.config.registerModuleConfig({
        name: "mod.flag",
        module: "mod",
        schema: configBool,
        default: true,
        get: () => flag,
        set: (v: boolean) => {
          flag = v
          return undefined
        },
        apply
      })
    ).toBeUndefined()
    server.config.registerModuleConfig({
      name: "mod.size",
      module: "mod",
      schema: configNumeric({ min: 0, max: 1 << 30, memory: true }),
      default: 1024,
      flags: ["memory"],
      get: () => size,
      set: (v: number) => (v === 7 ? "Cannot set size to 7" : ((size = v), undefined)),
      apply
    })
    expect(await r.call("config", "get", "mod.*")).toEqual(["mod.flag", "yes", "mod.size", "1024"])
    expect(await errorOf(r.call("config", "set", "mod.size", "7"))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'mod.size') - Cannot set size to 7"
    )
    const maxmemory = ((await r.call("config", "get", "maxmemory")) as Array<string>)[1]
    expect(await errorOf(r.call("config", "set", "maxmemory", "3", "mod.flag", "no", "MOD.SIZE", "1000"))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'flag') - cannot equal"
    )
    expect(await r.call("config", "get", "mod.*", "maxmemory")).toEqual(["mod.flag", "yes", "mod.size", "1024", "maxmemory", maxmemory])
    // The apply ran once for the attempt (de-duplicated), then once more on the restored values
    // (config.c `restoreBackupConfig` re-runs the module applies after a module apply failed).
    expect(applied).toEqual(["false/1000", "true/1024"])
    expect(await r.call("config", "set", "mod.size", "1mb")).toBe("OK")
    expect(applied).toEqual(["false/1000", "true/1024", "true/1048576"])
    server.config.unregisterModuleConfigs("mod")
    expect(await r.call("config", "get", "mod.*")).toEqual([])
  })
})

describe("protected commands and configs", () => {
  const debug = defineCommand({ name: "debug", arity: -2, flags: ["admin", "protected"], group: "server", run: () => OK })
  const moduleCmd = defineCommand({
    name: "module",
    arity: -2,
    group: "server",
    subcommands: [
      { name: "load", arity: -3, flags: ["admin", "protected"], group: "server", run: () => OK },
      { name: "list", arity: 2, flags: ["admin"], group: "server", run: () => [] }
    ]
  })

  it("rejects protected commands unless enable-*-command allows the client", async () => {
    const s = await startServer()
    s.server.commands.registerAll([debug, moduleCmd])
    const r = new Redis({ port: s.port, enableReadyCheck: false })
    expect(await errorOf(r.call("module", "load", "x"))).toBe(
      'ERR MODULE command not allowed. If the enable-module-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.'
    )
    expect(await r.call("module", "list")).toEqual([])
    // A rejection inside MULTI aborts the transaction.
    const raw = await RawClient.connect(s.port)
    raw.write("MULTI\r\nMODULE LOAD x\r\nEXEC\r\n")
    const replies = await raw.until((t) => t.includes("EXECABORT"))
    expect(replies).toBe(
      "+OK\r\n-ERR MODULE command not allowed. If the enable-module-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n-EXECABORT Transaction discarded because of previous errors.\r\n"
    )
    raw.close()
    expect(await errorOf(r.call("debug", "sleep", "0"))).toBe(
      'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.'
    )
    r.disconnect()
    await s.close()
  })

  it("local allows loopback clients; protected configs follow enable-protected-configs", async () => {
    const s = await startServerWithConfig({
      text: "enable-module-command local\nenable-debug-command yes\nenable-protected-configs local\n"
    })
    s.server.commands.registerAll([debug, moduleCmd])
    const r = new Redis({ port: s.port, enableReadyCheck: false })
    expect(await r.call("module", "load", "x")).toBe("OK")
    expect(await r.call("debug", "x")).toBe("OK")
    expect(await r.call("config", "set", "dbfilename", "other.rdb")).toBe("OK")
    expect(await r.call("config", "get", "dbfilename")).toEqual(["dbfilename", "other.rdb"])
    r.disconnect()
    await s.close()
  })
})

describe("config effects on connections", () => {
  it("timeout closes idle clients", async () => {
    const s = await startServerWithConfig({ text: "timeout 1\n" })
    const idle = await RawClient.connect(s.port)
    expect(await idle.request("PING\r\n", "+PONG\r\n")).toBe("+PONG\r\n")
    await idle.until(() => false, 10_000).catch(() => "")
    expect(idle.closed).toBe(true)
    await s.close()
  })

  it("protected mode refuses a non-loopback connection at accept while the default user has no password", async () => {
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((i) => i !== undefined && i.family === "IPv4" && !i.internal)?.address
    // Valkey's networking.tcl skips the same way: the machine needs an address other than loopback.
    if (external === undefined) return void console.warn("protected mode test skipped: no non-loopback IPv4 address")
    const config = await Effect.runPromise(configFromText(""))
    const runtime = ManagedRuntime.make(TcpListener.layer({ port: 0, bind: ["*"] }).pipe(Layer.provideMerge(ServerCore.layer({ config }))))
    const address = await runtime.runPromise(TcpListener)
    const server = await runtime.runPromise(ServerCore)
    const deniedText =
      "-DENIED Running in protected mode because protected mode is enabled and no password is set for the default user. " +
      "In this mode connections are only accepted from the loopback interface. If you want to connect from external " +
      "computers, you may adopt one of the following solutions: 1) Just disable protected mode sending the command " +
      "'CONFIG SET protected-mode no' from the loopback interface by connecting from the same host the server is running, " +
      "however MAKE SURE it's not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change " +
      "permanent. 2) Alternatively you can just disable the protected mode by editing the configuration file, and setting " +
      "the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for " +
      "testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default " +
      "user. NOTE: You only need to do one of the above things in order for the server to start accepting connections " +
      "from the outside.\r\n"
    /** Connects from `external` without sending a byte: the refusal arrives, then the close. */
    const refused = async () => {
      const c = await RawClient.connect(address.port, external)
      const text = await c.until(() => false, 5000).catch(() => "")
      expect(c.closed).toBe(true)
      c.close()
      return text
    }
    expect(await refused()).toBe(deniedText)
    expect(server.stats.rejectedConnections).toBe(1)
    // Bytes already sent are never read: no command runs.
    const eager = await RawClient.connect(address.port, external)
    eager.write("SET eager 1\r\n")
    expect(await eager.until(() => false, 5000).catch(() => "")).toBe(deniedText)
    const local = await RawClient.connect(address.port, "127.0.0.1")
    expect(await local.request("EXISTS eager\r\n", ":0\r\n")).toBe(":0\r\n")
    // A password for the default user lets the connection in (then it must AUTH) ...
    expect(await local.request("CONFIG SET requirepass secret\r\n", "+OK\r\n")).toBe("+OK\r\n")
    const withPassword = await RawClient.connect(address.port, external)
    expect(await withPassword.request("AUTH secret\r\nPING\r\n", "+OK\r\n+PONG\r\n")).toBe("+OK\r\n+PONG\r\n")
    withPassword.close()
    // ... clearing it refuses again; protected-mode no lets everyone in.
    expect(await local.request("CONFIG SET requirepass \"\"\r\n", "+OK\r\n")).toBe("+OK\r\n")
    expect(await refused()).toBe(deniedText)
    expect(await local.request("CONFIG SET protected-mode no\r\n", "+OK\r\n")).toBe("+OK\r\n")
    const allowed = await RawClient.connect(address.port, external)
    expect(await allowed.request("PING\r\n", "+PONG\r\n")).toBe("+PONG\r\n")
    expect(server.stats.rejectedConnections).toBe(3)
    local.close()
    allowed.close()
    await runtime.dispose()
  })
})
