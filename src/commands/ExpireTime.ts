import type { Entry } from "../keyspace/Database.js"
import type { Keyspace } from "../keyspace/Keyspace.js"

/**
 * Expire times beyond 2^53 ms (year 287396 and later; `PEXPIREAT k 9223372036854775807`) do not
 * fit `Entry.expireAt` exactly, but PEXPIRETIME must echo them back digit for digit. The exact
 * value is kept aside for those entries only, and trusted while `expireAt` still matches it.
 */
const exact = new WeakMap<Entry, bigint>()

/** Sets `entry`'s TTL to the absolute time `when` (ms since the epoch, > 0). */
export const setExpireTime = (keyspace: Keyspace, db: number, entry: Entry, when: bigint): void => {
  const ms = Number(when)
  keyspace.setExpire(db, entry, ms)
  if (Number.isSafeInteger(ms)) exact.delete(entry)
  else exact.set(entry, when)
}

/** `entry`'s absolute expire time as Valkey stores it, or -1 without a TTL. */
export const expireTimeOf = (entry: Entry): number | bigint => {
  if (entry.expireAt === 0) return -1
  if (Number.isSafeInteger(entry.expireAt)) return entry.expireAt
  const value = exact.get(entry)
  return value !== undefined && Number(value) === entry.expireAt ? value : entry.expireAt
}
