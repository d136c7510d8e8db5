import { BlockRequest } from "../blocking/BlockRequest.js"
import type { Entry } from "../keyspace/Database.js"
import { globMatch } from "../keyspace/glob.js"
import { SetValue } from "../keyspace/SetValue.js"
import { type Value, WRONGTYPE } from "../keyspace/Value.js"
import { type ZNode, type ZSetLimits, ZSetValue } from "../keyspace/ZSetValue.js"
import { DoubleReply, ErrorReply, NULL_ARRAY, type Reply } from "../protocol/Reply.js"
import { formatDouble } from "../protocol/RespWriter.js"
import type { CommandClient } from "./CommandSpec.js"
import { NOTIFY, notifyKeyspaceEvent } from "./PubSubState.js"
import { isKeyword, NOT_FLOAT, NOT_INTEGER, parseFloatArg, parseInt64, parseInteger, SYNTAX } from "./args.js"
import { parseBlockingTimeout } from "./blockingTimeout.js"
import { defineCommand } from "./CommandSpec.js"
import { EMPTY_SCAN, INVALID_CURSOR, parseElementScanOptions, parseScanCursor, scanElements } from "./ElementScan.js"
import { distinctRandomPositions, parseRandomCount, replyOverLimit } from "./hashes.js"

/** Sorted set commands (Valkey's t_zset.c), blocking ones included. */

const WRONG_TYPE = new ErrorReply(WRONGTYPE)
const SYNTAX_ERROR = new ErrorReply(SYNTAX)
const NOT_AN_INTEGER = new ErrorReply(NOT_INTEGER)
const NOT_A_FLOAT = new ErrorReply(NOT_FLOAT)
const NAN_SCORE = new ErrorReply("ERR resulting score is not a number (NaN)")
const BAD_SCORE_RANGE = new ErrorReply("ERR min or max is not a float")
const BAD_LEX_RANGE = new ErrorReply("ERR min or max not valid string range item")

const isZSet = (value: Value): boolean => value instanceof ZSetValue

const limitsOf = (client: CommandClient): ZSetLimits => {
  const config = client.server.config
  return {
    maxListpackEntries: config.get<number>("zset-max-listpack-entries"),
    maxListpackValue: config.get<number>("zset-max-listpack-value")
  }
}

const readZSet = (client: CommandClient, key: string): ZSetValue | undefined | ErrorReply => {
  const value = client.server.keyspace.read(client.db, key)
  if (value === undefined || value instanceof ZSetValue) return value
  return WRONG_TYPE
}

const writeEntry = (client: CommandClient, key: string): Entry | undefined | ErrorReply => {
  const entry = client.server.keyspace.lookup(client.db, key)
  if (entry === undefined || entry.value instanceof ZSetValue) return entry
  return WRONG_TYPE
}

/** After removing members: notify `event`, then delete an emptied zset (`del`) or signal the change. */
const afterRemove = (client: CommandClient, entry: Entry, event: string): void => {
  const keyspace = client.server.keyspace
  notifyKeyspaceEvent(client.server, NOTIFY.z, event, entry.key, client.db)
  if ((entry.value as ZSetValue).size === 0) {
    keyspace.deleteEntry(client.db, entry)
    notifyKeyspaceEvent(client.server, NOTIFY.g, "del", entry.key, client.db)
  } else keyspace.touch(client.db, entry.key)
}

/**
 * `getDoubleFromObject`: strtod over the whole string, no leading space, no NaN, and no ERANGE
 * overflow to ±inf or underflow to zero (a literal `inf` is fine).
 */
const parseScore = (arg: string): number | undefined => {
  const v = parseFloatArg(arg)
  if (v === undefined) return undefined
  if (v === Infinity || v === -Infinity) return /inf/i.test(arg) ? v : undefined
  if (v === 0 && !/^[+-]?0x/i.test(arg) && /[1-9]/.test(arg.split(/e/i)[0])) return undefined
  return v
}

const score = (value: number): Reply => new DoubleReply(value)

/** Members with optional scores: flat in RESP2, `[member, score]` pairs in RESP3. */
const withScoresReply = (
  client: CommandClient,
  nodes: ReadonlyArray<{ readonly member: string; readonly score: number }>,
  withScores: boolean
): Array<Reply> => {
  const out: Array<Reply> = []
  if (!withScores) {
    for (const n of nodes) out.push(n.member)
  } else if (client.resp === 3) {
    for (const n of nodes) out.push([n.member, score(n.score)])
  } else {
    for (const n of nodes) out.push(n.member, score(n.score))
  }
  return out
}

// ---------------------------------------------------------------- ranges

interface ScoreRange {
  readonly min: number
  readonly minEx: boolean
  readonly max: number
  readonly maxEx: boolean
}

const parseScoreBound = (arg: string): { value: number; ex: boolean } | undefined => {
  if (arg.charCodeAt(0) === 40) {
    const value = parseFloatArg(arg.slice(1))
    return value === undefined ? undefined : { value, ex: true }
  }
  const value = parseFloatArg(arg)
  return value === undefined ? undefined : { value, ex: false }
}

/** `zslParseRange`. */
const parseScoreRange = (minArg: string, maxArg: string): ScoreRange | undefined => {
  const min = parseScoreBound(minArg)
  const max = parseScoreBound(maxArg)
  if (min === undefined || max === undefined) return undefined
  return { min: min.value, minEx: min.ex, max: max.value, maxEx: max.ex }
}

