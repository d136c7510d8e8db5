import type { Entry } from "../keyspace/Database.js"
import { globMatch } from "../keyspace/glob.js"
import type { Keyspace } from "../keyspace/Keyspace.js"
import { HashValue } from "../keyspace/HashValue.js"
import { ListValue } from "../keyspace/ListValue.js"
import { SetValue } from "../keyspace/SetValue.js"
import { StreamValue } from "../keyspace/StreamValue.js"
import { ZSetValue } from "../keyspace/ZSetValue.js"
import { typeName, type Value } from "../keyspace/Value.js"
import { ErrorReply, OK, type Reply, SimpleString } from "../protocol/Reply.js"
import type { CommandClient } from "./CommandSpec.js"
import { isKeyword, NO_SUCH_KEY, NOT_INTEGER, parseInt64, SYNTAX } from "./args.js"
import { defineCommand } from "./CommandSpec.js"
import { INVALID_CURSOR, parseScanCursor } from "./ElementScan.js"
import { expireTimeOf, setExpireTime } from "./ExpireTime.js"
import { objectEncoding, setStringHint, stringHint } from "./ObjectEncoding.js"
import { propagateDeletion } from "./propagation.js"
import { NOTIFY, notifyKeyspaceEvent } from "./PubSubState.js"

const SYNTAX_ERROR = new ErrorReply(SYNTAX)
const NOT_AN_INTEGER = new ErrorReply(NOT_INTEGER)
const SAME_OBJECT = new ErrorReply("ERR source and destination objects are the same")
const DB_OUT_OF_RANGE = new ErrorReply("ERR DB index is out of range")

const INT64_MAX = 9223372036854775807n

/** A read lookup that returns the entry and counts keyspace hits and misses (`lookupKeyRead`). */
const readEntry = (keyspace: Keyspace, db: number, key: string): Entry | undefined => {
  const entry = keyspace.lookup(db, key)
  if (entry === undefined) keyspace.miss(db, key)
  else keyspace.stats.hits++
  return entry
}

/** OBJECT's lookup (Valkey's LOOKUP_NOTOUCH): it does not count as an access for LRU/LFU. */
const objectEntry = (keyspace: Keyspace, db: number, key: string): Entry | undefined => {
  const entry = keyspace.peek(db, key)
  if (entry === undefined) keyspace.miss(db, key)
  else keyspace.stats.hits++
  return entry
}

/** `getIntFromObjectOrReply` followed by `selectDb`: a database index, or Valkey's error. */
const parseDbIndex = (client: CommandClient, arg: string): number | ErrorReply => {
  const n = parseInt64(arg)
  if (n === undefined) return NOT_AN_INTEGER
  if (typeof n === "bigint" || n > 2147483647 || n < -2147483648) {
    return new ErrorReply("ERR value is out of range, value must between -2147483648 and 2147483647")
  }
  if (n < 0 || n >= client.server.keyspace.dbs.length) return DB_OUT_OF_RANGE
  return n
}

/** A deep copy for COPY (Valkey duplicates the object by type). */
const duplicate = (value: Value): Value | ErrorReply => {
  if (typeof value === "string") return value
  if (value instanceof ListValue) return ListValue.of(value.toArray())
  if (value instanceof HashValue || value instanceof SetValue || value instanceof ZSetValue || value instanceof StreamValue) return value.clone()
  return new ErrorReply("ERR not supported for this module key")
}

/**
 * Creates `key` in `db` holding `value` with `expireAt`, through `keyspace.add` so blocked clients
 * hear about it. The caller has made sure the key does not exist.
 */
const addCopy = (keyspace: Keyspace, db: number, key: string, value: Value, from: Entry): void => {
  const entry = keyspace.add(db, key, value, from.expireAt)
  const exact = expireTimeOf(from)
  if (typeof exact === "bigint") setExpireTime(keyspace, db, entry, exact)
  if (typeof value === "string") setStringHint(entry, stringHint(from))
}

