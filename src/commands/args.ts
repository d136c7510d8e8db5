/**
 * Argument parsing with Valkey's exact rules and error texts (util.c `string2ll`, `string2ld`,
 * object.c `getLongLongFromObjectOrReply` ...). Values are latin1 byte strings.
 */

export const NOT_INTEGER = "ERR value is not an integer or out of range"
export const NOT_FLOAT = "ERR value is not a valid float"
export const SYNTAX = "ERR syntax error"
export const NO_SUCH_KEY = "ERR no such key"
export const OUT_OF_RANGE = "ERR index out of range"

const MAX = 9223372036854775807n
const MIN = -9223372036854775808n

/**
 * `string2ll`: optional `-`, digits, no `+`, no leading zeros, no spaces, within signed 64 bits.
 * Returns a number when it is a safe integer, a bigint otherwise, undefined when invalid.
 */
export const parseInt64 = (s: string): number | bigint | undefined => {
  const n = s.length
  if (n === 0 || n > 20) return undefined
  if (n === 1 && s.charCodeAt(0) === 48) return 0
  let i = 0
  const negative = s.charCodeAt(0) === 45
  if (negative) {
    i = 1
    if (n === 1) return undefined
  }
  const first = s.charCodeAt(i)
  if (first < 49 || first > 57) return undefined
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j)
    if (c < 48 || c > 57) return undefined
  }
  if (n - i <= 15) return Number(s)
  const big = BigInt(s)
  if (big > MAX || big < MIN) return undefined
  return Number.isSafeInteger(Number(big)) ? Number(big) : big
}

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
