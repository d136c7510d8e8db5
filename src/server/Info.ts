import { randomBytes } from "node:crypto"
import * as os from "node:os"
import { performance } from "node:perf_hooks"
import { latencyLine } from "../commands/LatencyHistogram.js"
import type { PubSub } from "../commands/PubSubState.js"
import type { WatchedKeys } from "../commands/WatchedKeys.js"
import type { Config } from "../config/Config.js"
import type { Blocker } from "../contracts/Blocking.js"
import type { Keyspace } from "../keyspace/Keyspace.js"
import type { Connection } from "./Connection.js"
import type { InstantaneousMetrics } from "./InstantaneousMetrics.js"
import type { ServerStats } from "./ServerStats.js"
import { KEYFIBER_VERSION, REDIS_VERSION, SERVER_NAME, VALKEY_VERSION } from "../contracts/Version.js"


/** What INFO reads of the server (the server implements it). */
export interface InfoSource {
  readonly keyspace: Keyspace
  readonly config: Config
  readonly clients: ReadonlyMap<number, { readonly parser: { readonly pendingBytes: number }; readonly outputBytes: number }>
  readonly limits: { readonly maxclients: number }
  readonly blocker: Blocker | null
  readonly pubsub: PubSub
  readonly watchedKeys: WatchedKeys
  readonly stats: ServerStats
  readonly metrics: InstantaneousMetrics
  readonly startedAt: number
  readonly now: () => number
}

/** The client asking (for `tcp_port`). */
interface InfoClient {
  readonly socket: Connection | null
}

/**
 * Values other parts of the server own (config, modules, blocking). Each is optional; INFO prints
 * Valkey's defaults when a part does not supply it. Set with `setInfoHooks`.
 */
interface InfoHooks {
  /** `config_file`: the absolute path of the config file, or "". */
  readonly configFile?: () => string
  readonly hz?: () => number
  /** `extended-redis-compatibility yes` names the mode field `redis_mode` (Valkey 8). */
  readonly extendedRedisCompatibility?: () => boolean
  readonly maxmemory?: () => number
  readonly maxmemoryPolicy?: () => string
  /** INFO persistence's fields from `loading` to `rdb_last_load_keys_loaded` (the persistence layer). */
  readonly persistence?: () => ReadonlyArray<readonly [string, string | number]>
  /** The lines of `# Modules` (`module:name=...,ver=...`), without CRLF. */
  readonly moduleLines?: () => ReadonlyArray<string>
  /** The `aof_*` fields of `# Persistence` (from `aof_enabled` to `aof_last_cow_size`). */
  readonly aofInfo?: () => ReadonlyArray<[string, string | number]>
  /** The `aof_*` fields shown after `module_fork_last_cow_size` while `appendonly` is yes. */
  readonly aofInfoEnabled?: () => ReadonlyArray<[string, string | number]>
  /** The fields of `# Replication` (the replication layer). */
  readonly replication?: () => ReadonlyArray<readonly [string, string | number]>
}

interface InfoState {
  readonly runId: string
  readonly replId: string
  peakMemory: number
  hooks: InfoHooks
}

const states = new WeakMap<InfoSource, InfoState>()

const stateOf = (server: InfoSource): InfoState => {
  let state = states.get(server)
  if (state === undefined) {
    const used = usedMemory(server)
    state = {
      runId: randomBytes(20).toString("hex"),
      replId: randomBytes(20).toString("hex"),
      peakMemory: used,
      hooks: {}
    }
    states.set(server, state)
  }
  return state
}

/** Lets config, modules and others supply INFO values they own. */
export const setInfoHooks = (server: InfoSource, hooks: InfoHooks): void => {
  const state = stateOf(server)
  state.hooks = { ...state.hooks, ...hooks }
}

/**
 * `used_memory`: what `maxmemory` is compared with, the heap in use at startup plus the bytes
 * charged to the data (a logical accounting kept as keys change, so it does not move with garbage
 * collection the way the heap does).
 */
