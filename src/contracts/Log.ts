/** Valkey's log levels (`loglevel`), lowest first. */
export type LogLevel = "debug" | "verbose" | "notice" | "warning"

/** Where a room writes its log lines; the server's logger filters them by `loglevel`. */
export type Log = (level: LogLevel, message: string) => void
