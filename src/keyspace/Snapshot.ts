import type { CopyOnWrite, CopyOnWriteOwner, CopyOnWriteValue } from "./CopyOnWrite.js"
import type { Database, Entry, EntryCopyOnWrite } from "./Database.js"
import type { HashValue } from "./HashValue.js"
import type { Keyspace } from "./Keyspace.js"
import { ListValue } from "./ListValue.js"
import type { SetValue } from "./SetValue.js"
import type { StreamValue } from "./StreamValue.js"
import { ModuleValue, type Value } from "./Value.js"
import type { ZSetValue } from "./ZSetValue.js"

/** A value a snapshot can copy on write. */
type Collection = ListValue | HashValue | SetValue | ZSetValue | StreamValue

/** One database's part of a snapshot: `end - start` keys, `expires` of them with a TTL. */
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

/** A key as the snapshot must show it, kept because its entry changed or left before being read. */
interface Kept {
  readonly key: string
  value: unknown
  readonly expireAt: number
}

/** Reading one database: its live slots from the top down, then the entries removed before being read. */
class DatabaseWalk {
  cursor: number
  readonly removed: Array<Kept | undefined> = []
  removedAt = 0

  constructor(
    readonly database: Database,
    readonly part: SnapshotDb
  ) {
    this.cursor = database.slots.length - 1
  }
}

const active = new WeakMap<Keyspace, Snapshot>()

/** Marks are unique per snapshot, whatever the keyspace (see `Entry.snapshotMark`). */
let lastMark = 0

/** Entries a slice may step over without visiting (read already, new, or expired) per key it visits. */
const SKIPS_PER_KEY = 8

/**
 * A point-in-time view of the whole keyspace without fork (Dragonfly's idea, in the shape of
 * Valkey's copy-on-write child): the keys are handed out in slices (`next`) between event-loop
 * turns while clients go on writing, and each key shows its value and TTL as they were when the
 * snapshot started.
 *
 * Starting costs O(databases), copying nothing per key: it counts the keys (those already past
 * their TTL, found among the keys with a TTL, are not part of the data set) and takes module values
 * in their saved form (modules change their data without telling; skipped when a database holds
 * none). Each database is then read in place, from its top slot down: a removal only moves an
 * entry from a higher slot to a lower one (see `Database`), so no entry present at the start is
 * missed. Entries carry the mark of the last snapshot that dealt with them, so one read already,
 * or created since the start, is stepped over. Before an entry not read yet changes (another
 * value, another TTL) or leaves its database (deleted, expired, evicted, renamed), the database
 * tells the snapshot, which keeps its value and TTL; before a collection changes in place while
 * its entry is not read yet, or while the snapshot keeps it for a key since changed, the collection
 * tells the snapshot (`CopyOnWrite.ts`), which keeps a copy. Flushing or swapping databases changes
 * no entry: the snapshot goes on reading the databases it started with.
 *
 * One snapshot at a time per keyspace (BGSAVE and BGREWRITEAOF take turns, as Valkey's one child).
 */
export class Snapshot implements CopyOnWrite, EntryCopyOnWrite {
  /** Keys in the snapshot (INFO `current_save_keys_total`). */
  readonly total: number
  /** The databases with keys, in order. */
  readonly dbs: ReadonlyArray<SnapshotDb>
  /** Keys visited so far (INFO `current_save_keys_processed`). */
  processed = 0
  /** Copies taken because a collection was written before it was read, and their estimated size. */
  copies = 0
  copiedElements = 0
  private readonly mark: number
  private readonly startedAt: number
  private readonly walks: Array<DatabaseWalk> = []
  private walkIndex = 0
  /** Live entries not read yet whose value or TTL changed: what the snapshot shows for them. */
  private readonly kept = new Map<Entry, Kept>()
  /** Kept keys whose value is a collection still shared with the keyspace (copied before it changes in place). */
  private readonly keptCollections = new Map<Collection, Kept>()
  private done = false

  private constructor(
    private readonly keyspace: Keyspace,
    options: SnapshotOptions
  ) {
    const now = keyspace.now()
    const mark = ++lastMark
    this.mark = mark
    this.startedAt = now
    const captureModule = options.captureModule
    const dbs: Array<SnapshotDb> = []
    let total = 0
    for (const database of keyspace.dbs) {
      // Keys already past their TTL are not part of the data set (nothing can read them any more).
      let expired = 0
      const volatile = database.volatile
      for (let i = 0; i < volatile.length; i++) if (volatile[i].expireAt <= now) expired++
      if (captureModule !== undefined && database.moduleValues > 0) this.captureModules(database, captureModule)
      const keys = database.size - expired
      if (keys === 0) continue
      const part: SnapshotDb = { db: database.id, start: total, end: total + keys, expires: volatile.length - expired }
      dbs.push(part)
      this.walks.push(new DatabaseWalk(database, part))
      total += keys
    }
    for (const walk of this.walks) {
      walk.database.cow = this
      walk.database.snapshotMark = mark
    }
    this.total = total
    this.dbs = dbs
  }