/** RENAME and RENAMENX (Valkey's `renameGenericCommand`). */
const renameGeneric = (client: CommandClient, argv: Array<string>, nx: boolean): Reply => {
  const keyspace = client.server.keyspace
  const source = keyspace.lookup(client.db, argv[1])
  if (source === undefined) return new ErrorReply(NO_SUCH_KEY)
  if (argv[1] === argv[2]) return nx ? 0 : OK
  if (keyspace.lookup(client.db, argv[2]) !== undefined) {
    if (nx) return 0
    keyspace.delete(client.db, argv[2])
  }
  addCopy(keyspace, client.db, argv[2], source.value, source)
  keyspace.deleteEntry(client.db, source)
  notifyKeyspaceEvent(client.server, NOTIFY.g, "rename_from", argv[1], client.db)
  notifyKeyspaceEvent(client.server, NOTIFY.g, "rename_to", argv[2], client.db)
  return nx ? 1 : OK
}

// EXPIRE options.
const EXPIRE_NX = 1
const EXPIRE_XX = 2
const EXPIRE_GT = 4
const EXPIRE_LT = 8

/** Valkey's `parseExtendedExpireArgumentsOrReply`. */
const parseExpireFlags = (argv: Array<string>): number | ErrorReply => {
  let flags = 0
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase()
    if (opt === "nx") flags |= EXPIRE_NX
    else if (opt === "xx") flags |= EXPIRE_XX
    else if (opt === "gt") flags |= EXPIRE_GT
    else if (opt === "lt") flags |= EXPIRE_LT
    else return new ErrorReply(`ERR Unsupported option ${argv[j]}`)
  }
  if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) {
    return new ErrorReply("ERR NX and XX, GT or LT options at the same time are not compatible")
  }
  if (flags & EXPIRE_GT && flags & EXPIRE_LT) return new ErrorReply("ERR GT and LT options at the same time are not compatible")
  return flags
}

/** EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (Valkey's `expireGenericCommand`). */
const expireGeneric = (client: CommandClient, argv: Array<string>, relative: boolean, seconds: boolean): Reply => {
  const flags = parseExpireFlags(argv)
  if (flags instanceof ErrorReply) return flags
  const parsed = parseInt64(argv[2])
  if (parsed === undefined) return NOT_AN_INTEGER
  const invalid = new ErrorReply(`ERR invalid expire time in '${argv[0].toLowerCase()}' command`)
  let when = BigInt(parsed)
  if (seconds) {
    if (when > INT64_MAX / 1000n || when < -INT64_MAX / 1000n) return invalid
    when *= 1000n
  }
  const now = client.server.now()
  const base = relative ? BigInt(now) : 0n
  if (when > INT64_MAX - base) return invalid
  when += base
  // A negative time expires the key at once.
  if (when < 0n) when = 0n
  const keyspace = client.server.keyspace
  const entry = keyspace.lookup(client.db, argv[1])
  if (entry === undefined) return 0
  if (flags !== 0) {
    const current = BigInt(expireTimeOf(entry))
    if (flags & EXPIRE_NX && current !== -1n) return 0
    if (flags & EXPIRE_XX && current === -1n) return 0
    if (flags & EXPIRE_GT && (when <= current || current === -1n)) return 0
    if (flags & EXPIRE_LT && current !== -1n && when >= current) return 0
  }
  if (keyspace.alreadyExpired(when)) {
    // Valkey's deleteExpiredKeyFromOverwriteAndPropagate: counts as an expired key.
    keyspace.deleteEntry(client.db, entry)
    keyspace.stats.expiredKeys++
    notifyKeyspaceEvent(client.server, NOTIFY.g, "del", argv[1], client.db)
    propagateDeletion(client, argv[1], "lazyfree-lazy-expire")
    return 1
  }
  setExpireTime(keyspace, client.db, entry, when)
  notifyKeyspaceEvent(client.server, NOTIFY.g, "expire", argv[1], client.db)
  // Propagated as PEXPIREAT with the absolute time in ms, its options kept.
  if (client.server.propagation.enabled && (relative || seconds)) {
    const rewritten = argv.slice()
    rewritten[0] = "PEXPIREAT"
    rewritten[2] = String(when)
    client.server.propagation.rewrite(rewritten)
  }
  return 1
}

