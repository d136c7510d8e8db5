import { Data } from "effect"

/**
 * A bad RDB file or DUMP payload. `message` is the reason in Valkey's words; `log` the warning
 * lines Valkey writes for it, in order (e.g. "Short read or OOM loading DB. Unrecoverable error,
 * aborting now." then "Internal error in RDB reading offset 0, function at rdb.c:3378 ->
 * Unexpected EOF reading RDB file"). Valkey then logs "Terminating server after rdb file reading
 * failure." and exits with 1 (rdb.c `rdbReportError`); that part is the loader's.
 * `kind` lets the loader pick its path without parsing the text.
 */
export class RdbError extends Data.TaggedError("RdbError")<{
  readonly kind: RdbErrorKind
  readonly message: string
  readonly log: ReadonlyArray<string>
}> {}

export type RdbErrorKind =
  /** The bytes ran out before the file's EOF opcode (rdb.c `rdbLoadRioWithLoadingCtx` eoferr). */
  | "short-read"
  /** A structure inside failed validation (rdb.c `rdbReportCorruptRDB`). */
  | "corrupt"
  /** The CRC64 at the end does not match ("Wrong RDB checksum expected: (...) but got (...). Aborting now."). */
  | "checksum"
  /** Not "REDIS" + 4 digits ("Wrong signature trying to load DB from file"), or a version above 12 ("Can't handle RDB format version N"). */
  | "version"
  /** A value type this server cannot load ("Unknown RDB encoding type N"): Redis 7.4 hash field TTLs. */
  | "unknown-type"
  /** Module data whose module type is not loaded, or that its module cannot load. */
  | "module"
  /** A function library (FUNCTION2) and no engine to load it: "Failed loading library, Engine 'LUA' not found". */
  | "function"
  /** A SELECTDB beyond the configured databases ("FATAL: Data file was created with a Valkey server configured to handle more than N databases. Exiting\n"). */
  | "databases"

/** Valkey's log line when the file ends early (rdb.c `rdbLoadRioWithLoadingCtx`, eoferr). */
export const SHORT_READ_MESSAGE = "Short read or OOM loading DB. Unrecoverable error, aborting now."
/** rdb.c `rdbReportError`'s last line before `exit(1)`. */
export const TERMINATING_MESSAGE = "Terminating server after rdb file reading failure."
