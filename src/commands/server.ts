import {
  BigNumberReply,
  DoubleReply,
  err,
  error,
  MapReply,
  OK,
  PushReply,
  RawReply,
  type Reply,
  SetReply,
  SimpleString,
  VerbatimReply
} from "../protocol/Reply.js"
import {
  type PersistenceOutcome,
  SHUTDOWN_FORCE,
  SHUTDOWN_NOFLAGS,
  SHUTDOWN_NOSAVE,
  SHUTDOWN_NOW,
  SHUTDOWN_SAVE
} from "../contracts/Persistence.js"
import type { CommandClient } from "./CommandSpec.js"
import { isKeyword, NO_SUCH_KEY, parseInteger, SYNTAX } from "./args.js"
import { defineCommand } from "./CommandSpec.js"
import { serializedLength } from "../persistence/rdb/Dump.js"
import { objectEncoding } from "./ObjectEncoding.js"
import { rdbWriteOptions } from "./dump.js"
import { datasetDigest, valueDigest } from "./datasetDigest.js"

/** FLUSHDB/FLUSHALL's optional ASYNC|SYNC (`getFlushCommandFlags`); both flush at once here. */
const flushModeError = (argv: Array<string>): Reply | undefined => {
  if (argv.length > 2) return error(SYNTAX)
  if (argv.length === 2 && !isKeyword(argv[1], "sync") && !isKeyword(argv[1], "async")) return error(SYNTAX)
  return undefined
}

/** `getIntFromObjectOrReply`: a signed 32-bit integer or the given error. */
const parseInt32 = (arg: string): number | undefined => {
  const n = parseInteger(arg)
  return n === undefined || n < -2147483648 || n > 2147483647 ? undefined : n
}

/** Valkey's `addReplyHelp`: a title line, the entries, then HELP itself, as status lines. */
export const helpReply = (command: string, lines: ReadonlyArray<string>): Reply => [
  new SimpleString(`${command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`),
  ...lines.map((line) => new SimpleString(line)),
  new SimpleString("HELP"),
  new SimpleString("    Print this help.")
]

/** `addReplySubcommandSyntaxError`. */
const subcommandSyntaxError = (command: string, sub: string): Reply =>
  err(`unknown subcommand or wrong number of arguments for '${sub.slice(0, 128)}'. Try ${command} HELP.`)

const DEBUG_HELP = [
  "CHANGE-REPL-ID",
  "    Change the replication IDs of the instance.",
  "    Dangerous: should be used only for testing the replication subsystem.",
  "DIGEST",
  "    Output a hex signature representing the current DB content.",
  "DIGEST-VALUE <key> [<key> ...]",
  "    Output a hex signature of the values of all the specified keys.",
  "ERROR <string>",
  "    Return a Valkey protocol error with <string> as message. Useful for clients",
  "    unit tests to simulate Valkey errors.",
  "LOADAOF",
  "    Flush the AOF buffers on disk and reload the AOF in memory.",
  "LOG <message>",
  "    Write <message> to the server log.",
  "OBJECT <key>",
  "    Show low level info about `key` and associated value.",
  "POPULATE <count> [<prefix>] [<size>]",
  "    Create <count> string keys named key:<num>. If <prefix> is specified then",
  "    it is used instead of the 'key' prefix. These are not propagated to",
  "    replicas. Cluster slots are not respected so keys not belonging to the",
  "    current node can be created in cluster mode.",
  "PROTOCOL <type>",
  "    Reply with a test value of the specified type. <type> can be: string,",
  "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
  "    true, false.",
  "RELOAD [option ...]",
  "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
  "    * MERGE: conflicting keys will be loaded from RDB.",
  "    * NOFLUSH: the existing database will not be removed before load, but",
  "      conflicting keys will generate an exception and kill the server.",
  "    * NOSAVE: the database will be loaded from an existing RDB file.",
  "    Examples:",
  "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
  "      the database.",
  "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
  "      existing RDB file.",
  "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
  "      file to the database.",
  "SET-ACTIVE-EXPIRE <0|1>",
  "    Setting it to 0 disables expiring keys in background when they are not",
  "    accessed (otherwise the Valkey behavior). Setting it to 1 reenables back the",
  "    default.",
  "SLEEP <seconds>",
  "    Stop the server for <seconds>. Decimals allowed."
]

