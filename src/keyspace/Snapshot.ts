import type { CopyOnWrite } from "./CopyOnWrite.js"
import type { HashValue } from "./HashValue.js"
import type { Keyspace } from "./Keyspace.js"
import { ListValue } from "./ListValue.js"
import type { SetValue } from "./SetValue.js"
import { ModuleValue, type Value } from "./Value.js"
import type { ZSetValue } from "./ZSetValue.js"

/** A value a snapshot can copy on write. */
type Collection = ListValue | HashValue | SetValue | ZSetValue

/** One database's part of a snapshot: its keys are `start..end-1`, `expires` of them with a TTL. */
export interface SnapshotDb {
  readonly db: number
  readonly start: number
  readonly end: number
  readonly expires: number
}

export interface SnapshotOptions {
  /**
   * What the snapshot keeps of a module value. Modules change their data freely (no hook tells a
   * snapshot before a write), so the value is taken in its saved form when the snapshot starts.
   * Without it the module value itself is kept (only correct if nothing changes it meanwhile).
   */
  readonly captureModule?: (value: ModuleValue) => unknown
}

/** Called for each key of the snapshot, in database order. `value` is a module capture for module values. */
export type SnapshotVisitor = (db: number, key: string, value: Value | unknown, expireAt: number) => void

const active = new WeakMap<Keyspace, Snapshot>()

/**
 * A point-in-time view of the whole keyspace without fork (Dragonfly's idea, in the shape of
 * Valkey's copy-on-write child): starting it lists every live key, its value reference and its TTL in
 * one synchronous step; the keys are then handed out in slices (`next`) between event-loop turns
 * while clients go on writing.
 *
 * It still shows the data as it was at the start because strings are immutable (a reference is the
 * value) and every collection it has not read yet carries `cow`: the collection's first in-place
 * write calls `preserve`, which swaps the snapshot's reference for a copy taken before the write.
 * Deleting, overwriting, renaming, expiring, flushing or swapping databases never changes a
 * collection in place, so the references already listed are enough for those.
 *
 * One snapshot at a time per keyspace (BGSAVE and BGREWRITEAOF take turns, as Valkey's one child).
 */
export class Snapshot implements CopyOnWrite {
  private keys: Array<string | undefined>
  private values: Array<unknown>
  private readonly expireAts: Float64Array
  /** Keys in the snapshot (INFO `current_save_keys_total`). */
  readonly total: number
  /** The databases with keys, in order. */
  readonly dbs: ReadonlyArray<SnapshotDb>
  /** Keys visited so far (INFO `current_save_keys_processed`). */
  processed = 0
  /** Copies taken because a collection was written before it was read, and their estimated size. */
  copies = 0
  copiedElements = 0
  private dbIndex = 0
  private done = false

  private constructor(
    private readonly keyspace: Keyspace,
    options: SnapshotOptions
  ) {
    const now = keyspace.now()
    let total = 0
    for (const database of keyspace.dbs) total += database.size
    this.keys = new Array(total)
    this.values = new Array(total)
    this.expireAts = new Float64Array(total)
    const dbs: Array<SnapshotDb> = []
    const captureModule = options.captureModule
    let n = 0
    try {
      for (const database of keyspace.dbs) {
        const start = n
        let expires = 0
        const slots = database.slots
        for (let i = 0; i < slots.length; i++) {
          const entry = slots[i]
          const expireAt = entry.expireAt
          // A key already past its TTL is not part of the data set (nothing can read it any more).
          if (expireAt !== 0) {
            if (expireAt <= now) continue
            expires++
          }
          let value: unknown = entry.value
          if (typeof value !== "string") {
            if (value instanceof ModuleValue) {
              if (captureModule !== undefined) value = captureModule(value)
            } else {
              const collection = value as Collection
              collection.cow = this
              collection.cowSlot = n
            }
          }
          this.keys[n] = entry.key
          this.values[n] = value
          this.expireAts[n] = expireAt
          n++
        }
        if (n > start) dbs.push({ db: database.id, start, end: n, expires })
      }
    } catch (e) {
      // A module value that could not be captured: leave nothing marked behind.
      this.release(0, n)
      throw e
    }
    this.keys.length = n
    this.values.length = n
    this.total = n
    this.dbs = dbs
  }

  /** Starts a snapshot of `keyspace`; throws when one is already running on it. */
  static start(keyspace: Keyspace, options: SnapshotOptions = {}): Snapshot {
    if (active.has(keyspace)) throw new Error("a snapshot of this keyspace is already in progress")
    const snapshot = new Snapshot(keyspace, options)
    active.set(keyspace, snapshot)
    if (snapshot.total === 0) snapshot.finish()
    return snapshot
  }

  /** The snapshot running on `keyspace`, if any. */
  static running(keyspace: Keyspace): Snapshot | undefined {
    return active.get(keyspace)
  }

  get finished(): boolean {
    return this.done
  }

  /** The database the next key belongs to (undefined once every key was visited). */
  get currentDb(): SnapshotDb | undefined {
    return this.dbs[this.dbIndex]
  }

  /**
   * Visits up to `budget` keys, in order; returns true once every key has been visited (the
   * snapshot then releases everything it held).
   */
  next(budget: number, visit: SnapshotVisitor): boolean {
    if (this.done) return true
    const end = Math.min(this.total, this.processed + budget)
    const keys = this.keys
    const values = this.values
    for (let i = this.processed; i < end; i++) {
      while (i >= this.dbs[this.dbIndex].end) this.dbIndex++
      const value = values[i]
      // Read now: later writes to this collection need no copy.
      if (typeof value === "object" && value !== null && (value as Collection).cow === this) (value as Collection).cow = null
      visit(this.dbs[this.dbIndex].db, keys[i]!, value, this.expireAts[i])
      keys[i] = undefined
      values[i] = undefined
      this.processed = i + 1
    }
    if (this.processed >= this.total) this.finish()
    return this.done
  }

  /** Stops early (a failed or killed save): the collections not read yet stop copying on write. */
  cancel(): void {
    if (this.done) return
    this.release(this.processed, this.total)
    this.finish()
  }

  /** Clears the copy-on-write mark of the collections in `from..to-1` that still carry it. */
  private release(from: number, to: number): void {
    const values = this.values
    for (let i = from; i < to; i++) {
      const value = values[i]
      if (typeof value === "object" && value !== null && (value as Collection).cow === this) (value as Collection).cow = null
    }
  }

  /** A collection at `slot` is about to change: keep a copy of it as it is now. */
  preserve(slot: number): void {
    const value = this.values[slot] as Collection
    value.cow = null
    const copy = value.clone()
    this.values[slot] = copy
    this.copies++
    this.copiedElements += value instanceof ListValue ? value.length : value.size
  }

  private finish(): void {
    this.done = true
    this.keys = []
    this.values = []
    if (active.get(this.keyspace) === this) active.delete(this.keyspace)
  }
}
