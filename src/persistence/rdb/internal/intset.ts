import { parseInt64 } from "../../../keyspace/int64.js"

/**
 * Valkey's intset (intset.c): encoding (2, 4 or 8: bytes per integer) and length, both 32-bit
 * little endian, then the integers ascending, little endian, in the smallest encoding that holds
 * them all.
 */

/** Builds the intset of `members` (canonical integers, any order). */
export const writeIntset = (members: Iterable<string>): Uint8Array => {
  const values: Array<bigint> = []
  let encoding = 2
  for (const m of members) {
    const n = parseInt64(m)
    if (n === undefined) throw new Error(`intset member is not an integer: ${m}`)
    const v = BigInt(n)
    if (v < -2147483648n || v > 2147483647n) encoding = 8
    else if (encoding < 4 && (v < -32768n || v > 32767n)) encoding = 4
    values.push(v)
  }
  values.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const out = new Uint8Array(8 + values.length * encoding)
  const view = new DataView(out.buffer)
  view.setUint32(0, encoding, true)
  view.setUint32(4, values.length, true)
  let p = 8
  for (const v of values) {
    if (encoding === 2) view.setInt16(p, Number(v), true)
    else if (encoding === 4) view.setInt32(p, Number(v), true)
    else view.setBigInt64(p, v, true)
    p += encoding
  }
  return out
}

/**
 * Reads and validates an intset as `intsetValidateIntegrity(is, size, deep=1)` does: a known
 * encoding, a length matching the blob, strictly ascending members (no duplicates). Undefined
 * when malformed.
 */
export const readIntset = (is: Uint8Array): Array<string> | undefined => {
  if (is.length < 8) return undefined
  const view = new DataView(is.buffer, is.byteOffset, is.byteLength)
  const encoding = view.getUint32(0, true)
  if (encoding !== 2 && encoding !== 4 && encoding !== 8) return undefined
  const count = view.getUint32(4, true)
  if (count * encoding + 8 !== is.length) return undefined
  // Valkey rejects an empty intset too (`if (count == 0) return 0`).
  if (count === 0) return undefined
  const out: Array<string> = new Array(count)
  let prev: bigint | number | undefined
  for (let i = 0; i < count; i++) {
    const p = 8 + i * encoding
    const v = encoding === 2 ? view.getInt16(p, true) : encoding === 4 ? view.getInt32(p, true) : view.getBigInt64(p, true)
    if (prev !== undefined && v <= prev) return undefined
    prev = v
    out[i] = String(v)
  }
  return out
}
