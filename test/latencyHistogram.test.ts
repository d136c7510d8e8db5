import { describe, expect, it } from "vitest"
import { LatencyHistogram, latencyLine } from "../src/commands/LatencyHistogram.js"

describe("LatencyHistogram (Valkey's hdr_histogram, 2 significant figures)", () => {
  it("reports the highest equivalent value of the bucket, as redis-server prints it", () => {
    const h = new LatencyHistogram()
    h.recordNanos(6000)
    // redis-server: latency_percentiles_usec_set:p50=6.015,...
    expect(latencyLine(h, [50, 99, 99.9])).toBe("p50=6.015,p99=6.015,p99.9=6.015")
    h.recordNanos(10000)
    expect(latencyLine(h, [50, 99, 99.9])).toBe("p50=6.015,p99=10.047,p99.9=10.047")
    const tiny = new LatencyHistogram()
    tiny.recordNanos(0)
    expect(latencyLine(tiny, [0, 50, 100])).toBe("p0=0.001,p50=0.001,p100=0.001")
    const big = new LatencyHistogram()
    big.recordNanos(5e9)
    expect(big.valueAtPercentile(50)).toBeGreaterThanOrEqual(1e9)
  })
})
