import { parseInt64 } from "../commands/args.js"
import { VersionedSet } from "./VersionedCollections.js"

export type SetEncoding = "intset" | "listpack" | "hashtable"

/** The configs that choose a set's encoding (`set-max-*`). */
export interface SetLimits {
  readonly maxIntsetEntries: number
  readonly maxListpackEntries: number
  readonly maxListpackValue: number
}

export const DEFAULT_SET_LIMITS: SetLimits = { maxIntsetEntries: 512, maxListpackEntries: 128, maxListpackValue: 64 }

/** Valkey limits an intset to 1G entries whatever the config says (`intsetMaxEntries`). */
const intsetMaxEntries = (limits: SetLimits): number => Math.min(limits.maxIntsetEntries, 1 << 30)

const compareIntegers = (a: string, b: string): number => {
  const x = parseInt64(a)!
  const y = parseInt64(b)!
  return x < y ? -1 : x > y ? 1 : 0
}

/**
 * A set of latin1 byte strings, iterated in the order Valkey's encodings give: ascending while it
 * is an intset, insertion order as a listpack (a converted intset keeps its sorted prefix), and
 * insertion order as a hashtable (Valkey's is arbitrary there).
 *
 * `encoding` follows Valkey's `setTypeAddAux` conversions (t_set.c): intset → listpack or
 * hashtable, listpack → hashtable, never back except where a command rebuilds the set.
 */
export class SetValue {
  members = new VersionedSet<string>()
  encoding: SetEncoding

  constructor(encoding: SetEncoding = "intset") {
    this.encoding = encoding
  }

  get size(): number {
    return this.members.size
  }

  has(member: string): boolean {
    return this.members.has(member)
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
    if (
      (this.encoding === "listpack" && sizeHint > limits.maxListpackEntries) ||
      (this.encoding === "intset" && sizeHint > limits.maxIntsetEntries)
    )
      this.encoding = "hashtable"
  }

  /** `setTypeAddAux`: adds `member`, converting the encoding where Valkey does; true when new. */
  add(member: string, limits: SetLimits): boolean {
    if (this.members.has(member)) return false
    if (this.encoding === "hashtable") {
      this.members.add(member)
    } else if (this.encoding === "listpack") {
      if (this.members.size >= limits.maxListpackEntries || member.length > limits.maxListpackValue) this.encoding = "hashtable"
      this.members.add(member)
    } else if (parseInt64(member) !== undefined) {
      this.addSorted(member)
      if (this.members.size > intsetMaxEntries(limits)) this.encoding = "hashtable"
    } else {
      let maxLength = 0
      for (const m of this.members) if (m.length > maxLength) maxLength = m.length
      this.encoding =
        this.members.size < limits.maxListpackEntries && member.length <= limits.maxListpackValue && maxLength <= limits.maxListpackValue
          ? "listpack"
          : "hashtable"
      this.members.add(member)
    }
    return true
  }

  delete(member: string): boolean {
    return this.members.delete(member)
  }

  /** `maybeConvertToIntset`: SINTERSTORE makes an all-integer result an intset when it fits. */
  maybeConvertToIntset(limits: SetLimits): void {
    if (this.encoding === "intset" || this.members.size > intsetMaxEntries(limits)) return
    this.members = new VersionedSet([...this.members].sort(compareIntegers))
    this.encoding = "intset"
  }

  /** A deep copy with the same encoding (COPY). */
  clone(): SetValue {
    const copy = new SetValue(this.encoding)
    copy.members = new VersionedSet(this.members)
    return copy
  }

  /** Inserts an integer keeping an intset's ascending order. */
  private addSorted(member: string): void {
    let last: string | undefined
    for (const m of this.members) last = m
    this.members.add(member)
    if (last !== undefined && compareIntegers(member, last) < 0) this.members = new VersionedSet([...this.members].sort(compareIntegers))
  }
}
