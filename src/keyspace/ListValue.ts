/**
 * A list of byte strings: a growable ring buffer, so push and pop at both ends are O(1) and
 * LINDEX/LSET are O(1) too. Middle edits (LINSERT, LREM) shift elements, O(n) like Valkey's.
 */
export class ListValue {
  private items: Array<string | undefined>
  private head = 0
  private count = 0

  constructor(capacity = 8) {
    this.items = new Array(capacity)
  }

  static of(values: ReadonlyArray<string>): ListValue {
    const list = new ListValue(Math.max(8, values.length))
    for (const v of values) list.pushRight(v)
    return list
  }

  get length(): number {
    return this.count
  }

  pushLeft(value: string): void {
    if (this.count === this.items.length) this.grow()
    this.head = (this.head - 1 + this.items.length) % this.items.length
    this.items[this.head] = value
    this.count++
  }

  pushRight(value: string): void {
    if (this.count === this.items.length) this.grow()
    this.items[(this.head + this.count) % this.items.length] = value
    this.count++
  }

  popLeft(): string | undefined {
    if (this.count === 0) return undefined
    const value = this.items[this.head]
    this.items[this.head] = undefined
    this.head = (this.head + 1) % this.items.length
    this.count--
    return value
  }

  popRight(): string | undefined {
    if (this.count === 0) return undefined
    const index = (this.head + this.count - 1) % this.items.length
    const value = this.items[index]
    this.items[index] = undefined
    this.count--
    return value
  }

  /** Element at `index` (0-based from the head; negative counts from the tail). */
  at(index: number): string | undefined {
    if (index < 0) index += this.count
    if (index < 0 || index >= this.count) return undefined
    return this.items[(this.head + index) % this.items.length]
  }

  set(index: number, value: string): boolean {
    if (index < 0) index += this.count
    if (index < 0 || index >= this.count) return false
    this.items[(this.head + index) % this.items.length] = value
    return true
  }

  /** Elements from `start` to `end` inclusive, both already clamped to the list. */
  range(start: number, end: number): Array<string> {
    const out: Array<string> = []
    for (let i = start; i <= end; i++) out.push(this.items[(this.head + i) % this.items.length]!)
    return out
  }

  toArray(): Array<string> {
    return this.range(0, this.count - 1)
  }

  /** Replaces the contents (LTRIM, LREM, LINSERT rebuild through this). */
  replaceAll(values: ReadonlyArray<string>): void {
    this.items = new Array(Math.max(8, values.length))
    for (let i = 0; i < values.length; i++) this.items[i] = values[i]
    this.head = 0
    this.count = values.length
  }

  /** Inserts at `index` (0..length), shifting the shorter side. */
  insertAt(index: number, value: string): void {
    if (index <= 0) return this.pushLeft(value)
    if (index >= this.count) return this.pushRight(value)
    if (this.count === this.items.length) this.grow()
    const cap = this.items.length
    if (index < this.count / 2) {
      this.head = (this.head - 1 + cap) % cap
      for (let i = 0; i < index; i++) this.items[(this.head + i) % cap] = this.items[(this.head + i + 1) % cap]
    } else {
      for (let i = this.count; i > index; i--) this.items[(this.head + i) % cap] = this.items[(this.head + i - 1) % cap]
    }
    this.items[(this.head + index) % cap] = value
    this.count++
  }

  private grow(): void {
    const next = new Array<string | undefined>(this.items.length * 2)
    for (let i = 0; i < this.count; i++) next[i] = this.items[(this.head + i) % this.items.length]
    this.items = next
    this.head = 0
  }
}
