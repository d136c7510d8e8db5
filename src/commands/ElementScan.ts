import { globMatch } from "../keyspace/glob.js"
import type { ReadonlyVersionedMap, ReadonlyVersionedSet } from "../keyspace/VersionedCollections.js"
import { ErrorReply, type Reply } from "../protocol/Reply.js"
import { isKeyword, NOT_INTEGER, parseInt64, SYNTAX } from "./args.js"

const UINT64_MAX = 18446744073709551615n

/**
 * Valkey's `parseScanCursorOrReply` (`string2ull`): a canonical integer must not be negative;
 * anything else goes to `strtoull`, which accepts leading spaces and a sign (negatives wrap around)
 * but must consume the whole string without overflowing. Redis 7.0 differs (it refuses leading
 * spaces and wraps `-1`).
 */
export const parseScanCursor = (s: string): bigint | undefined => {
  const canonical = parseInt64(s)
  if (canonical !== undefined) return canonical < 0 ? undefined : BigInt(canonical)
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/.exec(s)
  if (m === null) return undefined
  const n = BigInt(m[2])
  if (n > UINT64_MAX) return undefined
  return m[1] === "-" && n !== 0n ? UINT64_MAX + 1n - n : n
}

export const INVALID_CURSOR = new ErrorReply("ERR invalid cursor")
export const EMPTY_SCAN: Reply = ["0", []]

interface ElementScanOptions {
  readonly count: number
  readonly pattern: string | undefined
  readonly noValues: boolean
}

/**
 * The options of HSCAN/SSCAN (Valkey's `scanGenericCommand`): COUNT (a positive integer), MATCH,
 * and NOVALUES for hashes only.
 */
export const parseElementScanOptions = (argv: ReadonlyArray<string>, isHash: boolean): ElementScanOptions | ErrorReply => {
  let count = 10
  let pattern: string | undefined
  let noValues = false
  for (let i = 3; i < argv.length; ) {
    const hasValue = i + 1 < argv.length
    if (isKeyword(argv[i], "count") && hasValue) {
      const n = parseInt64(argv[i + 1])
      if (n === undefined) return new ErrorReply(NOT_INTEGER)
      if (n < 1) return new ErrorReply(SYNTAX)
      count = typeof n === "bigint" ? Number.MAX_SAFE_INTEGER : n
      i += 2
    } else if (isKeyword(argv[i], "match") && hasValue) {
      pattern = argv[i + 1] === "*" ? undefined : argv[i + 1]
      i += 2
    } else if (isKeyword(argv[i], "novalues")) {
      if (!isHash) return new ErrorReply("ERR NOVALUES option can only be used in HSCAN")
      noValues = true
      i++
    } else return new ErrorReply(SYNTAX)
  }
  return { count, pattern, noValues }
}

interface Snapshot {
  readonly version: number
  readonly items: ReadonlyArray<string>
}

/** The iteration order of each scanned collection, kept while its version is unchanged. */
const snapshots = new WeakMap<object, Snapshot>()

const orderOf = (collection: ReadonlyVersionedMap<string, string> | ReadonlyVersionedSet<string>): ReadonlyArray<string> => {
  const cached = snapshots.get(collection)
  if (cached !== undefined && cached.version === collection.version) return cached.items
  const items = Array.from(collection.keys())
  snapshots.set(collection, { version: collection.version, items })
  return items
}

/**
 * One step of HSCAN/SSCAN over a hash's fields (with `valueOf`) or a set's members. A compact
 * encoding (listpack, intset) returns everything at once with cursor 0, as Valkey does.
 *
 * A hashtable is walked from the end of its iteration order down, like `Database` slots: the cursor
 * is one more than the next position to visit, 0 when done. Deleting moves only later entries down
 * and adding appends, so an element present for the whole scan is returned at least once (Valkey's
 * SCAN guarantee); an element may come twice.
 */
export const scanElements = (
  collection: ReadonlyVersionedMap<string, string> | ReadonlyVersionedSet<string>,
  compact: boolean,
  cursor: bigint,
  options: ElementScanOptions,
  valueOf?: (field: string) => string
): Reply => {
  const out: Array<Reply> = []
  const emit = (item: string) => {
    if (options.pattern !== undefined && !globMatch(options.pattern, item)) return
    out.push(item)
    if (valueOf !== undefined && !options.noValues) out.push(valueOf(item))
  }
  if (compact) {
    for (const item of collection.keys()) emit(item)
    return ["0", out]
  }
  const items = orderOf(collection)
  let next = cursor === 0n || cursor > BigInt(items.length) ? items.length - 1 : Number(cursor - 1n)
  for (let visited = 0; next >= 0 && visited < options.count; visited++, next--) emit(items[next])
  return [next < 0 ? "0" : String(next + 1), out]
}