/** TTL, PTTL, EXPIRETIME, PEXPIRETIME (Valkey's `ttlGenericCommand`). */
const ttlGeneric = (client: CommandClient, key: string, ms: boolean, absolute: boolean): Reply => {
  const entry = readEntry(client.server.keyspace, client.db, key)
  if (entry === undefined) return -2
  const expire = expireTimeOf(entry)
  if (expire === -1) return -1
  if (typeof expire === "bigint") {
    let ttl = absolute ? expire : expire - BigInt(client.server.now())
    if (ttl < 0n) ttl = 0n
    return ms ? ttl : (ttl + 500n) / 1000n
  }
  let ttl = absolute ? expire : expire - client.server.now()
  if (ttl < 0) ttl = 0
  return ms ? ttl : Math.floor((ttl + 500) / 1000)
}

/** Type names `SCAN ... TYPE` accepts (Valkey's `getObjectTypeByName`). */
const TYPE_NAMES = new Set(["string", "list", "set", "zset", "hash", "stream"])

/**
 * SCAN over `Database.slots`, walked from the top down (see `Database`): the cursor is one more
 * than the next slot to visit, 0 when the walk is done. A key present for the whole scan is
 * returned at least once, because removals only move entries from higher slots to lower ones.
 */
const scan = (client: CommandClient, argv: Array<string>): Reply => {
  const cursor = parseScanCursor(argv[1])
  if (cursor === undefined) return INVALID_CURSOR
  let count = 10
  let pattern: string | undefined
  let type: string | undefined
  for (let i = 2; i < argv.length; i += 2) {
    const hasValue = i + 1 < argv.length
    if (isKeyword(argv[i], "count") && hasValue) {
      const n = parseInt64(argv[i + 1])
      if (n === undefined) return NOT_AN_INTEGER
      if (n < 1) return SYNTAX_ERROR
      count = typeof n === "bigint" ? Number.MAX_SAFE_INTEGER : n
    } else if (isKeyword(argv[i], "match") && hasValue) {
      pattern = argv[i + 1] === "*" ? undefined : argv[i + 1]
    } else if (isKeyword(argv[i], "type") && hasValue) {
      type = argv[i + 1].toLowerCase()
      if (!TYPE_NAMES.has(type)) return new ErrorReply(`ERR unknown type name '${argv[i + 1]}'`)
    } else return SYNTAX_ERROR
  }
  const keyspace = client.server.keyspace
  const slots = keyspace.dbs[client.db].slots
  let next = cursor === 0n ? slots.length - 1 : Number(cursor - 1n)
  if (next > slots.length - 1) next = slots.length - 1
  const candidates: Array<string> = []
  for (let visited = 0; next >= 0 && visited < count; visited++, next--) {
    const key = slots[next].key
    if (pattern === undefined || globMatch(pattern, key)) candidates.push(key)
  }
  // Filter after the walk: an expired key found here is deleted, which moves entries around.
  const keys: Array<Reply> = []
  const database = keyspace.dbs[client.db]
  for (const key of candidates) {
    // Like Valkey, the type filter comes first: an expired key of another type is left alone.
    if (type !== undefined) {
      const raw = database.raw(key)
      if (raw === undefined || typeName(raw.value) !== type) continue
    }
    if (keyspace.lookup(client.db, key) === undefined) continue
    keys.push(key)
  }
  return [next < 0 ? "0" : String(next + 1), keys]
}

const OBJECT_HELP = [
  "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "ENCODING <key>",
  "    Return the kind of internal representation used in order to store the value",
  "    associated with a <key>.",
  "FREQ <key>",
  "    Return the access frequency index of the <key>. The returned integer is",
  "    proportional to the logarithm of the recent access frequency of the key.",
  "IDLETIME <key>",
  "    Return the idle time of the <key>, that is the approximated number of",
  "    seconds elapsed since the last access to the key.",
  "REFCOUNT <key>",
  "    Return the number of references of the value associated with the specified",
  "    <key>.",
  "HELP",
  "    Prints this help."
].map((line) => new SimpleString(line))

/** MEMORY HELP: the subcommands keyfiber has (Valkey's lines for them). */
const MEMORY_HELP: Reply = [
  "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "USAGE <key> [SAMPLES <count>]",
  "    Return memory in bytes used by <key> and its value. Nested values are",
  "    sampled up to <count> times (default: 5, 0 means sample all).",
  "HELP",
  "    Prints this help."
].map((line) => new SimpleString(line))

