import type { BlockedClient } from "../blocking/BlockedClient.js"
import type { Config } from "../config/Config.js"
import type { ConfigTarget } from "../config/ConfigParam.js"
import type { BlockRequest } from "../contracts/BlockRequest.js"
import type { BlockableClient, Blocker } from "../contracts/Blocking.js"
import type { Log } from "../contracts/Log.js"
import type { Propagation } from "../contracts/Propagation.js"
import type { PersistenceControl } from "../contracts/Persistence.js"
import type { Keyspace } from "../keyspace/Keyspace.js"
import type { ModuleTypeCodecs } from "../persistence/rdb/ModuleTypeCodecs.js"
import type { Reply } from "../protocol/Reply.js"
import type { RespParser } from "../protocol/RespParser.js"
import type { RespVersion } from "../protocol/RespWriter.js"
import type { LatencyHistogram } from "./LatencyHistogram.js"
import type { Monitors } from "./Monitors.js"
import type { ClientSubscriptions, PubSub } from "./PubSubState.js"
import type { SlowLog } from "./SlowLogState.js"
import type { WatchedKey, WatchedKeys } from "./WatchedKeys.js"

/** Valkey's command flags, as COMMAND INFO prints them. */
export type CommandFlag =
  | "write"
  | "readonly"
  | "denyoom"
  | "module"
  | "admin"
  | "pubsub"
  | "noscript"
  | "blocking"
  | "loading"
  | "stale"
  | "skip_monitor"
  | "skip_slowlog"
  | "asking"
  | "fast"
  | "no_auth"
  | "may_replicate"
  | "sentinel"
  | "only_sentinel"
  | "no_mandatory_keys"
  | "protected"
  | "module_getkeys"
  | "module_no_cluster"
  | "no_async_loading"
  | "no_multi"
  | "movablekeys"
  | "allow_busy"

/**
 * A command: what the dispatcher needs to check and run it, and what COMMAND reports about it.
 * `run` is plain synchronous code, so a command runs start to end on one thread and is atomic, as on
 * Valkey's main thread (no `await`, no fiber): it returns the reply, or a
 * `BlockRequest` when the client must wait.
 */
export interface CommandSpec {
  /** Lower-case name; for a subcommand, the subcommand's own name (`kill` of `client`). */
  readonly name: string
  /** `container|sub` for subcommands, else `name`. Used in arity errors and commandstats. */
  readonly fullName: string
  /** Valkey's arity: exact when positive, a minimum when negative. Counts the command name. */
  readonly arity: number
  readonly flags: ReadonlyArray<CommandFlag>
  /** `flags` includes `protected` (checked for every command by the dispatcher's gate). */
  readonly isProtected: boolean
  /** Key positions for COMMAND INFO/GETKEYS: first, last (negative counts from the end), step. */
  readonly firstKey: number
  readonly lastKey: number
  readonly step: number
  /** Keys of commands whose key positions depend on arguments (`numkeys`). */
  readonly getKeys?: (argv: ReadonlyArray<string>) => Array<number>
  readonly group: string
  readonly summary: string
  readonly since: string
  readonly complexity?: string
  readonly aclCategories: ReadonlyArray<string>
  readonly subcommands?: ReadonlyMap<string, CommandSpec>
  /** The module that registered it, if any. */
  readonly module?: string
  readonly run: (client: CommandClient, argv: Array<string>) => Reply | BlockRequest
  /**
   * The commandstats entry last used for this command (`ServerStats.commandStat`), so counting a
   * call needs no map lookup. Owned by ServerStats; checked against the stats object and its reset
   * generation, since specs are shared between servers.
   */
  statSlot?: CommandStatSlot
}

/** Per-command counters for INFO commandstats (Valkey's `cmdstat_<name>`). */
export interface CommandStat {
  /** INFO latencystats (created on the first sample while latency-tracking is on). */
  latency?: LatencyHistogram
  calls: number
  usec: number
  rejectedCalls: number
  failedCalls: number
}

/** See `CommandSpec.statSlot`. */
interface CommandStatSlot {
  readonly owner: object
  readonly generation: number
  readonly stat: CommandStat
}

