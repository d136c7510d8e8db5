const SAMPLES = 16
const PERIOD_MS = 100

/** One rate (Valkey's `trackInstantaneousMetric`): a ring of per-second rates sampled every 100 ms. */
class Metric {
  private readonly samples = new Float64Array(SAMPLES)
  private index = 0
  private lastReading = 0
  private lastTime = 0

  sample(reading: number, now: number): void {
    if (this.lastTime !== 0 && now > this.lastTime) {
      this.samples[this.index] = ((reading - this.lastReading) * 1000) / (now - this.lastTime)
      this.index = (this.index + 1) % SAMPLES
    }
    this.lastReading = reading
    this.lastTime = now
  }

  /** The mean of the samples (Valkey's `getInstantaneousMetric`). */
  get value(): number {
    let sum = 0
    for (let i = 0; i < SAMPLES; i++) sum += this.samples[i]
    return sum / SAMPLES
  }

  reset(): void {
    this.samples.fill(0)
    this.lastTime = 0
  }
}

/**
 * INFO's `instantaneous_*` figures: ops/sec and network kbps, sampled at most every 100 ms by the
 * server cron (`Server.sampleMetrics`).
 */
export class InstantaneousMetrics {
  readonly commands = new Metric()
  readonly netInput = new Metric()
  readonly netOutput = new Metric()
  private lastSample = 0

  maybeSample(now: number, commands: number, netInput: number, netOutput: number): void {
    if (now - this.lastSample < PERIOD_MS) return
    this.lastSample = now
    this.commands.sample(commands, now)
    this.netInput.sample(netInput, now)
    this.netOutput.sample(netOutput, now)
  }

  reset(): void {
    this.commands.reset()
    this.netInput.reset()
    this.netOutput.reset()
  }
}
