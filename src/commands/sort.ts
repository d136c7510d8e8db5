import { HashValue } from "../keyspace/HashValue.js"
import { ListValue } from "../keyspace/ListValue.js"
import { SetValue } from "../keyspace/SetValue.js"
import { WRONGTYPE } from "../keyspace/Value.js"
import { ZSetValue } from "../keyspace/ZSetValue.js"
import { ErrorReply, type Reply } from "../protocol/Reply.js"
import type { CommandClient } from "./CommandSpec.js"
import { isKeyword, NOT_INTEGER, parseInteger, SYNTAX } from "./args.js"
import { defineCommand } from "./CommandSpec.js"
import { NOTIFY, notifyKeyspaceEvent } from "./PubSubState.js"

const WRONG_TYPE = new ErrorReply(WRONGTYPE)
const SYNTAX_ERROR = new ErrorReply(SYNTAX)
const NOT_AN_INTEGER = new ErrorReply(NOT_INTEGER)
const NOT_DOUBLE = new ErrorReply("ERR One or more scores can't be converted into double")

/** One element to sort, with what it sorts by (sort.c `serverSortObject`). */
interface SortItem {
  readonly element: string
  score: number
  /** With ALPHA BY: the value sorted by; null when the pattern found nothing. */
  by: string | null
}

/**
 * sort.c `lookupKeyByPattern`: `#` is the element itself; otherwise the first `*` of the pattern
 * takes the element, and `key->field` reads a hash field. Null when the pattern has no `*`, the key
 * is missing, or it holds another type.
 */
const lookupByPattern = (client: CommandClient, pattern: string, element: string): string | null => {
  if (pattern === "#") return element
  const star = pattern.indexOf("*")
  if (star === -1) return null
  const arrow = pattern.indexOf("->", star + 1)
  const hasField = arrow !== -1 && arrow + 2 < pattern.length
  const key = pattern.slice(0, star) + element + pattern.slice(star + 1, hasField ? arrow : pattern.length)
  const value = client.server.keyspace.read(client.db, key)
  if (value === undefined) return null
  if (hasField) return value instanceof HashValue ? (value.fields.get(pattern.slice(arrow + 2)) ?? null) : null
  return typeof value === "string" ? value : null
}

/** A C string ends at its first zero byte (strtod and strcoll read no further). */
const cString = (s: string): string => {
  const nul = s.indexOf("\0")
  return nul === -1 ? s : s.slice(0, nul)
}

const DECIMAL = /^[ \t\n\v\f\r]*([+-]?)((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)$/
const HEX = /^[ \t\n\v\f\r]*([+-]?)0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)([pP][+-]?\d+)?$/
const SPECIAL = /^[ \t\n\v\f\r]*([+-]?)(inf|infinity|nan(\([0-9A-Za-z_]*\))?)$/i
const MIN_NORMAL = 2.2250738585072014e-308

/**
 * `strtod` as SORT checks it: the whole string must be a number (`eptr[0] == '\0'`), without
 * overflow or underflow (ERANGE) and not NaN. An empty string is 0, as strtod converts nothing
 * and stops at its end. Undefined when SORT refuses it.
 */
export const sortScore = (raw: string): number | undefined => {
  const s = cString(raw)
  if (s === "") return 0
  let m = DECIMAL.exec(s)
  if (m !== null) {
    const value = Number(m[1] + m[2])
    if (!Number.isFinite(value)) return undefined
    // Underflow: a non-zero literal that rounds to zero or to a subnormal.
    if (Math.abs(value) < MIN_NORMAL && /[1-9]/.test(m[3])) return undefined
    return value
  }
  m = HEX.exec(s)
  if (m !== null) {
    const [intPart, fracPart = ""] = m[2].split(".")
    let mantissa = 0
    for (const c of intPart + fracPart) mantissa = mantissa * 16 + Number.parseInt(c, 16)
    const exponent = (m[3] === undefined ? 0 : Number(m[3].slice(1))) - 4 * fracPart.length
    const value = (m[1] === "-" ? -1 : 1) * mantissa * 2 ** exponent
    if (!Number.isFinite(value) || (value !== 0 && Math.abs(value) < MIN_NORMAL)) return undefined
    return value
  }
  m = SPECIAL.exec(s)
  if (m !== null && !m[2].toLowerCase().startsWith("nan")) return m[1] === "-" ? -Infinity : Infinity
  return undefined
}

/** Byte order, as memcmp then length (`compareStringObjects`). */
const compareBytes = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** `strcoll` in the C locale: byte order up to the first zero byte. */
const collate = (a: string, b: string): number => compareBytes(cString(a), cString(b))

/** The elements of the value to sort, in its own order. */
const elementsOf = (value: ListValue | SetValue | ZSetValue): Array<string> => {
  if (value instanceof ListValue) return value.toArray()
  if (value instanceof SetValue) return Array.from(value.unorderedMembers)
  const out: Array<string> = []
  for (let node = value.list.first; node !== null; node = node.forward[0]) out.push(node.member)
  return out
}

/**
 * SORT / SORT_RO (sort.c `sortCommandGeneric`): a list, set or sorted set's elements sorted as
 * numbers (or ALPHA as bytes), by themselves or by the keys a BY pattern names, a LIMIT window,
 * GET patterns to reply, and STORE into a list. `BY` without `*` does not sort: lists and sorted
 * sets keep their order, a set stored keeps nothing to chance (it is sorted ALPHA). (Valkey also
 * turns a listpack sorted set into a skiplist for good; keyfiber leaves its encoding as it was.)
 */
