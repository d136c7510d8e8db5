/**
 * The built-in parameters (config.c `static standardConfig static_configs[]`), each declared once.
 * Many are accepted and stored without effect, as a compatible server should: clients and
 * valkey.conf files set them. The ones with side effects have an `apply`.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import type { ConfigApply, ConfigDefinition, ConfigFlag } from "./ConfigParam.js"
import {
  configBind,
  configBitflags,
  configBool,
  configEnum,
  configKeyspaceEvents,
  configNumeric,
  configOomScoreAdjValues,
  configOutputBufferLimits,
  configPercentiles,
  configSave,
  configString,
  ConfigFailure,
  formatMemory,
  fromString,
  parseNumeric,
  type OutputBufferLimits,
  type SavePoints
} from "./ConfigSchemas.js"
import * as Schema from "effect/Schema"
import type { MaxmemoryPolicy } from "../keyspace/Eviction.js"

export const INT_MAX = 2147483647
export const INT_MIN = -2147483648
export const UINT_MAX = 4294967295
export const LLONG_MAX = 9223372036854775807
export const LLONG_MIN = -9223372036854775808
export const ULLONG_MAX = 18446744073709551615

type Extra<T> = Partial<ConfigDefinition<T>> & { readonly flags?: ReadonlyArray<ConfigFlag> }
type AnyDef = ConfigDefinition<any>

const bool = (name: string, dflt: boolean, extra: Extra<boolean> = {}): AnyDef => ({ name, schema: configBool, default: dflt, ...extra })

const int = (name: string, dflt: number, min: number, max: number, extra: Extra<number> = {}): AnyDef => ({
  name,
  schema: configNumeric({ min, max, unsigned: min >= 0 }),
  default: dflt,
  ...extra
})

const mem = (name: string, dflt: number, min: number, max: number, extra: Extra<number> = {}): AnyDef => ({
  name,
  schema: configNumeric({ min, max, memory: true, unsigned: min >= 0 }),
  default: dflt,
  rewriteAs: "memory",
  ...extra,
  flags: ["memory", ...(extra.flags ?? [])]
})

const oneOf = <const N extends ReadonlyArray<string>>(name: string, names: N, dflt: N[number], extra: Extra<string> = {}): AnyDef => ({
  name,
  schema: configEnum(names),
  default: dflt,
  ...extra
})

/** A string config, always written quoted. */
const str = (name: string, dflt: string, extra: Extra<string> = {}): AnyDef => ({
  name,
  schema: configString(),
  default: dflt,
  rewriteAs: "quoted",
  ...extra
})

/** A string config where "" is NULL (EMPTY_STRING_IS_NULL): no line is written for it. */
const nullable = (name: string, extra: Extra<string> = {}): AnyDef => ({
  name,
  schema: configString(),
  default: "",
  rewriteAs: "nullable-quoted",
  ...extra
})

const PROTECTED_MODES = ["no", "yes", "local"] as const

// ---------------------------------------------------------------------------------------------
// Applies: hot-path limits follow the config.

const applyLimits: ConfigApply = (server, config) => {
  server.limits.protoMaxBulkLen = config.get<number>("proto-max-bulk-len")
  server.limits.clientQueryBufferLimit = config.get<number>("client-query-buffer-limit")
  server.limits.maxclients = config.get<number>("maxclients")
  return undefined
}

/** Normal and pub/sub clients (no replicas here). */
const applyOutputLimits: ConfigApply = (server, config) => {
  const limits = config.get<OutputBufferLimits>("client-output-buffer-limit")
  const { hard, soft, softSeconds } = limits.normal
  server.outputBufferLimit = { hard, soft, softSeconds }
  server.pubsubOutputBufferLimit = { hard: limits.pubsub.hard, soft: limits.pubsub.soft, softSeconds: limits.pubsub.softSeconds }
  return undefined
}

const applyLatencyTracking: ConfigApply = (server, config) => {
  server.stats.latencyTracking = config.get<boolean>("latency-tracking")
  return undefined
}

