/**
 * A large string written a few bytes at a time (SETBIT, BITFIELD) without copying it per write.
 *
 * JS strings are immutable, so changing one byte of a flat 10 MB string means building a new one.
 * Valkey changes the byte in place. Here the string is kept as a balanced tree of 4 KB leaves joined
 * by concatenation: V8 stores `a + b` of long strings as a two-pointer node and `s.slice(...)` of a
 * flat string as a view, so a write makes one new leaf (at most 4 KB copied) and re-joins the
 * twelve or so nodes above it. The root is an ordinary string, stored as the key's value; a reader
 * that needs it flat (GET, BITCOUNT) flattens it once, as V8 does for any concatenation.
 */

const LEAF_BITS = 12
const LEAF = 1 << LEAF_BITS

/** Zero leaves share one string (a sparse bitmap's gaps cost nothing until flattened). */
let zeroLeaf: string | undefined
const zeros = (n: number): string => {
  if (n === LEAF) return (zeroLeaf ??= "\0".repeat(LEAF))
  return "\0".repeat(n)
}

export class BitmapRope {
  /** Heap-ordered tree: `nodes[1]` the root, leaves from `nodes[capacity]`. */
  private nodes: Array<string> = []
  private capacity = 1
  length = 0

  /** The whole string: the value to store. */
  get root(): string {
    return this.nodes[1] ?? ""
  }

  static from(value: string): BitmapRope {
    const rope = new BitmapRope()
    rope.rebuild(value, value.length)
    return rope
  }

  /** The byte at `i` (0 past the end). */
  byte(i: number): number {
    if (i >= this.length) return 0
    return this.nodes[this.capacity + (i >>> LEAF_BITS)].charCodeAt(i & (LEAF - 1))
  }

  /**
   * Writes `changed` (byte index to byte value) and grows the string to `length` with zero bytes;
   * returns the new root.
   */
  write(changed: ReadonlyMap<number, number>, length: number): string {
    const leafCount = Math.ceil(length / LEAF)
    if (leafCount > this.capacity) this.rebuild(this.root, length)
    else if (length > this.length) this.grow(length)
    const byLeaf = new Map<number, Array<number>>()
    for (const i of changed.keys()) {
      const leaf = i >>> LEAF_BITS
      const list = byLeaf.get(leaf)
      if (list === undefined) byLeaf.set(leaf, [i])
      else list.push(i)
    }
    const nodes = this.nodes
    for (const [leaf, indexes] of byLeaf) {
      indexes.sort((a, b) => a - b)
      const slot = this.capacity + leaf
      const old = nodes[slot]
      const base = leaf << LEAF_BITS
      let next = ""
      let from = 0
      for (const i of indexes) {
        const at = i - base
        next += old.slice(from, at) + String.fromCharCode(changed.get(i)!)
        from = at + 1
      }
      nodes[slot] = next + old.slice(from)
      this.rejoinAbove(slot)
    }
    return this.root
  }

  /** Extends the last leaf and adds zero leaves, within the current capacity. */
  private grow(length: number): void {
    const nodes = this.nodes
    const firstNew = Math.ceil(this.length / LEAF)
    const lastOld = firstNew - 1
    if (lastOld >= 0 && this.length % LEAF !== 0) {
      const slot = this.capacity + lastOld
      const want = Math.min(LEAF, length - lastOld * LEAF)
      nodes[slot] = nodes[slot] + zeros(want - nodes[slot].length)
      this.rejoinAbove(slot)
    }
    const leafCount = Math.ceil(length / LEAF)
    for (let leaf = Math.max(firstNew, 0); leaf < leafCount; leaf++) {
      const slot = this.capacity + leaf
      nodes[slot] = zeros(Math.min(LEAF, length - leaf * LEAF))
      this.rejoinAbove(slot)
    }
    this.length = length
  }

  private rejoinAbove(slot: number): void {
    const nodes = this.nodes
    for (let i = slot >>> 1; i >= 1; i >>>= 1) nodes[i] = nodes[2 * i] + nodes[2 * i + 1]
  }

  /** Splits `value` (zero-padded to `length`) into leaves and joins the tree bottom-up. */
  private rebuild(value: string, length: number): void {
    const leafCount = Math.max(1, Math.ceil(length / LEAF))
    let capacity = 1
    while (capacity < leafCount) capacity *= 2
    const nodes: Array<string> = new Array(2 * capacity).fill("")
    for (let leaf = 0; leaf < leafCount; leaf++) {
      const from = leaf * LEAF
      const to = Math.min(length, from + LEAF)
      if (to <= value.length) nodes[capacity + leaf] = value.slice(from, to)
      else if (from >= value.length) nodes[capacity + leaf] = zeros(to - from)
      else nodes[capacity + leaf] = value.slice(from) + zeros(to - value.length)
    }
    for (let i = capacity - 1; i >= 1; i--) nodes[i] = nodes[2 * i] + nodes[2 * i + 1]
    this.nodes = nodes
    this.capacity = capacity
    this.length = length
  }
}
