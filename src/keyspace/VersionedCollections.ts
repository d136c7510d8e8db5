/**
 * A `Map` and a `Set` that count their writes, so HSCAN/SSCAN can reuse one snapshot of the
 * iteration order across calls while the collection is unchanged (see `commands/ElementScan.ts`),
 * and that pick a random key in O(1) (SPOP, SRANDMEMBER, HRANDFIELD): the first random pick builds
 * a dense array of the keys, which later writes keep current by swap-removal.
 */
class RandomIndex<K> {
  readonly keys: Array<K> = []
  readonly positions = new Map<K, number>()

  constructor(keys: Iterable<K>) {
    for (const key of keys) this.added(key)
  }

  added(key: K): void {
    if (this.positions.has(key)) return
    this.positions.set(key, this.keys.length)
    this.keys.push(key)
  }

  removed(key: K): void {
    const at = this.positions.get(key)
    if (at === undefined) return
    this.positions.delete(key)
    const last = this.keys.pop()!
    if (at < this.keys.length) {
      this.keys[at] = last
      this.positions.set(last, at)
    }
  }

  random(): K {
    return this.keys[Math.floor(Math.random() * this.keys.length)]
  }
}

/** A `VersionedMap` as its readers see it (values write through their own methods). */
export interface ReadonlyVersionedMap<K, V> extends ReadonlyMap<K, V> {
  readonly version: number
  randomKey(): K | undefined
}

/** A `VersionedSet` as its readers see it. */
export interface ReadonlyVersionedSet<T> extends ReadonlySet<T> {
  readonly version: number
  randomMember(): T | undefined
}

export class VersionedMap<K, V> extends Map<K, V> {
  version = 0
  private index: RandomIndex<K> | undefined

  override set(key: K, value: V): this {
    this.version++
    this.index?.added(key)
    return super.set(key, value)
  }

  override delete(key: K): boolean {
    this.version++
    this.index?.removed(key)
    return super.delete(key)
  }

  override clear(): void {
    this.version++
    this.index = undefined
    super.clear()
  }

  /** A uniformly random key; undefined when empty. */
  randomKey(): K | undefined {
    if (this.size === 0) return undefined
    this.index ??= new RandomIndex(this.keys())
    return this.index.random()
  }
}

export class VersionedSet<T> extends Set<T> {
  version = 0
  private index: RandomIndex<T> | undefined

  override add(value: T): this {
    this.version++
    this.index?.added(value)
    return super.add(value)
  }

  override delete(value: T): boolean {
    this.version++
    this.index?.removed(value)
    return super.delete(value)
  }

  override clear(): void {
    this.version++
    this.index = undefined
    super.clear()
  }

  /** A uniformly random member; undefined when empty. */
  randomMember(): T | undefined {
    if (this.size === 0) return undefined
    this.index ??= new RandomIndex(this.values())
    return this.index.random()
  }
}
