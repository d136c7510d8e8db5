import { performance } from "node:perf_hooks"
import type { Database, Entry } from "./Database.js"

export type MaxmemoryPolicy =
  | "volatile-lru"
  | "volatile-lfu"
  | "volatile-random"
  | "volatile-ttl"
  | "allkeys-lru"
  | "allkeys-lfu"
  | "allkeys-random"
  | "noeviction"

/** What eviction needs of the keyspace it frees memory from (the Keyspace owns the Eviction). */
export interface EvictableKeyspace {
  readonly dbs: ReadonlyArray<Database>
  readonly usedBytes: number
  lfu: boolean
  evict(database: Database, entry: Entry): void
  /** After an eviction and its notification: its propagation and the end of its execution unit. */
  evictionDone(db: number, key: string): void
  lfuCounter(entry: Entry): number
  idleTime(entry: Entry): number
}

/** `performEvictions` results, as Valkey's EVICT_OK / EVICT_RUNNING / EVICT_FAIL. */
const EVICT_OK = 0
const EVICT_RUNNING = 1
export const EVICT_FAIL = 2
type EvictResult = typeof EVICT_OK | typeof EVICT_RUNNING | typeof EVICT_FAIL

/** `used_memory_startup`: a fixed 1 MiB for the server's own tables (Valkey's is about 0.9 MB). */
const STARTUP_OVERHEAD = 1024 * 1024

/** Valkey's EVPOOL_SIZE. */
const POOL_SIZE = 16

/** A candidate in the eviction pool; an empty slot has `key` null. */
interface PoolEntry {
  idle: number
  key: string | null
  db: number
}

/**
 * Valkey's `evictionTimeLimitUs`: how long one `performEvictions` may run before it hands the rest
 * to a background continuation, from `maxmemory-eviction-tenacity` (0-10: linear to 500 µs, then a
 * 15% geometric progression, 100: no limit).
 */
const timeLimitMs = (tenacity: number): number => {
  if (tenacity <= 10) return (50 * tenacity) / 1000
  if (tenacity < 100) return (500 * Math.pow(1.15, tenacity - 10)) / 1000
  return Infinity
}

/**
 * `maxmemory` and `maxmemory-policy` (Valkey's evict.c): when the memory in use passes the limit,
 * delete keys the policy picks until it is back under, before running the next command.
 *
 * Memory in use is `overhead` (a fixed figure for the server itself), the clients' buffers (sampled
 * by the cron) and the bytes charged to the data, kept incrementally by the databases (see
 * `MemoryAccounting.ts`), so checking the limit is two additions and a comparison.
 *
 * The LRU/LFU/TTL policies use Valkey's approximation: sample `maxmemory-samples` keys per database
 * into a pool of the 16 best candidates kept across calls, and evict the best one that still exists.
 */
export class Eviction {
  /** `maxmemory` in bytes; 0: no limit. The config keeps these current. */
  maxmemory = 0
  policy: MaxmemoryPolicy = "noeviction"
  samples = 5
  tenacity = 10
  /**
   * What `used_memory` counts besides the data: the server's own structures, about what Valkey
   * reports as `used_memory_startup`. The JS engine's code and compiled functions are left out, as
   * Valkey's binary is; the heap guard (server/MemoryGate.ts) watches the whole heap.
   */
  overhead = STARTUP_OVERHEAD
  /**
   * Clients' query and output buffers, which Valkey counts too (so clients that do not read their
   * replies make keys go); sampled by the server cron rather than kept per write.
   */
  clientsMemory = 0
  /** Called after each eviction: the `evicted` keyspace notification. */
  onEvicted: ((db: number, key: string) => void) | null = null
  /**
   * Runs `performEvictions` again soon, after one call ran out of time (Valkey's
   * `startEvictionTimeProc`). The server installs one that also ends the tick.
   */
  schedule: (continuation: () => void) => void = (continuation) => setImmediate(continuation)
  /** `current_eviction_exceeded_time`: when the memory went over the limit (ms), 0 when under. */
  exceededSince = 0
  /** `total_eviction_exceeded_time` (ms). */
  totalExceededMs = 0

  private readonly pool: Array<PoolEntry> = Array.from({ length: POOL_SIZE }, () => ({ idle: 0, key: null, db: 0 }))
  private nextDb = 0
  private continuationScheduled = false

  constructor(private readonly keyspace: EvictableKeyspace) {}

  /** `used_memory`: the overhead, the clients' buffers and the data. */
  get usedMemory(): number {
    return this.overhead + this.clientsMemory + this.keyspace.usedBytes
  }

  /** Sets the policy; an LFU policy makes key accesses bump frequency counters instead of times. */
  setPolicy(policy: MaxmemoryPolicy): void {
    this.policy = policy
    this.keyspace.lfu = policy === "allkeys-lfu" || policy === "volatile-lfu"
  }

  /**
   * Valkey's `performEvictions`: OK when under the limit (or it got there), RUNNING when it ran out of
   * time and continues in the background, FAIL when over the limit with nothing (allowed) to evict.
   */
  performEvictions(): EvictResult {
    const result = this.evict()
    if (result === EVICT_OK) {
      if (this.exceededSince !== 0) {
        this.totalExceededMs += performance.now() - this.exceededSince
        this.exceededSince = 0
      }
    } else if (this.exceededSince === 0) this.exceededSince = performance.now()
    return result
  }

