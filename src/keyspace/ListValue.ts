import { beforeWrite, type CopyOnWrite, type CopyOnWriteHome, type CopyOnWriteOwner } from "./CopyOnWrite.js"

/**
 * A list of byte strings: a growable ring buffer, so push and pop at both ends are O(1) and
 * LINDEX/LSET are O(1) too. Middle edits (LINSERT, LREM) shift elements, O(n) like Valkey's.
 */
/** The smallest power of two that holds `n` elements (at least 8): indexes wrap with a mask. */
const capacityFor = (n: number): number => {
  let cap = 8
  while (cap < n) cap *= 2
  return cap
}

export class ListValue {
  /** Capacity is a power of two, so `& mask` wraps an index (cheaper than `%` on every access). */
  private items: Array<string | undefined>
  private mask: number
  private head = 0
  private count = 0
  /** Memory accounting's sample of the mean element size, taken again every few writes (see `MemoryAccounting.ts`). */
  sampledElementBytes = 0
  writesUntilSample = 0
  /** Copy-on-write for a running snapshot (see `CopyOnWrite.ts`): the snapshot keeping this value, its database and entry. */
  cow: CopyOnWrite | null = null
  home: CopyOnWriteHome | null = null
  owner: CopyOnWriteOwner | null = null

  constructor(capacity = 8) {
    const cap = capacityFor(capacity)
    this.items = new Array(cap)
    this.mask = cap - 1
  }

  static of(values: ReadonlyArray<string>): ListValue {
    const list = new ListValue(values.length)
    for (const v of values) list.pushRight(v)
    return list
  }

  get length(): number {
    return this.count
  }

  pushLeft(value: string): void {
    if (this.cow !== null || (this.home !== null && this.home.cow !== null)) beforeWrite(this)
    if (this.count === this.items.length) this.resize(this.items.length * 2)
    this.head = (this.head - 1) & this.mask
    this.items[this.head] = value
    this.count++
  }

  pushRight(value: string): void {
    if (this.cow !== null || (this.home !== null && this.home.cow !== null)) beforeWrite(this)
    if (this.count === this.items.length) this.resize(this.items.length * 2)
    this.items[(this.head + this.count) & this.mask] = value
    this.count++
  }

  popLeft(): string | undefined {
    if (this.count === 0) return undefined
    if (this.cow !== null || (this.home !== null && this.home.cow !== null)) beforeWrite(this)
    const value = this.items[this.head]
    this.items[this.head] = undefined
    this.head = (this.head + 1) & this.mask
    this.count--
    this.maybeShrink()
    return value
  }

  popRight(): string | undefined {
    if (this.count === 0) return undefined
    if (this.cow !== null || (this.home !== null && this.home.cow !== null)) beforeWrite(this)
    const index = (this.head + this.count - 1) & this.mask
    const value = this.items[index]
    this.items[index] = undefined
    this.count--
    this.maybeShrink()
    return value
  }

  /** Element at `index` (0-based from the head; negative counts from the tail). */
  at(index: number): string | undefined {
    if (index < 0) index += this.count
    if (index < 0 || index >= this.count) return undefined
    return this.items[(this.head + index) & this.mask]
  }

  set(index: number, value: string): boolean {
    if (index < 0) index += this.count
    if (index < 0 || index >= this.count) return false
    if (this.cow !== null || (this.home !== null && this.home.cow !== null)) beforeWrite(this)
    this.items[(this.head + index) & this.mask] = value
    return true
  }

  /** Elements from `start` to `end` inclusive, both already clamped to the list. */
  range(start: number, end: number): Array<string> {
    const out: Array<string> = []
    for (let i = start; i <= end; i++) out.push(this.items[(this.head + i) & this.mask]!)
    return out
  }

  toArray(): Array<string> {
    return this.range(0, this.count - 1)
  }

  /** Replaces the contents (LTRIM, LREM, LINSERT rebuild through this). */
  replaceAll(values: ReadonlyArray<string>): void {
    if (this.cow !== null || (this.home !== null && this.home.cow !== null)) beforeWrite(this)
    const cap = capacityFor(values.length)
    this.items = new Array(cap)
    this.mask = cap - 1
    for (let i = 0; i < values.length; i++) this.items[i] = values[i]
    this.head = 0
    this.count = values.length
  }

  /** Inserts at `index` (0..length), shifting the shorter side. */
  insertAt(index: number, value: string): void {
    if (index <= 0) return this.pushLeft(value)
    if (index >= this.count) return this.pushRight(value)
    if (this.cow !== null || (this.home !== null && this.home.cow !== null)) beforeWrite(this)
    if (this.count === this.items.length) this.resize(this.items.length * 2)
    const mask = this.mask
    if (index < this.count / 2) {
      this.head = (this.head - 1) & mask
      for (let i = 0; i < index; i++) this.items[(this.head + i) & mask] = this.items[(this.head + i + 1) & mask]
    } else {
      for (let i = this.count; i > index; i--) this.items[(this.head + i) & mask] = this.items[(this.head + i - 1) & mask]
    }
    this.items[(this.head + index) & mask] = value
    this.count++
  }

  /** A copy with the same elements (COPY, and a snapshot's copy of a list written while it runs). */
  clone(): ListValue {
    const copy = new ListValue(0)
    copy.items = this.items.slice()
    copy.mask = this.mask
    copy.head = this.head
    copy.count = this.count
    return copy
  }

  /** A list drained to a quarter of its capacity gives half of it back (large lists only). */
  private maybeShrink(): void {
    const cap = this.items.length
    if (cap > 64 && this.count < cap >> 2) this.resize(cap >> 1)
  }

  /** Moves the elements, in order, to a new array of `cap` (a power of two) starting at 0. */
  private resize(cap: number): void {
    const next = new Array<string | undefined>(cap)
    for (let i = 0; i < this.count; i++) next[i] = this.items[(this.head + i) & this.mask]
    this.items = next
    this.mask = cap - 1
    this.head = 0
  }
}