/** `requirepass` is the default user's password; AUTH reads `server.requirepass`. */
const applyRequirepass: ConfigApply = (server, config) => {
  server.requirepass = config.get<string>("requirepass")
  return undefined
}

/** `maxmemory`, its policy and the LRU/LFU knobs (Valkey's `updateMaxmemory`, evict.c). */
const applyMaxmemory: ConfigApply = (server, config) => {
  const keyspace = server.keyspace
  const eviction = keyspace.eviction
  const maxmemory = config.get<number>("maxmemory")
  eviction.setPolicy(config.get<MaxmemoryPolicy>("maxmemory-policy"))
  eviction.samples = config.get<number>("maxmemory-samples")
  eviction.tenacity = config.get<number>("maxmemory-eviction-tenacity")
  keyspace.lfuLogFactor = config.get<number>("lfu-log-factor")
  keyspace.lfuDecayTime = config.get<number>("lfu-decay-time")
  if (maxmemory !== eviction.maxmemory) {
    eviction.maxmemory = maxmemory
    const used = eviction.usedMemory
    if (maxmemory > 0 && used > maxmemory) {
      server.log(
        "warning",
        `WARNING: the new maxmemory value set via CONFIG SET (${maxmemory}) is smaller than the current memory usage (${used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.`
      )
      eviction.evictSoon()
    }
  }
  return undefined
}

const applyNotifyKeyspaceEvents: ConfigApply = (server, config) => {
  server.pubsub.notifyFlags = config.get<number>("notify-keyspace-events")
  return undefined
}

