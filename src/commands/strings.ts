import type { Entry } from "../keyspace/Database.js"
import type { Keyspace } from "../keyspace/Keyspace.js"
import { WRONGTYPE } from "../keyspace/Value.js"
import { ErrorReply, MapReply, OK, type Reply } from "../protocol/Reply.js"
import { MAX_STRING_BYTES } from "../protocol/RespParser.js"
import type { CommandClient } from "./CommandSpec.js"
import { NOT_FLOAT, NOT_INTEGER, parseInt64, SYNTAX } from "./args.js"
import { defineCommand } from "./CommandSpec.js"
import { setExpireTime } from "./ExpireTime.js"
import { addLongDouble, formatLongDoubleHuman, parseLongDouble } from "./LongDouble.js"
import { setStringHint, type StringHint } from "./ObjectEncoding.js"
import { propagateDeletion } from "./propagation.js"
import { NOTIFY, notifyKeyspaceEvent } from "./PubSubState.js"

const WRONG_TYPE = new ErrorReply(WRONGTYPE)
const SYNTAX_ERROR = new ErrorReply(SYNTAX)
const NOT_AN_INTEGER = new ErrorReply(NOT_INTEGER)
const NOT_A_FLOAT = new ErrorReply(NOT_FLOAT)
const TOO_LONG = new ErrorReply("ERR string exceeds maximum allowed size (proto-max-bulk-len)")

const INT64_MAX = 9223372036854775807n
const INT64_MIN = -9223372036854775808n

/** `addReplyErrorExpireTime`: names the command as the client called it (`set`, `setex`, ...). */
const invalidExpire = (command: string) => new ErrorReply(`ERR invalid expire time in '${command}' command`)

/** Writes a string value (Valkey's `setKey`) and records how it is encoded. */
const setString = (
  keyspace: Keyspace,
  db: number,
  key: string,
  value: string,
  keepTtl = false,
  hint?: StringHint,
  /** False for a new value of the same key (INCR, INCRBYFLOAT: Valkey's `dbReplaceValue`), no overwrite. */
  overwrite = true
): Entry => {
  const entry = keyspace.set(db, key, value, keepTtl, overwrite)
  setStringHint(entry, hint)
  return entry
}

/**
 * Valkey's `checkStringLength`: the result may not exceed proto-max-bulk-len, nor the longest
 * string the server can hold (`MAX_STRING_BYTES`, below the default limit).
 */
const exceedsMaxLength = (client: CommandClient, size: number, append: number): boolean =>
  size + append > Math.min(client.server.limits.protoMaxBulkLen, MAX_STRING_BYTES)

// Flags of `parseExtendedCommandArgumentsOrReply` (SET and GETEX options).
const NX = 1
const XX = 2
const GET = 4
const KEEPTTL = 8
const PERSIST = 16
const EX = 32
const PX = 64
const EXAT = 128
const PXAT = 256
const IFEQ = 512
const ANY_EXPIRE = EX | PX | EXAT | PXAT

interface ExtendedArgs {
  flags: number
  expire: string | undefined
  comparison: string | undefined
}

/**
 * Valkey's `parseExtendedCommandArgumentsOrReply`. The option checks are Valkey's exactly:
 * repeating an option is allowed (`EX 1 EX 2` uses the last), conflicting ones are a syntax error.
 */
