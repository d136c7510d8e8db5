/**
 * A stream entry ID (Valkey's `streamID`: two unsigned 64-bit numbers, milliseconds and sequence)
 * held as one 128-bit `bigint`, `ms << 64 | seq`. Ordering IDs is ordering the numbers, and
 * Valkey's `streamIncrID`/`streamDecrID` (the sequence wraps into the milliseconds) are `+ 1n` and
 * `- 1n`.
 */
export type StreamId = bigint

export const U64_MAX = (1n << 64n) - 1n
export const MIN_ID: StreamId = 0n
export const MAX_ID: StreamId = (1n << 128n) - 1n

export const streamId = (ms: bigint, seq: bigint): StreamId => (ms << 64n) | seq

export const idMs = (id: StreamId): bigint => id >> 64n

export const idSeq = (id: StreamId): bigint => id & U64_MAX

/** `<ms>-<seq>` (Valkey's `createStreamIDString`). */
export const formatId = (id: StreamId): string => `${id >> 64n}-${id & U64_MAX}`

const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13)

/**
 * util.c `string2ull`: a `string2ll` integer that is not negative, else what `strtoull` accepts
 * whole (leading spaces, a sign, decimal digits; a `-` negates modulo 2^64), no overflow.
 */
export const parseU64 = (s: string): bigint | undefined => {
  const n = s.length
  if (n === 0) return undefined
  // The common case: plain digits.
  let plain = n <= 20
  for (let i = 0; i < n && plain; i++) {
    const c = s.charCodeAt(i)
    if (c < 48 || c > 57) plain = false
  }
  if (plain && (n === 1 || s.charCodeAt(0) !== 48)) {
    const v = BigInt(s)
    return v <= U64_MAX ? v : undefined
  }
  // strtoull: spaces, sign, digits (leading zeros allowed), all consumed.
  let i = 0
  while (i < n && isSpace(s.charCodeAt(i))) i++
  let negative = false
  if (i < n && (s[i] === "+" || s[i] === "-")) negative = s[i++] === "-"
  const start = i
  while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++
  if (i === start || i !== n) return undefined
  const v = BigInt(s.slice(start))
  if (v > U64_MAX) return undefined
  return negative ? (U64_MAX + 1n - v) & U64_MAX : v
}

/**
 * t_stream.c `streamGenericParseIDOrReply`: `-` and `+` (unless `strict`), `<ms>-<seq>`, `<ms>`
 * (the sequence is `missingSeq`), and with `allowSeqAuto` `<ms>-*` (returned as `{ auto: ms }`).
 * Undefined when invalid ("Invalid stream ID specified as stream command argument").
 */
export const parseStreamId = (s: string, missingSeq: bigint, strict: boolean): StreamId | undefined => {
  if (s.length > 127) return undefined
  if (s === "-") return strict ? undefined : MIN_ID
  if (s === "+") return strict ? undefined : MAX_ID
  const dash = s.indexOf("-")
  const ms = parseU64(dash === -1 ? s : s.slice(0, dash))
  if (ms === undefined) return undefined
  if (dash === -1) return streamId(ms, missingSeq)
  const seq = parseU64(s.slice(dash + 1))
  if (seq === undefined) return undefined
  return streamId(ms, seq)
}

/** XADD's ID: an explicit ID, or `<ms>-*` (sequence to be generated). */
export const parseXaddId = (s: string): { readonly id: StreamId; readonly seqGiven: boolean } | undefined => {
  if (s.length > 127) return undefined
  const dash = s.indexOf("-")
  if (dash !== -1 && s.length === dash + 2 && s[dash + 1] === "*") {
    if (s === "-*") return undefined
    const ms = parseU64(s.slice(0, dash))
    return ms === undefined ? undefined : { id: streamId(ms, 0n), seqGiven: false }
  }
  const id = parseStreamId(s, 0n, true)
  return id === undefined ? undefined : { id, seqGiven: true }
}
