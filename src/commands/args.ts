import { parseInt64 } from "../keyspace/int64.js"

// `string2ll` lives in keyspace/ with the values stored as integers (intsets); re-exported here.
export { parseInt64 }

/**
 * Argument parsing with Valkey's exact rules and error texts (util.c `string2ll`, `string2ld`,
 * object.c `getLongLongFromObjectOrReply` ...). Values are latin1 byte strings.
 */

export const NOT_INTEGER = "ERR value is not an integer or out of range"
export const NOT_FLOAT = "ERR value is not a valid float"
export const SYNTAX = "ERR syntax error"
export const NO_SUCH_KEY = "ERR no such key"
export const OUT_OF_RANGE = "ERR index out of range"

/** `string2ll` when the caller needs a JS number (counts, indexes): values beyond ±2^53 clamp. */
export const parseInteger = (s: string): number | undefined => {
  const v = parseInt64(s)
  if (v === undefined) return undefined
  return typeof v === "number" ? v : v > 0n ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER
}

/**
 * `string2ld`/`strtold` as Valkey uses it for floats: no leading space, whole string consumed,
 * `inf`/`-inf`/`infinity` accepted, `nan` rejected.
 */
export const parseFloatArg = (s: string): number | undefined => {
  if (s.length === 0 || s.length > 5000) return undefined
  const c = s.charCodeAt(0)
  if (c === 32 || (c >= 9 && c <= 13)) return undefined
  const lower = s.toLowerCase()
  if (lower === "inf" || lower === "+inf" || lower === "infinity" || lower === "+infinity") return Infinity
  if (lower === "-inf" || lower === "-infinity") return -Infinity
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) {
    if (/^[+-]?0x[0-9a-f]+(\.[0-9a-f]*)?(p[+-]?\d+)?$/i.test(s)) return parseHexFloat(s)
    return undefined
  }
  const v = Number(s)
  return Number.isNaN(v) ? undefined : v
}

const parseHexFloat = (s: string): number => {
  const m = /^([+-]?)0x([0-9a-f]+)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/i.exec(s)!
  let v = parseInt(m[2], 16)
  if (m[3]) for (let i = 0; i < m[3].length; i++) v += parseInt(m[3][i], 16) / 16 ** (i + 1)
  if (m[4]) v *= 2 ** Number(m[4])
  return m[1] === "-" ? -v : v
}

/** Case-insensitive comparison of an argument with a keyword. */
export const isKeyword = (arg: string, keyword: string): boolean =>
  arg.length === keyword.length && arg.toLowerCase() === keyword

/** Valkey's `validateClientAttr`: printable ASCII without spaces (`!` to `~`). */
export const isValidClientAttr = (value: string): boolean => {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c < 33 || c > 126) return false
  }
  return true
}