  private evict(): EvictResult {
    const maxmemory = this.maxmemory
    if (maxmemory === 0) return EVICT_OK
    const used = this.usedMemory
    if (used <= maxmemory) return EVICT_OK
    if (this.policy === "noeviction") return EVICT_FAIL
    const toFree = used - maxmemory
    const limitMs = timeLimitMs(this.tenacity)
    const start = performance.now()
    const keyspace = this.keyspace
    let freed = 0
    let evicted = 0
    while (freed < toFree) {
      const picked = this.pick()
      if (picked === undefined) return EVICT_FAIL
      const [database, entry] = picked
      const before = keyspace.usedBytes
      keyspace.evict(database, entry)
      freed += before - keyspace.usedBytes
      // As evict.c: the notification and what the unit's jobs write come after the freed memory is counted.
      this.onEvicted?.(database.id, entry.key)
      keyspace.evictionDone(database.id, entry.key)
      evicted++
      if (evicted % 16 === 0 && performance.now() - start > limitMs) {
        this.scheduleContinuation()
        return EVICT_RUNNING
      }
    }
    return this.continuationScheduled ? EVICT_RUNNING : EVICT_OK
  }

  /** Evicts in the background, soon (after CONFIG SET lowered `maxmemory`). */
  evictSoon(): void {
    this.scheduleContinuation()
  }

  private scheduleContinuation(): void {
    if (this.continuationScheduled) return
    this.continuationScheduled = true
    this.schedule(() => {
      this.continuationScheduled = false
      if (this.performEvictions() === EVICT_RUNNING) this.scheduleContinuation()
    })
  }

  /** The next key to evict under the policy, or undefined when there is none. */
  private pick(): [Database, Entry] | undefined {
    const policy = this.policy
    if (policy === "allkeys-random" || policy === "volatile-random") return this.pickRandom(policy === "allkeys-random")
    return this.pickFromPool(policy.startsWith("allkeys-"))
  }

  /** One random key, visiting the databases in turn across calls (Valkey's static `next_db`). */
  private pickRandom(allKeys: boolean): [Database, Entry] | undefined {
    const dbs = this.keyspace.dbs
    for (let i = 0; i < dbs.length; i++) {
      const database = dbs[(++this.nextDb) % dbs.length]
      const candidates = allKeys ? database.slots : database.volatile
      if (candidates.length > 0) return [database, candidates[Math.floor(Math.random() * candidates.length)]]
    }
    return undefined
  }

  /** Valkey's pool loop: populate from every database, then take the best candidate still alive. */
  private pickFromPool(allKeys: boolean): [Database, Entry] | undefined {
    const dbs = this.keyspace.dbs
    const pool = this.pool
    for (;;) {
      let total = 0
      for (const database of dbs) {
        const candidates = allKeys ? database.slots : database.volatile
        if (candidates.length === 0) continue
        total += candidates.length
        this.populate(database, candidates)
      }
      if (total === 0) return undefined
      for (let k = POOL_SIZE - 1; k >= 0; k--) {
        const slot = pool[k]
        if (slot.key === null) continue
        const database = dbs[slot.db]
        const entry = database.raw(slot.key)
        slot.key = null
        slot.idle = 0
        // A key deleted (or, for volatile-*, made persistent) since it was pooled is a ghost.
        if (entry !== undefined && (allKeys || entry.volatileSlot !== -1)) return [database, entry]
      }
    }
  }

  /** Valkey's `evictionPoolPopulate`: sample keys and insert the better ones, ascending by score. */
  private populate(database: Database, candidates: ReadonlyArray<Entry>): void {
    const pool = this.pool
    const keyspace = this.keyspace
    const policy = this.policy
    for (let j = 0; j < this.samples; j++) {
      const entry = candidates[Math.floor(Math.random() * candidates.length)]
      // A higher score is a better candidate.
      const idle =
        policy === "volatile-ttl"
          ? Number.MAX_SAFE_INTEGER - entry.expireAt
          : keyspace.lfu
            ? 255 - keyspace.lfuCounter(entry)
            : keyspace.idleTime(entry)
      let k = 0
      while (k < POOL_SIZE && pool[k].key !== null && pool[k].idle < idle) k++
      if (k === 0 && pool[POOL_SIZE - 1].key !== null) continue
      // The same key sampled twice keeps one slot.
      if (this.pooled(entry.key, database.id)) continue
      if (k < POOL_SIZE && pool[k].key === null) {
        // An empty slot: take it.
      } else if (pool[POOL_SIZE - 1].key === null) {
        // Room on the right: shift k.. right by one.
        const spare = pool[POOL_SIZE - 1]
        for (let i = POOL_SIZE - 1; i > k; i--) pool[i] = pool[i - 1]
        pool[k] = spare
      } else {
        // Full: drop the worst (leftmost) and insert at k-1.
        k--
        const spare = pool[0]
        for (let i = 0; i < k; i++) pool[i] = pool[i + 1]
        pool[k] = spare
      }
      pool[k].idle = idle
      pool[k].key = entry.key
      pool[k].db = database.id
    }
  }

  private pooled(key: string, db: number): boolean {
    for (const slot of this.pool) if (slot.key === key && slot.db === db) return true
    return false
  }
}
