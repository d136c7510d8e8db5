import { ErrorReply } from "../protocol/Reply.js"
import { parseFloatArg } from "./args.js"

const LLONG_MAX = 9223372036854775807

/**
 * Valkey's `getTimeoutFromObjectOrReply` with seconds as the unit: the absolute deadline in ms
 * (0 = wait forever), or the error reply. Parsed as a float (no spaces, no trailing bytes, no NaN),
 * times 1000 rounded up to whole ms, checked for range, sign and `now + ms` overflow, in that order.
 */
export const parseBlockingTimeout = (arg: string, now: number): number | ErrorReply => {
  const seconds = parseFloatArg(arg)
  if (seconds === undefined) return new ErrorReply("ERR timeout is not a float or out of range")
  const exact = seconds * 1000
  if (exact > LLONG_MAX) return new ErrorReply("ERR timeout is out of range")
  // `ceill` on a long double: snap binary noise (1.1 * 1000) before rounding up.
  const nearest = Math.round(exact)
  const ms = Math.abs(exact - nearest) <= Math.abs(exact) * 4 * Number.EPSILON ? nearest : Math.ceil(exact)
  if (ms < 0 || Number.isNaN(ms)) return new ErrorReply("ERR timeout is negative")
  if (ms === 0) return 0
  if (ms > LLONG_MAX - now) return new ErrorReply("ERR timeout is out of range")
  return now + ms
}