/**
 * The contracts commands run against: the client handle a command receives and the host it
 * reaches through `client.server`. The server's `Client` and `Server` implement them, so no
 * command needs the whole server (and the server room may import commands, never the reverse).
 */

/** A command queued between MULTI and EXEC. */
export interface QueuedCommand {
  readonly spec: CommandSpec
  readonly argv: Array<string>
}

export interface MultiState {
  readonly queue: Array<QueuedCommand>
  /** A command failed to queue: EXEC replies EXECABORT. */
  aborted: boolean
}

/**
 * The client as a command sees it; the blocking engine can park it (a module command or MODULE
 * LOAD waits in the engine's record, like a blocking command).
 */
export interface CommandClient extends BlockableClient<BlockedClient> {
  readonly server: CommandHost
  readonly id: number
  db: number
  resp: RespVersion
  name: string
  libName: string
  libVer: string
  authenticated: boolean
  readonly createdAt: number
  readonly lastInteraction: number
  readonly lastCommand: string
  multi: MultiState | null
  dirtyCas: boolean
  watched: Array<WatchedKey>
  denyBlocking: boolean
  /** The AOF's client (Valkey's `mustObeyClient`); absent on clients that are never that. */
  readonly mustObey?: boolean
  noEvict: boolean
  noTouch: boolean
  /** In MONITOR mode (set by `Monitors`): shown as `O` and kept away from the keyspace. */
  monitor: boolean
  /** The client of a module's RM_Call (Valkey's CLIENT_MODULE): RESET refuses it. */
  readonly moduleCaller: boolean
  readonly isBlocked: boolean
  /** A replica's connection (`S`) or a replica's primary client (`M`); absent or "" otherwise. */
  readonly replicationRole?: "" | "replica" | "primary"
  subscriptions: ClientSubscriptions | null
  closeAfterReply: boolean
  readonly closed: boolean
  readonly isLocal: boolean
  /** Connected through the `unixsocket` listener. */
  readonly unixSocket: boolean
  readonly parser: RespParser
  readonly addr: string
  readonly laddr: string
  /** CLIENT LIST `fd` (-1 for an in-process client). */
  readonly socket: { readonly fd: number } | null
  /** CLIENT LIST `oll`: the reply chunks waiting behind the socket. */
  readonly queued: { readonly length: number } | null
  readonly outputBytes: number
  readonly netInputBytes: number
  readonly netOutputBytes: number
  readonly commandsProcessed: number
  reply(reply: Reply): void
}

/** What commands reach through `client.server` (CONFIG SET applies to it too). */
export interface CommandHost extends ConfigTarget {
  readonly keyspace: Keyspace
  readonly config: Config
  /** The command table (`CommandTable`), as COMMAND reads it. */
  readonly commands: {
    lookup(name: string): CommandSpec | undefined
    entries(): IterableIterator<[string, CommandSpec]>
    readonly size: number
  }
  readonly clients: ReadonlyMap<number, CommandClient>
  readonly pubsub: PubSub
  /** The clients in MONITOR mode and the feed to them. */
  readonly monitors: Monitors
  readonly watchedKeys: WatchedKeys
  readonly slowLog: SlowLog
  readonly blocker: Blocker | null
  readonly startedAt: number
  readonly now: () => number
  readonly log: Log
  /** Runs a command for a client (EXEC's queued commands) and counts it. */
  readonly dispatcher: CommandRunner
  /** How a command's effect reaches the AOF (its rewrites, extra commands). */
  readonly propagation: Propagation
  /** HELLO's `modules` (MODULE LIST replies); empty without a module system. */
  moduleList(): Array<Reply>
  /** How module data types are saved and loaded (DUMP/RESTORE, RDB); null without a module system. */
  readonly moduleTypes: ModuleTypeCodecs | null
  /** INFO `blocked_clients`. */
  readonly blockedClients: number
  closeClient(client: CommandClient, afterReply: boolean): void
  closeOnOutputBufferLimit(client: CommandClient, building?: number): boolean
  /** RDB persistence; null when the server runs without it (then nothing is ever saved). */
  readonly persistence: PersistenceControl | null
  /** DEBUG LOADAOF (the AOF layer's); null without it. An error text, or null when loaded. */
  readonly debugLoadAof: (() => string | null) | null
  /** SHUTDOWN: false when a failed save refused it. `flags` are the SHUTDOWN_* bits. */
  prepareForShutdown(requestedBy: CommandClient | null, flags?: number): boolean
  resetStats(): void
  /** INFO [section ...]: the text of the sections asked for. */
  info(sections: ReadonlyArray<string>, client: CommandClient): string
}