/** Blocks the whole server, like Valkey's `debugDelay`: nothing else runs meanwhile. */
const sleepSync = (ms: number): void => {
  if (ms <= 0) return
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/** `strtod` as DEBUG SLEEP uses it: the longest numeric prefix, 0 when there is none. */
const strtod = (s: string): number => {
  const v = Number.parseFloat(s)
  return Number.isFinite(v) ? v : 0
}

const debugProtocol = (client: CommandClient, type: string): Reply => {
  switch (type.toLowerCase()) {
    case "string":
      return "Hello World"
    case "integer":
      return 12345
    case "double":
      return new DoubleReply(3.141)
    case "bignum":
      return new BigNumberReply("1234567999999999999999999999999999999")
    case "null":
      return null
    case "array":
      return [0, 1, 2]
    case "set":
      return new SetReply([0, 1, 2])
    case "map":
      return new MapReply([0, false, 1, true, 2, false])
    case "attrib":
      // Attributes are not supported by the encoder: reply the value alone.
      return "Some real reply following the attribute"
    case "push":
      if (client.resp < 3) return err("RESP2 is not supported by this command")
      return new PushReply(["server-cpu-usage", 42])
    case "true":
      return true
    case "false":
      return false
    case "verbatim":
      return new VerbatimReply("This is a verbatim\nstring")
    default:
      return err("Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false")
  }
}

const debug = (client: CommandClient, argv: Array<string>): Reply => {
  const sub = argv[1].toLowerCase()
  const n = argv.length
  if (sub === "help" && n === 2) return helpReply("DEBUG", DEBUG_HELP)
  if (sub === "sleep" && n === 3) {
    sleepSync(strtod(argv[2]) * 1000)
    return OK
  }
  if (sub === "set-active-expire" && n === 3) {
    client.server.keyspace.activeExpire = (parseInteger(argv[2]) ?? 0) !== 0
    return OK
  }
  if (sub === "error" && n === 3) return error(argv[2])
  if (sub === "log" && n === 3) {
    client.server.log("warning", `DEBUG LOG: ${argv[2]}`)
    return OK
  }
  if (sub === "protocol" && n === 3) return debugProtocol(client, argv[2])
  if (sub === "object" && n === 3) {
    const keyspace = client.server.keyspace
    const entry = keyspace.peek(client.db, argv[2])
    if (entry === undefined) return error(NO_SUCH_KEY)
    const length = serializedLength(entry.value, rdbWriteOptions(client.server))
    const idle = Math.floor(keyspace.idleTime(entry) / 1000)
    return new SimpleString(
      `Value at:0x0 refcount:1 encoding:${objectEncoding(entry, client.server.config.get<number>("list-max-listpack-size"))} serializedlength:${length} lru:${entry.lru & 0xffffff} lru_seconds_idle:${idle}`
    )
  }
  if (sub === "reload") return debugReload(client, argv)
  if (sub === "populate" && n >= 3 && n <= 5) return debugPopulate(client, argv)
  if (sub === "loadaof" && n === 2) {
    const load = client.server.debugLoadAof
    if (load === null) return err("Error loading the AOF, check server logs.")
    const failed = load()
    return failed === null ? OK : error(failed)
  }
  if (sub === "digest" && n === 2) return new SimpleString(datasetDigest(client.server.keyspace))
  if (sub === "digest-value") {
    const out: Array<Reply> = []
    for (let j = 2; j < n; j++) out.push(new SimpleString(valueDigest(client.server.keyspace, client.db, argv[j])))
    return out
  }
  if (sub === "change-repl-id" && n === 2) return OK
  return subcommandSyntaxError("DEBUG", argv[1])
}

/**
 * DEBUG POPULATE count [prefix] [size] (debug.c): string keys `<prefix>:<n>` holding `value:<n>`
 * (cut or zero-padded to `size` bytes), skipping names that exist. Like Valkey's `dbAdd` it is
 * neither propagated nor counted as changes.
 */
const debugPopulate = (client: CommandClient, argv: Array<string>): Reply => {
  // object.c `getPositiveLongFromObjectOrReply`: one message for a bad or a negative number.
  const positive = (text: string): number | Reply => {
    const n = parseInteger(text)
    return n === undefined || n < 0 ? error("ERR value is out of range, must be positive") : n
  }
  const count = positive(argv[2])
  if (typeof count !== "number") return count
  let size = 0
  if (argv.length === 5) {
    const parsed = positive(argv[4])
    if (typeof parsed !== "number") return parsed
    size = parsed
  }
  const prefix = argv.length >= 4 ? argv[3] : "key"
  const keyspace = client.server.keyspace
  const dirty = keyspace.dirty
  for (let j = 0; j < count; j++) {
    const key = `${prefix}:${j}`
    if (keyspace.lookup(client.db, key) !== undefined) continue
    const text = `value:${j}`
    const value = size === 0 ? text : size <= text.length ? text.slice(0, size) : text + "\0".repeat(size - text.length)
    keyspace.add(client.db, key, value)
  }
  keyspace.dirty = dirty
  return OK
}

/** DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE] (debug.c): save, empty, load the RDB file back. */
const debugReload = (client: CommandClient, argv: Array<string>): Reply => {
  let flush = true
  let save = true
  let merge = false
  for (let i = 2; i < argv.length; i++) {
    const opt = argv[i].toLowerCase()
    if (opt === "merge") merge = true
    else if (opt === "noflush") flush = false
    else if (opt === "nosave") save = false
    else return err("DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
  }
  const persistence = client.server.persistence
  if (persistence === null) return err("Error trying to load the RDB dump, check server logs.")
  const failed = persistence.debugReload({ save, flush, merge })
  return failed === null ? OK : error(failed)
}

/**
 * SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT] (db.c `shutdownCommand`): saves when save points
 * exist or SAVE is given; a failed save refuses the shutdown unless FORCE.
 */
const shutdown = (client: CommandClient, argv: Array<string>): Reply => {
  let flags = SHUTDOWN_NOFLAGS
  let abort = false
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i].toLowerCase()
    if (arg === "nosave") flags |= SHUTDOWN_NOSAVE
    else if (arg === "save") flags |= SHUTDOWN_SAVE
    else if (arg === "now") flags |= SHUTDOWN_NOW
    else if (arg === "force") flags |= SHUTDOWN_FORCE
    else if (arg === "abort") abort = true
    else return error(SYNTAX)
  }
  if ((abort && flags !== SHUTDOWN_NOFLAGS) || ((flags & SHUTDOWN_NOSAVE) !== 0 && (flags & SHUTDOWN_SAVE) !== 0)) return error(SYNTAX)
  // No shutdown ever waits for replicas here, so none can be in progress.
  if (abort) return err("No shutdown in progress.")
  // server.c `cancelShutdown` answers the client it had blocked.
  if (!client.server.prepareForShutdown(client, flags)) return err("Errors trying to SHUTDOWN. Check logs.")
  // The client is gone: this reply is never sent.
  return OK
}

