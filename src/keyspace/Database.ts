import { entryCost, type MemoryCounter, VOLATILE_OVERHEAD } from "./MemoryAccounting.js"
import type { CopyOnWrite } from "./CopyOnWrite.js"
import { ModuleValue, type Value } from "./Value.js"

/**
 * One key of a database. `expireAt` is an absolute unix time in ms, 0 for no TTL. `slot` and
 * `volatileSlot` are positions in the database's dense arrays (RANDOMKEY, SCAN, active expiry).
 * `lru` is Valkey's `robj.lru`: the LRU clock of the last access, or under an LFU policy the last
 * access in minutes (high bits) and the logarithmic access counter (low 8 bits). `cost` is what the
 * entry is charged in the memory accounting (see `MemoryAccounting.ts`).
 */
export interface Entry {
  readonly key: string
  value: Value
  expireAt: number
  slot: number
  volatileSlot: number
  lru: number
  cost: number
  /**
   * The last snapshot that has dealt with this entry (read it, or kept its value and TTL before a
   * change), as `Database.snapshotMark`; a new entry gets the mark of the snapshot running.
   */
  snapshotMark: number
}

/**
 * What a running snapshot (`Snapshot.ts`) hears from a database it has not finished reading: an
 * entry it has not read yet is about to get another value or TTL, or to leave the database.
 */
export interface EntryCopyOnWrite extends CopyOnWrite {
  changing(entry: Entry): void
  removing(entry: Entry, database: Database): void
}

/** V8's `Map` holds at most 2^24 entries ("Map maximum size exceeded"). */
const MAP_LIMIT = 1 << 24

/**
 * A database's key → entry index. Valkey's dict has no size cap, but a JS `Map` stops at 2^24
 * entries, so keys past that go to further maps: a lookup that hits the first map (every lookup
 * until a database holds 16.7M keys) costs what a plain `Map` does.
 */
class KeyTable {
  private first = new Map<string, Entry>()
  private readonly maps: Array<Map<string, Entry>> = [this.first]

  constructor(private readonly limit = MAP_LIMIT) {}

  get size(): number {
    let size = 0
    for (const map of this.maps) size += map.size
    return size
  }

  get(key: string): Entry | undefined {
    const entry = this.first.get(key)
    if (entry !== undefined || this.maps.length === 1) return entry
    for (let i = 1; i < this.maps.length; i++) {
      const found = this.maps[i].get(key)
      if (found !== undefined) return found
    }
    return undefined
  }

  /** Adds a key that is not in the table. */
  add(key: string, entry: Entry): void {
    const maps = this.maps
    for (let i = 0; i < maps.length; i++) {
      if (maps[i].size < this.limit) {
        maps[i].set(key, entry)
        return
      }
    }
    maps.push(new Map([[key, entry]]))
  }

  delete(key: string): boolean {
    if (this.first.delete(key)) return true
    for (let i = 1; i < this.maps.length; i++) if (this.maps[i].delete(key)) return true
    return false
  }

  clear(): void {
    this.first.clear()
    this.maps.length = 1
  }

  *keys(): IterableIterator<string> {
    for (const map of this.maps) yield* map.keys()
  }
}

/**
 * A database: a hash map of entries plus dense arrays for O(1) random sampling.
 *
 * Removal moves the last entry into the hole, so SCAN walks slots from the top down: an entry that
 * is present for the whole scan is always returned (it can only move from an unvisited high slot
 * to a lower slot), which is Valkey's SCAN guarantee.
 */
export class Database {
  readonly entries: KeyTable
  readonly slots: Array<Entry> = []
  readonly volatile: Array<Entry> = []
  /** The bytes its entries are charged; `memory` is the total over every database. */
  bytes = 0
  /** The snapshot still reading this database, and its mark (see `Entry.snapshotMark`). */
  cow: EntryCopyOnWrite | null = null
  snapshotMark = 0
  /** Module values held (a snapshot takes them in their saved form at its start). */
  moduleValues = 0

  /** The database index; SWAPDB exchanges two databases and their ids. */
  constructor(
    public id: number,
    private readonly memory: MemoryCounter = { bytes: 0 },
    mapLimit?: number
  ) {
    this.entries = new KeyTable(mapLimit)
  }