/**
 * A gate run before a command executes (authentication, protected commands, OOM): an error text
 * rejects the command, `undefined` lets it through.
 */
export type Admission = (client: CommandClient, spec: CommandSpec, argv: Array<string>) => string | undefined

/** The dispatcher's entry points a command may use. */
export interface CommandRunner {
  call(client: CommandClient, spec: CommandSpec, argv: Array<string>): Reply | BlockRequest
  count(spec: CommandSpec, elapsedMs: number, reply: Reply, client: CommandClient | null, argv: ReadonlyArray<string>): void
}

export interface CommandDefinition {
  readonly name: string
  readonly arity: number
  readonly flags?: ReadonlyArray<CommandFlag>
  /** [first, last, step]; omitted for commands without keys. */
  readonly keys?: readonly [number, number, number]
  readonly getKeys?: (argv: ReadonlyArray<string>) => Array<number>
  readonly group: string
  readonly summary?: string
  readonly since?: string
  readonly complexity?: string
  readonly aclCategories?: ReadonlyArray<string>
  readonly subcommands?: ReadonlyArray<CommandDefinition>
  readonly module?: string
  /** Containers (CLIENT, CONFIG, ...) have no `run` of their own. */
  readonly run?: (client: CommandClient, argv: Array<string>) => Reply | BlockRequest
}

const categoryOf = (flags: ReadonlyArray<CommandFlag>, group: string): Array<string> => {
  const out: Array<string> = []
  if (flags.includes("write")) out.push("@write")
  if (flags.includes("readonly")) out.push("@read")
  if (flags.includes("admin")) out.push("@admin", "@dangerous")
  if (flags.includes("fast")) out.push("@fast")
  else out.push("@slow")
  if (flags.includes("blocking")) out.push("@blocking")
  const groupCategory: Record<string, string> = {
    string: "@string",
    list: "@list",
    hash: "@hash",
    set: "@set",
    sorted_set: "@sortedset",
    stream: "@stream",
    generic: "@keyspace",
    connection: "@connection",
    pubsub: "@pubsub",
    transactions: "@transaction",
    server: "",
    scripting: "@scripting"
  }
  const g = groupCategory[group]
  if (g) out.push(g)
  return out
}

/** Builds a `CommandSpec` with Valkey's defaults filled in. */
export const defineCommand = (def: CommandDefinition, container?: string): CommandSpec => {
  const flags = def.flags ?? []
  const name = def.name.toLowerCase()
  const fullName = container === undefined ? name : `${container}|${name}`
  const subcommands = def.subcommands
    ? new Map(def.subcommands.map((sub) => [sub.name.toLowerCase(), defineCommand(sub, name)] as const))
    : undefined
  const run =
    def.run ??
    ((): never => {
      throw new Error(`container command ${fullName} has no handler`)
    })
  return {
    name,
    fullName,
    arity: def.arity,
    flags,
    isProtected: flags.includes("protected"),
    firstKey: def.keys?.[0] ?? 0,
    lastKey: def.keys?.[1] ?? 0,
    step: def.keys?.[2] ?? 0,
    getKeys: def.getKeys,
    group: def.group,
    summary: def.summary ?? "",
    since: def.since ?? "1.0.0",
    complexity: def.complexity,
    aclCategories: def.aclCategories ?? categoryOf(flags, def.group),
    subcommands,
    module: def.module,
    run,
    statSlot: undefined
  }
}

/** Positions of the keys in `argv`, from the spec's key positions or its `getKeys`. */
export const keyPositions = (spec: CommandSpec, argv: ReadonlyArray<string>): Array<number> => {
  if (spec.getKeys) return spec.getKeys(argv)
  if (spec.firstKey <= 0) return []
  const last = spec.lastKey < 0 ? argv.length + spec.lastKey : spec.lastKey
  const out: Array<number> = []
  for (let i = spec.firstKey; i <= last && i < argv.length; i += Math.max(1, spec.step)) out.push(i)
  return out
}
