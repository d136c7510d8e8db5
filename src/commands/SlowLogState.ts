import type { Config } from "../config/Config.js"
import type { ConfigParam } from "../config/ConfigParam.js"
import { redactArgv } from "./redactArgv.js"

/** Valkey's SLOWLOG_ENTRY_MAX_ARGC and SLOWLOG_ENTRY_MAX_STRING. */
const MAX_ARGC = 32
const MAX_STRING = 128

/** One slow log entry, as SLOWLOG GET replies it. */
interface SlowLogEntry {
  readonly id: number
  /** Unix time in seconds when the command completed. */
  readonly time: number
  /** Microseconds. */
  readonly duration: number
  readonly argv: ReadonlyArray<string>
  /** `ip:port` of the client. */
  readonly addr: string
  readonly name: string
}

/**
 * The slow log (Valkey's slowlog.c): the latest `slowlog-max-len` commands that took at least
 * `slowlog-log-slower-than` microseconds (negative: off; 0: every command). Both configs are read
 * when each command completes, so CONFIG SET takes effect at once.
 */
export class SlowLog {
  /** Oldest first; SLOWLOG GET reads from the end. */
  private entries: Array<SlowLogEntry> = []
  private nextId = 0
  private readonly slowerThan: ConfigParam | undefined
  private readonly maxLen: ConfigParam | undefined

  /** Passwords never reach the log (see `redactArgv`). */
  private readonly isSensitive: (name: string) => boolean

  constructor(config: Config) {
    this.isSensitive = (name) => config.isSensitive(name)
    this.slowerThan = config.lookup("slowlog-log-slower-than")
    this.maxLen = config.lookup("slowlog-max-len")
  }

  get length(): number {
    return this.entries.length
  }

  /** Whether a command that took `durationUs` is logged (the cheap check, done first). */
  accepts(durationUs: number): boolean {
    const slowerThan = (this.slowerThan?.value as number | undefined) ?? 10000
    return slowerThan >= 0 && durationUs >= slowerThan && ((this.maxLen?.value as number | undefined) ?? 128) > 0
  }

  /** `slowlogPushEntryIfNeeded`: logs the command if it was slow enough. */
  push(argv: ReadonlyArray<string>, durationUs: number, addr: string, name: string, nowMs: number): void {
    if (!this.accepts(durationUs)) return
    const maxLen = (this.maxLen?.value as number | undefined) ?? 128
    this.entries.push({ id: this.nextId++, time: Math.floor(nowMs / 1000), duration: durationUs, argv: entryArgv(redactArgv(argv, this.isSensitive)), addr, name })
    if (this.entries.length > maxLen) this.entries.splice(0, this.entries.length - maxLen)
  }

  /** The newest `count` entries, newest first (count < 0: all). */
  newest(count: number): Array<SlowLogEntry> {
    const n = count < 0 ? this.entries.length : Math.min(count, this.entries.length)
    const out: Array<SlowLogEntry> = new Array(n)
    for (let i = 0; i < n; i++) out[i] = this.entries[this.entries.length - 1 - i]
    return out
  }

  /** SLOWLOG RESET: entries go, ids keep counting (as in Valkey). */
  reset(): void {
    this.entries = []
  }
}

/** `slowlogCreateEntry`: at most 32 arguments (the last says how many more), long ones cut at 128 bytes. */
const entryArgv = (argv: ReadonlyArray<string>): Array<string> => {
  const argc = argv.length
  const slargc = Math.min(argc, MAX_ARGC)
  const out: Array<string> = new Array(slargc)
  for (let j = 0; j < slargc; j++) {
    if (slargc !== argc && j === slargc - 1) {
      out[j] = `... (${argc - slargc + 1} more arguments)`
    } else {
      const arg = argv[j]
      out[j] = arg.length > MAX_STRING ? `${arg.slice(0, MAX_STRING)}... (${arg.length - MAX_STRING} more bytes)` : arg
    }
  }
  return out
}