const parseExtendedArgs = (argv: Array<string>, forSet: boolean): ExtendedArgs | ErrorReply => {
  let flags = 0
  let expire: string | undefined
  let comparison: string | undefined
  for (let j = forSet ? 3 : 2; j < argv.length; j++) {
    const opt = argv[j].toLowerCase()
    const hasNext = j < argv.length - 1
    if (opt === "nx" && forSet && !(flags & (XX | IFEQ))) flags |= NX
    else if (opt === "xx" && forSet && !(flags & (NX | IFEQ))) flags |= XX
    else if (opt === "ifeq" && forSet && hasNext && !(flags & (NX | XX | IFEQ))) {
      flags |= IFEQ
      comparison = argv[++j]
    } else if (opt === "get" && forSet) flags |= GET
    else if (opt === "keepttl" && forSet && !(flags & (PERSIST | ANY_EXPIRE))) flags |= KEEPTTL
    else if (opt === "persist" && !forSet && !(flags & (ANY_EXPIRE | KEEPTTL))) flags |= PERSIST
    else if (opt === "ex" && hasNext && !(flags & (KEEPTTL | PERSIST | EXAT | PX | PXAT))) {
      flags |= EX
      expire = argv[++j]
    } else if (opt === "px" && hasNext && !(flags & (KEEPTTL | PERSIST | EX | EXAT | PXAT))) {
      flags |= PX
      expire = argv[++j]
    } else if (opt === "exat" && hasNext && !(flags & (KEEPTTL | PERSIST | EX | PX | PXAT))) {
      flags |= EXAT
      expire = argv[++j]
    } else if (opt === "pxat" && hasNext && !(flags & (KEEPTTL | PERSIST | EX | EXAT | PX))) {
      flags |= PXAT
      expire = argv[++j]
    } else return SYNTAX_ERROR
  }
  return { flags, expire, comparison }
}

/**
 * Valkey's `getExpireMillisecondsOrReply`: a positive integer, relative for EX/PX; the absolute
 * unix time in ms, or an error on a non-positive value or int64 overflow.
 */
const expireMillis = (client: CommandClient, command: string, arg: string, flags: number): bigint | ErrorReply => {
  const parsed = parseInt64(arg)
  if (parsed === undefined) return NOT_AN_INTEGER
  let ms = BigInt(parsed)
  const seconds = (flags & (EX | EXAT)) !== 0
  if (ms <= 0n || (seconds && ms > INT64_MAX / 1000n)) return invalidExpire(command)
  if (seconds) ms *= 1000n
  if (flags & (EX | PX)) ms += BigInt(client.server.now())
  if (ms > INT64_MAX) return invalidExpire(command)
  return ms
}

/** GET's reply for `key`: the value, null, or WRONGTYPE (Valkey's `getGenericCommand`). */
const getReply = (client: CommandClient, key: string): Reply => {
  const value = client.server.keyspace.read(client.db, key)
  if (value === undefined) return null
  return typeof value === "string" ? value : WRONG_TYPE
}

/**
 * Valkey's `setGenericCommand` for SET, SETNX, SETEX and PSETEX. `okReply`/`abortReply` are what
 * SETNX answers instead of OK and null.
 */
const setGeneric = (
  client: CommandClient,
  command: string,
  flags: number,
  key: string,
  value: string,
  expireArg: string | undefined,
  comparison: string | undefined,
  okReply: Reply = OK,
  abortReply: Reply = null
): Reply => {
  const keyspace = client.server.keyspace
  let expireAt = 0n
  if (expireArg !== undefined) {
    const ms = expireMillis(client, command, expireArg, flags)
    if (ms instanceof ErrorReply) return ms
    expireAt = ms
  }
  let reply: Reply = okReply
  if (flags & GET) {
    reply = getReply(client, key)
    if (reply instanceof ErrorReply) return reply
  }
  const abort = flags & GET ? reply : abortReply
  const existing = keyspace.lookup(client.db, key)
  if (flags & IFEQ) {
    if (existing === undefined) return abort
    if (!(flags & GET) && typeof existing.value !== "string") return WRONG_TYPE
    if (existing.value !== comparison) return abort
  }
  if ((flags & NX && existing !== undefined) || (flags & XX && existing === undefined)) return abort
  if (expireArg !== undefined && keyspace.alreadyExpired(expireAt)) {
    // Already expired: Valkey does not store it, and deletes what was there.
    if (existing !== undefined) {
      keyspace.deleteEntry(client.db, existing)
      keyspace.stats.expiredKeys++
      propagateDeletion(client, key, "lazyfree-lazy-expire")
    }
    return reply
  }
  const entry = setString(keyspace, client.db, key, value, (flags & KEEPTTL) !== 0 || expireArg !== undefined)
  if (expireArg !== undefined) setExpireTime(keyspace, client.db, entry, expireAt)
  const propagation = client.server.propagation
  // Valkey propagates a relative or second-based TTL as SET key value PXAT <ms> (GET dropped too).
  if (propagation.enabled && expireArg !== undefined && !(flags & PXAT)) {
    propagation.rewrite(["SET", key, value, "PXAT", String(expireAt)])
  }
  notifyKeyspaceEvent(client.server, NOTIFY.$, "set", key, client.db)
  if (expireArg !== undefined) notifyKeyspaceEvent(client.server, NOTIFY.g, "expire", key, client.db)
  return reply
}

