/**
 * Per-command latency histograms for INFO latencystats, shaped like Valkey's: an HdrHistogram with
 * 2 significant figures over 1 ns .. 1 s, read with `hdr_value_at_percentile` (the highest value
 * equivalent to the bucket holding the percentile). Only the buckets used are stored.
 */
const MIN_NS = 1
const MAX_NS = 1_000_000_000
/** log2 of half the sub-bucket count for 2 significant figures (256 sub-buckets). */
const SUB_BUCKET_HALF_MAGNITUDE = 7

/** The bucket shift of a value (at most 1e9 < 2^31): values share a bucket when equal after `>> shift`. */
const shiftOf = (v: number): number => Math.max(0, 31 - Math.clz32(v | 255) - SUB_BUCKET_HALF_MAGNITUDE)

/**
 * Buckets in value order: values below 256 have one bucket each (shift 0); above, each shift adds
 * 128 buckets (the top bits `v >> shift` run from 128 to 255).
 */
const indexOf = (v: number, shift: number): number => (shift === 0 ? v : (shift + 1) * 128 + (v >> shift) - 128)
const BUCKETS = indexOf(MAX_NS, shiftOf(MAX_NS)) + 1

export class LatencyHistogram {
  /** Samples per bucket (a flat array: recording is on every command's path). */
  private readonly counts = new Float64Array(BUCKETS)
  /** Lowest equivalent value of each bucket. */
  private static readonly lows = (() => {
    const lows = new Float64Array(BUCKETS)
    for (let v = 0; v <= MAX_NS; ) {
      const shift = shiftOf(v)
      lows[indexOf(v, shift)] = v
      v += 2 ** shift
    }
    return lows
  })()
  total = 0

  recordNanos(ns: number): void {
    const v = Math.min(MAX_NS, Math.max(MIN_NS, Math.round(ns)))
    this.counts[indexOf(v, shiftOf(v))]++
    this.total++
  }

  /** `hdr_value_at_percentile`, in nanoseconds. */
  valueAtPercentile(percentile: number): number {
    if (this.total === 0) return 0
    const p = Math.min(percentile, 100)
    const wanted = Math.max(1, Math.floor((p / 100) * this.total + 0.5))
    const lows = LatencyHistogram.lows
    let seen = 0
    let last = 0
    for (let i = 0; i < BUCKETS; i++) {
      if (this.counts[i] === 0) continue
      last = lows[i]
      seen += this.counts[i]
      if (seen >= wanted) break
    }
    return last + 2 ** shiftOf(last) - 1
  }
}

/** Valkey's `p50=..,p99=..` line: percentile names with `%f` trimmed, values in µs with 3 decimals. */
export const latencyLine = (histogram: LatencyHistogram, percentiles: ReadonlyArray<number>): string =>
  percentiles
    .map((p) => `p${trimPercentile(p)}=${(histogram.valueAtPercentile(p) / 1000).toFixed(3)}`)
    .join(",")

/** Valkey prints the percentile with `%.17g`-like trimming: 50 -> "50", 99.9 -> "99.9". */
const trimPercentile = (p: number): string => String(Number(p.toPrecision(17)))
