import type { Value } from "./Value.js"

/**
 * One key of a database. `expireAt` is an absolute unix time in ms, 0 for no TTL. `slot` and
 * `volatileSlot` are positions in the database's dense arrays (RANDOMKEY, SCAN, active expiry).
 */
export interface Entry {
  readonly key: string
  value: Value
  expireAt: number
  slot: number
  volatileSlot: number
}

/**
 * A database: a hash map of entries plus dense arrays for O(1) random sampling.
 *
 * Removal moves the last entry into the hole, so SCAN walks slots from the top down: an entry that
 * is present for the whole scan is always returned (it can only move from an unvisited high slot
 * to a lower slot), which is Valkey's SCAN guarantee.
 */
export class Database {
  readonly entries = new Map<string, Entry>()
  readonly slots: Array<Entry> = []
  readonly volatile: Array<Entry> = []

  /** The database index; SWAPDB exchanges two databases and their ids. */
  constructor(public id: number) {}

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

  insert(key: string, value: Value, expireAt = 0): Entry {
    const entry: Entry = { key, value, expireAt: 0, slot: this.slots.length, volatileSlot: -1 }
    this.entries.set(key, entry)
    this.slots.push(entry)
    if (expireAt !== 0) this.setExpire(entry, expireAt)
    return entry
  }

  remove(entry: Entry): void {
    this.entries.delete(entry.key)
    removeAt(this.slots, entry.slot, (moved, slot) => (moved.slot = slot))
    if (entry.volatileSlot !== -1) this.clearExpire(entry)
  }

  setExpire(entry: Entry, expireAt: number): void {
    if (entry.volatileSlot === -1) {
      entry.volatileSlot = this.volatile.length
      this.volatile.push(entry)
    }
    entry.expireAt = expireAt
  }

  clearExpire(entry: Entry): void {
    if (entry.volatileSlot !== -1) {
      removeAt(this.volatile, entry.volatileSlot, (moved, slot) => (moved.volatileSlot = slot))
      entry.volatileSlot = -1
    }
    entry.expireAt = 0
  }

  clear(): void {
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