const scoreGteMin = (r: ScoreRange) => (n: ZNode) => (r.minEx ? n.score > r.min : n.score >= r.min)
const scoreLteMax = (r: ScoreRange) => (n: ZNode) => (r.maxEx ? n.score < r.max : n.score <= r.max)

/** A lex bound: `-` (-Infinity), `+` (+Infinity) or a member with exclusivity. */
interface LexBound {
  readonly kind: "min" | "max" | "value"
  readonly value: string
  readonly ex: boolean
}

const parseLexBound = (arg: string): LexBound | undefined => {
  const c = arg.charCodeAt(0)
  if (arg === "+") return { kind: "max", value: "", ex: false }
  if (arg === "-") return { kind: "min", value: "", ex: false }
  if (c === 40) return { kind: "value", value: arg.slice(1), ex: true }
  if (c === 91) return { kind: "value", value: arg.slice(1), ex: false }
  return undefined
}

interface LexRange {
  readonly min: LexBound
  readonly max: LexBound
}

const parseLexRange = (minArg: string, maxArg: string): LexRange | undefined => {
  const min = parseLexBound(minArg)
  const max = parseLexBound(maxArg)
  return min === undefined || max === undefined ? undefined : { min, max }
}

const lexGteMin = (r: LexRange) => (n: ZNode) =>
  r.min.kind === "min" ? true : r.min.kind === "max" ? false : r.min.ex ? n.member > r.min.value : n.member >= r.min.value
const lexLteMax = (r: LexRange) => (n: ZNode) =>
  r.max.kind === "max" ? true : r.max.kind === "min" ? false : r.max.ex ? n.member < r.max.value : n.member <= r.max.value

/** The [first, last] ranks (inclusive) of nodes where `gteMin` and `lteMax` both hold; null if empty. */
const rankSpan = (
  zset: ZSetValue,
  gteMin: (n: ZNode) => boolean,
  lteMax: (n: ZNode) => boolean
): [number, number] | null => {
  const first = zset.list.firstWhere(gteMin)
  if (first === null || !lteMax(first.node)) return null
  const last = zset.list.lastWhere(lteMax)
  if (last === null || last.rank < first.rank) return null
  return [first.rank, last.rank]
}

/** Nodes of ranks [start, end] ascending, or descending when `rev` (start/end are ascending ranks). */
const nodesBetween = (zset: ZSetValue, start: number, end: number, rev: boolean, offset = 0, limit = -1): Array<ZNode> => {
  const out: Array<ZNode> = []
  const total = end - start + 1
  if (offset < 0 || offset >= total) return out
  const count = limit < 0 ? total - offset : Math.min(limit, total - offset)
  let node = zset.list.at(rev ? end - offset : start + offset)
  for (let i = 0; i < count && node !== null; i++) {
    out.push(node)
    node = rev ? node.backward : node.forward[0]
  }
  return out
}

/** Normalises a rank range (`start`, `stop` may be negative) to [start, end] or null when empty. */
const rankRange = (start: number, stop: number, length: number): [number, number] | null => {
  if (start < 0) start += length
  if (stop < 0) stop += length
  if (start < 0) start = 0
  if (start > stop || start >= length) return null
  if (stop >= length) stop = length - 1
  return [start, stop]
}

// ---------------------------------------------------------------- ZADD / ZINCRBY

const zadd = (client: CommandClient, argv: Array<string>, forceIncr: boolean): Reply => {
  let nx = false
  let xx = false
  let gt = false
  let lt = false
  let ch = false
  let incr = forceIncr
  let i = 2
  if (!forceIncr) {
    for (; i < argv.length; i++) {
      const opt = argv[i]
      if (isKeyword(opt, "nx")) nx = true
      else if (isKeyword(opt, "xx")) xx = true
      else if (isKeyword(opt, "gt")) gt = true
      else if (isKeyword(opt, "lt")) lt = true
      else if (isKeyword(opt, "ch")) ch = true
      else if (isKeyword(opt, "incr")) incr = true
      else break
    }
  }
  const rest = argv.length - i
  if (rest === 0 || rest % 2 !== 0) return SYNTAX_ERROR
  const elements = rest / 2
  if (nx && xx) return new ErrorReply("ERR XX and NX options at the same time are not compatible")
  if ((gt && nx) || (lt && nx) || (gt && lt)) return new ErrorReply("ERR GT, LT, and/or NX options at the same time are not compatible")
  if (incr && elements > 1) return new ErrorReply("ERR INCR option supports a single increment-element pair")
  const scores: Array<number> = []
  let maxLength = 0
  for (let j = i; j < argv.length; j += 2) {
    const s = parseScore(argv[j])
    if (s === undefined) return NOT_A_FLOAT
    scores.push(s)
    if (argv[j + 1].length > maxLength) maxLength = argv[j + 1].length
  }
  const keyspace = client.server.keyspace
  const key = argv[1]
  const entry = writeEntry(client, key)
  if (entry instanceof ErrorReply) return entry
  const limits = limitsOf(client)
  let zset: ZSetValue
  let created = false
  if (entry === undefined) {
    if (xx) return incr ? null : 0
    zset = ZSetValue.create(elements, maxLength, limits)
    created = true
  } else {
    zset = entry.value as ZSetValue
  }
  let added = 0
  let updated = 0
  let processed = 0
  let last = 0
  let failed = false
  for (let k = 0; k < elements; k++) {
    let s = scores[k]
    const member = argv[i + 2 * k + 1]
    const current = zset.score(member)
    if (current !== undefined) {
      if (nx) continue
      if (incr) {
        s += current
        if (Number.isNaN(s)) {
          failed = true
          break
        }
      }
      if ((lt && s >= current) || (gt && s <= current)) continue
      if (s !== current) {
        zset.set(member, s, limits)
        updated++
      }
      processed++
      last = s
    } else if (!xx) {
      zset.set(member, s, limits)
      added++
      processed++
      last = s
    }
  }
  if (created) {
    if (zset.size > 0) keyspace.add(client.db, key, zset)
  } else if (added + updated > 0) keyspace.touch(client.db, key)
  if (added + updated > 0) notifyKeyspaceEvent(client.server, NOTIFY.z, incr ? "zincr" : "zadd", key, client.db)
  if (failed) return NAN_SCORE
  if (incr) return processed > 0 ? score(last) : null
  return ch ? added + updated : added
}