/** BGSAVE [SCHEDULE|CANCEL] (rdb.c `bgsaveCommand`). */
const bgsave = (client: CommandClient, argv: Array<string>): Reply => {
  let schedule = false
  const persistence = client.server.persistence
  if (argv.length > 1) {
    if (argv.length === 2 && isKeyword(argv[1], "schedule")) schedule = true
    else if (argv.length === 2 && isKeyword(argv[1], "cancel")) {
      if (persistence === null) return err("Background saving is currently not in progress or scheduled")
      return outcome(persistence.bgsaveCancel())
    } else return error(SYNTAX)
  }
  if (persistence === null) return error("ERR")
  return outcome(persistence.bgsave(schedule, client.multi !== null))
}

const outcome = (result: PersistenceOutcome): Reply => ("status" in result ? new SimpleString(result.status) : error(result.error))

/** A reply that sends nothing (a second MONITOR). */
const NO_REPLY = new RawReply("")

/**
 * MONITOR (server.c `monitorCommand`): the client receives every command the server runs from now
 * on (see `Monitors`). A client that expects one reply per command (inside EXEC, a module's
 * RM_Call) is refused; a client already in monitor mode gets no reply at all.
 */
const monitor = (client: CommandClient): Reply => {
  if (client.denyBlocking) return err("MONITOR isn't allowed for DENY BLOCKING client")
  if (client.monitor) return NO_REPLY
  client.server.monitors.add(client)
  return OK
}

