import { Database, type Entry } from "./Database.js"
import { type EvictableKeyspace, Eviction } from "./Eviction.js"
import type { MemoryCounter } from "./MemoryAccounting.js"
import type { Value } from "./Value.js"

/**
 * Who hears about key changes: WATCH (`keyModified`, `databaseReplaced`), blocking (`keyCreated`
 * marks a key ready, like Valkey's `signalKeyAsReady` in `dbAdd`), and `keyDeleted` (module blocks
 * with UNBLOCK_DELETED). Several listeners subscribe with `Keyspace.listen`.
 */
export interface KeyspaceEvents {
  keyModified(db: number, key: string): void
  keyCreated(db: number, key: string, value: Value): void
  keyDeleted(db: number, key: string): void
  /**
   * A whole database was emptied (FLUSHDB/FLUSHALL) or swapped (SWAPDB). Fired after the change;
   * `previous` holds the contents `db` had before it (after SWAPDB, the other index holds it).
   */
  databaseReplaced(db: number, previous: Database): void
}

const EVENT_NAMES = ["keyModified", "keyCreated", "keyDeleted", "databaseReplaced"] as const

type Handler = (a: any, b: any, c: any) => void

const noop = (..._args: Array<unknown>): void => {}

/**
 * `first` then `second` for every event. Built once per subscription, so a write costs a call or
 * two and never an allocation.
 */
const composeEvents = (first: KeyspaceEvents, second: Partial<KeyspaceEvents>, isActive: () => boolean): KeyspaceEvents => {
  const out: Record<string, Handler> = {}
  for (const name of EVENT_NAMES) {
    const before = (first[name] === noop ? noop : first[name].bind(first)) as Handler
    const handler = second[name]?.bind(second) as Handler | undefined
    if (handler === undefined) out[name] = before
    else if (before === noop)
      out[name] = (a, b, c) => {
        if (isActive()) handler(a, b, c)
      }
    else
      out[name] = (a, b, c) => {
        before(a, b, c)
        if (isActive()) handler(a, b, c)
      }
  }
  return out as unknown as KeyspaceEvents
}

/** Why a key's value is unlinked (Valkey's `VALKEYMODULE_SUBEVENT_KEY_*`). */
export type UnlinkCause = "deleted" | "expired" | "evicted" | "overwritten"

const noEvents: KeyspaceEvents = {
  keyModified: noop,
  keyCreated: noop,
  keyDeleted: noop,
  databaseReplaced: noop
}

interface KeyspaceStats {
  hits: number
  misses: number
  expiredKeys: number
  evictedKeys: number
}

/** Valkey's LFU_INIT_VAL: a new key's counter, so it survives a few evictions before its first hits. */
export const LFU_INIT_VAL = 5

/**
 * All databases, with Valkey's expiry: lazy on access and active in `activeExpireCycle`. Time comes
 * from `now` (the server passes Effect's `Clock`, so `TestClock` drives TTLs).
 *
 * The primitives here do not decide reply shapes; commands do.
 */