  get size(): number {
    return this.slots.length
  }

  get volatileCount(): number {
    return this.volatile.length
  }

  /** The entry, expired or not. Expiry is handled by `Keyspace`. */
  raw(key: string): Entry | undefined {
    return this.entries.get(key)
  }

  insert(key: string, value: Value, expireAt = 0, lru = 0): Entry {
    const cost = entryCost(key, value)
    const entry: Entry = {
      key,
      value,
      expireAt: 0,
      slot: this.slots.length,
      volatileSlot: -1,
      lru,
      cost,
      snapshotMark: this.snapshotMark
    }
    if (typeof value !== "string") this.adopt(entry, value)
    this.entries.add(key, entry)
    this.bytes += cost
    this.memory.bytes += cost
    this.slots.push(entry)
    if (expireAt !== 0) this.setExpire(entry, expireAt)
    return entry
  }

  /** Removes an entry; its value and `expireAt` stay as they were (a snapshot may still read them). */
  remove(entry: Entry): void {
    if (this.cow !== null) this.cow.removing(entry, this)
    if (entry.volatileSlot !== -1) this.unlinkVolatile(entry)
    if (entry.value instanceof ModuleValue) this.moduleValues--
    this.bytes -= entry.cost
    this.memory.bytes -= entry.cost
    this.entries.delete(entry.key)
    removeAt(this.slots, entry.slot, (moved, slot) => (moved.slot = slot))
  }

  /** The entry's value changed: charge its new cost. */
  recharge(entry: Entry): void {
    const cost = entryCost(entry.key, entry.value) + (entry.volatileSlot === -1 ? 0 : VOLATILE_OVERHEAD)
    const delta = cost - entry.cost
    entry.cost = cost
    this.bytes += delta
    this.memory.bytes += delta
  }

  setExpire(entry: Entry, expireAt: number): void {
    if (entry.volatileSlot === -1) {
      entry.volatileSlot = this.volatile.length
      this.volatile.push(entry)
      this.charge(entry, VOLATILE_OVERHEAD)
    }
    entry.expireAt = expireAt
  }

  clearExpire(entry: Entry): void {
    this.unlinkVolatile(entry)
    entry.expireAt = 0
  }

  /**
   * `entry`'s value or TTL is about to change in place: a snapshot that has not read it yet keeps
   * them first. Costs one comparison when no snapshot runs.
   */
  changing(entry: Entry): void {
    if (this.cow !== null && entry.snapshotMark !== this.snapshotMark) this.cow.changing(entry)
  }

  /** Gives a live entry another value (the TTL is the caller's business). */
  assign(entry: Entry, value: Value): void {
    this.changing(entry)
    if (entry.value instanceof ModuleValue) this.moduleValues--
    entry.value = value
    if (typeof value !== "string") this.adopt(entry, value)
  }

  /** A collection learns where it lives, for copy-on-write (see `CopyOnWrite.ts`). */
  private adopt(entry: Entry, value: Exclude<Value, string>): void {
    if (value instanceof ModuleValue) this.moduleValues++
    else {
      value.home = this
      value.owner = entry
    }
  }

  private unlinkVolatile(entry: Entry): void {
    if (entry.volatileSlot !== -1) {
      removeAt(this.volatile, entry.volatileSlot, (moved, slot) => (moved.volatileSlot = slot))
      entry.volatileSlot = -1
      this.charge(entry, -VOLATILE_OVERHEAD)
    }
  }

  private charge(entry: Entry, bytes: number): void {
    entry.cost += bytes
    this.bytes += bytes
    this.memory.bytes += bytes
  }

  clear(): void {
    if (this.cow !== null) for (const entry of this.slots) this.cow.removing(entry, this)
    this.memory.bytes -= this.bytes
    this.bytes = 0
    this.moduleValues = 0
    this.entries.clear()
    this.slots.length = 0
    this.volatile.length = 0
  }
}

const removeAt = (array: Array<Entry>, index: number, setIndex: (entry: Entry, index: number) => void) => {
  const last = array.pop()!
  if (index < array.length) {
    array[index] = last
    setIndex(last, index)
  }
}
