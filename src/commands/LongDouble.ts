/**
 * The x87 80-bit `long double` that Valkey's INCRBYFLOAT computes with (`strtold`, `+`, and
 * `ld2string(LD_STR_HUMAN)`, i.e. `%.17Lf` with trailing zeros removed). A JS double would print
 * `INCRBYFLOAT k 0.1` as `0.10000000000000001`; Valkey prints `0.1`, so the arithmetic is done
 * exactly here: a value is `m * 2^e` with a 64-bit mantissa, rounded half to even like the FPU.
 */
export interface LongDouble {
  readonly negative: boolean
  /** 0, or a mantissa below 2^64 (normal values have bit 63 set). */
  readonly mantissa: bigint
  readonly exponent: number
}

type LongDoubleOrInfinity = LongDouble | "inf" | "-inf"

const MANTISSA_BITS = 64
/** Smallest exponent of the mantissa's last bit (subnormals). */
const MIN_EXPONENT = -16445
/** Values at or above 2^16384 overflow to infinity. */
const MAX_BINARY_EXPONENT = 16384
/** `MAX_LONG_DOUBLE_CHARS`: longer inputs are rejected, longer outputs come out empty. */
const MAX_CHARS = 5 * 1024

const ZERO: LongDouble = { negative: false, mantissa: 0n, exponent: 0 }

const bitLength = (n: bigint): number => (n === 0n ? 0 : n.toString(2).length)