export class Keyspace implements EvictableKeyspace {
  readonly dbs: Array<Database>
  /** Every subscriber's handlers, composed (see `listen`). */
  events: KeyspaceEvents = noEvents
  /** `DEBUG SET-ACTIVE-EXPIRE 0` turns the active expiry cycle off (keys still expire lazily). */
  activeExpire = true
  readonly stats: KeyspaceStats = { hits: 0, misses: 0, expiredKeys: 0, evictedKeys: 0 }
  /**
   * Valkey's `server.dirty`: changes made by commands since start (never reset here; persistence
   * keeps its own mark of the value at the last save). Expiry and eviction do not count, as in
   * Valkey, where only commands add to it.
   */
  dirty = 0
  /** Called after a key expired (lazy or active): the `expired` keyspace notification. */
  onExpired: ((db: number, key: string) => void) | null = null
  /**
   * Called before a key's value goes away, while it still holds it (module.c
   * `moduleNotifyKeyUnlink`, the modules' key event): deleted, expired, evicted or overwritten by
   * `set`. Null when nobody listens.
   */
  onUnlink: ((db: number, key: string, cause: UnlinkCause) => void) | null = null
  /**
   * After a key removed by expiry or eviction was notified and propagated: outside a command that
   * ends its execution unit (the server's `endExecutionUnit`).
   */
  deletionDone: (() => void) | null = null
  /** A read lookup missed (Valkey's `keymiss` event, class `m`). */
  onKeyMiss: ((db: number, key: string) => void) | null = null
  /** A key was loaded from an RDB file (Valkey's module-only `loaded` event). */
  onKeyLoaded: ((db: number, key: string) => void) | null = null
  /** Above 0, keys past their TTL are not expired on access (Valkey's `lazy_expire_disabled`). */
  lazyExpireDisabled = 0
  /**
   * Called for a key removed by expiry or eviction rather than by a command, so the AOF logs it as
   * DEL or UNLINK (Valkey's `propagateDeletion`). Null while nothing is propagated.
   */
  propagateDeletion: ((db: number, key: string, cause: "expired" | "evicted") => void) | null = null
  /**
   * Set while this server is a replica: expired keys are not deleted (no active expiry either).
   * Returns true while the primary's stream runs, which still sees them.
   */
  replicaExpiry: (() => boolean) | null = null
  /** The bytes charged to the data of every database (see `MemoryAccounting.ts`). */
  readonly memory: MemoryCounter = { bytes: 0 }
  /**
   * The clock in seconds, refreshed by the server cron (Valkey's `server.lruclock`, resolution
   * 1 s): an access stores it in `Entry.lru` without reading the time.
   */
  lruClock: number
  /** An LFU `maxmemory-policy` is set: accesses bump the logarithmic counter instead. */
  lfu = false
  /**
   * A file is being loaded (Valkey's `server.loading`): nothing expires meanwhile, neither on
   * lookup nor by a command given a time in the past (db.c `keyIsExpired`, expire.c
   * `checkAlreadyExpired`), so an AOF's `PEXPIREAT k <past>` followed by `RPUSH k v` leaves one
   * key with both elements and its TTL, to expire once loaded, as Valkey loads it.
   */
  loading = false
  /** `lfu-log-factor` and `lfu-decay-time` (minutes), kept current by the config. */
  lfuLogFactor = 10
  lfuDecayTime = 1
  /** `maxmemory` and the eviction policies. */
  readonly eviction: Eviction = new Eviction(this)

  constructor(
    databases: number,
    readonly now: () => number
  ) {
    this.dbs = Array.from({ length: databases }, (_, i) => new Database(i, this.memory))
    this.lruClock = Math.floor(now() / 1000)
  }

  /** Refreshes the cached clock (the server cron calls it `hz` times per second). */
  updateClock(): void {
    this.lruClock = Math.floor(this.now() / 1000)
  }

  /** The bytes charged to the data of every database. */
  get usedBytes(): number {
    return this.memory.bytes
  }

  /** Valkey's `LFUGetTimeInMinutes`: 16 bits of minutes. */
  lfuMinutes(): number {
    return Math.floor(this.lruClock / 60) & 65535
  }

  /** The `lru` a new key starts with (Valkey's `createObject`). */
  private initialLru(): number {
    return this.lfu ? (this.lfuMinutes() << 8) | LFU_INIT_VAL : this.lruClock
  }

  /**
   * Valkey's `LFUDecrAndReturn`: the counter, decayed by one per `lfu-decay-time` minutes since the
   * last access (without storing it; the access does).
   */
  lfuCounter(entry: Entry): number {
    const ldt = entry.lru >>> 8
    const counter = entry.lru & 255
    if (this.lfuDecayTime === 0) return counter
    const now = this.lfuMinutes()
    const elapsed = now >= ldt ? now - ldt : 65535 - ldt + now
    const periods = Math.floor(elapsed / this.lfuDecayTime)
    return periods > counter ? 0 : counter - periods
  }

  /** Valkey's `updateLFU`: decay, then a logarithmic increment (`LFULogIncr`). */
  private accessLfu(entry: Entry): void {
    let counter = this.lfuCounter(entry)
    if (counter < 255) {
      const base = counter > LFU_INIT_VAL ? counter - LFU_INIT_VAL : 0
      if (Math.random() < 1 / (base * this.lfuLogFactor + 1)) counter++
    }
    entry.lru = (this.lfuMinutes() << 8) | counter
  }

  /** Valkey's `estimateObjectIdleTime`, in ms (resolution 1 s). */
  idleTime(entry: Entry): number {
    return Math.max(0, this.lruClock - entry.lru) * 1000
  }

  /**
   * Adds a listener after those already subscribed (also after handlers composed by assigning
   * `events`); returns the unsubscribe function.
   */
  listen(listener: Partial<KeyspaceEvents>): () => void {
    let active = true
    this.events = composeEvents(this.events, listener, () => active)
    return () => {
      active = false
    }
  }

