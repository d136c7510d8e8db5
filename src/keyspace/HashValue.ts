import { beforeWrite, type CopyOnWrite, type CopyOnWriteHome, type CopyOnWriteOwner } from "./CopyOnWrite.js"
import { type ReadonlyVersionedMap, VersionedMap } from "./VersionedCollections.js"

/**
 * A hash: field → value, both latin1 byte strings. A `Map` keeps insertion order, and deleting
 * keeps the order of the rest, which is how Valkey's listpack encoding orders a small hash.
 *
 * `encoding` is what `OBJECT ENCODING` reports. Like Valkey, a hash starts as a listpack and
 * converts to a hashtable once it grows past `hash-max-listpack-entries` or stores a field or value
 * longer than `hash-max-listpack-value`; it never converts back.
 *
 * Every write goes through `set`, `delete` and `toHashtable`, so a snapshot waiting for this hash
 * gets its copy first (see `CopyOnWrite.ts`).
 */
export class HashValue {
  private readonly map = new VersionedMap<string, string>()
  private enc: "listpack" | "hashtable" = "listpack"
  /** Memory accounting's sample of the mean element size, taken again every few writes (see `MemoryAccounting.ts`). */
  sampledElementBytes = 0
  writesUntilSample = 0
  /** Copy-on-write for a running snapshot (see `CopyOnWrite.ts`): the snapshot keeping this value, its database and entry. */
  cow: CopyOnWrite | null = null
  home: CopyOnWriteHome | null = null
  owner: CopyOnWriteOwner | null = null

  /** The fields in order (read only: write with `set` and `delete`). */
  get fields(): ReadonlyVersionedMap<string, string> {
    return this.map
  }

  get encoding(): "listpack" | "hashtable" {
    return this.enc
  }

  get size(): number {
    return this.map.size
  }

  set(field: string, value: string): void {
    if (this.cow !== null || (this.home !== null && this.home.cow !== null)) beforeWrite(this)
    this.map.set(field, value)
  }

  delete(field: string): boolean {
    if (!this.map.has(field)) return false
    if (this.cow !== null || (this.home !== null && this.home.cow !== null)) beforeWrite(this)
    return this.map.delete(field)
  }

  /** Converts a listpack hash to a hashtable (never back, as in Valkey). */
  toHashtable(): void {
    if (this.enc === "hashtable") return
    if (this.cow !== null || (this.home !== null && this.home.cow !== null)) beforeWrite(this)
    this.enc = "hashtable"
  }

  /** A deep copy with the same encoding (COPY, and a snapshot's copy). */
  clone(): HashValue {
    const copy = new HashValue()
    for (const [field, value] of this.map) copy.map.set(field, value)
    copy.enc = this.enc
    return copy
  }
}
