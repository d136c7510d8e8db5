import { globMatch } from "../keyspace/glob.js"
import { ErrorReply, type Reply } from "../protocol/Reply.js"
import { isKeyword, NOT_INTEGER, parseInt64, SYNTAX } from "./args.js"

const UINT64_MAX = 18446744073709551615n

/** `parseScanCursorOrReply` (`strtoull`: leading spaces and a sign accepted, negatives wrap). */
export const parseScanCursor = (s: string): bigint | undefined => {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/.exec(s)
  if (m === null) return undefined
  const n = BigInt(m[2])
  if (n > UINT64_MAX) return undefined
  return m[1] === "-" && n !== 0n ? UINT64_MAX + 1n - n : n
}

export const INVALID_CURSOR = new ErrorReply("ERR invalid cursor")
export const EMPTY_SCAN: Reply = ["0", []]

export interface ElementScanOptions {
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

/**
 * One step of HSCAN/SSCAN over `items` (members, or fields with `valueOf` for hashes). A compact
 * encoding (listpack, intset) returns everything at once with cursor 0, as Valkey does. A hashtable
 * walks positions in iteration order: the cursor is the next position.
 */
export const scanElements = (
  items: Iterable<string>,
  size: number,
  compact: boolean,
  cursor: bigint,
  options: ElementScanOptions,
  valueOf?: (field: string) => string
): Reply => {
  const start = compact ? 0 : cursor > BigInt(size) ? size : Number(cursor)
  const end = compact ? size : Math.min(size, start + options.count)
  const out: Array<Reply> = []
  let position = 0
  for (const item of items) {
    if (position >= end) break
    if (position++ < start) continue
    if (options.pattern !== undefined && !globMatch(options.pattern, item)) continue
    out.push(item)
    if (valueOf !== undefined && !options.noValues) out.push(valueOf(item))
  }
  return [end >= size ? "0" : String(end), out]
}
