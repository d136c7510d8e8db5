import { VersionedMap } from "./VersionedCollections.js"

/**
 * A hash: field → value, both latin1 byte strings. A `Map` keeps insertion order, and deleting
 * keeps the order of the rest, which is how Valkey's listpack encoding orders a small hash.
 *
 * `encoding` is what `OBJECT ENCODING` reports. Like Valkey, a hash starts as a listpack and
 * converts to a hashtable once it grows past `hash-max-listpack-entries` or stores a field or value
 * longer than `hash-max-listpack-value`; it never converts back.
 */
export class HashValue {
  readonly fields = new VersionedMap<string, string>()
  encoding: "listpack" | "hashtable" = "listpack"
  /** Memory accounting's sample of the mean element size, taken again every few writes (see `MemoryAccounting.ts`). */
  sampledElementBytes = 0
  writesUntilSample = 0

  get size(): number {
    return this.fields.size
  }

  /** A deep copy with the same encoding (COPY). */
  clone(): HashValue {
    const copy = new HashValue()
    for (const [field, value] of this.fields) copy.fields.set(field, value)
    copy.encoding = this.encoding
    return copy
  }
}
