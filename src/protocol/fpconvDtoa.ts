/**
 * Valkey's `fpconv_dtoa` (deps/fpconv, Florian Loitsch's Grisu2 with 64-bit arithmetic), digit for
 * digit: DEBUG DIGEST hashes sorted set scores in this form, so the digest of a data set is
 * Valkey's only if every score prints exactly as there. Grisu2 gives the shortest round-trip digits
 * for almost every double but not all, so JavaScript's own shortest form is not a substitute. The
 * 64-bit unsigned arithmetic is done on bigints, wrapping as C's `uint64_t` does.
 */

const MASK = (1n << 64n) - 1n
const FRAC_MASK = 0x000fffffffffffffn
const EXP_MASK = 0x7ff0000000000000n
const HIDDEN_BIT = 0x0010000000000000n
const SIGN_MASK = 0x8000000000000000n
const EXP_BIAS = 1023 + 52
const LO_MASK = 0xffffffffn

/** fpconv_powers.h: normalized powers of ten from 10^-348, every eighth. */
const POWERS_TEN: ReadonlyArray<readonly [bigint, number]> = [
  [18054884314459144840n, -1220],
  [13451937075301367670n, -1193],
  [10022474136428063862n, -1166],
  [14934650266808366570n, -1140],
  [11127181549972568877n, -1113],
  [16580792590934885855n, -1087],
  [12353653155963782858n, -1060],
  [18408377700990114895n, -1034],
  [13715310171984221708n, -1007],
  [10218702384817765436n, -980],
  [15227053142812498563n, -954],
  [11345038669416679861n, -927],
  [16905424996341287883n, -901],
  [12595523146049147757n, -874],
  [9384396036005875287n, -847],
  [13983839803942852151n, -821],
  [10418772551374772303n, -794],
  [15525180923007089351n, -768],
  [11567161174868858868n, -741],
  [17236413322193710309n, -715],
  [12842128665889583758n, -688],
  [9568131466127621947n, -661],
  [14257626930069360058n, -635],
  [10622759856335341974n, -608],
  [15829145694278690180n, -582],
  [11793632577567316726n, -555],
  [17573882009934360870n, -529],
  [13093562431584567480n, -502],
  [9755464219737475723n, -475],
  [14536774485912137811n, -449],
  [10830740992659433045n, -422],
  [16139061738043178685n, -396],
  [12024538023802026127n, -369],
  [17917957937422433684n, -343],
  [13349918974505688015n, -316],
  [9946464728195732843n, -289],
  [14821387422376473014n, -263],
  [11042794154864902060n, -236],
  [16455045573212060422n, -210],
  [12259964326927110867n, -183],
  [18268770466636286478n, -157],
  [13611294676837538539n, -130],
  [10141204801825835212n, -103],
  [15111572745182864684n, -77],
  [11258999068426240000n, -50],
  [16777216000000000000n, -24],
  [12500000000000000000n, 3],
  [9313225746154785156n, 30],
  [13877787807814456755n, 56],
  [10339757656912845936n, 83],
  [15407439555097886824n, 109],
  [11479437019748901445n, 136],
  [17105694144590052135n, 162],
  [12744735289059618216n, 189],
  [9495567745759798747n, 216],
  [14149498560666738074n, 242],
  [10542197943230523224n, 269],
  [15709099088952724970n, 295],
  [11704190886730495818n, 322],
  [17440603504673385349n, 348],
  [12994262207056124023n, 375],
  [9681479787123295682n, 402],
  [14426529090290212157n, 428],
  [10748601772107342003n, 455],
  [16016664761464807395n, 481],
  [11933345169920330789n, 508],
  [17782069995880619868n, 534],
  [13248674568444952270n, 561],
  [9871031767461413346n, 588],
  [14708983551653345445n, 614],
  [10959046745042015199n, 641],
  [16330252207878254650n, 667],
  [12166986024289022870n, 694],
  [18130221999122236476n, 720],
  [13508068024458167312n, 747],
  [10064294952495520794n, 774],
  [14996968138956309548n, 800],
  [11173611982879273257n, 827],
  [16649979327439178909n, 853],
  [12405201291620119593n, 880],
  [9242595204427927429n, 907],
  [13772540099066387757n, 933],
  [10261342003245940623n, 960],
  [15290591125556738113n, 986],
  [11392378155556871081n, 1013],
  [16975966327722178521n, 1039],
  [12648080533535911531n, 1066],
]
const FIRST_POWER = -348
const STEP_POWERS = 8
const N_POWERS = 87
const EXP_MAX = -32
const EXP_MIN = -60