const applyDir: ConfigApply = (_server, config) => {
  if (!config.changeDirectory) return undefined
  try {
    process.chdir(config.get<string>("dir"))
    return undefined
  } catch (e) {
    return errnoMessage(e)
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: "No such file or directory",
  ENOTDIR: "Not a directory",
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  EISDIR: "Is a directory",
  EROFS: "Read-only file system",
  ENOSPC: "No space left on device",
  EEXIST: "File exists",
  EBUSY: "Device or resource busy",
  EXDEV: "Invalid cross-device link",
  EIO: "Input/output error"
}

/** `strerror(errno)` for a Node system error. */
export const errnoMessage = (e: unknown): string => {
  const code = (e as { code?: string }).code
  return (code !== undefined && ERRNO_TEXT[code]) || (e instanceof Error ? e.message : String(e))
}

// ---------------------------------------------------------------------------------------------

const DEFAULT_OUTPUT_LIMITS: OutputBufferLimits = {
  normal: { hard: 0, soft: 0, softSeconds: 0 },
  replica: { hard: 256 * 1024 * 1024, soft: 64 * 1024 * 1024, softSeconds: 60 },
  pubsub: { hard: 32 * 1024 * 1024, soft: 8 * 1024 * 1024, softSeconds: 60 }
}

const DEFAULT_SAVE: SavePoints = [
  [3600, 1],
  [300, 100],
  [60, 10000]
]

/**
 * Fresh definitions for one server (`dir` starts at the process's working directory, and
 * `client-output-buffer-limit` parses relative to its own current value).
 */
export const builtinConfigs = (): Array<AnyDef> => {
  let outputLimits: OutputBufferLimits = DEFAULT_OUTPUT_LIMITS
  let dir = process.cwd()

  const dirSchema = fromString(
    Schema.String,
    (text) => {
      const target = path.resolve(dir, text)
      try {
        if (!fs.statSync(target).isDirectory()) return new ConfigFailure("Not a directory")
      } catch (e) {
        return new ConfigFailure(errnoMessage(e))
      }
      return target
    },
    (value) => value
  )

  const hzSchema = fromString(
    Schema.Number,
    (text) => {
      const v = parseNumeric(text, { min: 0, max: INT_MAX, unsigned: true })
      // updateHz: clamped to [1, 500], and CONFIG GET shows the clamped value.
      return typeof v === "number" ? Math.min(500, Math.max(1, v)) : v
    },
    String
  )

  return [
    // Network
    {
      name: "bind",
      schema: configBind,
      default: ["*", "-::*"],
      multiArg: true,
      rewrite: (value: ReadonlyArray<string>, isDefault) =>
        isDefault ? [] : [{ text: `bind ${value.length === 0 ? '""' : value.join(" ")}`, force: true }]
    } satisfies ConfigDefinition<ReadonlyArray<string>>,
    int("port", 6379, 0, 65535),
    int("tcp-backlog", 511, 0, INT_MAX, { flags: ["immutable"] }),
    nullable("unixsocket", { flags: ["immutable"] }),
    { name: "unixsocketperm", schema: configNumeric({ min: 0, max: 0o777, octal: true, unsigned: true }), default: 0, flags: ["immutable"] },
    int("socket-mark-id", 0, 0, UINT_MAX),
    bool("protected-mode", true),
    int("timeout", 0, 0, INT_MAX),
    int("tcp-keepalive", 300, 0, INT_MAX),
    nullable("bind-source-addr"),
    int("tls-port", 0, 0, 65535, { flags: ["immutable"] }),

    // General
    bool("daemonize", false, { flags: ["immutable"] }),
    oneOf("supervised", ["upstart", "systemd", "auto", "no"], "no", { flags: ["immutable"] }),
    nullable("pidfile", { flags: ["immutable"] }),
    oneOf("loglevel", ["debug", "verbose", "notice", "warning", "nothing"], "notice"),
    str("logfile", "", { flags: ["immutable"] }),
    bool("syslog-enabled", false, { flags: ["immutable"] }),
    str("syslog-ident", "valkey", { flags: ["immutable"] }),
    oneOf("syslog-facility", ["user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"], "local0", {
      flags: ["immutable"]
    }),
    bool("crash-log-enabled", true),
    bool("crash-memcheck-enabled", true),
    int("databases", 16, 1, INT_MAX, { flags: ["immutable"] }),
    bool("always-show-logo", false, { flags: ["immutable"] }),
    bool("set-proc-title", true, { flags: ["immutable"] }),
    str("proc-title-template", "{title} {listen-addr} {server-mode}"),
    str("locale-collate", ""),
    bool("extended-redis-compatibility", false),
    bool("hide-user-data-from-log", false),
    str("ignore-warnings", ""),
    oneOf("enable-protected-configs", PROTECTED_MODES, "no", { flags: ["immutable"] }),
    oneOf("enable-debug-command", PROTECTED_MODES, "no", { flags: ["immutable"] }),
    oneOf("enable-module-command", PROTECTED_MODES, "no", { flags: ["immutable"] }),

    // Snapshotting
    {
      name: "save",
      schema: configSave,
      default: DEFAULT_SAVE,
      multiArg: true,
      alwaysRewrite: true,
      rewrite: (points: SavePoints) => [
        { text: points.length === 0 ? 'save ""' : `save ${points.map(([s, c]) => `${s} ${c}`).join(" ")}`, force: true }
      ]
    } satisfies ConfigDefinition<SavePoints>,
    bool("stop-writes-on-bgsave-error", true),
    bool("rdbcompression", true),
    bool("rdbchecksum", true),
    // keyfiber's own: the RDB version written by DUMP, SAVE/BGSAVE and the AOF's RDB preamble. 11
    // is Valkey 8's; 10 is what Redis 7.0 (and older Valkey/Redis) can read, to move data there.
    int("rdb-version", 11, 10, 11, { flags: ["hidden"] }),
    oneOf("sanitize-dump-payload", ["no", "yes", "clients"], "no"),
    str("dbfilename", "dump.rdb", { flags: ["protected"] }),
    bool("rdb-del-sync-files", false),
    {
      name: "dir",
      schema: dirSchema,
      default: dir,
      flags: ["protected"],
      rewriteAs: "quoted",
      alwaysRewrite: true,
      apply: applyDir,
      set: (value: string) => {
        dir = value
        return undefined
      },
      get: () => dir
    } satisfies ConfigDefinition<string>,
    bool("rdb-save-incremental-fsync", true),

    // Replication
    nullable("masteruser", { flags: ["sensitive"] }),
    nullable("masterauth", { flags: ["sensitive"] }),
    bool("replica-serve-stale-data", true, { aliases: ["slave-serve-stale-data"] }),
    bool("replica-read-only", true, { aliases: ["slave-read-only"] }),
    bool("repl-diskless-sync", true),
    int("repl-diskless-sync-delay", 5, 0, INT_MAX),
    int("repl-diskless-sync-max-replicas", 0, 0, INT_MAX),
    oneOf("repl-diskless-load", ["disabled", "on-empty-db", "swapdb", "flush-before-load"], "disabled"),
    int("repl-ping-replica-period", 10, 1, INT_MAX, { aliases: ["repl-ping-slave-period"] }),
    int("repl-timeout", 60, 1, INT_MAX),
    bool("repl-disable-tcp-nodelay", false),
    mem("repl-backlog-size", 1024 * 1024, 1, LLONG_MAX),
    int("repl-backlog-ttl", 3600, 0, INT_MAX),
    int("replica-priority", 100, 0, INT_MAX, { aliases: ["slave-priority"] }),
    bool("replica-announced", true),
    int("min-replicas-to-write", 0, 0, INT_MAX, { aliases: ["min-slaves-to-write"] }),
    int("min-replicas-max-lag", 10, 0, INT_MAX, { aliases: ["min-slaves-max-lag"] }),
    nullable("replica-announce-ip", { aliases: ["slave-announce-ip"] }),
    int("replica-announce-port", 0, 0, 65535, { aliases: ["slave-announce-port"] }),
    bool("replica-lazy-flush", true, { aliases: ["slave-lazy-flush"] }),
    bool("replica-ignore-maxmemory", true, { aliases: ["slave-ignore-maxmemory"] }),
    bool("replica-ignore-disk-write-errors", false),
    oneOf("propagation-error-behavior", ["ignore", "panic", "panic-on-replicas"], "ignore"),

    // Keys tracking, security
    int("tracking-table-max-keys", 1000000, 0, LLONG_MAX),
    int("acllog-max-len", 128, 0, LLONG_MAX),
    str("aclfile", "", { flags: ["immutable"] }),
    oneOf("acl-pubsub-default", ["allchannels", "resetchannels"], "resetchannels"),
    nullable("requirepass", { flags: ["sensitive"], apply: applyRequirepass }),

    // Clients and memory
    int("maxclients", 10000, 1, UINT_MAX, { apply: applyLimits }),
    mem("maxmemory", 0, 0, ULLONG_MAX, { apply: applyMaxmemory }),
    oneOf(
      "maxmemory-policy",
      ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"],
      "noeviction",
      { apply: applyMaxmemory }
    ),
    int("maxmemory-samples", 5, 1, 64, { apply: applyMaxmemory }),
    int("maxmemory-eviction-tenacity", 10, 0, 100, { apply: applyMaxmemory }),
    {
      name: "maxmemory-clients",
      schema: configNumeric({ min: -100, max: LLONG_MAX, memory: true, percent: true }),
      default: 0,
      flags: ["memory"],
      rewriteAs: "memory"
    } satisfies ConfigDefinition<number>,

    // Lazy freeing: on by default since Valkey 8.0 (Redis 7 had them off). keyfiber frees in place
    // either way; they decide what is propagated (an expired or evicted key as UNLINK or DEL).
    bool("lazyfree-lazy-eviction", true),
    bool("lazyfree-lazy-expire", true),
    bool("lazyfree-lazy-server-del", true),
    bool("lazyfree-lazy-user-del", true),
    bool("lazyfree-lazy-user-flush", true),

    // Threads, kernel
    int("io-threads", 1, 1, 256),
    oneOf("oom-score-adj", ["no", "yes", "relative", "absolute"], "no"),
    {
      name: "oom-score-adj-values",
      schema: configOomScoreAdjValues,
      default: [0, 200, 800],
      multiArg: true
    } satisfies ConfigDefinition<ReadonlyArray<number>>,
    bool("disable-thp", true, { flags: ["immutable"] }),
    bool("jemalloc-bg-thread", true),

    // Append only
    bool("appendonly", false, { apply: (target) => target.appendonlyApply?.() }),
    str("appendfilename", "appendonly.aof", { flags: ["immutable"] }),
    str("appenddirname", "appendonlydir", { flags: ["immutable"] }),
    oneOf("appendfsync", ["everysec", "always", "no"], "everysec"),
    bool("no-appendfsync-on-rewrite", false),
    int("auto-aof-rewrite-percentage", 100, 0, INT_MAX),
    mem("auto-aof-rewrite-min-size", 64 * 1024 * 1024, 0, LLONG_MAX),
    bool("aof-load-truncated", true),
    bool("aof-use-rdb-preamble", true),
    bool("aof-timestamp-enabled", false),
    bool("aof-rewrite-incremental-fsync", true),

    // Shutdown
    int("shutdown-timeout", 10, 0, INT_MAX),
    {
      name: "shutdown-on-sigint",
      schema: configBitflags(["default", "save", "nosave", "now", "force"], [0, 1, 2, 4, 8]),
      default: 0,
      multiArg: true
    } satisfies ConfigDefinition<number>,
    {
      name: "shutdown-on-sigterm",
      schema: configBitflags(["default", "save", "nosave", "now", "force"], [0, 1, 2, 4, 8]),
      default: 0,
      multiArg: true
    } satisfies ConfigDefinition<number>,

    // Scripting, cluster
    int("busy-reply-threshold", 5000, 0, LLONG_MAX, { aliases: ["lua-time-limit"] }),
    bool("cluster-enabled", false, { flags: ["immutable"] }),
    // No replication: always a primary, so `replicaof` (alias `slaveof`) reads as empty.
    str("replicaof", "", { aliases: ["slaveof"], flags: ["immutable"] }),
    str("cluster-config-file", "nodes.conf", { flags: ["immutable"] }),
    int("cluster-node-timeout", 15000, 0, LLONG_MAX),
    int("cluster-port", 0, 0, 65535, { flags: ["immutable"] }),

    // Slow log, latency
    int("slowlog-log-slower-than", 10000, -1, LLONG_MAX),
    int("slowlog-max-len", 128, 0, LLONG_MAX),
    int("latency-monitor-threshold", 0, 0, LLONG_MAX),
    bool("latency-tracking", true, { apply: applyLatencyTracking }),
    {
      name: "latency-tracking-info-percentiles",
      schema: configPercentiles,
      default: [50, 99, 99.9],
      multiArg: true,
      rewrite: (values: ReadonlyArray<number>) => [
        {
          text: `latency-tracking-info-percentiles ${values.length === 0 ? '""' : configPercentilesText(values)}`,
          force: true
        }
      ]
    } satisfies ConfigDefinition<ReadonlyArray<number>>,

    // Event notification
    { name: "notify-keyspace-events", schema: configKeyspaceEvents, default: 0, rewriteAs: "quoted", apply: applyNotifyKeyspaceEvents } satisfies ConfigDefinition<number>,

    // Advanced
    int("hash-max-listpack-entries", 512, 0, LLONG_MAX, { aliases: ["hash-max-ziplist-entries"] }),
    mem("hash-max-listpack-value", 64, 0, LLONG_MAX, { aliases: ["hash-max-ziplist-value"] }),
    int("list-max-listpack-size", -2, INT_MIN, INT_MAX, { aliases: ["list-max-ziplist-size"] }),
    int("list-compress-depth", 0, 0, INT_MAX),
    int("set-max-intset-entries", 512, 0, LLONG_MAX),
    int("set-max-listpack-entries", 128, 0, LLONG_MAX),
    mem("set-max-listpack-value", 64, 0, LLONG_MAX),
    int("zset-max-listpack-entries", 128, 0, LLONG_MAX, { aliases: ["zset-max-ziplist-entries"] }),
    mem("zset-max-listpack-value", 64, 0, LLONG_MAX, { aliases: ["zset-max-ziplist-value"] }),
    mem("hll-sparse-max-bytes", 3000, 0, LLONG_MAX),
    mem("stream-node-max-bytes", 4096, 0, LLONG_MAX),
    int("stream-node-max-entries", 100, 0, LLONG_MAX),
    bool("activerehashing", true),
    {
      name: "client-output-buffer-limit",
      schema: configOutputBufferLimits(() => outputLimits),
      default: DEFAULT_OUTPUT_LIMITS,
      multiArg: true,
      get: () => outputLimits,
      set: (value: OutputBufferLimits) => {
        outputLimits = value
        return undefined
      },
      apply: applyOutputLimits,
      rewrite: (limits: OutputBufferLimits) =>
        (["normal", "replica", "pubsub"] as const).map((cls) => {
          const l = limits[cls]
          const d = DEFAULT_OUTPUT_LIMITS[cls]
          return {
            text: `client-output-buffer-limit ${cls === "replica" ? "slave" : cls} ${formatMemory(l.hard)} ${formatMemory(l.soft)} ${l.softSeconds}`,
            force: l.hard !== d.hard || l.soft !== d.soft || l.softSeconds !== d.softSeconds
          }
        })
    } satisfies ConfigDefinition<OutputBufferLimits>,
    mem("client-query-buffer-limit", 1024 * 1024 * 1024, 1024 * 1024, LLONG_MAX, { apply: applyLimits }),
    mem("proto-max-bulk-len", 512 * 1024 * 1024, 1024 * 1024, LLONG_MAX, { apply: applyLimits }),
    { name: "hz", schema: hzSchema, default: 10 } satisfies ConfigDefinition<number>,
    bool("dynamic-hz", true),
    int("active-expire-effort", 1, 1, 10),
    bool("activedefrag", false),
    mem("active-defrag-ignore-bytes", 100 * 1024 * 1024, 1, LLONG_MAX),
    int("active-defrag-threshold-lower", 10, 0, 1000),
    int("active-defrag-threshold-upper", 100, 0, 1000),
    int("active-defrag-cycle-min", 1, 1, 99),
    int("active-defrag-cycle-max", 25, 1, 99),
    int("active-defrag-max-scan-fields", 1000, 1, LLONG_MAX),
    int("lfu-log-factor", 10, 0, INT_MAX, { apply: applyMaxmemory }),
    int("lfu-decay-time", 1, 0, INT_MAX, { apply: applyMaxmemory }),
    // Debug knobs, hidden from CONFIG GET patterns.
    int("key-load-delay", 0, INT_MIN, INT_MAX, { flags: ["hidden"] }),
    // How often Valkey serves clients (-LOADING) while it loads a file; keyfiber loads before it
    // listens, so there are no clients to serve then. Accepted for valkey.conf files that set it.
    int("loading-process-events-interval-bytes", 2 * 1024 * 1024, 1024, INT_MAX, { flags: ["hidden"] }),
    // Valkey's test suite sets it; keyfiber has no debug-only assertions for it to enable.
    bool("enable-debug-assert", false, { flags: ["immutable", "hidden"] }),
    int("rdb-key-save-delay", 0, INT_MIN, INT_MAX, { flags: ["hidden"] })
  ]
}

const configPercentilesText = (values: ReadonlyArray<number>): string => Schema.encodeSync(configPercentiles)(values)

/** Directives valkey.conf may still contain that are accepted and ignored (with exactly one value). */
export const DEPRECATED_DIRECTIVES = new Set(["list-max-ziplist-entries", "list-max-ziplist-value", "lua-replicate-commands", "io-threads-do-reads"])

