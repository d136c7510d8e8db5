import { Data } from "effect"

/**
 * A bad RDB file or DUMP payload. `message` is Valkey's text for it: rdb.c's
 * `rdbReportCorruptRDB` ("Internal error in RDB reading offset 0, function at rdb.c:0 -> ..."),
 * "Wrong RDB checksum...", "Can't handle RDB format version N", a short read
 * ("Short read or OOM loading DB. Unrecoverable error, aborting now."), an unknown type.
 * `kind` lets the loader pick Valkey's log line and exit path without parsing the text.
 */
export class RdbError extends Data.TaggedError("RdbError")<{
  readonly kind: RdbErrorKind
  readonly message: string
}> {}

export type RdbErrorKind =
  /** The bytes ran out before the file's EOF opcode (rdb.c `rdbLoadRioWithLoadingCtx` eoferr). */
  | "short-read"
  /** A structure inside failed validation (rdb.c `rdbReportCorruptRDB`). */
  | "corrupt"
  /** The CRC64 at the end does not match ("Wrong RDB checksum expected: ... got: ..."). */
  | "checksum"
  /** Not "REDIS" + 4 digits, or a version above the one this server writes. */
  | "version"
  /** A value type or module type this server cannot load (Valkey: "Unknown RDB encoding type"). */
  | "unknown-type"
  /** A module value or module aux data whose module is not loaded. */
  | "module"

/** Valkey's log line when the file ends early (rdb.c `rdbLoadRioWithLoadingCtx`, eoferr). */
export const SHORT_READ_MESSAGE = "Short read or OOM loading DB. Unrecoverable error, aborting now."
