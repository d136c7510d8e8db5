import { beforeWrite, type CopyOnWrite, type CopyOnWriteHome, type CopyOnWriteOwner } from "./CopyOnWrite.js"
import { parseInt64 } from "./int64.js"
import { type ReadonlyVersionedSet, VersionedSet } from "./VersionedCollections.js"

type SetEncoding = "intset" | "listpack" | "hashtable"

/** The configs that choose a set's encoding (`set-max-*`). */
export interface SetLimits {
  readonly maxIntsetEntries: number
  readonly maxListpackEntries: number
  readonly maxListpackValue: number
}

/** Valkey limits an intset to 1G entries whatever the config says (`intsetMaxEntries`). */
const intsetMaxEntries = (limits: SetLimits): number => Math.min(limits.maxIntsetEntries, 1 << 30)

/**
 * A set of latin1 byte strings, iterated in the order Valkey's encodings give: ascending while it
 * is an intset, insertion order as a listpack (a converted intset keeps its sorted prefix), and
 * insertion order as a hashtable (Valkey's is arbitrary there).
 *
 * `encoding` follows Valkey's `setTypeAddAux` conversions (t_set.c): intset → listpack or
 * hashtable, listpack → hashtable, never back except where a command rebuilds the set.
 */
export class SetValue {
  private items = new VersionedSet<string>()
  /** An intset whose members were added out of order; sorted before anyone iterates. */
  private unsorted = false
  /** The largest member of an intset, when known to be in order. */
  private largest: number | bigint | undefined
  encoding: SetEncoding
  /** Memory accounting's sample of the mean element size, taken again every few writes (see `MemoryAccounting.ts`). */
  sampledElementBytes = 0
  writesUntilSample = 0
  /** Copy-on-write for a running snapshot (see `CopyOnWrite.ts`): the snapshot keeping this value, its database and entry. */
  cow: CopyOnWrite | null = null
  home: CopyOnWriteHome | null = null
  owner: CopyOnWriteOwner | null = null

  constructor(encoding: SetEncoding = "intset") {
    this.encoding = encoding
  }

  /** The members in iteration order (ascending for an intset). */
  get members(): ReadonlyVersionedSet<string> {
    if (this.unsorted) this.sortIntset()
    return this.items
  }

  /** The members without sorting an intset first (memory accounting samples a few). */
  get unorderedMembers(): Iterable<string> {
    return this.items
  }

  get size(): number {
    return this.items.size
  }

  has(member: string): boolean {
    return this.items.has(member)
  }

  /**
   * Valkey's `setTypeCreate(value, sizeHint)`: an intset when the first value is an integer and the
   * hint fits one, a listpack when the hint fits one, else a hashtable.
   */
  static create(first: string | undefined, sizeHint: number, limits: SetLimits): SetValue {
    if (first !== undefined && parseInt64(first) !== undefined && sizeHint <= limits.maxIntsetEntries) return new SetValue("intset")
    return new SetValue(sizeHint <= limits.maxListpackEntries ? "listpack" : "hashtable")
  }

  /** `setTypeMaybeConvert`: SADD of many members converts up front. */
  maybeConvert(sizeHint: number, limits: SetLimits): void {
    if (this.cow !== null || (this.home !== null && this.home.cow !== null)) beforeWrite(this)
    if (this.encoding === "listpack" && sizeHint > limits.maxListpackEntries) this.encoding = "hashtable"
    else if (this.encoding === "intset" && sizeHint > limits.maxIntsetEntries) this.convertIntset("hashtable")
  }

  /** `setTypeAddAux`: adds `member`, converting the encoding where Valkey does; true when new. */
  add(member: string, limits: SetLimits): boolean {
    if (this.items.has(member)) return false
    if (this.cow !== null || (this.home !== null && this.home.cow !== null)) beforeWrite(this)
    if (this.encoding === "hashtable") {
      this.items.add(member)
    } else if (this.encoding === "listpack") {
      if (this.items.size >= limits.maxListpackEntries || member.length > limits.maxListpackValue) this.encoding = "hashtable"
      this.items.add(member)
    } else {
      const n = parseInt64(member)
      if (n !== undefined) {
        this.addInteger(member, n)
        if (this.items.size > intsetMaxEntries(limits)) this.convertIntset("hashtable")
      } else {
        let maxLength = 0
        for (const m of this.items) if (m.length > maxLength) maxLength = m.length
        this.convertIntset(
          this.items.size < limits.maxListpackEntries && member.length <= limits.maxListpackValue && maxLength <= limits.maxListpackValue
            ? "listpack"
            : "hashtable"
        )
        this.items.add(member)
      }
    }
    return true
  }

  delete(member: string): boolean {
    if (!this.items.has(member)) return false
    if (this.cow !== null || (this.home !== null && this.home.cow !== null)) beforeWrite(this)
    return this.items.delete(member)
  }

  /** `maybeConvertToIntset`: SINTERSTORE makes an all-integer result an intset when it fits. */
  maybeConvertToIntset(limits: SetLimits): void {
    if (this.encoding === "intset" || this.items.size > intsetMaxEntries(limits)) return
    if (this.cow !== null || (this.home !== null && this.home.cow !== null)) beforeWrite(this)
    this.encoding = "intset"
    this.unsorted = true
  }

  /** A deep copy with the same encoding (COPY, and a snapshot's copy). */
  clone(): SetValue {
    const copy = new SetValue(this.encoding)
    copy.items = new VersionedSet(this.members)
    copy.largest = this.largest
    return copy
  }

  private addInteger(member: string, n: number | bigint): void {
    this.items.add(member)
    if (this.unsorted) return
    if (this.largest === undefined && this.items.size > 1) this.unsorted = true
    else if (this.largest !== undefined && n < this.largest) this.unsorted = true
    else this.largest = n
  }

  /** Leaves the intset encoding, keeping its ascending order as the start of the new order. */
  private convertIntset(encoding: SetEncoding): void {
    if (this.unsorted) this.sortIntset()
    this.encoding = encoding
    this.largest = undefined
  }

  private sortIntset(): void {
    const keyed = Array.from(this.items, (m) => [parseInt64(m)!, m] as const)
    keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    this.items = new VersionedSet(keyed.map((k) => k[1]))
    this.largest = keyed.length > 0 ? keyed[keyed.length - 1][0] : undefined
    this.unsorted = false
  }
}