/** SET's argv without its GET options, as Valkey propagates it (every `GET` from the fourth argument on). */
const withoutGet = (argv: ReadonlyArray<string>): Array<string> => {
  const out: Array<string> = []
  for (let j = 0; j < argv.length; j++) {
    const a = argv[j]
    if (j >= 3 && a.length === 3 && a.toLowerCase() === "get") continue
    out.push(a)
  }
  return out
}

/** The live string entry for a write, null when missing, or WRONGTYPE. */
const lookupString = (client: CommandClient, key: string): Entry | null | ErrorReply => {
  const entry = client.server.keyspace.lookup(client.db, key)
  if (entry === undefined) return null
  return typeof entry.value === "string" ? entry : WRONG_TYPE
}

/**
 * Valkey's `incrDecrCommand`: int64 arithmetic with its overflow check. Plain numbers while the
 * result is a safe integer (the common case), bigint beyond.
 */
const incrDecr = (client: CommandClient, key: string, increment: number | bigint): Reply => {
  const entry = lookupString(client, key)
  if (entry instanceof ErrorReply) return entry
  let current: number | bigint = 0
  if (entry !== null) {
    const parsed = parseInt64(entry.value as string)
    if (parsed === undefined) return NOT_AN_INTEGER
    current = parsed
  }
  if (typeof current === "number" && typeof increment === "number") {
    const sum = current + increment
    if (Number.isSafeInteger(sum)) {
      setString(client.server.keyspace, client.db, key, String(sum), true, undefined, false)
      notifyKeyspaceEvent(client.server, NOTIFY.$, "incrby", key, client.db)
      return sum
    }
  }
  const result = BigInt(current) + BigInt(increment)
  if (result > INT64_MAX || result < INT64_MIN) return new ErrorReply("ERR increment or decrement would overflow")
  setString(client.server.keyspace, client.db, key, result.toString(), true, undefined, false)
  notifyKeyspaceEvent(client.server, NOTIFY.$, "incrby", key, client.db)
  const n = Number(result)
  return Number.isSafeInteger(n) ? n : result
}

const incrementArg = (arg: string): number | bigint | ErrorReply => {
  const parsed = parseInt64(arg)
  return parsed === undefined ? NOT_AN_INTEGER : parsed
}

const toBigInt = (v: number | bigint): bigint => (typeof v === "bigint" ? v : BigInt(v))

/** GETRANGE/SUBSTR (Valkey's `getrangeCommand`). */
const getRange = (client: CommandClient, argv: Array<string>): Reply => {
  const startArg = parseInt64(argv[2])
  if (startArg === undefined) return NOT_AN_INTEGER
  const endArg = parseInt64(argv[3])
  if (endArg === undefined) return NOT_AN_INTEGER
  const value = client.server.keyspace.read(client.db, argv[1])
  if (value === undefined) return ""
  if (typeof value !== "string") return WRONG_TYPE
  let start = toBigInt(startArg)
  let end = toBigInt(endArg)
  const length = BigInt(value.length)
  if (start < 0n && end < 0n && start > end) return ""
  if (start < 0n) start += length
  if (end < 0n) end += length
  if (start < 0n) start = 0n
  if (end < 0n) end = 0n
  if (end >= length) end = length - 1n
  if (start > end || length === 0n) return ""
  return value.slice(Number(start), Number(end) + 1)
}

const msetGeneric = (client: CommandClient, argv: Array<string>, nx: boolean): Reply => {
  if (argv.length % 2 === 0) return new ErrorReply(`ERR wrong number of arguments for '${argv[0].toLowerCase()}' command`)
  const keyspace = client.server.keyspace
  if (nx) {
    for (let j = 1; j < argv.length; j += 2) if (keyspace.lookup(client.db, argv[j]) !== undefined) return 0
  }
  for (let j = 1; j < argv.length; j += 2) {
    setString(keyspace, client.db, argv[j], argv[j + 1])
    notifyKeyspaceEvent(client.server, NOTIFY.$, "set", argv[j], client.db)
  }
  return nx ? 1 : OK
}

/** LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN] (Valkey's `lcsCommand`). */
const lcs = (client: CommandClient, argv: Array<string>): Reply => {
  const keyspace = client.server.keyspace
  const first = keyspace.read(client.db, argv[1])
  const second = keyspace.read(client.db, argv[2])
  if ((first !== undefined && typeof first !== "string") || (second !== undefined && typeof second !== "string")) {
    return new ErrorReply("ERR The specified keys must contain string values")
  }
  const a = (first as string | undefined) ?? ""
  const b = (second as string | undefined) ?? ""
  let getLen = false
  let getIdx = false
  let withMatchLen = false
  let minMatchLen = 0
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase()
    if (opt === "idx") getIdx = true
    else if (opt === "len") getLen = true
    else if (opt === "withmatchlen") withMatchLen = true
    else if (opt === "minmatchlen" && j < argv.length - 1) {
      const n = parseInt64(argv[++j])
      if (n === undefined) return NOT_AN_INTEGER
      minMatchLen = n < 0 ? 0 : Number(n)
    } else return SYNTAX_ERROR
  }
  if (getLen && getIdx) return new ErrorReply("ERR If you want both the length and indexes, please just use IDX.")
  const alen = a.length
  const blen = b.length
  const cells = (alen + 1) * (blen + 1)
  if (cells * 4 > client.server.limits.protoMaxBulkLen) {
    return new ErrorReply("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
  }
  // table[j + (blen + 1) * i] is the LCS length of a[0..i) and b[0..j).
  const table = new Uint32Array(cells)
  const at = (i: number, j: number) => table[j + (blen + 1) * i]
  for (let i = 1; i <= alen; i++) {
    for (let j = 1; j <= blen; j++) {
      table[j + (blen + 1) * i] =
        a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? at(i - 1, j - 1) + 1 : Math.max(at(i - 1, j), at(i, j - 1))
    }
  }
  const total = at(alen, blen)
  if (getLen && !getIdx) return total
  // Walk back from the end, collecting the LCS and the matching ranges (newest first, like Valkey).
  const chars: Array<string> = new Array(total)
  let idx = total
  const matches: Array<Reply> = []
  let aStart = alen
  let aEnd = 0
  let bStart = 0
  let bEnd = 0
  let i = alen
  let j = blen
  while (i > 0 && j > 0) {
    let emit = false
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      chars[idx - 1] = a[i - 1]
      if (aStart === alen) {
        aStart = aEnd = i - 1
        bStart = bEnd = j - 1
      } else if (aStart === i && bStart === j) {
        aStart--
        bStart--
      } else emit = true
      if (aStart === 0 || bStart === 0) emit = true
      idx--
      i--
      j--
    } else {
      if (at(i - 1, j) > at(i, j - 1)) i--
      else j--
      if (aStart !== alen) emit = true
    }
    const matchLen = aEnd - aStart + 1
    if (emit) {
      if (getIdx && (minMatchLen === 0 || matchLen >= minMatchLen)) {
        const match: Array<Reply> = [
          [aStart, aEnd],
          [bStart, bEnd]
        ]
        if (withMatchLen) match.push(matchLen)
        matches.push(match)
      }
      aStart = alen
    }
  }
  if (getIdx) return new MapReply(["matches", matches, "len", total])
  return chars.join("")
}