const usedMemory = (server: InfoSource): number => server.keyspace.eviction.usedMemory

/** Updates and returns `used_memory_peak` (the cron samples it too, as Valkey's does). */
const samplePeakMemory = (server: InfoSource): number => {
  const state = stateOf(server)
  const used = usedMemory(server)
  if (used > state.peakMemory) state.peakMemory = used
  return state.peakMemory
}

/** Valkey's `bytesToHuman`. */
export const bytesToHuman = (n: number): string => {
  const units = ["K", "M", "G", "T", "P"]
  if (n < 1024) return `${n}B`
  let value = n / 1024
  for (const unit of units) {
    if (value < 1024 || unit === "P") return `${value.toFixed(2)}${unit}`
    value /= 1024
  }
  return `${n}B`
}

/** Valkey's `getSafeInfoString`: characters that would break the INFO format become `_`. */
const safe = (s: string): string => s.replace(/[#:\r\n]/g, "_")

/** Sections printed by `INFO` and `INFO default`, in print order. */
const DEFAULT_SECTIONS = [
  "server",
  "clients",
  "memory",
  "persistence",
  "stats",
  "replication",
  "cpu",
  "module_list",
  "errorstats",
  "cluster",
  "keyspace"
]

/** Parses INFO's arguments (Valkey's `genInfoSectionDict`). */
const parseSections = (args: ReadonlyArray<string>): { sections: Set<string>; all: boolean } => {
  const sections = new Set<string>()
  let all = false
  if (args.length === 0) {
    for (const s of DEFAULT_SECTIONS) sections.add(s)
    return { sections, all }
  }
  for (const arg of args) {
    const name = arg.toLowerCase()
    if (name === "default") for (const s of DEFAULT_SECTIONS) sections.add(s)
    // "everything" is "all" plus module-defined sections, which keyfiber's modules cannot add.
    else if (name === "all" || name === "everything") all = true
    else sections.add(name)
  }
  return { sections, all }
}

const fields = (title: string, pairs: ReadonlyArray<readonly [string, string | number]>): string => {
  let out = `# ${title}\r\n`
  for (const [name, value] of pairs) out += `${name}:${value}\r\n`
  return out
}

const seconds = (micros: number): string => `${Math.floor(micros / 1e6)}.${String(Math.floor(micros % 1e6)).padStart(6, "0")}`

const serverSection = (server: InfoSource, state: InfoState, client: InfoClient | undefined): string => {
  const now = server.now()
  const uptime = Math.floor((now - server.startedAt) / 1000)
  const hz = state.hooks.hz?.() ?? 10
  return fields("Server", [
    ["redis_version", REDIS_VERSION],
    ["server_name", SERVER_NAME],
    ["valkey_version", VALKEY_VERSION],
    ["keyfiber_version", KEYFIBER_VERSION],
    ["redis_git_sha1", "00000000"],
    ["redis_git_dirty", 0],
    ["redis_build_id", "0"],
    [state.hooks.extendedRedisCompatibility?.() === true ? "redis_mode" : "server_mode", "standalone"],
    ["os", `${os.type()} ${os.release()} ${os.machine()}`],
    ["arch_bits", process.arch.endsWith("64") ? 64 : 32],
    ["monotonic_clock", "POSIX clock_gettime"],
    ["multiplexing_api", "libuv"],
    ["atomicvar_api", "none"],
    ["gcc_version", "0.0.0"],
    ["node_version", process.versions.node],
    ["process_id", process.pid],
    ["process_supervised", "no"],
    ["run_id", state.runId],
    ["tcp_port", client?.socket?.local?.port ?? 0],
    ["server_time_usec", Math.floor(now * 1000)],
    ["uptime_in_seconds", uptime],
    ["uptime_in_days", Math.floor(uptime / 86400)],
    ["hz", hz],
    ["configured_hz", hz],
    ["lru_clock", Math.floor(now / 1000) & 0xffffff],
    ["executable", process.argv[1] ?? ""],
    ["config_file", state.hooks.configFile?.() ?? ""],
    ["io_threads_active", 0]
  ])
}

const clientsSection = (server: InfoSource): string => {
  const blocker = server.blocker
  let maxInput = 0
  let maxOutput = 0
  for (const c of server.clients.values()) {
    if (c.parser.pendingBytes > maxInput) maxInput = c.parser.pendingBytes
    const output = c.outputBytes
    if (output > maxOutput) maxOutput = output
  }
  return fields("Clients", [
    ["connected_clients", server.clients.size],
    ["cluster_connections", 0],
    ["maxclients", server.limits.maxclients],
    ["client_recent_max_input_buffer", maxInput],
    ["client_recent_max_output_buffer", maxOutput],
    ["blocked_clients", blocker?.blockedClients ?? 0],
    ["tracking_clients", 0],
    ["pubsub_clients", server.pubsub.clientCount],
    ["watching_clients", server.watchedKeys.watchingClients],
    ["clients_in_timeout_table", blocker?.clientsInTimeoutTable ?? 0],
    ["total_watched_keys", server.watchedKeys.totalWatchedKeys],
    ["total_blocking_keys", blocker?.totalBlockingKeys ?? 0],
    ["total_blocking_keys_on_nokey", blocker?.totalBlockingKeysOnNoKey ?? 0]
  ])
}

const memorySection = (server: InfoSource, state: InfoState): string => {
  const m = process.memoryUsage()
  const used = usedMemory(server)
  const peak = samplePeakMemory(server)
  const overhead = server.keyspace.eviction.overhead + server.keyspace.eviction.clientsMemory
  const dataset = Math.max(0, used - overhead)
  const total = os.totalmem()
  const maxmemory = state.hooks.maxmemory?.() ?? 0
  const clientsMemory = server.keyspace.eviction.clientsMemory
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b).toFixed(2)
  return fields("Memory", [
    ["used_memory", used],
    ["used_memory_human", bytesToHuman(used)],
    ["used_memory_rss", m.rss],
    ["used_memory_rss_human", bytesToHuman(m.rss)],
    ["used_memory_peak", peak],
    ["used_memory_peak_human", bytesToHuman(peak)],
    ["used_memory_peak_perc", `${((used * 100) / peak).toFixed(2)}%`],
    ["used_memory_overhead", overhead],
    ["used_memory_startup", server.keyspace.eviction.overhead],
    ["used_memory_dataset", dataset],
    ["used_memory_dataset_perc", `${(used === 0 ? 0 : (dataset * 100) / used).toFixed(2)}%`],
    ["allocator_allocated", m.heapUsed],
    ["allocator_active", m.heapTotal],
    ["allocator_resident", m.rss],
    ["allocator_muzzy", 0],
    ["total_system_memory", total],
    ["total_system_memory_human", bytesToHuman(total)],
    ["used_memory_lua", 0],
    ["used_memory_vm_eval", 0],
    ["used_memory_lua_human", "0B"],
    ["used_memory_scripts_eval", 0],
    ["number_of_cached_scripts", 0],
    ["number_of_functions", 0],
    ["number_of_libraries", 0],
    ["used_memory_vm_functions", 0],
    ["used_memory_vm_total", 0],
    ["used_memory_vm_total_human", "0B"],
    ["used_memory_functions", 0],
    ["used_memory_scripts", 0],
    ["used_memory_scripts_human", "0B"],
    ["maxmemory", maxmemory],
    ["maxmemory_human", bytesToHuman(maxmemory)],
    ["maxmemory_policy", state.hooks.maxmemoryPolicy?.() ?? "noeviction"],
    ["allocator_frag_ratio", ratio(m.heapTotal, m.heapUsed)],
    ["allocator_frag_bytes", Math.max(0, m.heapTotal - m.heapUsed)],
    ["allocator_rss_ratio", ratio(m.rss, m.heapTotal)],
    ["allocator_rss_bytes", m.rss - m.heapTotal],
    ["rss_overhead_ratio", "1.00"],
    ["rss_overhead_bytes", 0],
    ["mem_fragmentation_ratio", ratio(m.rss, used)],
    ["mem_fragmentation_bytes", m.rss - used],
    ["mem_not_counted_for_evict", 0],
    ["mem_replication_backlog", 0],
    ["mem_total_replication_buffers", 0],
    ["mem_clients_slaves", 0],
    ["mem_clients_normal", clientsMemory],
    ["mem_cluster_links", 0],
    ["mem_aof_buffer", 0],
    ["mem_allocator", "v8"],
    ["mem_overhead_db_hashtable_rehashing", 0],
    ["active_defrag_running", 0],
    ["lazyfree_pending_objects", 0],
    ["lazyfreed_objects", 0]
  ])
}

/** Without the persistence layer: nothing loaded, nothing saved since the start. */
const noPersistence = (server: InfoSource): ReadonlyArray<readonly [string, string | number]> => [
  ["loading", 0],
  ["async_loading", 0],
  ["current_cow_peak", 0],
  ["current_cow_size", 0],
  ["current_cow_size_age", 0],
  ["current_fork_perc", "0.00"],
  ["current_save_keys_processed", 0],
  ["current_save_keys_total", 0],
  ["rdb_changes_since_last_save", 0],
  ["rdb_bgsave_in_progress", 0],
  ["rdb_last_save_time", Math.floor(server.startedAt / 1000)],
  ["rdb_last_bgsave_status", "ok"],
  ["rdb_last_bgsave_time_sec", -1],
  ["rdb_current_bgsave_time_sec", -1],
  ["rdb_saves", 0],
  ["rdb_last_cow_size", 0],
  ["rdb_last_load_keys_expired", 0],
  ["rdb_last_load_keys_loaded", 0]
]

const persistenceSection = (server: InfoSource, state: InfoState): string =>
  fields("Persistence", [
    ...(state.hooks.persistence?.() ?? noPersistence(server)),
    ...(state.hooks.aofInfo?.() ?? [
      ["aof_enabled", 0],
      ["aof_rewrite_in_progress", 0],
      ["aof_rewrite_scheduled", 0],
      ["aof_last_rewrite_time_sec", -1],
      ["aof_current_rewrite_time_sec", -1],
      ["aof_last_bgrewrite_status", "ok"],
      ["aof_rewrites", 0],
      ["aof_rewrites_consecutive_failures", 0],
      ["aof_last_write_status", "ok"],
      ["aof_last_cow_size", 0]
    ]),
    ["module_fork_in_progress", 0],
    ["module_fork_last_cow_size", 0],
    ...(state.hooks.aofInfoEnabled?.() ?? [])
  ])

const statsSection = (server: InfoSource): string => {
  const stats = server.stats
  const keyspace = server.keyspace.stats
  const eviction = server.keyspace.eviction
  const metrics = server.metrics
  return fields("Stats", [
    ["total_connections_received", stats.totalConnections],
    ["total_commands_processed", stats.totalCommands],
    ["instantaneous_ops_per_sec", Math.round(metrics.commands.value)],
    ["total_net_input_bytes", stats.netInputBytes],
    ["total_net_output_bytes", stats.netOutputBytes],
    ["total_net_repl_input_bytes", 0],
    ["total_net_repl_output_bytes", 0],
    ["instantaneous_input_kbps", (metrics.netInput.value / 1024).toFixed(2)],
    ["instantaneous_output_kbps", (metrics.netOutput.value / 1024).toFixed(2)],
    ["instantaneous_input_repl_kbps", "0.00"],
    ["instantaneous_output_repl_kbps", "0.00"],
    ["rejected_connections", stats.rejectedConnections],
    ["sync_full", 0],
    ["sync_partial_ok", 0],
    ["sync_partial_err", 0],
    ["expired_keys", keyspace.expiredKeys],
    ["expired_stale_perc", "0.00"],
    ["expired_time_cap_reached_count", 0],
    ["expire_cycle_cpu_milliseconds", 0],
    ["evicted_keys", keyspace.evictedKeys],
    ["evicted_clients", 0],
    ["evicted_scripts", 0],
    ["total_eviction_exceeded_time", Math.round(eviction.totalExceededMs)],
    ["current_eviction_exceeded_time", eviction.exceededSince === 0 ? 0 : Math.round(performance.now() - eviction.exceededSince)],
    ["keyspace_hits", keyspace.hits],
    ["keyspace_misses", keyspace.misses],
    ["pubsub_channels", server.pubsub.channels.size],
    ["pubsub_patterns", server.pubsub.patterns.size],
    ["pubsubshard_channels", server.pubsub.shardChannels.size],
    ["latest_fork_usec", 0],
    ["total_forks", 0],
    ["migrate_cached_sockets", 0],
    ["slave_expires_tracked_keys", 0],
    ["active_defrag_hits", 0],
    ["active_defrag_misses", 0],
    ["active_defrag_key_hits", 0],
    ["active_defrag_key_misses", 0],
    ["total_active_defrag_time", 0],
    ["current_active_defrag_time", 0],
    ["tracking_total_keys", 0],
    ["tracking_total_items", 0],
    ["tracking_total_prefixes", 0],
    ["unexpected_error_replies", 0],
    ["total_error_replies", stats.totalErrorReplies],
    ["dump_payload_sanitizations", 0],
    ["total_reads_processed", 0],
    ["total_writes_processed", 0],
    ["io_threaded_reads_processed", 0],
    ["io_threaded_writes_processed", 0],
    ["client_query_buffer_limit_disconnections", server.stats.clientQbufLimitDisconnections],
    ["client_output_buffer_limit_disconnections", server.stats.clientObufLimitDisconnections],
    ["reply_buffer_shrinks", 0],
    ["reply_buffer_expands", 0],
    ["eventloop_cycles", 0],
    ["eventloop_duration_sum", 0],
    ["eventloop_duration_cmd_sum", 0],
    ["instantaneous_eventloop_cycles_per_sec", 0],
    ["instantaneous_eventloop_duration_usec", 0],
    ["acl_access_denied_auth", 0],
    ["acl_access_denied_cmd", 0],
    ["acl_access_denied_key", 0],
    ["acl_access_denied_channel", 0]
  ])
}

const replicationSection = (state: InfoState): string =>
  fields("Replication", state.hooks.replication?.() ?? [
    ["role", "master"],
    ["connected_slaves", 0],
    ["master_failover_state", "no-failover"],
    ["master_replid", state.replId],
    ["master_replid2", "0000000000000000000000000000000000000000"],
    ["master_repl_offset", 0],
    ["second_repl_offset", -1],
    ["repl_backlog_active", 0],
    ["repl_backlog_size", 1048576],
    ["repl_backlog_first_byte_offset", 0],
    ["repl_backlog_histlen", 0]
  ])

const cpuSection = (): string => {
  const usage = process.cpuUsage()
  return fields("CPU", [
    ["used_cpu_sys", seconds(usage.system)],
    ["used_cpu_user", seconds(usage.user)],
    ["used_cpu_sys_children", "0.000000"],
    ["used_cpu_user_children", "0.000000"],
    ["used_cpu_sys_main_thread", seconds(usage.system)],
    ["used_cpu_user_main_thread", seconds(usage.user)]
  ])
}

const commandStatsSection = (server: InfoSource): string => {
  let out = "# Commandstats\r\n"
  for (const [name, s] of server.stats.commands) {
    if (s.calls === 0 && s.failedCalls === 0 && s.rejectedCalls === 0) continue
    const perCall = s.calls === 0 ? 0 : s.usec / s.calls
    out +=
      `cmdstat_${safe(name)}:calls=${s.calls},usec=${s.usec},usec_per_call=${perCall.toFixed(2)},` +
      `rejected_calls=${s.rejectedCalls},failed_calls=${s.failedCalls}\r\n`
  }
  return out
}

/** Valkey prints the section's lines only while latency-tracking is on. */
const latencyStatsSection = (server: InfoSource): string => {
  let out = "# Latencystats\r\n"
  if (!server.stats.latencyTracking) return out
  const percentiles = server.config.get<ReadonlyArray<number>>("latency-tracking-info-percentiles")
  for (const [name, s] of server.stats.commands) {
    if (s.latency === undefined || s.latency.total === 0) continue
    out += `latency_percentiles_usec_${safe(name)}:${latencyLine(s.latency, percentiles)}\r\n`
  }
  return out
}

const errorStatsSection = (server: InfoSource): string => {
  let out = "# Errorstats\r\n"
  // Valkey keeps error codes in a radix tree: byte order.
  const codes = Array.from(server.stats.errors.keys()).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  for (const code of codes) out += `errorstat_${safe(code)}:count=${server.stats.errors.get(code)}\r\n`
  return out
}

/** `avg_ttl`: Valkey estimates it during active expiry; here from a sample of volatile keys. */
const averageTtl = (volatile: ReadonlyArray<{ expireAt: number }>, now: number): number => {
  const n = Math.min(volatile.length, 1000)
  if (n === 0) return 0
  let sum = 0
  for (let i = 0; i < n; i++) sum += Math.max(0, volatile[i].expireAt - now)
  return Math.floor(sum / n)
}

const keyspaceSection = (server: InfoSource): string => {
  let out = "# Keyspace\r\n"
  const now = server.now()
  server.keyspace.dbs.forEach((db, i) => {
    const keys = db.size
    const expires = db.volatileCount
    if (keys === 0 && expires === 0) return
    out += `db${i}:keys=${keys},expires=${expires},avg_ttl=${averageTtl(db.volatile, now)}\r\n`
  })
  return out
}

/**
 * The INFO text (Valkey's `genValkeyInfoString`): the requested sections in Valkey's order,
 * separated by an empty line. `client` is the asking client (for `tcp_port`).
 */
export const genInfoString = (server: InfoSource, args: ReadonlyArray<string>, client?: InfoClient): string => {
  const { all, sections } = parseSections(args)
  const state = stateOf(server)
  const parts: Array<string> = []
  const want = (name: string) => all || sections.has(name)
  if (want("server")) parts.push(serverSection(server, state, client))
  if (want("clients")) parts.push(clientsSection(server))
  if (want("memory")) parts.push(memorySection(server, state))
  if (want("persistence")) parts.push(persistenceSection(server, state))
  if (want("stats")) parts.push(statsSection(server))
  if (want("replication")) parts.push(replicationSection(state))
  if (want("cpu")) parts.push(cpuSection())
  if (all || sections.has("module_list") || sections.has("modules")) {
    let modules = "# Modules\r\n"
    for (const line of state.hooks.moduleLines?.() ?? []) modules += line + "\r\n"
    parts.push(modules)
  }
  if (want("commandstats")) parts.push(commandStatsSection(server))
  if (want("errorstats")) parts.push(errorStatsSection(server))
  if (want("latencystats")) parts.push(latencyStatsSection(server))
  if (want("cluster")) parts.push("# Cluster\r\ncluster_enabled:0\r\n")
  if (want("keyspace")) parts.push(keyspaceSection(server))
  return parts.join("\r\n")
}
