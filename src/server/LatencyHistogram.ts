/**
 * Per-command latency histograms for INFO latencystats, shaped like Valkey's: an HdrHistogram with
 * 2 significant figures over 1 ns .. 1 s, read with `hdr_value_at_percentile` (the highest value
 * equivalent to the bucket holding the percentile). Only the buckets used are stored.
 */
const MIN_NS = 1
const MAX_NS = 1_000_000_000
/** log2 of half the sub-bucket count for 2 significant figures (256 sub-buckets). */
const SUB_BUCKET_HALF_MAGNITUDE = 7

/** The bucket shift of a value: values share a bucket when equal after `>> shift`. */
const shiftOf = (v: number): number => {
  const top = v < 2 ** 31 ? 31 - Math.clz32(v | 255) : Math.floor(Math.log2(v))
  return top - SUB_BUCKET_HALF_MAGNITUDE
}

export class LatencyHistogram {
  /** Lowest equivalent value of a bucket -> samples in it. */
  private readonly buckets = new Map<number, number>()
  total = 0

  recordNanos(ns: number): void {
    const v = Math.min(MAX_NS, Math.max(MIN_NS, Math.round(ns)))
    const shift = shiftOf(v)
    const lowest = Math.floor(v / 2 ** shift) * 2 ** shift
    this.buckets.set(lowest, (this.buckets.get(lowest) ?? 0) + 1)
    this.total++
  }

  /** `hdr_value_at_percentile`, in nanoseconds. */
  valueAtPercentile(percentile: number): number {
    if (this.total === 0) return 0
    const p = Math.min(percentile, 100)
    const wanted = Math.max(1, Math.floor((p / 100) * this.total + 0.5))
    const lows = Array.from(this.buckets.keys()).sort((a, b) => a - b)
    let seen = 0
    for (const low of lows) {
      seen += this.buckets.get(low)!
      if (seen >= wanted) return low + 2 ** shiftOf(low) - 1
    }
    const last = lows[lows.length - 1]!
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
