import type { LogLevel } from "../contracts/Log.js"

const LEVELS: Record<LogLevel, number> = { debug: 0, verbose: 1, notice: 2, warning: 3 }
const MARKS: Record<LogLevel, string> = { debug: ".", verbose: "-", notice: "*", warning: "#" }
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

/** Valkey's log line: `pid:M 21 Nov 2026 19:24:13.123 * message`. */
export const formatLogLine = (level: LogLevel, message: string, date = new Date()): string =>
  `${process.pid}:M ${pad(date.getDate())} ${MONTHS[date.getMonth()]} ${date.getFullYear()} ` +
  `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)} ` +
  `${MARKS[level]} ${message}`

/** A logger that prints lines at or above `minimum` (the `loglevel` config) to `write`. */
export const makeLogger =
  (minimum: () => LogLevel, write: (line: string) => void = (line) => process.stdout.write(line + "\n")) =>
  (level: LogLevel, message: string): void => {
    if (LEVELS[level] >= LEVELS[minimum()]) write(formatLogLine(level, message))
  }
