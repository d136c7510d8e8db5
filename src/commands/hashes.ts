import type { Entry } from "../keyspace/Database.js"
import { HashValue } from "../keyspace/HashValue.js"
import { WRONGTYPE } from "../keyspace/Value.js"
import { ErrorReply, MapReply, OK, type Reply } from "../protocol/Reply.js"
import type { CommandClient } from "./CommandSpec.js"
import { isKeyword, NOT_FLOAT, NOT_INTEGER, parseInt64, SYNTAX } from "./args.js"
import { defineCommand } from "./CommandSpec.js"
import { EMPTY_SCAN, INVALID_CURSOR, parseElementScanOptions, parseScanCursor, scanElements } from "./ElementScan.js"
import { addLongDouble, formatLongDoubleHuman, parseLongDouble } from "./LongDouble.js"
import { NOTIFY, notifyKeyspaceEvent } from "./PubSubState.js"

const WRONG_TYPE = new ErrorReply(WRONGTYPE)
const NOT_AN_INTEGER = new ErrorReply(NOT_INTEGER)
const EMPTY_MAP = new MapReply([])

const INT64_MAX = 9223372036854775807n
const INT64_MIN = -9223372036854775808n

/** `hash-max-listpack-entries` and `hash-max-listpack-value`, read at each write like Valkey. */
interface HashLimits {
  readonly maxEntries: number
  readonly maxValue: number
}

const limitsOf = (client: CommandClient): HashLimits => ({
  maxEntries: client.server.config.get<number>("hash-max-listpack-entries"),
  maxValue: client.server.config.get<number>("hash-max-listpack-value")
})

/** A hash entry for reading: undefined when missing, WRONGTYPE for another type. */
const readHash = (client: CommandClient, key: string): HashValue | undefined | ErrorReply => {
  const value = client.server.keyspace.read(client.db, key)
  if (value === undefined || value instanceof HashValue) return value
  return WRONG_TYPE
}

const writeEntry = (client: CommandClient, key: string): Entry | undefined | ErrorReply => {
  const entry = client.server.keyspace.lookup(client.db, key)
  if (entry === undefined || entry.value instanceof HashValue) return entry
  return WRONG_TYPE
}

/** `hashTypeLookupWriteOrCreate`: the hash at `key`, created empty (`dbAdd`) when missing. */
const hashForWrite = (client: CommandClient, key: string): HashValue | ErrorReply => {
  const entry = writeEntry(client, key)
  if (entry instanceof ErrorReply) return entry
  if (entry !== undefined) return entry.value as HashValue
  const hash = new HashValue()
  client.server.keyspace.add(client.db, key, hash)
  return hash
}

/**
 * `hashTypeTryConversion`: many new fields, or an argument longer than `hash-max-listpack-value`,
 * make the hash a hashtable before the write.
 */
const tryConversion = (hash: HashValue, argv: ReadonlyArray<string>, start: number, end: number, limits: HashLimits): void => {
  if (hash.encoding !== "listpack") return
  if ((end - start + 1) / 2 > limits.maxEntries) {
    hash.toHashtable()
    return
  }
  for (let i = start; i <= end; i++) {
    if (argv[i].length > limits.maxValue) {
      hash.toHashtable()
      return
    }
  }
}

/** `hashTypeSet`: true when the field is new; converts past the listpack limits. */
const hashSet = (hash: HashValue, field: string, value: string, limits: HashLimits): boolean => {
  if (hash.encoding === "listpack" && (field.length > limits.maxValue || value.length > limits.maxValue)) hash.toHashtable()
  const created = !hash.fields.has(field)
  hash.set(field, value)
  if (hash.encoding === "listpack" && hash.fields.size > limits.maxEntries) hash.toHashtable()
  return created
}

/** HSET and HMSET: field/value pairs. */
const hsetGeneric = (client: CommandClient, argv: Array<string>): number | ErrorReply => {
  if (argv.length % 2 === 1) return new ErrorReply(`ERR wrong number of arguments for '${argv[0].toLowerCase()}' command`)
  const hash = hashForWrite(client, argv[1])
  if (hash instanceof ErrorReply) return hash
  const limits = limitsOf(client)
  tryConversion(hash, argv, 2, argv.length - 1, limits)
  let created = 0
  for (let i = 2; i < argv.length; i += 2) if (hashSet(hash, argv[i], argv[i + 1], limits)) created++
  client.server.keyspace.touch(client.db, argv[1])
  notifyKeyspaceEvent(client.server, NOTIFY.h, "hset", argv[1], client.db)
  return created
}