/** `tens`: 10^19 down to 10^0. */
const TENS: ReadonlyArray<bigint> = Array.from({ length: 20 }, (_, i) => 10n ** BigInt(19 - i))

interface Fp {
  frac: bigint
  exp: number
}

const view = new DataView(new ArrayBuffer(8))
const bitsOf = (d: number): bigint => {
  view.setFloat64(0, d)
  return view.getBigUint64(0)
}

const buildFp = (bits: bigint): Fp => {
  const frac = bits & FRAC_MASK
  const exp = Number((bits & EXP_MASK) >> 52n)
  return exp !== 0 ? { frac: frac + HIDDEN_BIT, exp: exp - EXP_BIAS } : { frac, exp: -EXP_BIAS + 1 }
}

const normalize = (fp: Fp): void => {
  while ((fp.frac & HIDDEN_BIT) === 0n) {
    fp.frac = (fp.frac << 1n) & MASK
    fp.exp--
  }
  const shift = 64 - 52 - 1
  fp.frac = (fp.frac << BigInt(shift)) & MASK
  fp.exp -= shift
}

const normalizedBoundaries = (fp: Fp): { lower: Fp; upper: Fp } => {
  const upper: Fp = { frac: ((fp.frac << 1n) + 1n) & MASK, exp: fp.exp - 1 }
  while ((upper.frac & (HIDDEN_BIT << 1n)) === 0n) {
    upper.frac = (upper.frac << 1n) & MASK
    upper.exp--
  }
  const uShift = 64 - 52 - 2
  upper.frac = (upper.frac << BigInt(uShift)) & MASK
  upper.exp -= uShift
  const lShift = fp.frac === HIDDEN_BIT ? 2 : 1
  const lower: Fp = { frac: ((fp.frac << BigInt(lShift)) - 1n) & MASK, exp: fp.exp - lShift }
  lower.frac = (lower.frac << BigInt(lower.exp - upper.exp)) & MASK
  lower.exp = upper.exp
  return { lower, upper }
}

const multiply = (a: Fp, b: Fp): Fp => {
  const ahBl = (a.frac >> 32n) * (b.frac & LO_MASK)
  const alBh = (a.frac & LO_MASK) * (b.frac >> 32n)
  const alBl = (a.frac & LO_MASK) * (b.frac & LO_MASK)
  const ahBh = (a.frac >> 32n) * (b.frac >> 32n)
  // Rounded up at bit 31.
  const tmp = (ahBl & LO_MASK) + (alBh & LO_MASK) + (alBl >> 32n) + (1n << 31n)
  return { frac: (ahBh + (ahBl >> 32n) + (alBh >> 32n) + (tmp >> 32n)) & MASK, exp: a.exp + b.exp + 64 }
}

/** `find_cachedpow10`: the cached power and its decimal exponent `k`. */
const cachedPow10 = (exp: number): { power: Fp; k: number } => {
  const oneLogTen = 0.30102999566398114
  const approx = Math.trunc(-(exp + N_POWERS) * oneLogTen)
  let idx = Math.trunc((approx - FIRST_POWER) / STEP_POWERS)
  for (;;) {
    const current = exp + POWERS_TEN[idx][1] + 64
    if (current < EXP_MIN) {
      idx++
      continue
    }
    if (current > EXP_MAX) {
      idx--
      continue
    }
    return { power: { frac: POWERS_TEN[idx][0], exp: POWERS_TEN[idx][1] }, k: FIRST_POWER + idx * STEP_POWERS }
  }
}

const roundDigit = (digits: Array<number>, delta: bigint, rem: bigint, kappa: bigint, frac: bigint): void => {
  const n = digits.length
  while (rem < frac && ((delta - rem) & MASK) >= kappa && (((rem + kappa) & MASK) < frac || ((frac - rem) & MASK) > ((rem + kappa - frac) & MASK))) {
    digits[n - 1]--
    rem = (rem + kappa) & MASK
  }
}

