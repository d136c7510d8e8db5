/** Per-command counters for INFO commandstats (Valkey's `cmdstat_<name>`). */
export interface CommandStat {
  calls: number
  usec: number
  rejectedCalls: number
  failedCalls: number
}

/** Server-wide counters for INFO stats, commandstats and errorstats. */
export class ServerStats {
  totalConnections = 0
  rejectedConnections = 0
  totalCommands = 0
  netInputBytes = 0
  netOutputBytes = 0
  totalErrorReplies = 0
  readonly commands = new Map<string, CommandStat>()
  readonly errors = new Map<string, number>()

  command(fullName: string): CommandStat {
    let stat = this.commands.get(fullName)
    if (stat === undefined) {
      stat = { calls: 0, usec: 0, rejectedCalls: 0, failedCalls: 0 }
      this.commands.set(fullName, stat)
    }
    return stat
  }

  /** Counts an error reply by its code (`errorstat_ERR`, `errorstat_WRONGTYPE`, ...). */
  errorReply(code: string): void {
    this.totalErrorReplies++
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1)
  }

  reset(): void {
    this.totalConnections = 0
    this.rejectedConnections = 0
    this.totalCommands = 0
    this.netInputBytes = 0
    this.netOutputBytes = 0
    this.totalErrorReplies = 0
    this.commands.clear()
    this.errors.clear()
  }
}