const randomInt = (n: number): number => Math.floor(Math.random() * n)

/** `count` distinct random positions below `size` (a partial Fisher-Yates shuffle), ascending. */
export const distinctRandomPositions = (size: number, count: number): Array<number> => {
  const positions = Array.from({ length: size }, (_, i) => i)
  for (let i = 0; i < count; i++) {
    const j = i + randomInt(size - i)
    const t = positions[i]
    positions[i] = positions[j]
    positions[j] = t
  }
  return positions.slice(0, count).sort((a, b) => a - b)
}

/** `getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX)`, the count of HRANDFIELD/SRANDMEMBER. */
export const parseRandomCount = (arg: string): number | ErrorReply => {
  const n = parseInt64(arg)
  if (n === undefined) return NOT_AN_INTEGER
  if (n === INT64_MIN) return new ErrorReply("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
  if (typeof n === "bigint") return n > 0n ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER
  return n
}

/** Elements of a random-with-repetition reply between two output buffer limit checks. */
const LIMIT_CHECK_EVERY = 1024

/**
 * Whether a reply of `elements` elements and about `bytes` bytes, still being built, puts the
 * client over its output buffer limit: the builder then stops (the client is flagged and closed).
 * Valkey's HRANDFIELD/SRANDMEMBER/ZRANDMEMBER loops with a negative count stop at CLOSE_ASAP, so
 * `HRANDFIELD h -999999999` under a limit ends the client instead of the server.
 */
export const replyOverLimit = (client: CommandClient, elements: number, bytes: number): boolean =>
  elements % LIMIT_CHECK_EVERY === 0 && client.server.closeOnOutputBufferLimit(client, bytes)

const hrandfield = (client: CommandClient, argv: Array<string>): Reply => {
  if (argv.length === 2) {
    const hash = readHash(client, argv[1])
    if (hash === undefined || hash instanceof ErrorReply) return hash ?? null
    return hash.fields.randomKey()!
  }
  const parsed = parseInt64(argv[2])
  const count = parseRandomCount(argv[2])
  if (count instanceof ErrorReply) return count
  if (argv.length > 4 || (argv.length === 4 && !isKeyword(argv[3], "withvalues"))) return new ErrorReply(SYNTAX)
  const withValues = argv.length === 4
  // Valkey refuses counts whose doubled reply length would overflow a long.
  if (withValues && (typeof parsed === "bigint" ? parsed > 4611686018427387903n || parsed < -4611686018427387903n : false))
    return new ErrorReply("ERR value is out of range")
  const hash = readHash(client, argv[1])
  if (hash === undefined || hash instanceof ErrorReply) return hash ?? []
  if (count === 0) return []
  const resp3 = client.resp === 3
  const out: Array<Reply> = []
  const emit = (field: string, value: string) => {
    if (!withValues) out.push(field)
    else if (resp3) out.push([field, value])
    else out.push(field, value)
  }
  if (count < 0 || count === 1) {
    const n = count < 0 ? -count : 1
    let bytes = 0
    for (let i = 0; i < n; i++) {
      const field = hash.fields.randomKey()!
      const value = hash.fields.get(field)!
      emit(field, value)
      bytes += field.length + (withValues ? value.length + 32 : 16)
      if (replyOverLimit(client, i + 1, bytes)) break
    }
    return out
  }
  const entries = Array.from(hash.fields)
  if (count >= entries.length) {
    for (const [field, value] of entries) emit(field, value)
    return out
  }
  for (const i of distinctRandomPositions(entries.length, count)) emit(entries[i][0], entries[i][1])
  return out
}

const hincrby = (client: CommandClient, argv: Array<string>): Reply => {
  const increment = parseInt64(argv[3])
  if (increment === undefined) return NOT_AN_INTEGER
  const hash = hashForWrite(client, argv[1])
  if (hash instanceof ErrorReply) return hash
  const current = hash.fields.get(argv[2])
  let value: number | bigint = 0
  if (current !== undefined) {
    const parsed = parseInt64(current)
    if (parsed === undefined) return new ErrorReply("ERR hash value is not an integer")
    value = parsed
  }
  let result: number | bigint
  if (typeof value === "number" && typeof increment === "number" && Number.isSafeInteger(value + increment)) result = value + increment
  else {
    const sum = BigInt(value) + BigInt(increment)
    if (sum > INT64_MAX || sum < INT64_MIN) return new ErrorReply("ERR increment or decrement would overflow")
    result = Number.isSafeInteger(Number(sum)) ? Number(sum) : sum
  }
  hashSet(hash, argv[2], String(result), limitsOf(client))
  client.server.keyspace.touch(client.db, argv[1])
  notifyKeyspaceEvent(client.server, NOTIFY.h, "hincrby", argv[1], client.db)
  return result
}

const hincrbyfloat = (client: CommandClient, argv: Array<string>): Reply => {
  const increment = parseLongDouble(argv[3])
  if (increment === undefined) return new ErrorReply(NOT_FLOAT)
  if (typeof increment === "string") return new ErrorReply("ERR value is NaN or Infinity")
  const hash = hashForWrite(client, argv[1])
  if (hash instanceof ErrorReply) return hash
  const current = hash.fields.get(argv[2])
  const value = current === undefined ? parseLongDouble("0") : parseLongDouble(current)
  if (value === undefined) return new ErrorReply("ERR hash value is not a float")
  const sum = addLongDouble(value, increment)
  if (sum === undefined || typeof sum === "string") return new ErrorReply("ERR increment would produce NaN or Infinity")
  const text = formatLongDoubleHuman(sum)
  const limits = limitsOf(client)
  tryConversion(hash, argv, 2, 3, limits)
  hashSet(hash, argv[2], text, limits)
  client.server.keyspace.touch(client.db, argv[1])
  notifyKeyspaceEvent(client.server, NOTIFY.h, "hincrbyfloat", argv[1], client.db)
  // Propagated as HSET key field result, so float formatting cannot drift on reload.
  if (client.server.propagation.enabled) client.server.propagation.rewrite(["HSET", argv[1], argv[2], text])
  return text
}

const hscan = (client: CommandClient, argv: Array<string>): Reply => {
  const cursor = parseScanCursor(argv[2])
  if (cursor === undefined) return INVALID_CURSOR
  const hash = readHash(client, argv[1])
  if (hash === undefined) return EMPTY_SCAN
  if (hash instanceof ErrorReply) return hash
  const options = parseElementScanOptions(argv, true)
  if (options instanceof ErrorReply) return options
  return scanElements(hash.fields, hash.encoding === "listpack", cursor, options, (f) => hash.fields.get(f)!)
}

/** Hash commands (Valkey's t_hash.c). */
export const hashCommands = [
  defineCommand({
    name: "hset",
    arity: -4,
    flags: ["write", "denyoom", "fast"],
    keys: [1, 1, 1],
    group: "hash",
    summary: "Creates or modifies the value of a field in a hash.",
    since: "2.0.0",
    run: hsetGeneric
  }),
  defineCommand({
    name: "hmset",
    arity: -4,
    flags: ["write", "denyoom", "fast"],
    keys: [1, 1, 1],
    group: "hash",
    summary: "Sets the values of multiple fields.",
    since: "2.0.0",
    run: (client, argv) => {
      const result = hsetGeneric(client, argv)
      return result instanceof ErrorReply ? result : OK
    }
  }),
  defineCommand({
    name: "hsetnx",
    arity: 4,
    flags: ["write", "denyoom", "fast"],
    keys: [1, 1, 1],
    group: "hash",
    summary: "Sets the value of a field in a hash only when the field doesn't exist.",
    since: "2.0.0",
    run: (client, argv) => {
      const entry = writeEntry(client, argv[1])
      if (entry instanceof ErrorReply) return entry
      if (entry !== undefined && (entry.value as HashValue).fields.has(argv[2])) return 0
      const hash = hashForWrite(client, argv[1]) as HashValue
      const limits = limitsOf(client)
      tryConversion(hash, argv, 2, 3, limits)
      hashSet(hash, argv[2], argv[3], limits)
      client.server.keyspace.touch(client.db, argv[1])
      notifyKeyspaceEvent(client.server, NOTIFY.h, "hset", argv[1], client.db)
      return 1
    }
  }),
  defineCommand({
    name: "hget",
    arity: 3,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    group: "hash",
    summary: "Returns the value of a field in a hash.",
    since: "2.0.0",
    run: (client, argv) => {
      const hash = readHash(client, argv[1])
      if (hash === undefined || hash instanceof ErrorReply) return hash ?? null
      return hash.fields.get(argv[2]) ?? null
    }
  }),
  defineCommand({
    name: "hmget",
    arity: -3,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    group: "hash",
    summary: "Returns the values of all fields in a hash.",
    since: "2.0.0",
    run: (client, argv) => {
      const hash = readHash(client, argv[1])
      if (hash instanceof ErrorReply) return hash
      const out: Array<Reply> = []
      for (let i = 2; i < argv.length; i++) out.push(hash?.fields.get(argv[i]) ?? null)
      return out
    }
  }),
  defineCommand({
    name: "hgetall",
    arity: 2,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "hash",
    summary: "Returns all fields and values in a hash.",
    since: "2.0.0",
    run: (client, argv) => {
      const hash = readHash(client, argv[1])
      if (hash === undefined || hash instanceof ErrorReply) return hash ?? EMPTY_MAP
      const out: Array<Reply> = []
      for (const [field, value] of hash.fields) out.push(field, value)
      return new MapReply(out)
    }
  }),
  defineCommand({
    name: "hkeys",
    arity: 2,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "hash",
    summary: "Returns all fields in a hash.",
    since: "2.0.0",
    run: (client, argv) => {
      const hash = readHash(client, argv[1])
      if (hash === undefined || hash instanceof ErrorReply) return hash ?? []
      return Array.from(hash.fields.keys())
    }
  }),
  defineCommand({
    name: "hvals",
    arity: 2,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "hash",
    summary: "Returns all values in a hash.",
    since: "2.0.0",
    run: (client, argv) => {
      const hash = readHash(client, argv[1])
      if (hash === undefined || hash instanceof ErrorReply) return hash ?? []
      return Array.from(hash.fields.values())
    }
  }),
  defineCommand({
    name: "hdel",
    arity: -3,
    flags: ["write", "fast"],
    keys: [1, 1, 1],
    group: "hash",
    summary: "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.",
    since: "2.0.0",
    run: (client, argv) => {
      const entry = writeEntry(client, argv[1])
      if (entry === undefined || entry instanceof ErrorReply) return entry ?? 0
      const hash = entry.value as HashValue
      let deleted = 0
      for (let i = 2; i < argv.length; i++) {
        if (hash.delete(argv[i])) {
          deleted++
          if (hash.size === 0) break
        }
      }
      if (deleted > 0) {
        notifyKeyspaceEvent(client.server, NOTIFY.h, "hdel", argv[1], client.db)
        if (hash.size === 0) client.server.keyspace.deleteEntry(client.db, entry)
        else client.server.keyspace.touch(client.db, argv[1])
        if (hash.size === 0) notifyKeyspaceEvent(client.server, NOTIFY.g, "del", argv[1], client.db)
      }
      return deleted
    }
  }),
  defineCommand({
    name: "hlen",
    arity: 2,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    group: "hash",
    summary: "Returns the number of fields in a hash.",
    since: "2.0.0",
    run: (client, argv) => {
      const hash = readHash(client, argv[1])
      if (hash === undefined || hash instanceof ErrorReply) return hash ?? 0
      return hash.size
    }
  }),
  defineCommand({
    name: "hstrlen",
    arity: 3,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    group: "hash",
    summary: "Returns the length of the value of a field.",
    since: "3.2.0",
    run: (client, argv) => {
      const hash = readHash(client, argv[1])
      if (hash === undefined || hash instanceof ErrorReply) return hash ?? 0
      return hash.fields.get(argv[2])?.length ?? 0
    }
  }),
  defineCommand({
    name: "hexists",
    arity: 3,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    group: "hash",
    summary: "Determines whether a field exists in a hash.",
    since: "2.0.0",
    run: (client, argv) => {
      const hash = readHash(client, argv[1])
      if (hash === undefined || hash instanceof ErrorReply) return hash ?? 0
      return hash.fields.has(argv[2]) ? 1 : 0
    }
  }),
  defineCommand({
    name: "hincrby",
    arity: 4,
    flags: ["write", "denyoom", "fast"],
    keys: [1, 1, 1],
    group: "hash",
    summary: "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.",
    since: "2.0.0",
    run: hincrby
  }),
  defineCommand({
    name: "hincrbyfloat",
    arity: 4,
    flags: ["write", "denyoom", "fast"],
    keys: [1, 1, 1],
    group: "hash",
    summary: "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.",
    since: "2.6.0",
    run: hincrbyfloat
  }),
  defineCommand({
    name: "hrandfield",
    arity: -2,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "hash",
    summary: "Returns one or more random fields from a hash.",
    since: "6.2.0",
    run: hrandfield
  }),
  defineCommand({
    name: "hscan",
    arity: -3,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "hash",
    summary: "Iterates over fields and values of a hash.",
    since: "2.8.0",
    run: hscan
  })
]
