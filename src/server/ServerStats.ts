import type { CommandSpec, CommandStat } from "../commands/CommandSpec.js"
import { LatencyHistogram } from "../commands/LatencyHistogram.js"

/** The most distinct error codes errorstats tracks (Valkey's `ERROR_STATS_NUMBER`). */
const ERROR_STATS_NUMBER = 128

/** Server-wide counters for INFO stats, commandstats and errorstats. */
export class ServerStats {
  totalConnections = 0
  rejectedConnections = 0
  totalCommands = 0
  netInputBytes = 0
  netOutputBytes = 0
  totalErrorReplies = 0
  /** INFO `client_query_buffer_limit_disconnections`. */
  clientQbufLimitDisconnections = 0
  /** INFO `client_output_buffer_limit_disconnections`. */
  clientObufLimitDisconnections = 0
  readonly commands = new Map<string, CommandStat>()
  readonly errors = new Map<string, number>()
  /** `latency-tracking`: record per-command latency histograms. */
  latencyTracking = true

  /** Records a completed call's duration in the command's latency histogram. */
  recordLatency(stat: CommandStat, elapsedMs: number): void {
    if (!this.latencyTracking) return
    ;(stat.latency ??= new LatencyHistogram()).recordNanos(Math.round(elapsedMs * 1000) * 1000)
  }

  command(fullName: string): CommandStat {
    let stat = this.commands.get(fullName)
    if (stat === undefined) {
      stat = { calls: 0, usec: 0, rejectedCalls: 0, failedCalls: 0 }
      this.commands.set(fullName, stat)
    }
    return stat
  }

  /** Bumped by `reset`: stat objects cached on specs before it are stale. */
  private generation = 0

  /** `command(spec.fullName)`, cached on the spec (one check instead of a map lookup per call). */
  commandStat(spec: CommandSpec): CommandStat {
    const slot = spec.statSlot
    if (slot !== undefined && slot.owner === this && slot.generation === this.generation) return slot.stat
    const stat = this.command(spec.fullName)
    spec.statSlot = { owner: this, generation: this.generation, stat }
    return stat
  }

  /** Errorstats stop after too many distinct codes (Valkey's `errors_enabled`); RESETSTAT resumes. */
  errorsEnabled = true

  /** Counts an error reply by its code (`errorstat_ERR`, `errorstat_WRONGTYPE`, ...). */
  errorReply(code: string): void {
    this.totalErrorReplies++
    if (!this.errorsEnabled) return
    const count = this.errors.get(code)
    if (count !== undefined) {
      this.errors.set(code, count + 1)
      return
    }
    if (this.errors.size >= ERROR_STATS_NUMBER) {
      // Valkey's `incrementErrorCount`: a misuse guard (scripts inventing error codes).
      this.errors.clear()
      this.errors.set("ERRORSTATS_DISABLED", 1)
      this.errorsEnabled = false
      return
    }
    this.errors.set(code, 1)
  }

  reset(): void {
    this.totalConnections = 0
    this.rejectedConnections = 0
    this.totalCommands = 0
    this.netInputBytes = 0
    this.netOutputBytes = 0
    this.totalErrorReplies = 0
    this.clientQbufLimitDisconnections = 0
    this.clientObufLimitDisconnections = 0
    this.commands.clear()
    this.generation++
    this.errors.clear()
    this.errorsEnabled = true
  }
}
