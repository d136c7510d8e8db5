import { entryCost, type MemoryCounter, VOLATILE_OVERHEAD } from "./MemoryAccounting.js"
import type { Value } from "./Value.js"

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
  /** The bytes its entries are charged; `memory` is the total over every database. */
  bytes = 0

  /** The database index; SWAPDB exchanges two databases and their ids. */
  constructor(
    public id: number,
    private readonly memory: MemoryCounter = { bytes: 0 }
  ) {}

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
    const entry: Entry = { key, value, expireAt: 0, slot: this.slots.length, volatileSlot: -1, lru, cost }
    this.bytes += cost
    this.memory.bytes += cost
    this.entries.set(key, entry)
    this.slots.push(entry)
    if (expireAt !== 0) this.setExpire(entry, expireAt)
    return entry
  }

  remove(entry: Entry): void {
    if (entry.volatileSlot !== -1) this.clearExpire(entry)
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
    if (entry.volatileSlot !== -1) {
      removeAt(this.volatile, entry.volatileSlot, (moved, slot) => (moved.volatileSlot = slot))
      entry.volatileSlot = -1
      this.charge(entry, -VOLATILE_OVERHEAD)
    }
    entry.expireAt = 0
  }

  private charge(entry: Entry, bytes: number): void {
    entry.cost += bytes
    this.bytes += bytes
    this.memory.bytes += bytes
  }

  clear(): void {
    this.memory.bytes -= this.bytes
    this.bytes = 0
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