/** Rounds `num / den` (positive) to a 64-bit mantissa, half to even; infinity on overflow. */
const roundQuotient = (negative: boolean, num: bigint, den: bigint): LongDoubleOrInfinity => {
  if (num === 0n) return { negative, mantissa: 0n, exponent: 0 }
  let exponent = bitLength(num) - bitLength(den) - MANTISSA_BITS
  // Make 2^63 <= num / (den * 2^exponent) < 2^64.
  const scaled = (e: number): [bigint, bigint] => (e >= 0 ? [num, den << BigInt(e)] : [num << BigInt(-e), den])
  let [n, d] = scaled(exponent)
  if (n / d >= 1n << 64n) [n, d] = scaled(++exponent)
  else if (n / d < 1n << 63n) [n, d] = scaled(--exponent)
  if (exponent < MIN_EXPONENT) {
    exponent = MIN_EXPONENT
    ;[n, d] = scaled(exponent)
  }
  let mantissa = n / d
  const twice = (n % d) * 2n
  if (twice > d || (twice === d && (mantissa & 1n) === 1n)) mantissa++
  if (mantissa === 1n << 64n) {
    mantissa = 1n << 63n
    exponent++
  }
  if (exponent + MANTISSA_BITS > MAX_BINARY_EXPONENT) return negative ? "-inf" : "inf"
  return { negative, mantissa, exponent }
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/

/**
 * Valkey's `string2ld`: the whole string must parse, no leading space, no NaN, and results that
 * overflow to infinity or underflow to zero are rejected (`ERANGE`). `inf` itself is accepted.
 */
export const parseLongDouble = (s: string): LongDoubleOrInfinity | undefined => {
  if (s.length === 0 || s.length >= MAX_CHARS) return undefined
  const c = s.charCodeAt(0)
  if (c === 32 || (c >= 9 && c <= 13)) return undefined
  const m = DECIMAL.exec(s)
  if (m === null || (m[2] === "" && (m[3] === undefined || m[3] === ""))) return parseSpecial(s)
  const negative = m[1] === "-"
  const digits = (m[2] + (m[3] ?? "")).replace(/^0+/, "")
  if (digits === "") return { negative, mantissa: 0n, exponent: 0 }
  const exp10 = Number(m[4] ?? "0") - (m[3]?.length ?? 0)
  // Far outside the range: ERANGE either way (infinity or zero), both rejected.
  const magnitude = digits.length + exp10
  if (magnitude > 4934 || magnitude < -4952) return undefined
  const n = BigInt(digits)
  const result = exp10 >= 0 ? roundQuotient(negative, n * 10n ** BigInt(exp10), 1n) : roundQuotient(negative, n, 10n ** BigInt(-exp10))
  if (typeof result === "string" || result.mantissa === 0n) return undefined
  return result
}

/** `inf`/`infinity` and hexadecimal floats, which `strtold` also accepts. */
const parseSpecial = (s: string): LongDoubleOrInfinity | undefined => {
  const lower = s.toLowerCase()
  if (lower === "inf" || lower === "+inf" || lower === "infinity" || lower === "+infinity") return "inf"
  if (lower === "-inf" || lower === "-infinity") return "-inf"
  const m = /^([+-]?)0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/i.exec(s)
  if (m === null || (m[2] === "" && (m[3] ?? "") === "")) return undefined
  const negative = m[1] === "-"
  const hex = m[2] + (m[3] ?? "")
  const n = hex === "" ? 0n : BigInt("0x" + hex)
  const exp2 = Number(m[4] ?? "0") - 4 * (m[3]?.length ?? 0)
  if (n === 0n) return { negative, mantissa: 0n, exponent: 0 }
  if (exp2 > 20000 || exp2 < -20000) return undefined
  const result = exp2 >= 0 ? roundQuotient(negative, n << BigInt(exp2), 1n) : roundQuotient(negative, n, 1n << BigInt(-exp2))
  if (typeof result === "string" || result.mantissa === 0n) return undefined
  return result
}

/** `a + b` rounded like the FPU; undefined for NaN (`inf + -inf`). */
export const addLongDouble = (a: LongDoubleOrInfinity, b: LongDoubleOrInfinity): LongDoubleOrInfinity | undefined => {
  if (typeof a === "string" || typeof b === "string") {
    if (typeof a === "string" && typeof b === "string" && a !== b) return undefined
    return typeof a === "string" ? a : b
  }
  if (a.mantissa === 0n) return b.mantissa === 0n ? { ...ZERO, negative: a.negative && b.negative } : b
  if (b.mantissa === 0n) return a
  const exponent = Math.min(a.exponent, b.exponent)
  const va = (a.negative ? -a.mantissa : a.mantissa) << BigInt(a.exponent - exponent)
  const vb = (b.negative ? -b.mantissa : b.mantissa) << BigInt(b.exponent - exponent)
  const sum = va + vb
  if (sum === 0n) return ZERO
  const negative = sum < 0n
  const abs = negative ? -sum : sum
  return exponent >= 0 ? roundQuotient(negative, abs << BigInt(exponent), 1n) : roundQuotient(negative, abs, 1n << BigInt(-exponent))
}

const TEN_17 = 10n ** 17n

/**
 * `ld2string(LD_STR_HUMAN)`: `%.17Lf` (exact decimal expansion rounded half to even), trailing
 * zeros and a trailing `.` removed, `-0` printed as `0`.
 */
export const formatLongDoubleHuman = (x: LongDouble): string => {
  let scaled: bigint
  if (x.exponent >= 0) {
    scaled = (x.mantissa << BigInt(x.exponent)) * TEN_17
  } else {
    const num = x.mantissa * TEN_17
    const shift = BigInt(-x.exponent)
    scaled = num >> shift
    const remainder = num - (scaled << shift)
    const twice = remainder * 2n
    const den = 1n << shift
    if (twice > den || (twice === den && (scaled & 1n) === 1n)) scaled++
  }
  const integer = (scaled / TEN_17).toString()
  let fraction = (scaled % TEN_17).toString().padStart(17, "0")
  const full = (x.negative ? "-" : "") + integer + "." + fraction
  if (full.length + 1 > MAX_CHARS) return ""
  fraction = fraction.replace(/0+$/, "")
  const out = (x.negative ? "-" : "") + integer + (fraction === "" ? "" : "." + fraction)
  return out === "-0" ? "0" : out
}
