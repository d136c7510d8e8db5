/**
 * A `Map` and a `Set` that count their writes, so HSCAN/SSCAN can reuse one snapshot of the
 * iteration order across calls while the collection is unchanged (see `commands/ElementScan.ts`).
 */
export class VersionedMap<K, V> extends Map<K, V> {
  version = 0

  override set(key: K, value: V): this {
    this.version++
    return super.set(key, value)
  }

  override delete(key: K): boolean {
    this.version++
    return super.delete(key)
  }

  override clear(): void {
    this.version++
    super.clear()
  }
}

export class VersionedSet<T> extends Set<T> {
  version = 0

  override add(value: T): this {
    this.version++
    return super.add(value)
  }

  override delete(value: T): boolean {
    this.version++
    return super.delete(value)
  }

  override clear(): void {
    this.version++
    super.clear()
  }
}
