import { parseInt64 } from "./int64.js"
import { idMs, idSeq, type StreamId } from "./StreamId.js"

/**
 * One node of a stream: Valkey's listpack under one radix-tree key (t_stream.c
 * `streamAppendItem`). Entries are kept in ID order with their tombstones (XDEL and exact trims
 * only flag an entry as deleted; a node goes away when its last live entry does), so node
 * boundaries, `stream-node-max-entries` / `stream-node-max-bytes` and the approximate (`~`)
 * trimming that removes whole nodes behave as Valkey's. `bytes` is the size the node's listpack
 * would have, kept as entries are added, since a node fills up by bytes too.
 */
export class StreamNode {
  /** Entry IDs, ascending, tombstones included. */
  readonly ids: Array<StreamId> = []
  /** Each entry's field-value pairs, flat. */
  readonly entries: Array<ReadonlyArray<string>> = []
  /** Tombstone flags, per entry. */
  readonly deleted: Array<boolean> = []
  live = 0
  dead = 0
  /** Bytes of the entries in the listpack (without the header and the primary entry). */
  private entryBytes = 0
  private readonly masterBytes: number

  constructor(
    /** The node's key: the ID of its first entry, which IDs in the listpack are relative to. */
    readonly master: StreamId,
    /** The primary entry's fields: entries with the same fields store only their values. */
    readonly masterFields: ReadonlyArray<string>
  ) {
    let bytes = intSize(masterFields.length) + intSize(0)
    for (const f of masterFields) bytes += elementSize(f)
    this.masterBytes = bytes
  }

  get size(): number {
    return this.ids.length
  }

  /** The listpack's total bytes (`lpBytes`). */
  get bytes(): number {
    return 7 + intSize(this.live) + intSize(this.dead) + this.masterBytes + this.entryBytes
  }

  /** Whether an entry's fields are the primary entry's (`STREAM_ITEM_FLAG_SAMEFIELDS`). */
  sameFields(pairs: ReadonlyArray<string>): boolean {
    const master = this.masterFields
    if (pairs.length !== master.length * 2) return false
    for (let i = 0; i < master.length; i++) if (pairs[i * 2] !== master[i]) return false
    return true
  }

  /** Appends an entry (a loaded one may be a tombstone). */
  push(id: StreamId, pairs: ReadonlyArray<string>, deleted = false): void {
    this.ids.push(id)
    this.entries.push(pairs)
    this.deleted.push(deleted)
    if (deleted) this.dead++
    else this.live++
    this.entryBytes += this.entrySize(id, pairs)
  }

  private entrySize(id: StreamId, pairs: ReadonlyArray<string>): number {
    const same = this.sameFields(pairs)
    const numfields = pairs.length / 2
    let bytes = 1 + int64Size(idMs(id) - idMs(this.master)) + int64Size(idSeq(id) - idSeq(this.master))
    if (!same) {
      bytes += intSize(numfields)
      for (let i = 0; i < pairs.length; i += 2) bytes += elementSize(pairs[i])
    }
    for (let i = 1; i < pairs.length; i += 2) bytes += elementSize(pairs[i])
    bytes += intSize(numfields + 3 + (same ? 0 : numfields + 1))
    return bytes
  }

  /** Index of the first entry with an ID >= `id` (`size` when none). */
  lowerBound(id: StreamId): number {
    const ids = this.ids
    let lo = 0
    let hi = ids.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (ids[mid] < id) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Flags entry `i` deleted (it must be live). */
  markDeleted(i: number): void {
    this.deleted[i] = true
    this.live--
    this.dead++
  }

  /** A copy sharing the entries' (immutable) pair arrays. */
  clone(): StreamNode {
    const copy = new StreamNode(this.master, this.masterFields)
    copy.ids.push(...this.ids)
    copy.entries.push(...this.entries)
    copy.deleted.push(...this.deleted)
    copy.live = this.live
    copy.dead = this.dead
    copy.entryBytes = this.entryBytes
    return copy
  }
}

const backlenSize = (l: number): number => (l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5)

/** Bytes of a listpack integer entry (encoding and backlen). */
const intSize = (v: number): number => {
  const size =
    v >= 0 && v <= 127
      ? 1
      : v >= -4096 && v <= 4095
        ? 2
        : v >= -32768 && v <= 32767
          ? 3
          : v >= -8388608 && v <= 8388607
            ? 4
            : v >= -2147483648 && v <= 2147483647
              ? 5
              : 9
  return size + 1
}

/** An ID delta is stored as an int64 (`lpAppendInteger` of a uint64 difference). */
const int64Size = (delta: bigint): number => {
  const v = BigInt.asIntN(64, delta)
  return v >= -2147483648n && v <= 2147483647n ? intSize(Number(v)) : 10
}

/** Bytes `lpAppend` gives a string: an integer when it is one, else length-prefixed bytes. */
const elementSize = (s: string): number => {
  const n = s.length <= 20 ? parseInt64(s) : undefined
  if (n !== undefined) return typeof n === "number" ? intSize(n) : 10
  const size = s.length < 64 ? 1 + s.length : s.length < 4096 ? 2 + s.length : 5 + s.length
  return size + backlenSize(size)
}