const sort = (client: CommandClient, argv: Array<string>, readonly: boolean): Reply => {
  let desc = false
  let alpha = false
  let limitStart = 0
  let limitCount = -1
  let dontsort = false
  let sortBy: string | null = null
  let storeKey: string | null = null
  const gets: Array<string> = []
  for (let j = 2; j < argv.length; j++) {
    const left = argv.length - j - 1
    const option = argv[j]
    if (isKeyword(option, "asc")) desc = false
    else if (isKeyword(option, "desc")) desc = true
    else if (isKeyword(option, "alpha")) alpha = true
    else if (isKeyword(option, "limit") && left >= 2) {
      const start = parseInteger(argv[j + 1])
      const count = parseInteger(argv[j + 2])
      if (start === undefined || count === undefined) return NOT_AN_INTEGER
      limitStart = start
      limitCount = count
      j += 2
    } else if (!readonly && isKeyword(option, "store") && left >= 1) {
      storeKey = argv[++j]
    } else if (isKeyword(option, "by") && left >= 1) {
      sortBy = argv[++j]
      // A constant BY pattern: nothing to sort by, nothing to look up.
      if (!sortBy.includes("*")) dontsort = true
    } else if (isKeyword(option, "get") && left >= 1) {
      gets.push(argv[++j])
    } else return SYNTAX_ERROR
  }
  const keyspace = client.server.keyspace
  const found = keyspace.read(client.db, argv[1])
  if (found !== undefined && !(found instanceof ListValue || found instanceof SetValue || found instanceof ZSetValue)) return WRONG_TYPE
  const value = found ?? new ListValue()
  if (dontsort && value instanceof SetValue && storeKey !== null) {
    // A set's own order is its hash table's: what is stored must not depend on it.
    dontsort = false
    alpha = true
    sortBy = null
  }
  const length = value instanceof ListValue ? value.length : value.size
  let start = Math.min(Math.max(limitStart, 0), length)
  const count = Math.min(Math.max(limitCount, -1), length)
  let end = count < 0 ? length - 1 : start + count - 1
  if (start >= length) {
    start = length - 1
    end = length - 2
  }
  if (end >= length) end = length - 1
  let elements = elementsOf(value)
  if (dontsort && !(value instanceof SetValue)) {
    // The value's own order (reversed with DESC), the LIMIT window only.
    if (desc) elements.reverse()
    elements = end >= start ? elements.slice(start, end + 1) : []
    end -= start
    start = 0
  }
  const items: Array<SortItem> = elements.map((element) => ({ element, score: 0, by: null }))
  if (!dontsort) {
    let notDouble = false
    for (const item of items) {
      const by = sortBy === null ? item.element : lookupByPattern(client, sortBy, item.element)
      if (by === null) continue
      if (alpha) {
        if (sortBy !== null) item.by = by
      } else {
        const score = sortScore(by)
        if (score === undefined) notDouble = true
        else item.score = score
      }
    }
    const sign = desc ? -1 : 1
    const store = storeKey !== null
    const compare = !alpha
      ? (a: SortItem, b: SortItem) => (a.score > b.score ? 1 : a.score < b.score ? -1 : compareBytes(a.element, b.element))
      : sortBy !== null
        ? (a: SortItem, b: SortItem) =>
            a.by === null || b.by === null ? (a.by === b.by ? 0 : a.by === null ? -1 : 1) : store ? compareBytes(a.by, b.by) : collate(a.by, b.by)
        : (a: SortItem, b: SortItem) => (store ? compareBytes(a.element, b.element) : collate(a.element, b.element))
    items.sort((a, b) => sign * compare(a, b))
    if (notDouble) return NOT_DOUBLE
  }
  const output: Array<string | null> = []
  for (let j = start; j <= end; j++) {
    const element = items[j].element
    if (gets.length === 0) output.push(element)
    for (const pattern of gets) output.push(lookupByPattern(client, pattern, element))
  }
  if (storeKey === null) return output
  const db = client.db
  if (output.length > 0) {
    const dirty = keyspace.dirty
    keyspace.set(db, storeKey, ListValue.of(output.map((v) => v ?? "")))
    notifyKeyspaceEvent(client.server, NOTIFY.l, "sortstore", storeKey, db)
    keyspace.dirty = dirty + output.length
  } else if (keyspace.delete(db, storeKey)) {
    notifyKeyspaceEvent(client.server, NOTIFY.g, "del", storeKey, db)
  }
  return output.length
}

/** db.c `sortGetKeys`: the key to sort, and the last STORE's key. */
const sortKeys = (argv: ReadonlyArray<string>): Array<number> => {
  let store = -1
  for (let i = 2; i < argv.length; i++) {
    if (isKeyword(argv[i], "limit")) i += 2
    else if (isKeyword(argv[i], "get") || isKeyword(argv[i], "by")) i += 1
    else if (isKeyword(argv[i], "store") && i + 1 < argv.length) store = i + 1
  }
  return store === -1 ? [1] : [1, store]
}

const CATEGORIES = ["@set", "@sortedset", "@list", "@slow", "@dangerous"]

/** SORT and SORT_RO (Valkey's sort.c). */
export const sortCommands = [
  defineCommand({
    name: "sort",
    arity: -2,
    flags: ["write", "denyoom", "movablekeys"],
    getKeys: sortKeys,
    keys: [1, 1, 1],
    group: "generic",
    summary: "Sorts the elements in a list, a set, or a sorted set, optionally storing the result.",
    complexity:
      "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).",
    aclCategories: ["@write", ...CATEGORIES],
    run: (client, argv) => sort(client, argv, false)
  }),
  defineCommand({
    name: "sort_ro",
    arity: -2,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "generic",
    since: "7.0.0",
    summary: "Returns the sorted elements of a list, a set, or a sorted set.",
    complexity:
      "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).",
    aclCategories: ["@read", ...CATEGORIES],
    run: (client, argv) => sort(client, argv, true)
  })
]