/** `generate_digits`: the digits, and the decimal exponent of the last one added to `K`. */
const generateDigits = (fp: Fp, upper: Fp, lower: Fp, K: number): { digits: Array<number>; K: number } => {
  const wfrac = (upper.frac - fp.frac) & MASK
  let delta = (upper.frac - lower.frac) & MASK
  const shift = BigInt(-upper.exp)
  const oneFrac = 1n << shift
  let part1 = upper.frac >> shift
  let part2 = upper.frac & (oneFrac - 1n)
  const digits: Array<number> = []
  let kappa = 10
  // From 10^9 down.
  for (let d = 10; kappa > 0; d++) {
    const div = TENS[d]
    const digit = part1 / div
    if (digit !== 0n || digits.length > 0) digits.push(Number(digit))
    part1 -= digit * div
    kappa--
    const tmp = ((part1 << shift) + part2) & MASK
    if (tmp <= delta) {
      roundDigit(digits, delta, tmp, (div << shift) & MASK, wfrac)
      return { digits, K: K + kappa }
    }
  }
  let unit = 18
  for (;;) {
    part2 = (part2 * 10n) & MASK
    delta = (delta * 10n) & MASK
    kappa--
    const digit = part2 >> shift
    if (digit !== 0n || digits.length > 0) digits.push(Number(digit))
    part2 &= oneFrac - 1n
    if (part2 < delta) {
      roundDigit(digits, delta, part2, oneFrac, (wfrac * TENS[unit]) & MASK)
      return { digits, K: K + kappa }
    }
    unit--
  }
}

/** `emit_digits`: plain integer, plain decimal, or `d.ddde±x` (no exponent padding). */
const emitDigits = (digitValues: Array<number>, K: number, negative: boolean): string => {
  let digits = digitValues.join("")
  let n = digits.length
  let exp = Math.abs(K + n - 1)
  if (K >= 0 && exp < n + 7) return digits + "0".repeat(K)
  if (K < 0 && (K > -7 || exp < 4)) {
    const offset = n - Math.abs(K)
    if (offset <= 0) return "0." + "0".repeat(-offset) + digits
    return digits.slice(0, offset) + "." + digits.slice(offset)
  }
  n = Math.min(n, 18 - (negative ? 1 : 0))
  digits = digits.slice(0, n)
  let out = digits[0]
  if (n > 1) out += "." + digits.slice(1)
  out += "e" + (K + n - 1 < 0 ? "-" : "+")
  let cent = 0
  if (exp > 99) {
    cent = Math.trunc(exp / 100)
    out += cent
    exp -= cent * 100
  }
  if (exp > 9) {
    const dec = Math.trunc(exp / 10)
    out += dec
    exp -= dec * 10
  } else if (cent !== 0) out += "0"
  return out + (exp % 10)
}

/** `fpconv_dtoa`: `0`, `-0`, `inf`, `-inf`, `nan` (`-nan` with the sign bit), or Grisu2's digits. */
export const fpconvDtoa = (d: number): string => {
  const bits = bitsOf(d)
  const negative = (bits & SIGN_MASK) !== 0n
  const sign = negative ? "-" : ""
  if (d === 0) return sign + "0"
  if ((bits & EXP_MASK) === EXP_MASK) return sign + ((bits & FRAC_MASK) !== 0n ? "nan" : "inf")
  if (Number.isSafeInteger(d)) {
    // Grisu2's digits of a safe integer are its decimal digits without the trailing zeros (checked
    // against the C code on 400,000 integers of every size); the bigint path is ~15 µs a number.
    let digits = String(negative ? -d : d)
    let zeros = 0
    while (digits.charCodeAt(digits.length - 1) === 48) {
      digits = digits.slice(0, -1)
      zeros++
    }
    return sign + emitDigits(Array.from(digits, Number), zeros, negative)
  }
  const w = buildFp(bits)
  const { lower, upper } = normalizedBoundaries(w)
  normalize(w)
  const { power, k } = cachedPow10(upper.exp)
  const scaled = multiply(w, power)
  const up = multiply(upper, power)
  const low = multiply(lower, power)
  low.frac = (low.frac + 1n) & MASK
  up.frac = (up.frac - 1n) & MASK
  const { digits, K } = generateDigits(scaled, up, low, -k)
  return sign + emitDigits(digits, K, negative)
}
