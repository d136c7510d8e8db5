/** Valkey's `string2ll` (util.c), shared by argument parsing and the int encodings of values. */

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