  /**
   * The live entry for `key`, deleting it first if its TTL has passed. Counts as an access for the
   * LRU/LFU eviction policies (Valkey's `lookupKey`).
   */
  lookup(db: number, key: string): Entry | undefined {
    const entry = this.peek(db, key)
    if (entry !== undefined) {
      if (this.lfu) this.accessLfu(entry)
      else entry.lru = this.lruClock
    }
    return entry
  }

  /** `lookup` without counting an access (Valkey's LOOKUP_NOTOUCH: OBJECT, TYPE, TTL). */
  peek(db: number, key: string): Entry | undefined {
    const database = this.dbs[db]
    const entry = database.entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expireAt !== 0 && entry.expireAt <= this.now() && !this.loading && this.lazyExpireDisabled === 0) {
      // A replica deletes nothing itself (its primary's DEL will): the key reads as missing,
      // except to the primary's own stream (db.c `expireIfNeeded`).
      const replica = this.replicaExpiry
      if (replica !== null) return replica() ? entry : undefined
      this.expire(database, entry)
      return undefined
    }
    return entry
  }

  /**
   * Whether a command given the absolute time `when` (ms) must delete the key instead of setting
   * the TTL (expire.c `checkAlreadyExpired`): never while loading, nor on a replica.
   */
  alreadyExpired(when: number | bigint): boolean {
    // expire.c `checkAlreadyExpired`: nor on a replica, which keeps the TTL for its primary's DEL.
    return when <= this.now() && !this.loading && this.replicaExpiry === null
  }

  /** Tells `onUnlink` that `key`'s value is about to go (lazy expiry stays off meanwhile, as in Valkey). */
  private unlinking(db: number, key: string, cause: UnlinkCause): void {
    this.lazyExpireDisabled++
    try {
      this.onUnlink!(db, key, cause)
    } finally {
      this.lazyExpireDisabled--
    }
  }

  /** A read lookup: counts keyspace hits and misses for INFO. */
  read(db: number, key: string): Value | undefined {
    const entry = this.lookup(db, key)
    if (entry === undefined) {
      this.miss(db, key)
      return undefined
    }
    this.stats.hits++
    return entry.value
  }

  /** A read lookup found nothing: counted in `keyspace_misses`, and the `keymiss` event. */
  miss(db: number, key: string): void {
    this.stats.misses++
    this.onKeyMiss?.(db, key)
  }

  exists(db: number, key: string): boolean {
    return this.lookup(db, key) !== undefined
  }

  /** Creates a key that does not exist (Valkey's `dbAdd`). */
  add(db: number, key: string, value: Value, expireAt = 0): Entry {
    this.dirty++
    const entry = this.dbs[db].insert(key, value, expireAt, this.initialLru())
    this.events.keyCreated(db, key, value)
    this.events.keyModified(db, key)
    return entry
  }

  /**
   * Sets a key whatever it held (Valkey's `setKey`): the TTL is cleared unless `keepTtl`.
   * Overwriting with another type counts as a deletion for UNBLOCK_DELETED waiters. `overwrite`
   * false is a new value for the same key (Valkey's `dbReplaceValue`: INCR), not an overwrite.
   */
  set(db: number, key: string, value: Value, keepTtl = false, overwrite = true): Entry {
    const entry = this.lookup(db, key)
    if (entry === undefined) return this.add(db, key, value)
    if (overwrite && this.onUnlink !== null) this.unlinking(db, key, "overwritten")
    this.dirty++
    const typeChanged = typeof entry.value !== typeof value || (typeof value !== "string" && entry.value.constructor !== value.constructor)
    this.dbs[db].assign(entry, value)
    if (!keepTtl && entry.expireAt !== 0) this.dbs[db].clearExpire(entry)
    this.dbs[db].recharge(entry)
    if (typeChanged) this.events.keyDeleted(db, key)
    this.events.keyModified(db, key)
    return entry
  }

  /**
   * Gives a live entry a new value in place, keeping its TTL (APPEND, SETRANGE, SPOP's new set); the
   * caller signals the change (`touch`).
   */
  replaceValue(db: number, entry: Entry, value: Value): void {
    this.dbs[db].assign(entry, value)
  }

  /** Deletes a live key; returns whether it existed. */
  delete(db: number, key: string): boolean {
    const entry = this.lookup(db, key)
    if (entry === undefined) return false
    if (this.onUnlink !== null) this.unlinking(db, key, "deleted")
    this.dirty++
    this.dbs[db].remove(entry)
    this.events.keyDeleted(db, key)
    this.events.keyModified(db, key)
    return true
  }

  /** Deletes an entry already looked up (for example a list emptied by a pop). */
  deleteEntry(db: number, entry: Entry): void {
    if (this.onUnlink !== null) this.unlinking(db, entry.key, "deleted")
    this.dirty++
    this.dbs[db].remove(entry)
    this.events.keyDeleted(db, entry.key)
    this.events.keyModified(db, entry.key)
  }

  /** Tells watchers that a value changed in place (Valkey's `signalModifiedKey`). */
  touch(db: number, key: string): void {
    this.dirty++
    const entry = this.dbs[db].raw(key)
    if (entry !== undefined) this.dbs[db].recharge(entry)
    this.events.keyModified(db, key)
  }

  /** Sets or clears (0) an entry's TTL. A TTL already in the past deletes the key. */
  setExpire(db: number, entry: Entry, expireAt: number): void {
    this.dirty++
    this.dbs[db].changing(entry)
    if (expireAt === 0) this.dbs[db].clearExpire(entry)
    else this.dbs[db].setExpire(entry, expireAt)
    this.events.keyModified(db, entry.key)
  }

  /** Empties `db` (a fresh Database replaces it, so listeners can still read what it held). */
  flushDb(db: number): number {
    const previous = this.dbs[db]
    this.memory.bytes -= previous.bytes
    this.dirty += previous.size
    this.dbs[db] = new Database(db, this.memory)
    this.events.databaseReplaced(db, previous)
    return previous.size
  }

  flushAll(): void {
    for (let i = 0; i < this.dbs.length; i++) this.flushDb(i)
  }

  swap(a: number, b: number): void {
    this.dirty++
    const first = this.dbs[a]
    this.dbs[a] = this.dbs[b]
    this.dbs[b] = first
    this.dbs[a].id = a
    this.dbs[b].id = b
    this.events.databaseReplaced(a, this.dbs[b])
    this.events.databaseReplaced(b, this.dbs[a])
  }

  /**
   * Removes an entry chosen by the eviction policy (Valkey's `dbGenericDelete` with
   * DB_FLAG_KEY_EVICTED): watchers and module waiters hear of it like any deletion.
   */
  evict(database: Database, entry: Entry): void {
    if (this.onUnlink !== null) this.unlinking(database.id, entry.key, "evicted")
    database.remove(entry)
    this.stats.evictedKeys++
    this.events.keyDeleted(database.id, entry.key)
    this.events.keyModified(database.id, entry.key)
  }

  /** After `evict` and its `evicted` notification (evict.c: propagate, then `postExecutionUnitOperations`). */
  evictionDone(db: number, key: string): void {
    this.propagateDeletion?.(db, key, "evicted")
    this.deletionDone?.()
  }

  /** Removes an expired entry (lazy or active expiry; db.c `deleteExpiredKeyAndPropagate`). */
  private expire(database: Database, entry: Entry): void {
    if (this.onUnlink !== null) this.unlinking(database.id, entry.key, "expired")
    database.remove(entry)
    this.stats.expiredKeys++
    this.events.keyDeleted(database.id, entry.key)
    this.events.keyModified(database.id, entry.key)
    this.onExpired?.(database.id, entry.key)
    this.propagateDeletion?.(database.id, entry.key, "expired")
    this.deletionDone?.()
  }

  /**
   * Valkey's active expiry: sample keys with a TTL in each database and delete the expired ones,
   * repeating while more than a quarter of a sample was expired, within `maxSamples` per call.
   */
  activeExpireCycle(maxSamples = 2000): number {
    if (!this.activeExpire || this.replicaExpiry !== null) return 0
    const now = this.now()
    let expired = 0
    let budget = maxSamples
    for (const database of this.dbs) {
      for (;;) {
        const volatile = database.volatile
        if (volatile.length === 0 || budget <= 0) break
        const sample = Math.min(20, volatile.length)
        let found = 0
        for (let i = 0; i < sample && volatile.length > 0; i++) {
          const entry = volatile[Math.floor(Math.random() * volatile.length)]
          if (entry.expireAt <= now) {
            this.expire(database, entry)
            found++
          }
        }
        budget -= sample
        expired += found
        if (found * 4 <= sample) break
      }
    }
    return expired
  }

  /** A random live key of `db`, or undefined when it is empty. */
  randomKey(db: number): string | undefined {
    const database = this.dbs[db]
    for (let tries = 0; database.size > 0 && tries < 100; tries++) {
      const entry = database.slots[Math.floor(Math.random() * database.size)]
      if (this.peek(db, entry.key) !== undefined) return entry.key
    }
    return database.size > 0 ? database.slots[0].key : undefined
  }
}