/** Server commands: DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, TIME, LASTSAVE, SAVE, BGSAVE, DEBUG, MONITOR, SHUTDOWN. */
export const serverCommands = [
  defineCommand({
    name: "dbsize",
    arity: 1,
    flags: ["readonly", "fast"],
    group: "server",
    summary: "Returns the number of keys in the database.",
    complexity: "O(1)",
    aclCategories: ["@keyspace", "@read", "@fast"],
    run: (client) => client.server.keyspace.dbs[client.db].size
  }),
  defineCommand({
    name: "flushdb",
    arity: -1,
    flags: ["write"],
    group: "server",
    summary: "Removes all keys from the current database.",
    complexity: "O(N) where N is the number of keys in the selected database",
    aclCategories: ["@keyspace", "@write", "@slow", "@dangerous"],
    run: (client, argv) => {
      const invalid = flushModeError(argv)
      if (invalid !== undefined) return invalid
      client.server.keyspace.flushDb(client.db)
      // Logged even when the database was already empty (Valkey's forceCommandPropagation).
      client.server.propagation.force()
      return OK
    }
  }),
  defineCommand({
    name: "flushall",
    arity: -1,
    flags: ["write"],
    group: "server",
    summary: "Removes all keys from all databases.",
    complexity: "O(N) where N is the total number of keys in all databases",
    aclCategories: ["@keyspace", "@write", "@slow", "@dangerous"],
    run: (client, argv) => {
      const invalid = flushModeError(argv)
      if (invalid !== undefined) return invalid
      client.server.keyspace.flushAll()
      client.server.propagation.force()
      // db.c `flushAllDataAndResetRDB`: a running BGSAVE is stopped, and with save points the
      // empty data set is saved at once.
      client.server.persistence?.flushedAll()
      return OK
    }
  }),
  defineCommand({
    name: "swapdb",
    arity: 3,
    flags: ["write", "fast"],
    group: "server",
    summary: "Swaps two databases.",
    since: "4.0.0",
    complexity: "O(N) where N is the count of clients watching or blocking on keys from both databases.",
    aclCategories: ["@keyspace", "@write", "@fast", "@dangerous"],
    run: (client, argv) => {
      const a = parseInt32(argv[1])
      if (a === undefined) return err("invalid first DB index")
      const b = parseInt32(argv[2])
      if (b === undefined) return err("invalid second DB index")
      const keyspace = client.server.keyspace
      const count = keyspace.dbs.length
      if (a < 0 || a >= count || b < 0 || b >= count) return err("DB index is out of range")
      if (a !== b) keyspace.swap(a, b)
      return OK
    }
  }),
  defineCommand({
    name: "time",
    arity: 1,
    flags: ["loading", "stale", "fast"],
    group: "server",
    summary: "Returns the server time.",
    since: "2.6.0",
    complexity: "O(1)",
    run: (client) => {
      const now = client.server.now()
      const seconds = Math.floor(now / 1000)
      const micros = Math.floor((now - seconds * 1000) * 1000)
      return [String(seconds), String(micros)]
    }
  }),
  defineCommand({
    name: "lastsave",
    arity: 1,
    flags: ["loading", "stale", "fast"],
    group: "server",
    summary: "Returns the Unix timestamp of the last successful save to disk.",
    complexity: "O(1)",
    aclCategories: ["@admin", "@fast", "@dangerous"],
    // Without persistence nothing is saved: the start of the server, as in Valkey at boot.
    run: (client) => client.server.persistence?.lastSave() ?? Math.floor(client.server.startedAt / 1000)
  }),
  defineCommand({
    name: "save",
    arity: 1,
    flags: ["no_async_loading", "admin", "noscript", "no_multi"],
    group: "server",
    summary: "Synchronously saves the database(s) to disk.",
    complexity: "O(N) where N is the total number of keys in all databases",
    run: (client) => {
      const persistence = client.server.persistence
      if (persistence === null) return error("ERR")
      const failed = persistence.save()
      return failed === null ? OK : error(failed)
    }
  }),
  defineCommand({
    name: "bgsave",
    arity: -1,
    flags: ["no_async_loading", "admin", "noscript"],
    group: "server",
    summary: "Asynchronously saves the database(s) to disk.",
    complexity: "O(1)",
    run: bgsave
  }),
  defineCommand({
    name: "debug",
    arity: -2,
    flags: ["admin", "noscript", "loading", "stale", "protected"],
    group: "server",
    summary: "A container for debugging commands.",
    complexity: "Depends on subcommand.",
    run: debug
  }),
  defineCommand({
    name: "monitor",
    arity: 1,
    flags: ["admin", "noscript", "loading", "stale"],
    group: "server",
    summary: "Listens for all requests received by the server in real-time.",
    aclCategories: ["@admin", "@slow", "@dangerous"],
    run: monitor
  }),
  defineCommand({
    name: "shutdown",
    arity: -1,
    flags: ["admin", "noscript", "loading", "stale", "no_multi", "sentinel", "allow_busy"],
    group: "server",
    summary: "Synchronously saves the database(s) to disk and shuts down the server.",
    complexity: "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
    run: shutdown
  })
]