/** Generic key commands (Valkey's db.c and expire.c). */
export const keyCommands = [
  defineCommand({
    name: "del",
    arity: -2,
    flags: ["write"],
    keys: [1, -1, 1],
    group: "generic",
    summary: "Deletes one or more keys.",
    run: (client, argv) => {
      let removed = 0
      for (let i = 1; i < argv.length; i++) if (client.server.keyspace.delete(client.db, argv[i])) removed++, notifyKeyspaceEvent(client.server, NOTIFY.g, "del", argv[i], client.db)
      return removed
    }
  }),
  defineCommand({
    name: "unlink",
    arity: -2,
    flags: ["write", "fast"],
    keys: [1, -1, 1],
    group: "generic",
    summary: "Asynchronously deletes one or more keys.",
    since: "4.0.0",
    run: (client, argv) => {
      let removed = 0
      for (let i = 1; i < argv.length; i++) if (client.server.keyspace.delete(client.db, argv[i])) removed++, notifyKeyspaceEvent(client.server, NOTIFY.g, "del", argv[i], client.db)
      return removed
    }
  }),
  defineCommand({
    name: "exists",
    arity: -2,
    flags: ["readonly", "fast"],
    keys: [1, -1, 1],
    group: "generic",
    summary: "Determines whether one or more keys exist.",
    run: (client, argv) => {
      let found = 0
      for (let i = 1; i < argv.length; i++) if (client.server.keyspace.read(client.db, argv[i]) !== undefined) found++
      return found
    }
  }),
  defineCommand({
    name: "touch",
    arity: -2,
    flags: ["readonly", "fast"],
    keys: [1, -1, 1],
    group: "generic",
    summary: "Returns the number of existing keys out of those specified after updating the time they were last accessed.",
    since: "3.2.1",
    run: (client, argv) => {
      let found = 0
      for (let i = 1; i < argv.length; i++) if (client.server.keyspace.read(client.db, argv[i]) !== undefined) found++
      return found
    }
  }),
  defineCommand({
    name: "type",
    arity: 2,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    group: "generic",
    summary: "Determines the type of value stored at a key.",
    run: (client, argv) => {
      const value = client.server.keyspace.read(client.db, argv[1])
      return new SimpleString(value === undefined ? "none" : typeName(value))
    }
  }),
  defineCommand({
    name: "keys",
    arity: 2,
    flags: ["readonly"],
    keys: [0, 0, 0],
    group: "generic",
    summary: "Returns all key names that match a pattern.",
    run: (client, argv) => {
      const pattern = argv[1]
      const all = pattern === "*"
      const now = client.server.now()
      const out: Array<Reply> = []
      // Like Valkey, expired keys are skipped but not deleted here.
      for (const entry of client.server.keyspace.dbs[client.db].slots) {
        if (entry.expireAt !== 0 && entry.expireAt <= now) continue
        if (all || globMatch(pattern, entry.key)) out.push(entry.key)
      }
      return out
    }
  }),
  defineCommand({
    name: "scan",
    arity: -2,
    flags: ["readonly"],
    group: "generic",
    summary: "Iterates over the key names in the database.",
    since: "2.8.0",
    run: scan
  }),
  defineCommand({
    name: "randomkey",
    arity: 1,
    flags: ["readonly"],
    group: "generic",
    summary: "Returns a random key name from the database.",
    run: (client) => {
      const keyspace = client.server.keyspace
      // `randomKey` may fall back to a key it did not check; looking it up expires it if due.
      for (;;) {
        const key = keyspace.randomKey(client.db)
        if (key === undefined) return null
        if (keyspace.lookup(client.db, key) !== undefined) return key
      }
    }
  }),
  defineCommand({
    name: "rename",
    arity: 3,
    flags: ["write"],
    keys: [1, 2, 1],
    group: "generic",
    summary: "Renames a key and overwrites the destination.",
    run: (client, argv) => renameGeneric(client, argv, false)
  }),
  defineCommand({
    name: "renamenx",
    arity: 3,
    flags: ["write", "fast"],
    keys: [1, 2, 1],
    group: "generic",
    summary: "Renames a key only when the target key name doesn't exist.",
    run: (client, argv) => renameGeneric(client, argv, true)
  }),
  defineCommand({
    name: "move",
    arity: 3,
    flags: ["write", "fast"],
    keys: [1, 1, 1],
    group: "generic",
    summary: "Moves a key to another database.",
    run: (client, argv) => {
      const target = parseDbIndex(client, argv[2])
      if (target instanceof ErrorReply) return target
      if (target === client.db) return SAME_OBJECT
      const keyspace = client.server.keyspace
      const source = keyspace.lookup(client.db, argv[1])
      if (source === undefined) return 0
      if (keyspace.lookup(target, argv[1]) !== undefined) return 0
      addCopy(keyspace, target, argv[1], source.value, source)
      keyspace.deleteEntry(client.db, source)
      notifyKeyspaceEvent(client.server, NOTIFY.g, "move_from", argv[1], client.db)
      notifyKeyspaceEvent(client.server, NOTIFY.g, "move_to", argv[1], target)
      return 1
    }
  }),
  defineCommand({
    name: "copy",
    arity: -3,
    flags: ["write", "denyoom"],
    keys: [1, 2, 1],
    group: "generic",
    summary: "Copies the value of a key to a new key.",
    since: "6.2.0",
    run: (client, argv) => {
      let replace = false
      let target = client.db
      for (let j = 3; j < argv.length; j++) {
        if (isKeyword(argv[j], "replace")) replace = true
        else if (isKeyword(argv[j], "db") && j + 1 < argv.length) {
          const db = parseDbIndex(client, argv[++j])
          if (db instanceof ErrorReply) return db
          target = db
        } else return SYNTAX_ERROR
      }
      if (target === client.db && argv[1] === argv[2]) return SAME_OBJECT
      const keyspace = client.server.keyspace
      const source = readEntry(keyspace, client.db, argv[1])
      if (source === undefined) return 0
      const existing = keyspace.lookup(target, argv[2])
      if (existing !== undefined && !replace) return 0
      const copy = duplicate(source.value)
      if (copy instanceof ErrorReply) return copy
      if (existing !== undefined) keyspace.deleteEntry(target, existing)
      addCopy(keyspace, target, argv[2], copy, source)
      notifyKeyspaceEvent(client.server, NOTIFY.g, "copy_to", argv[2], target)
      return 1
    }
  }),
  defineCommand({
    name: "expire",
    arity: -3,
    flags: ["write", "fast"],
    keys: [1, 1, 1],
    group: "generic",
    summary: "Sets the expiration time of a key in seconds.",
    run: (client, argv) => expireGeneric(client, argv, true, true)
  }),
  defineCommand({
    name: "pexpire",
    arity: -3,
    flags: ["write", "fast"],
    keys: [1, 1, 1],
    group: "generic",
    summary: "Sets the expiration time of a key in milliseconds.",
    since: "2.6.0",
    run: (client, argv) => expireGeneric(client, argv, true, false)
  }),
  defineCommand({
    name: "expireat",
    arity: -3,
    flags: ["write", "fast"],
    keys: [1, 1, 1],
    group: "generic",
    summary: "Sets the expiration time of a key to a Unix timestamp.",
    since: "1.2.0",
    run: (client, argv) => expireGeneric(client, argv, false, true)
  }),
  defineCommand({
    name: "pexpireat",
    arity: -3,
    flags: ["write", "fast"],
    keys: [1, 1, 1],
    group: "generic",
    summary: "Sets the expiration time of a key to a Unix milliseconds timestamp.",
    since: "2.6.0",
    run: (client, argv) => expireGeneric(client, argv, false, false)
  }),
  defineCommand({
    name: "ttl",
    arity: 2,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    group: "generic",
    summary: "Returns the expiration time in seconds of a key.",
    run: (client, argv) => ttlGeneric(client, argv[1], false, false)
  }),
  defineCommand({
    name: "pttl",
    arity: 2,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    group: "generic",
    summary: "Returns the expiration time in milliseconds of a key.",
    since: "2.6.0",
    run: (client, argv) => ttlGeneric(client, argv[1], true, false)
  }),
  defineCommand({
    name: "expiretime",
    arity: 2,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    group: "generic",
    summary: "Returns the expiration time of a key as a Unix timestamp.",
    since: "7.0.0",
    run: (client, argv) => ttlGeneric(client, argv[1], false, true)
  }),
  defineCommand({
    name: "pexpiretime",
    arity: 2,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    group: "generic",
    summary: "Returns the expiration time of a key as a Unix milliseconds timestamp.",
    since: "7.0.0",
    run: (client, argv) => ttlGeneric(client, argv[1], true, true)
  }),
  defineCommand({
    name: "persist",
    arity: 2,
    flags: ["write", "fast"],
    keys: [1, 1, 1],
    group: "generic",
    summary: "Removes the expiration time of a key.",
    since: "2.2.0",
    run: (client, argv) => {
      const keyspace = client.server.keyspace
      const entry = keyspace.lookup(client.db, argv[1])
      if (entry === undefined || entry.expireAt === 0) return 0
      keyspace.setExpire(client.db, entry, 0)
      notifyKeyspaceEvent(client.server, NOTIFY.g, "persist", argv[1], client.db)
      return 1
    }
  }),
  defineCommand({
    name: "object",
    arity: -2,
    group: "generic",
    summary: "A container for object introspection commands.",
    since: "2.2.3",
    subcommands: [
      {
        name: "encoding",
        arity: 3,
        flags: ["readonly"],
        keys: [2, 2, 1],
        group: "generic",
        summary: "Returns the internal encoding of an object.",
        since: "2.2.3",
        run: (client, argv) => {
          const entry = objectEntry(client.server.keyspace, client.db, argv[2])
          if (entry === undefined) return null
          return objectEncoding(entry, client.server.config.get<number>("list-max-listpack-size"))
        }
      },
      {
        name: "freq",
        arity: 3,
        flags: ["readonly"],
        keys: [2, 2, 1],
        group: "generic",
        summary: "Returns the logarithmic access frequency counter of an object.",
        since: "4.0.0",
        run: (client, argv) => {
          const keyspace = client.server.keyspace
          const entry = objectEntry(keyspace, client.db, argv[2])
          if (entry === undefined) return null
          if (!keyspace.lfu) {
            return new ErrorReply(
              "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
            )
          }
          // Decayed, as a key not accessed for a while would be ranked (Valkey's LFUDecrAndReturn).
          return keyspace.lfuCounter(entry)
        }
      },
      {
        name: "idletime",
        arity: 3,
        flags: ["readonly"],
        keys: [2, 2, 1],
        group: "generic",
        summary: "Returns the time since the last access to an object.",
        since: "2.2.3",
        run: (client, argv) => {
          const keyspace = client.server.keyspace
          const entry = objectEntry(keyspace, client.db, argv[2])
          if (entry === undefined) return null
          if (keyspace.lfu) {
            return new ErrorReply(
              "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
            )
          }
          keyspace.updateClock()
          return Math.floor(keyspace.idleTime(entry) / 1000)
        }
      },
      {
        name: "refcount",
        arity: 3,
        flags: ["readonly"],
        keys: [2, 2, 1],
        group: "generic",
        summary: "Returns the reference count of a value of a key.",
        since: "2.2.3",
        run: (client, argv) => (objectEntry(client.server.keyspace, client.db, argv[2]) === undefined ? null : 1)
      },
      {
        name: "help",
        arity: 2,
        flags: ["loading", "stale"],
        group: "generic",
        summary: "Returns helpful text about the different subcommands.",
        since: "6.2.0",
        run: () => OBJECT_HELP
      }
    ]
  }),
  defineCommand({
    name: "memory",
    arity: -2,
    group: "server",
    summary: "A container for memory diagnostics commands.",
    since: "4.0.0",
    subcommands: [
      {
        name: "usage",
        arity: -3,
        flags: ["readonly"],
        keys: [2, 2, 1],
        group: "server",
        summary: "Estimates the memory usage of a key.",
        since: "4.0.0",
        run: (client, argv) => {
          // Valkey's memoryCommand: SAMPLES takes a count >= 0; keyfiber's cost is exact, so it
          // only validates it.
          for (let i = 3; i < argv.length; i += 2) {
            if (!isKeyword(argv[i], "samples") || i + 1 >= argv.length) return SYNTAX_ERROR
            const samples = parseInt64(argv[i + 1])
            if (samples === undefined) return NOT_AN_INTEGER
            if (samples < 0) return SYNTAX_ERROR
          }
          // What the key and its value cost in `used_memory` (the accounting eviction uses).
          return client.server.keyspace.peek(client.db, argv[2])?.cost ?? null
        }
      },
      {
        name: "help",
        arity: 2,
        flags: ["loading", "stale"],
        group: "server",
        summary: "Returns helpful text about the different subcommands.",
        since: "4.0.0",
        run: () => MEMORY_HELP
      }
    ]
  })
]