/** String commands (Valkey's t_string.c). */
export const stringCommands = [
  defineCommand({
    name: "get",
    arity: 2,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    group: "string",
    summary: "Returns the string value of a key.",
    run: (client, argv) => getReply(client, argv[1])
  }),
  defineCommand({
    name: "set",
    arity: -3,
    flags: ["write", "denyoom"],
    keys: [1, 1, 1],
    group: "string",
    summary: "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.",
    run: (client, argv) => {
      if (argv.length === 3) {
        setString(client.server.keyspace, client.db, argv[1], argv[2])
        notifyKeyspaceEvent(client.server, NOTIFY.$, "set", argv[1], client.db)
        return OK
      }
      const args = parseExtendedArgs(argv, true)
      if (args instanceof ErrorReply) return args
      const reply = setGeneric(client, "set", args.flags, argv[1], argv[2], args.expire, args.comparison)
      // Propagated without GET (a TTL's rewrite above already dropped it).
      if (args.flags & GET && args.expire === undefined && client.server.propagation.enabled) {
        client.server.propagation.rewrite(withoutGet(argv))
      }
      return reply
    }
  }),
  defineCommand({
    name: "setnx",
    arity: 3,
    flags: ["write", "denyoom", "fast"],
    keys: [1, 1, 1],
    group: "string",
    summary: "Set the string value of a key only when the key doesn't exist.",
    run: (client, argv) => setGeneric(client, "setnx", NX, argv[1], argv[2], undefined, undefined, 1, 0)
  }),
  defineCommand({
    name: "setex",
    arity: 4,
    flags: ["write", "denyoom"],
    keys: [1, 1, 1],
    group: "string",
    summary: "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.",
    since: "2.0.0",
    run: (client, argv) => setGeneric(client, "setex", EX, argv[1], argv[3], argv[2], undefined)
  }),
  defineCommand({
    name: "psetex",
    arity: 4,
    flags: ["write", "denyoom"],
    keys: [1, 1, 1],
    group: "string",
    summary: "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.",
    since: "2.6.0",
    run: (client, argv) => setGeneric(client, "psetex", PX, argv[1], argv[3], argv[2], undefined)
  }),
  defineCommand({
    name: "getset",
    arity: 3,
    flags: ["write", "denyoom", "fast"],
    keys: [1, 1, 1],
    group: "string",
    summary: "Returns the previous string value of a key after setting it to a new value.",
    run: (client, argv) => {
      const reply = getReply(client, argv[1])
      if (reply instanceof ErrorReply) return reply
      setString(client.server.keyspace, client.db, argv[1], argv[2])
      notifyKeyspaceEvent(client.server, NOTIFY.$, "set", argv[1], client.db)
      // Propagated as SET.
      if (client.server.propagation.enabled) client.server.propagation.rewrite(["SET", argv[1], argv[2]])
      return reply
    }
  }),
  defineCommand({
    name: "getdel",
    arity: 2,
    flags: ["write", "fast"],
    keys: [1, 1, 1],
    group: "string",
    summary: "Returns the string value of a key after deleting the key.",
    since: "6.2.0",
    run: (client, argv) => {
      const reply = getReply(client, argv[1])
      if (reply !== null && !(reply instanceof ErrorReply)) {
        client.server.keyspace.delete(client.db, argv[1])
        notifyKeyspaceEvent(client.server, NOTIFY.g, "del", argv[1], client.db)
        if (client.server.propagation.enabled) client.server.propagation.rewrite(["DEL", argv[1]])
      }
      return reply
    }
  }),
  defineCommand({
    name: "getex",
    arity: -2,
    flags: ["write", "fast"],
    keys: [1, 1, 1],
    group: "string",
    summary: "Returns the string value of a key after setting its expiration time.",
    since: "6.2.0",
    run: (client, argv) => {
      const args = parseExtendedArgs(argv, false)
      if (args instanceof ErrorReply) return args
      // Valkey validates the expire time before looking the key up (Redis 7.0 did it after).
      let expireAt = 0n
      if (args.expire !== undefined) {
        const ms = expireMillis(client, "getex", args.expire, args.flags)
        if (ms instanceof ErrorReply) return ms
        expireAt = ms
      }
      const keyspace = client.server.keyspace
      const entry = keyspace.lookup(client.db, argv[1])
      if (entry === undefined) {
        keyspace.miss(client.db, argv[1])
        return null
      }
      keyspace.stats.hits++
      const value = entry.value
      if (typeof value !== "string") return WRONG_TYPE
      if (args.flags & (EXAT | PXAT) && keyspace.alreadyExpired(expireAt)) {
        keyspace.deleteEntry(client.db, entry)
        keyspace.stats.expiredKeys++
        notifyKeyspaceEvent(client.server, NOTIFY.g, "del", argv[1], client.db)
        propagateDeletion(client, argv[1], "lazyfree-lazy-expire")
      } else if (args.expire !== undefined) {
        setExpireTime(keyspace, client.db, entry, expireAt)
        notifyKeyspaceEvent(client.server, NOTIFY.g, "expire", argv[1], client.db)
        // GETEX is never propagated as is: PEXPIREAT, DEL/UNLINK or PERSIST.
        if (client.server.propagation.enabled) client.server.propagation.rewrite(["PEXPIREAT", argv[1], String(expireAt)])
      } else if (args.flags & PERSIST && entry.expireAt !== 0) {
        keyspace.setExpire(client.db, entry, 0)
        notifyKeyspaceEvent(client.server, NOTIFY.g, "persist", argv[1], client.db)
        if (client.server.propagation.enabled) client.server.propagation.rewrite(["PERSIST", argv[1]])
      }
      return value
    }
  }),
  defineCommand({
    name: "delifeq",
    arity: 3,
    flags: ["write", "fast"],
    keys: [1, 1, 1],
    group: "string",
    summary: "Delete key if value matches string.",
    since: "9.0.0",
    run: (client, argv) => {
      const entry = lookupString(client, argv[1])
      if (entry === null || entry instanceof ErrorReply) return entry ?? 0
      if (entry.value !== argv[2]) return 0
      client.server.keyspace.deleteEntry(client.db, entry)
      notifyKeyspaceEvent(client.server, NOTIFY.g, "del", argv[1], client.db)
      return 1
    }
  }),
  defineCommand({
    name: "mget",
    arity: -2,
    flags: ["readonly", "fast"],
    keys: [1, -1, 1],
    group: "string",
    summary: "Atomically returns the string values of one or more keys.",
    run: (client, argv) => {
      const out: Array<Reply> = []
      for (let j = 1; j < argv.length; j++) {
        const value = client.server.keyspace.read(client.db, argv[j])
        out.push(typeof value === "string" ? value : null)
      }
      return out
    }
  }),
  defineCommand({
    name: "mset",
    arity: -3,
    flags: ["write", "denyoom"],
    keys: [1, -1, 2],
    group: "string",
    summary: "Atomically creates or modifies the string values of one or more keys.",
    since: "1.0.1",
    run: (client, argv) => msetGeneric(client, argv, false)
  }),
  defineCommand({
    name: "msetnx",
    arity: -3,
    flags: ["write", "denyoom"],
    keys: [1, -1, 2],
    group: "string",
    summary: "Atomically modifies the string values of one or more keys only when all keys don't exist.",
    since: "1.0.1",
    run: (client, argv) => msetGeneric(client, argv, true)
  }),
  defineCommand({
    name: "append",
    arity: 3,
    flags: ["write", "denyoom"],
    keys: [1, 1, 1],
    group: "string",
    summary: "Appends a string to the value of a key. Creates the key if it doesn't exist.",
    since: "2.0.0",
    run: (client, argv) => {
      const keyspace = client.server.keyspace
      const entry = lookupString(client, argv[1])
      if (entry instanceof ErrorReply) return entry
      if (entry === null) {
        setString(keyspace, client.db, argv[1], argv[2])
        notifyKeyspaceEvent(client.server, NOTIFY.$, "append", argv[1], client.db)
        return argv[2].length
      }
      const current = entry.value as string
      if (exceedsMaxLength(client, current.length, argv[2].length)) return TOO_LONG
      keyspace.replaceValue(client.db, entry, current + argv[2])
      setStringHint(entry, "raw")
      keyspace.touch(client.db, argv[1])
      notifyKeyspaceEvent(client.server, NOTIFY.$, "append", argv[1], client.db)
      return (entry.value as string).length
    }
  }),
  defineCommand({
    name: "strlen",
    arity: 2,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    group: "string",
    summary: "Returns the length of a string value.",
    since: "2.2.0",
    run: (client, argv) => {
      const value = client.server.keyspace.read(client.db, argv[1])
      if (value === undefined) return 0
      return typeof value === "string" ? value.length : WRONG_TYPE
    }
  }),
  defineCommand({
    name: "incr",
    arity: 2,
    flags: ["write", "denyoom", "fast"],
    keys: [1, 1, 1],
    group: "string",
    summary: "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
    run: (client, argv) => incrDecr(client, argv[1], 1)
  }),
  defineCommand({
    name: "decr",
    arity: 2,
    flags: ["write", "denyoom", "fast"],
    keys: [1, 1, 1],
    group: "string",
    summary: "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
    run: (client, argv) => incrDecr(client, argv[1], -1)
  }),
  defineCommand({
    name: "incrby",
    arity: 3,
    flags: ["write", "denyoom", "fast"],
    keys: [1, 1, 1],
    group: "string",
    summary: "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
    run: (client, argv) => {
      const increment = incrementArg(argv[2])
      return increment instanceof ErrorReply ? increment : incrDecr(client, argv[1], increment)
    }
  }),
  defineCommand({
    name: "decrby",
    arity: 3,
    flags: ["write", "denyoom", "fast"],
    keys: [1, 1, 1],
    group: "string",
    summary: "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.",
    run: (client, argv) => {
      const decrement = incrementArg(argv[2])
      if (decrement instanceof ErrorReply) return decrement
      if (decrement === INT64_MIN) return new ErrorReply("ERR decrement would overflow")
      return incrDecr(client, argv[1], -decrement)
    }
  }),
  defineCommand({
    name: "incrbyfloat",
    arity: 3,
    flags: ["write", "denyoom", "fast"],
    keys: [1, 1, 1],
    group: "string",
    summary: "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
    since: "2.6.0",
    run: (client, argv) => {
      const entry = lookupString(client, argv[1])
      if (entry instanceof ErrorReply) return entry
      const current = entry === null ? parseLongDouble("0") : parseLongDouble(entry.value as string)
      if (current === undefined) return NOT_A_FLOAT
      const increment = parseLongDouble(argv[2])
      if (increment === undefined) return NOT_A_FLOAT
      const sum = addLongDouble(current, increment)
      if (sum === undefined || typeof sum === "string") return new ErrorReply("ERR increment would produce NaN or Infinity")
      const text = formatLongDoubleHuman(sum)
      setString(client.server.keyspace, client.db, argv[1], text, true, "noint", false)
      notifyKeyspaceEvent(client.server, NOTIFY.$, "incrbyfloat", argv[1], client.db)
      // Propagated as SET key result KEEPTTL, so float formatting cannot drift on reload.
      if (client.server.propagation.enabled) client.server.propagation.rewrite(["SET", argv[1], text, "KEEPTTL"])
      return text
    }
  }),
  defineCommand({
    name: "lcs",
    arity: -3,
    flags: ["readonly"],
    keys: [1, 2, 1],
    group: "string",
    summary: "Finds the longest common substring.",
    since: "7.0.0",
    run: lcs
  }),
  defineCommand({
    name: "getrange",
    arity: 4,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "string",
    summary: "Returns a substring of the string stored at a key.",
    since: "2.4.0",
    run: getRange
  }),
  defineCommand({
    name: "substr",
    arity: 4,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "string",
    summary: "Returns a substring from a string value.",
    run: getRange
  }),
  defineCommand({
    name: "setrange",
    arity: 4,
    flags: ["write", "denyoom"],
    keys: [1, 1, 1],
    group: "string",
    summary: "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.",
    since: "2.2.0",
    run: (client, argv) => {
      const offsetArg = parseInt64(argv[2])
      if (offsetArg === undefined) return NOT_AN_INTEGER
      if (offsetArg < 0) return new ErrorReply("ERR offset is out of range")
      const value = argv[3]
      const keyspace = client.server.keyspace
      const entry = lookupString(client, argv[1])
      if (entry instanceof ErrorReply) return entry
      const current = entry === null ? "" : (entry.value as string)
      if (value.length === 0) return current.length
      if (typeof offsetArg === "bigint" || exceedsMaxLength(client, offsetArg, value.length)) return TOO_LONG
      const offset = offsetArg
      const padded = current.length < offset ? current + "\0".repeat(offset - current.length) : current
      const next = padded.slice(0, offset) + value + padded.slice(offset + value.length)
      if (entry === null) {
        setStringHint(keyspace.add(client.db, argv[1], next), "raw")
      } else {
        keyspace.replaceValue(client.db, entry, next)
        setStringHint(entry, "raw")
        keyspace.touch(client.db, argv[1])
      }
      notifyKeyspaceEvent(client.server, NOTIFY.$, "setrange", argv[1], client.db)
      return next.length
    }
  })
]