// ---------------------------------------------------------------- ZRANGE family

type RangeKind = "rank" | "score" | "lex"

interface RangeSpec {
  kind: RangeKind
  rev: boolean
  withScores: boolean
  offset: number
  limit: number
  hasLimit: boolean
}

/**
 * `zrangeGenericCommand`: `argv[keyIndex]` is the source, the two range arguments follow, options
 * after. `fixed` is the kind of ZRANGEBYSCORE-style commands (no BYSCORE/BYLEX/REV allowed).
 */
const zrangeGeneric = (
  client: CommandClient,
  argv: Array<string>,
  keyIndex: number,
  fixed: { kind: RangeKind; rev: boolean } | undefined,
  store: string | undefined
): Reply => {
  const spec: RangeSpec = { kind: fixed?.kind ?? "rank", rev: fixed?.rev ?? false, withScores: false, offset: 0, limit: -1, hasLimit: false }
  // Valkey's rangetype starts AUTO; a second BYSCORE/BYLEX is a syntax error.
  let byChosen = false
  for (let j = keyIndex + 3; j < argv.length; j++) {
    const left = argv.length - j - 1
    if (store === undefined && isKeyword(argv[j], "withscores")) spec.withScores = true
    else if (isKeyword(argv[j], "limit") && left >= 2) {
      const offset = parseInt64(argv[j + 1])
      const limit = parseInt64(argv[j + 2])
      if (offset === undefined || limit === undefined) return NOT_AN_INTEGER
      spec.offset = Number(offset)
      spec.limit = Number(limit)
      spec.hasLimit = true
      j += 2
    } else if (fixed === undefined && !byChosen && isKeyword(argv[j], "byscore")) {
      spec.kind = "score"
      byChosen = true
    } else if (fixed === undefined && !byChosen && isKeyword(argv[j], "bylex")) {
      spec.kind = "lex"
      byChosen = true
    }
    else if (fixed === undefined && !spec.rev && isKeyword(argv[j], "rev")) spec.rev = true
    else return SYNTAX_ERROR
  }
  if (spec.hasLimit && spec.kind === "rank") {
    return new ErrorReply("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
  }
  if (spec.withScores && spec.kind === "lex") {
    return new ErrorReply("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
  }
  let minArg = argv[keyIndex + 1]
  let maxArg = argv[keyIndex + 2]
  if (spec.rev && spec.kind !== "rank") [minArg, maxArg] = [maxArg, minArg]

  let select: (zset: ZSetValue) => Array<ZNode>
  if (spec.kind === "rank") {
    const start = parseInteger(minArg)
    const stop = parseInteger(maxArg)
    if (start === undefined || stop === undefined) return NOT_AN_INTEGER
    select = (zset) => {
      const r = rankRange(start, stop, zset.size)
      if (r === null) return []
      const length = zset.size
      return spec.rev ? nodesBetween(zset, length - 1 - r[1], length - 1 - r[0], true) : nodesBetween(zset, r[0], r[1], false)
    }
  } else if (spec.kind === "score") {
    const range = parseScoreRange(minArg, maxArg)
    if (range === undefined) return BAD_SCORE_RANGE
    select = (zset) => {
      const span = rankSpan(zset, scoreGteMin(range), scoreLteMax(range))
      return span === null ? [] : nodesBetween(zset, span[0], span[1], spec.rev, spec.offset, spec.limit)
    }
  } else {
    const range = parseLexRange(minArg, maxArg)
    if (range === undefined) return BAD_LEX_RANGE
    select = (zset) => {
      const span = rankSpan(zset, lexGteMin(range), lexLteMax(range))
      return span === null ? [] : nodesBetween(zset, span[0], span[1], spec.rev, spec.offset, spec.limit)
    }
  }
  const zset = readZSet(client, argv[keyIndex])
  if (zset instanceof ErrorReply) return zset
  const nodes = zset === undefined ? [] : select(zset)
  if (store === undefined) return withScoresReply(client, nodes, spec.withScores)
  const keyspace = client.server.keyspace
  if (nodes.length === 0) {
    if (keyspace.delete(client.db, store)) notifyKeyspaceEvent(client.server, NOTIFY.g, "del", store, client.db)
    return 0
  }
  const limits = limitsOf(client)
  let maxLength = 0
  for (const n of nodes) if (n.member.length > maxLength) maxLength = n.member.length
  const result = ZSetValue.create(nodes.length, maxLength, limits)
  for (const n of nodes) result.set(n.member, n.score, limits)
  keyspace.set(client.db, store, result)
  notifyKeyspaceEvent(client.server, NOTIFY.z, "zrangestore", store, client.db)
  return nodes.length
}

// ---------------------------------------------------------------- pops

/** Pops up to `count` members from the min (or max) end; `[member, score]` nodes. */
const popNodes = (client: CommandClient, entry: Entry, max: boolean, count: number): Array<ZNode> => {
  const zset = entry.value as ZSetValue
  const out: Array<ZNode> = []
  while (out.length < count && zset.size > 0) {
    const node = max ? zset.list.tail! : zset.list.first!
    zset.delete(node.member)
    out.push(node)
  }
  afterRemove(client, entry, max ? "zpopmax" : "zpopmin")
  return out
}

/** ZPOPMIN/ZPOPMAX (`genericZpopCommand` with one key). */
const zpop = (client: CommandClient, argv: Array<string>, max: boolean): Reply => {
  if (argv.length > 3) return SYNTAX_ERROR
  let count = 1
  if (argv.length === 3) {
    const n = parseInt64(argv[2])
    if (n === undefined || n < 0) return new ErrorReply("ERR value is out of range, must be positive")
    count = typeof n === "bigint" ? Number.MAX_SAFE_INTEGER : n
  }
  const entry = writeEntry(client, argv[1])
  if (entry instanceof ErrorReply) return entry
  if (entry === undefined || count === 0) return []
  const nodes = popNodes(client, entry, max, count)
  if (client.resp === 3 && argv.length === 3) return nodes.map((n) => [n.member, score(n.score)])
  const out: Array<Reply> = []
  for (const n of nodes) out.push(n.member, score(n.score))
  return out
}

/**
 * The first non-empty zset among `keys`: BZPOPMIN's `[key, member, score]` when `count` is -1,
 * else ZMPOP's `[key, [[member, score]...]]`. Undefined when every key is missing.
 */
const popFirst = (client: CommandClient, keys: ReadonlyArray<string>, max: boolean, count: number): Reply | undefined => {
  for (const key of keys) {
    const entry = writeEntry(client, key)
    if (entry === undefined) continue
    if (entry instanceof ErrorReply) return entry
    const length = (entry.value as ZSetValue).size
    const nodes = popNodes(client, entry, max, count === -1 ? 1 : count)
    // Propagated as ZPOPMIN/ZPOPMAX key [count] (t_zset.c `blockingGenericZpopCommand`, `genericZpopCommand`).
    const propagation = client.server.propagation
    if (propagation.enabled) {
      const pop = max ? "ZPOPMAX" : "ZPOPMIN"
      propagation.rewrite(count === -1 ? [pop, key] : [pop, key, String(Math.min(count, length))])
    }
    if (count === -1) return [key, nodes[0].member, score(nodes[0].score)]
    return [key, nodes.map((n) => [n.member, score(n.score)])]
  }
  return undefined
}

const blockingPop = (client: CommandClient, keys: ReadonlyArray<string>, max: boolean, count: number, deadline: number): Reply | BlockRequest => {
  const served = popFirst(client, keys, max, count)
  if (served !== undefined) return served
  if (client.denyBlocking) return NULL_ARRAY
  return new BlockRequest(Array.from(new Set(keys)), deadline, NULL_ARRAY, isZSet)
}

/** ZMPOP/BZMPOP arguments from `numkeysIndex`: keys, MIN|MAX, COUNT. */
const parseMpop = (argv: ReadonlyArray<string>, numkeysIndex: number): { keys: Array<string>; max: boolean; count: number } | ErrorReply => {
  const numkeys = parseInt64(argv[numkeysIndex])
  if (numkeys === undefined || numkeys <= 0) return new ErrorReply("ERR numkeys should be greater than 0")
  const whereIndex = numkeysIndex + 1 + Number(numkeys)
  if (whereIndex >= argv.length) return SYNTAX_ERROR
  const where = argv[whereIndex]
  let max: boolean
  if (isKeyword(where, "min")) max = false
  else if (isKeyword(where, "max")) max = true
  else return SYNTAX_ERROR
  let count = -1
  for (let j = whereIndex + 1; j < argv.length; j++) {
    if (isKeyword(argv[j], "count") && count === -1 && j + 1 < argv.length) {
      const n = parseInt64(argv[j + 1])
      if (n === undefined || n <= 0) return new ErrorReply("ERR count should be greater than 0")
      count = typeof n === "bigint" ? Number.MAX_SAFE_INTEGER : n
      j++
    } else return SYNTAX_ERROR
  }
  return { keys: argv.slice(numkeysIndex + 1, whereIndex) as Array<string>, max, count: count === -1 ? 1 : count }
}

const mpopKeys = (numkeysIndex: number) => (argv: ReadonlyArray<string>): Array<number> => {
  const n = parseInteger(argv[numkeysIndex] ?? "")
  if (n === undefined || n < 1) return []
  const out: Array<number> = []
  for (let i = numkeysIndex + 1; i <= numkeysIndex + n && i < argv.length; i++) out.push(i)
  return out
}

// ---------------------------------------------------------------- removals by range

const zremrange = (client: CommandClient, argv: Array<string>, kind: RangeKind): Reply => {
  let span: ((zset: ZSetValue) => [number, number] | null) | undefined
  if (kind === "rank") {
    const start = parseInteger(argv[2])
    const stop = parseInteger(argv[3])
    if (start === undefined || stop === undefined) return NOT_AN_INTEGER
    span = (zset) => rankRange(start, stop, zset.size)
  } else if (kind === "score") {
    const range = parseScoreRange(argv[2], argv[3])
    if (range === undefined) return BAD_SCORE_RANGE
    span = (zset) => rankSpan(zset, scoreGteMin(range), scoreLteMax(range))
  } else {
    const range = parseLexRange(argv[2], argv[3])
    if (range === undefined) return BAD_LEX_RANGE
    span = (zset) => rankSpan(zset, lexGteMin(range), lexLteMax(range))
  }
  const entry = writeEntry(client, argv[1])
  if (entry === undefined || entry instanceof ErrorReply) return entry ?? 0
  const zset = entry.value as ZSetValue
  const r = span(zset)
  if (r === null) return 0
  const nodes = nodesBetween(zset, r[0], r[1], false)
  for (const n of nodes) zset.delete(n.member)
  afterRemove(client, entry, kind === "rank" ? "zremrangebyrank" : kind === "score" ? "zremrangebyscore" : "zremrangebylex")
  return nodes.length
}

// ---------------------------------------------------------------- random, scan

const zrandmember = (client: CommandClient, argv: Array<string>): Reply => {
  if (argv.length === 2) {
    const zset = readZSet(client, argv[1])
    if (zset === undefined || zset instanceof ErrorReply) return zset ?? null
    return zset.scores.randomKey()!
  }
  const parsed = parseInt64(argv[2])
  const count = parseRandomCount(argv[2])
  if (count instanceof ErrorReply) return count
  if (argv.length > 4 || (argv.length === 4 && !isKeyword(argv[3], "withscores"))) return SYNTAX_ERROR
  const withScores = argv.length === 4
  if (withScores && (typeof parsed === "bigint" ? parsed > 4611686018427387903n || parsed < -4611686018427387903n : false))
    return new ErrorReply("ERR value is out of range")
  const zset = readZSet(client, argv[1])
  if (zset === undefined || zset instanceof ErrorReply) return zset ?? []
  if (count === 0) return []
  const resp3 = client.resp === 3
  const out: Array<Reply> = []
  const emit = (member: string) => {
    if (!withScores) out.push(member)
    else if (resp3) out.push([member, score(zset.score(member)!)])
    else out.push(member, score(zset.score(member)!))
  }
  if (count < 0) {
    let bytes = 0
    for (let k = 0; k < -count; k++) {
      const member = zset.scores.randomKey()!
      emit(member)
      bytes += member.length + (withScores ? 48 : 16)
      if (replyOverLimit(client, k + 1, bytes)) break
    }
    return out
  }
  if (count >= zset.size) {
    // The whole set, walked from the highest score down (as Valkey's listpack walk replies).
    for (let n = zset.list.tail; n !== null; n = n.backward) emit(n.member)
    return out
  }
  const members = Array.from(zset.scores.keys())
  for (const k of distinctRandomPositions(members.length, count)) emit(members[k])
  return out
}

const zscan = (client: CommandClient, argv: Array<string>): Reply => {
  const cursor = parseScanCursor(argv[2])
  if (cursor === undefined) return INVALID_CURSOR
  const zset = readZSet(client, argv[1])
  if (zset === undefined) return EMPTY_SCAN
  if (zset instanceof ErrorReply) return zset
  const options = parseElementScanOptions(argv, false)
  if (options instanceof ErrorReply) return options
  if (zset.encoding === "listpack") {
    const out: Array<Reply> = []
    for (let n = zset.list.first; n !== null; n = n.forward[0]) {
      if (options.pattern !== undefined && !globMatch(options.pattern, n.member)) continue
      out.push(n.member, formatDouble(n.score))
    }
    return ["0", out]
  }
  const scores = zset.scores as unknown as Parameters<typeof scanElements>[0]
  return scanElements(scores, false, cursor, options, (member) => formatDouble(zset.score(member)!))
}

// ---------------------------------------------------------------- union, inter, diff

type SetOp = "union" | "inter" | "diff"

interface Source {
  /** member → score, or undefined for a missing key. */
  readonly members: ReadonlyMap<string, number> | ReadonlySet<string> | undefined
  weight: number
}

const sourceSize = (src: Source): number => src.members?.size ?? 0
const sourceScore = (src: Source, member: string): number | undefined => {
  const m = src.members
  if (m === undefined) return undefined
  if (m instanceof Set) return m.has(member) ? 1 : undefined
  return (m as ReadonlyMap<string, number>).get(member)
}
function* sourceEntries(src: Source): Generator<[string, number]> {
  const m = src.members
  if (m === undefined) return
  if (m instanceof Set) for (const member of m) yield [member, 1]
  else for (const e of (m as ReadonlyMap<string, number>).entries()) yield e
}

const weighted = (weight: number, score: number): number => {
  const v = weight * score
  return Number.isNaN(v) ? 0 : v
}

const aggregate = (how: "sum" | "min" | "max", a: number, b: number): number => {
  if (how === "min") return a < b ? a : b
  if (how === "max") return a > b ? a : b
  const v = a + b
  return Number.isNaN(v) ? 0 : v
}

/**
 * `zunionInterDiffGenericCommand`: ZUNION/ZINTER/ZDIFF (and their STORE forms with `dst`) and
 * ZINTERCARD (`cardinality`). Keys are read (and type-checked) before the options are parsed.
 */
const zsetOp = (client: CommandClient, argv: Array<string>, numkeysIndex: number, op: SetOp, dst: string | undefined, cardinality = false): Reply => {
  const n = parseInt64(argv[numkeysIndex])
  if (n === undefined) return NOT_AN_INTEGER
  if (n < 1) return new ErrorReply(`ERR at least 1 input key is needed for '${argv[0].toLowerCase()}' command`)
  if (n > argv.length - numkeysIndex - 1) return SYNTAX_ERROR
  const setnum = Number(n)
  const keyspace = client.server.keyspace
  const sources: Array<Source> = []
  let j = numkeysIndex + 1
  for (let i = 0; i < setnum; i++, j++) {
    const value = keyspace.read(client.db, argv[j])
    if (value === undefined) sources.push({ members: undefined, weight: 1 })
    else if (value instanceof ZSetValue) sources.push({ members: value.scores, weight: 1 })
    else if (value instanceof SetValue) sources.push({ members: value.members, weight: 1 })
    else return WRONG_TYPE
  }
  let how: "sum" | "min" | "max" = "sum"
  let withScores = false
  let limit = 0
  while (j < argv.length) {
    const remaining = argv.length - j
    if (op !== "diff" && !cardinality && remaining >= setnum + 1 && isKeyword(argv[j], "weights")) {
      j++
      for (let i = 0; i < setnum; i++, j++) {
        const w = parseScore(argv[j])
        if (w === undefined) return new ErrorReply("ERR weight value is not a float")
        sources[i].weight = w
      }
    } else if (op !== "diff" && !cardinality && remaining >= 2 && isKeyword(argv[j], "aggregate")) {
      const a = argv[j + 1]
      if (isKeyword(a, "sum")) how = "sum"
      else if (isKeyword(a, "min")) how = "min"
      else if (isKeyword(a, "max")) how = "max"
      else return SYNTAX_ERROR
      j += 2
    } else if (dst === undefined && !cardinality && isKeyword(argv[j], "withscores")) {
      withScores = true
      j++
    } else if (cardinality && remaining >= 2 && isKeyword(argv[j], "limit")) {
      const l = parseInt64(argv[j + 1])
      if (l === undefined || l < 0) return new ErrorReply("ERR LIMIT can't be negative")
      limit = typeof l === "bigint" ? Number.MAX_SAFE_INTEGER : l
      j += 2
    } else return SYNTAX_ERROR
  }

  const result = new Map<string, number>()
  if (op === "union") {
    for (const src of sources) {
      for (const [member, sc] of sourceEntries(src)) {
        const v = weighted(src.weight, sc)
        const cur = result.get(member)
        result.set(member, cur === undefined ? v : aggregate(how, cur, v))
      }
    }
  } else if (op === "inter") {
    const ordered = [...sources].sort((a, b) => sourceSize(a) - sourceSize(b))
    if (sourceSize(ordered[0]) > 0) {
      outer: for (const [member, sc] of sourceEntries(ordered[0])) {
        let v = weighted(ordered[0].weight, sc)
        for (let k = 1; k < ordered.length; k++) {
          const other = sourceScore(ordered[k], member)
          if (other === undefined) continue outer
          v = aggregate(how, v, weighted(ordered[k].weight, other))
        }
        result.set(member, v)
        if (cardinality && limit > 0 && result.size >= limit) break
      }
    }
  } else {
    outerDiff: for (const [member, sc] of sourceEntries(sources[0])) {
      for (let k = 1; k < sources.length; k++) if (sourceScore(sources[k], member) !== undefined) continue outerDiff
      result.set(member, sc)
    }
  }
  if (cardinality) return result.size
  const limits = limitsOf(client)
  let maxLength = 0
  for (const member of result.keys()) if (member.length > maxLength) maxLength = member.length
  const zset = ZSetValue.create(result.size, maxLength, limits)
  for (const [member, sc] of result) zset.set(member, sc, limits)
  if (dst === undefined) {
    const nodes: Array<ZNode> = []
    for (let node = zset.list.first; node !== null; node = node.forward[0]) nodes.push(node)
    return withScoresReply(client, nodes, withScores)
  }
  if (zset.size === 0) {
    if (keyspace.delete(client.db, dst)) notifyKeyspaceEvent(client.server, NOTIFY.g, "del", dst, client.db)
    return 0
  }
  keyspace.set(client.db, dst, zset)
  notifyKeyspaceEvent(client.server, NOTIFY.z, "z" + op + "store", dst, client.db)
  return zset.size
}

/** The keys of ZUNION-style commands: `numkeys` of them after `argv[numkeysIndex]`, plus `dst`. */
const opKeys = (numkeysIndex: number, hasDst: boolean) => (argv: ReadonlyArray<string>): Array<number> => {
  const out: Array<number> = hasDst ? [1] : []
  const n = parseInteger(argv[numkeysIndex] ?? "")
  if (n === undefined || n < 1) return out
  for (let i = numkeysIndex + 1; i <= numkeysIndex + n && i < argv.length; i++) out.push(i)
  return out
}

const opCommands = (["union", "inter", "diff"] as const).flatMap((op) => [
  defineCommand({
    name: "z" + op + "store",
    arity: -4,
    flags: ["write", "denyoom", "movablekeys"],
    getKeys: opKeys(2, true),
    group: "sorted_set",
    since: op === "diff" ? "6.2.0" : "2.0.0",
    summary: `Stores the ${op === "union" ? "union" : op === "inter" ? "intersect" : "difference"} of multiple sorted sets in a key.`,
    run: (client, argv) => zsetOp(client, argv, 2, op, argv[1])
  }),
  defineCommand({
    name: "z" + op,
    arity: -3,
    flags: ["readonly", "movablekeys"],
    getKeys: opKeys(1, false),
    group: "sorted_set",
    since: "6.2.0",
    summary: `Returns the ${op === "union" ? "union" : op === "inter" ? "intersect" : "difference"} of multiple sorted sets.`,
    run: (client, argv) => zsetOp(client, argv, 1, op, undefined)
  })
])

// ---------------------------------------------------------------- table

const range = (fixed: { kind: RangeKind; rev: boolean } | undefined) => (client: CommandClient, argv: Array<string>) =>
  zrangeGeneric(client, argv, 1, fixed, undefined)

export const sortedSetCommands = [
  ...opCommands,
  defineCommand({
    name: "zintercard",
    arity: -3,
    flags: ["readonly", "movablekeys"],
    getKeys: opKeys(1, false),
    group: "sorted_set",
    since: "7.0.0",
    summary: "Returns the number of members of the intersect of multiple sorted sets.",
    run: (client, argv) => zsetOp(client, argv, 1, "inter", undefined, true)
  }),
  defineCommand({
    name: "zadd",
    arity: -4,
    flags: ["write", "denyoom", "fast"],
    keys: [1, 1, 1],
    group: "sorted_set",
    since: "1.2.0",
    summary: "Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn't exist.",
    run: (client, argv) => zadd(client, argv, false)
  }),
  defineCommand({
    name: "zincrby",
    arity: 4,
    flags: ["write", "denyoom", "fast"],
    keys: [1, 1, 1],
    group: "sorted_set",
    since: "1.2.0",
    summary: "Increments the score of a member in a sorted set.",
    run: (client, argv) => zadd(client, argv, true)
  }),
  defineCommand({
    name: "zcard",
    arity: 2,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    group: "sorted_set",
    since: "1.2.0",
    summary: "Returns the number of members in a sorted set.",
    run: (client, argv) => {
      const zset = readZSet(client, argv[1])
      return zset instanceof ErrorReply ? zset : (zset?.size ?? 0)
    }
  }),
  defineCommand({
    name: "zscore",
    arity: 3,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    group: "sorted_set",
    since: "1.2.0",
    summary: "Returns the score of a member in a sorted set.",
    run: (client, argv) => {
      const zset = readZSet(client, argv[1])
      if (zset === undefined || zset instanceof ErrorReply) return zset ?? null
      const s = zset.score(argv[2])
      return s === undefined ? null : score(s)
    }
  }),
  defineCommand({
    name: "zmscore",
    arity: -3,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    group: "sorted_set",
    since: "6.2.0",
    summary: "Returns the score of one or more members in a sorted set.",
    run: (client, argv) => {
      const zset = readZSet(client, argv[1])
      if (zset instanceof ErrorReply) return zset
      return argv.slice(2).map((m) => {
        const s = zset?.score(m)
        return s === undefined ? null : score(s)
      })
    }
  }),
  ...(["zrank", "zrevrank"] as const).map((name) =>
    defineCommand({
      name,
      arity: -3,
      flags: ["readonly", "fast"],
      keys: [1, 1, 1],
      group: "sorted_set",
      since: "2.0.0",
      summary: name === "zrank" ? "Returns the index of a member in a sorted set ordered by ascending scores." : "Returns the index of a member in a sorted set ordered by descending scores.",
      run: (client, argv) => {
        if (argv.length > 4) return SYNTAX_ERROR
        const withScore = argv.length === 4
        if (withScore && !isKeyword(argv[3], "withscore")) return SYNTAX_ERROR
        const zset = readZSet(client, argv[1])
        if (zset instanceof ErrorReply) return zset
        const rank = zset?.rank(argv[2])
        if (zset === undefined || rank === undefined) return withScore ? NULL_ARRAY : null
        const r = name === "zrank" ? rank : zset.size - 1 - rank
        return withScore ? [r, score(zset.score(argv[2])!)] : r
      }
    })
  ),
  defineCommand({
    name: "zrem",
    arity: -3,
    flags: ["write", "fast"],
    keys: [1, 1, 1],
    group: "sorted_set",
    since: "1.2.0",
    summary: "Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.",
    run: (client, argv) => {
      const entry = writeEntry(client, argv[1])
      if (entry === undefined || entry instanceof ErrorReply) return entry ?? 0
      const zset = entry.value as ZSetValue
      let removed = 0
      for (let j = 2; j < argv.length; j++) {
        if (zset.delete(argv[j])) removed++
        if (zset.size === 0) break
      }
      if (removed > 0) afterRemove(client, entry, "zrem")
      return removed
    }
  }),
  defineCommand({
    name: "zrange",
    arity: -4,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "sorted_set",
    since: "1.2.0",
    summary: "Returns members in a sorted set within a range of indexes.",
    run: range(undefined)
  }),
  defineCommand({
    name: "zrangestore",
    arity: -5,
    flags: ["write", "denyoom"],
    keys: [1, 2, 1],
    group: "sorted_set",
    since: "6.2.0",
    summary: "Stores a range of members from sorted set in a key.",
    run: (client, argv) => zrangeGeneric(client, argv, 2, undefined, argv[1])
  }),
  defineCommand({
    name: "zrevrange",
    arity: -4,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "sorted_set",
    since: "1.2.0",
    summary: "Returns members in a sorted set within a range of indexes in reverse order.",
    run: range({ kind: "rank", rev: true })
  }),
  defineCommand({
    name: "zrangebyscore",
    arity: -4,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "sorted_set",
    since: "1.0.5",
    summary: "Returns members in a sorted set within a range of scores.",
    run: range({ kind: "score", rev: false })
  }),
  defineCommand({
    name: "zrevrangebyscore",
    arity: -4,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "sorted_set",
    since: "2.2.0",
    summary: "Returns members in a sorted set within a range of scores in reverse order.",
    run: range({ kind: "score", rev: true })
  }),
  defineCommand({
    name: "zrangebylex",
    arity: -4,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "sorted_set",
    since: "2.8.9",
    summary: "Returns members in a sorted set within a lexicographical range.",
    run: range({ kind: "lex", rev: false })
  }),
  defineCommand({
    name: "zrevrangebylex",
    arity: -4,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "sorted_set",
    since: "2.8.9",
    summary: "Returns members in a sorted set within a lexicographical range in reverse order.",
    run: range({ kind: "lex", rev: true })
  }),
  defineCommand({
    name: "zcount",
    arity: 4,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    group: "sorted_set",
    since: "2.0.0",
    summary: "Returns the count of members in a sorted set that have scores within a range.",
    run: (client, argv) => {
      const r = parseScoreRange(argv[2], argv[3])
      if (r === undefined) return BAD_SCORE_RANGE
      const zset = readZSet(client, argv[1])
      if (zset === undefined || zset instanceof ErrorReply) return zset ?? 0
      const span = rankSpan(zset, scoreGteMin(r), scoreLteMax(r))
      return span === null ? 0 : span[1] - span[0] + 1
    }
  }),
  defineCommand({
    name: "zlexcount",
    arity: 4,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    group: "sorted_set",
    since: "2.8.9",
    summary: "Returns the number of members in a sorted set within a lexicographical range.",
    run: (client, argv) => {
      const r = parseLexRange(argv[2], argv[3])
      if (r === undefined) return BAD_LEX_RANGE
      const zset = readZSet(client, argv[1])
      if (zset === undefined || zset instanceof ErrorReply) return zset ?? 0
      const span = rankSpan(zset, lexGteMin(r), lexLteMax(r))
      return span === null ? 0 : span[1] - span[0] + 1
    }
  }),
  defineCommand({
    name: "zpopmin",
    arity: -2,
    flags: ["write", "fast"],
    keys: [1, 1, 1],
    group: "sorted_set",
    since: "5.0.0",
    summary: "Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.",
    run: (client, argv) => zpop(client, argv, false)
  }),
  defineCommand({
    name: "zpopmax",
    arity: -2,
    flags: ["write", "fast"],
    keys: [1, 1, 1],
    group: "sorted_set",
    since: "5.0.0",
    summary: "Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.",
    run: (client, argv) => zpop(client, argv, true)
  }),
  defineCommand({
    name: "zmpop",
    arity: -4,
    flags: ["write", "movablekeys"],
    getKeys: mpopKeys(1),
    group: "sorted_set",
    since: "7.0.0",
    summary: "Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.",
    run: (client, argv) => {
      const args = parseMpop(argv, 1)
      if (args instanceof ErrorReply) return args
      return popFirst(client, args.keys, args.max, args.count) ?? NULL_ARRAY
    }
  }),
  ...(["bzpopmin", "bzpopmax"] as const).map((name) =>
    defineCommand({
      name,
      arity: -3,
      flags: ["write", "fast", "blocking"],
      keys: [1, -2, 1],
      group: "sorted_set",
      since: "5.0.0",
      summary:
        name === "bzpopmin"
          ? "Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped."
          : "Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member available otherwise.  Deletes the sorted set if the last element was popped.",
      run: (client, argv) => {
        const deadline = parseBlockingTimeout(argv[argv.length - 1], client.server.now())
        if (deadline instanceof ErrorReply) return deadline
        return blockingPop(client, argv.slice(1, -1), name === "bzpopmax", -1, deadline)
      }
    })
  ),
  defineCommand({
    name: "bzmpop",
    arity: -5,
    flags: ["write", "blocking", "movablekeys"],
    getKeys: mpopKeys(2),
    group: "sorted_set",
    since: "7.0.0",
    summary: "Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.",
    run: (client, argv) => {
      const args = parseMpop(argv, 2)
      if (args instanceof ErrorReply) return args
      const deadline = parseBlockingTimeout(argv[1], client.server.now())
      if (deadline instanceof ErrorReply) return deadline
      return blockingPop(client, args.keys, args.max, args.count, deadline)
    }
  }),
  defineCommand({
    name: "zremrangebyrank",
    arity: 4,
    flags: ["write"],
    keys: [1, 1, 1],
    group: "sorted_set",
    since: "2.0.0",
    summary: "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.",
    run: (client, argv) => zremrange(client, argv, "rank")
  }),
  defineCommand({
    name: "zremrangebyscore",
    arity: 4,
    flags: ["write"],
    keys: [1, 1, 1],
    group: "sorted_set",
    since: "1.2.0",
    summary: "Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.",
    run: (client, argv) => zremrange(client, argv, "score")
  }),
  defineCommand({
    name: "zremrangebylex",
    arity: 4,
    flags: ["write"],
    keys: [1, 1, 1],
    group: "sorted_set",
    since: "2.8.9",
    summary: "Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.",
    run: (client, argv) => zremrange(client, argv, "lex")
  }),
  defineCommand({
    name: "zrandmember",
    arity: -2,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "sorted_set",
    since: "6.2.0",
    summary: "Returns one or more random members from a sorted set.",
    run: zrandmember
  }),
  defineCommand({
    name: "zscan",
    arity: -3,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "sorted_set",
    since: "2.8.0",
    summary: "Iterates over members and scores of a sorted set.",
    run: zscan
  })
]