  /** Module values are taken in their saved form now (a module changes its data without telling). */
  private captureModules(database: Database, captureModule: (value: ModuleValue) => unknown): void {
    const slots = database.slots
    for (let i = 0; i < slots.length; i++) {
      const entry = slots[i]
      const value = entry.value
      if (!(value instanceof ModuleValue)) continue
      const expireAt = entry.expireAt
      if (expireAt !== 0 && expireAt <= this.startedAt) continue
      entry.snapshotMark = this.mark
      this.kept.set(entry, { key: entry.key, value: captureModule(value), expireAt })
    }
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
    return this.walks[this.walkIndex]?.part
  }

  /**
   * Visits up to `budget` keys, in database order; returns true once every key has been visited
   * (the snapshot then releases everything it held).
   */
  next(budget: number, visit: SnapshotVisitor): boolean {
    if (this.done) return true
    const mark = this.mark
    const end = this.processed + budget
    let steps = budget * SKIPS_PER_KEY
    while (this.processed < end && steps-- > 0) {
      const walk = this.walks[this.walkIndex]
      if (walk === undefined) break
      const slots = walk.database.slots
      if (walk.cursor >= slots.length) walk.cursor = slots.length - 1
      if (walk.cursor >= 0) {
        const entry = slots[walk.cursor--]
        if (entry.snapshotMark !== mark) {
          entry.snapshotMark = mark
          this.emit(walk, entry.key, entry.value, entry.expireAt, visit)
        } else {
          const kept = this.kept.get(entry)
          if (kept !== undefined) {
            this.kept.delete(entry)
            this.emit(walk, kept.key, kept.value, kept.expireAt, visit)
          }
        }
        continue
      }
      // Every entry still in the database was read: it has nothing more to report.
      if (walk.database.cow === this) walk.database.cow = null
      if (walk.removedAt < walk.removed.length) {
        const kept = walk.removed[walk.removedAt]!
        walk.removed[walk.removedAt++] = undefined
        this.emit(walk, kept.key, kept.value, kept.expireAt, visit)
        continue
      }
      this.walkIndex++
    }
    if (this.walkIndex >= this.walks.length) this.finish()
    return this.done
  }

  private emit(walk: DatabaseWalk, key: string, value: unknown, expireAt: number, visit: SnapshotVisitor): void {
    // Read now: later writes to this collection need no copy.
    if (this.disarm(value)) this.keptCollections.delete(value as Collection)
    // A key already past its TTL at the start is not part of the data set (nothing could read it).
    if (expireAt !== 0 && expireAt <= this.startedAt) return
    visit(walk.part.db, key, value, expireAt)
    this.processed++
  }

  /** Clears `value`'s copy-on-write mark if it is this snapshot's; returns whether it was. */
  private disarm(value: unknown): boolean {
    if (typeof value !== "object" || value === null || (value as Collection).cow !== this) return false
    ;(value as Collection).cow = null
    return true
  }

  /** Keeps what an entry not read yet holds now; a collection kept this way is copied before it changes. */
  private keep(entry: Entry): Kept {
    entry.snapshotMark = this.mark
    const kept: Kept = { key: entry.key, value: entry.value, expireAt: entry.expireAt }
    const value = entry.value
    if (typeof value !== "string" && !(value instanceof ModuleValue)) {
      value.cow = this
      this.keptCollections.set(value, kept)
    }
    return kept
  }

  /** Stops early (a failed or killed save): the collections not read yet stop copying on write. */
  cancel(): void {
    if (this.done) return
    this.finish()
  }

  /** An entry not read yet gets another value or TTL: keep what it holds now. */
  changing(entry: Entry): void {
    this.kept.set(entry, this.keep(entry))
  }

  /** An entry leaves `database`: if not read yet, it is read after the database's live entries. */
  removing(entry: Entry, database: Database): void {
    let kept: Kept | undefined
    if (entry.snapshotMark === this.mark) {
      // Read already, new since the start, or kept earlier.
      kept = this.kept.get(entry)
      if (kept === undefined) return
      this.kept.delete(entry)
    } else {
      kept = this.keep(entry)
    }
    for (let w = this.walkIndex; w < this.walks.length; w++) {
      if (this.walks[w].database === database) {
        this.walks[w].removed.push(kept)
        return
      }
    }
  }

  /**
   * A collection is about to change in place: `owner` (its entry, not read yet) or the key that
   * held it (`owner` null: the snapshot kept it as the value of a key since changed or removed)
   * gets a copy of it as it is now.
   */
  preserve(value: CopyOnWriteValue, owner: CopyOnWriteOwner | null): void {
    const collection = value as Collection
    const copy = collection.clone()
    this.copies++
    this.copiedElements += collection instanceof ListValue ? collection.length : collection.size
    if (owner === null) {
      collection.cow = null
      const kept = this.keptCollections.get(collection)
      this.keptCollections.delete(collection)
      if (kept !== undefined) kept.value = copy
      return
    }
    const entry = owner as Entry
    entry.snapshotMark = this.mark
    this.kept.set(entry, { key: entry.key, value: copy, expireAt: entry.expireAt })
  }

  private finish(): void {
    this.done = true
    for (const walk of this.walks) if (walk.database.cow === this) walk.database.cow = null
    this.walks.length = 0
    for (const collection of this.keptCollections.keys()) this.disarm(collection)
    this.kept.clear()
    this.keptCollections.clear()
    if (active.get(this.keyspace) === this) active.delete(this.keyspace)
  }
}
