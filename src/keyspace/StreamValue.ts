import { beforeWrite, type CopyOnWrite, type CopyOnWriteHome, type CopyOnWriteOwner } from "./CopyOnWrite.js"
import { INVALID_ENTRIES_READ, StreamGroup } from "./StreamGroup.js"
import { idMs, MAX_ID, MIN_ID, type StreamId, streamId } from "./StreamId.js"
import { StreamNode } from "./StreamNode.js"

/** Listpacks hold at most 1 GB (`STREAM_LISTPACK_MAX_SIZE`). */
const LISTPACK_MAX_SIZE = 1 << 30

/** How XADD/XTRIM trim (t_stream.c `streamAddTrimArgs`). */
export interface TrimArgs {
  readonly strategy: "maxlen" | "minid"
  readonly maxlen: number
  readonly minid: StreamId
  readonly approx: boolean
  /** Most entries to remove; 0 = no limit. */
  readonly limit: number
}

/** Why an append failed: the ID is not above the top item, or the entry is too large. */
export type AppendError = "EDOM" | "ERANGE"

/**
 * A stream (Valkey's t_stream.c / stream.h `stream`): entries ordered by ID in nodes of up to
 * `stream-node-max-entries` entries and `stream-node-max-bytes` bytes (a sorted array of nodes
 * standing for Valkey's radix tree of listpacks), the stream's counters, and its consumer groups.
 *
 * Appending is O(1) amortized; finding an ID is two binary searches (node, then entry); XDEL
 * flags a tombstone in place; trimming drops whole nodes from the head. Every write goes through a
 * method here, or is announced with `prepareWrite()` (consumer group changes made by commands), so
 * a running snapshot gets its copy first (see `CopyOnWrite.ts`).
 */
export class StreamValue {
  /** The nodes, ordered by their first ID. */
  readonly nodes: Array<StreamNode> = []
  /** Live entries. */
  length = 0
  lastId: StreamId = MIN_ID
  /** The first live entry's ID when the stream last changed at its head (`first_id`); 0-0 when empty. */
  firstId: StreamId = MIN_ID
  maxDeletedId: StreamId = MIN_ID
  entriesAdded = 0
  /** Consumer groups by name; null until the first is created. */
  groups: Map<string, StreamGroup> | null = null
  /** Memory accounting's sample of the mean entry size (see `MemoryAccounting.ts`). */
  sampledElementBytes = 0
  writesUntilSample = 0
  /** Memory accounting's count of the groups' cost, taken with the sample. */
  sampledGroupBytes = 0
  /** Copy-on-write for a running snapshot (see `CopyOnWrite.ts`). */
  cow: CopyOnWrite | null = null
  home: CopyOnWriteHome | null = null
  owner: CopyOnWriteOwner | null = null

  /** Call before changing the stream or its groups in place. */
  prepareWrite(): void {
    if (this.cow !== null || (this.home !== null && this.home.cow !== null)) beforeWrite(this)
  }

  get size(): number {
    return this.length
  }

  // ---- IDs --------------------------------------------------------------------------------

  /**
   * The ID XADD would give a new entry (`streamAppendItem`'s ID logic): generated from `now`,
   * explicit (`seqGiven`), or `<ms>-*`. Undefined when it is not above the last ID.
   */
  nextId(now: number, given: StreamId | undefined, seqGiven: boolean): StreamId | undefined {
    let id: StreamId
    if (given !== undefined) {
      if (seqGiven) id = given
      else if (idMs(this.lastId) === idMs(given)) {
        if (this.lastId === streamId(idMs(given), (1n << 64n) - 1n)) return undefined
        id = this.lastId + 1n
      } else id = given
    } else {
      const ms = BigInt(now)
      id = ms > idMs(this.lastId) ? streamId(ms, 0n) : this.lastId + 1n
      // The last possible ID wraps to 0-0, caught below.
      if (id > MAX_ID) id = MIN_ID
    }
    return id > this.lastId ? id : undefined
  }

  // ---- writes -----------------------------------------------------------------------------

  /** Appends an entry with `id` (already checked by `nextId`); `pairs` is owned by the stream from now on. */
  append(id: StreamId, pairs: ReadonlyArray<string>, nodeMaxBytes: number, nodeMaxEntries: number): AppendError | undefined {
    if (id <= this.lastId) return "EDOM"
    let total = 0
    for (let i = 0; i < pairs.length; i++) total += pairs[i].length
    if (total > LISTPACK_MAX_SIZE) return "ERANGE"
    this.prepareWrite()
    let node = this.nodes.length > 0 ? this.nodes[this.nodes.length - 1] : undefined
    if (node !== undefined) {
      const maxBytes = nodeMaxBytes === 0 || nodeMaxBytes > LISTPACK_MAX_SIZE ? LISTPACK_MAX_SIZE : nodeMaxBytes
      if (node.bytes + total >= maxBytes || (nodeMaxEntries > 0 && node.size >= nodeMaxEntries)) node = undefined
    }
    if (node === undefined) {
      const fields: Array<string> = []
      for (let i = 0; i < pairs.length; i += 2) fields.push(pairs[i])
      node = new StreamNode(id, fields)
      this.nodes.push(node)
    }
    node.push(id, pairs)
    this.length++
    this.entriesAdded++
    this.lastId = id
    if (this.length === 1) this.firstId = id
    return undefined
  }

  /** XDEL of one ID: true when a live entry was deleted (the counters are the caller's). */
  delete(id: StreamId): boolean {
    const at = this.find(id)
    if (at === undefined) return false
    this.prepareWrite()
    const node = this.nodes[at.node]
    if (node.live === 1) this.nodes.splice(at.node, 1)
    else node.markDeleted(at.index)
    this.length--
    return true
  }

  /** `streamTrim`: removes entries from the head; returns how many. */
  trim(args: TrimArgs): number {
    const nodes = this.nodes
    let deleted = 0
    let removeNodes = 0
    const limit = args.limit
    for (let n = 0; n < nodes.length; n++) {
      if (args.strategy === "maxlen" && this.length <= args.maxlen) break
      const node = nodes[n]
      const entries = node.live
      if (limit > 0 && deleted + entries > limit) break
      const removeNode =
        args.strategy === "maxlen" ? this.length - entries >= args.maxlen : node.ids[node.ids.length - 1] < args.minid
      if (removeNode) {
        if (removeNodes === 0 && deleted === 0) this.prepareWrite()
        removeNodes++
        this.length -= entries
        deleted += entries
        continue
      }
      if (args.approx) break
      // Trim inside this node: flag entries deleted until the condition holds.
      for (let i = 0; i < node.ids.length; i++) {
        const stop = args.strategy === "maxlen" ? this.length <= args.maxlen : node.ids[i] >= args.minid
        if (stop) break
        if (!node.deleted[i]) {
          if (deleted === 0 && removeNodes === 0) this.prepareWrite()
          node.markDeleted(i)
          this.length--
          deleted++
        }
      }
      break
    }
    if (removeNodes > 0) nodes.splice(0, removeNodes)
    if (this.length === 0) this.firstId = MIN_ID
    else if (deleted > 0) this.firstId = this.edgeId(true)
    return deleted
  }

  // ---- reads ------------------------------------------------------------------------------

  /** Where the live entry `id` is, if it exists. */
  private find(id: StreamId): { node: number; index: number } | undefined {
    const n = this.nodeFor(id)
    if (n < 0) return undefined
    const node = this.nodes[n]
    const i = node.lowerBound(id)
    if (i >= node.size || node.ids[i] !== id || node.deleted[i]) return undefined
    return { node: n, index: i }
  }

  /** Index of the last node whose first ID is <= `id` (-1: none). */
  private nodeFor(id: StreamId): number {
    const nodes = this.nodes
    let lo = 0
    let hi = nodes.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (nodes[mid].master <= id) lo = mid + 1
      else hi = mid
    }
    return lo - 1
  }

  /** The fields of the live entry `id`. */
  get(id: StreamId): ReadonlyArray<string> | undefined {
    const at = this.find(id)
    return at === undefined ? undefined : this.nodes[at.node].entries[at.index]
  }

  has(id: StreamId): boolean {
    return this.find(id) !== undefined
  }

  /**
   * Visits the live entries with `start <= id <= end`, ascending (or descending with `rev`), until
   * `visit` returns false.
   */
  range(start: StreamId, end: StreamId, rev: boolean, visit: (id: StreamId, pairs: ReadonlyArray<string>) => boolean): void {
    if (start > end) return
    const nodes = this.nodes
    if (!rev) {
      let n = Math.max(0, this.nodeFor(start))
      for (; n < nodes.length; n++) {
        const node = nodes[n]
        if (node.master > end) return
        for (let i = node.lowerBound(start); i < node.size; i++) {
          const id = node.ids[i]
          if (id > end) return
          if (!node.deleted[i] && !visit(id, node.entries[i])) return
        }
      }
    } else {
      for (let n = this.nodeFor(end); n >= 0; n--) {
        const node = nodes[n]
        let i = node.lowerBound(end)
        if (i >= node.size || node.ids[i] > end) i--
        for (; i >= 0; i--) {
          const id = node.ids[i]
          if (id < start) return
          if (!node.deleted[i] && !visit(id, node.entries[i])) return
        }
      }
    }
  }

  /** The first (or last) live entry's ID; `MAX_ID` (first) or 0-0 (last) when empty (`streamGetEdgeID`). */
  edgeId(first: boolean): StreamId {
    let found: StreamId | undefined
    this.range(MIN_ID, MAX_ID, !first, (id) => {
      found = id
      return false
    })
    return found ?? (first ? MAX_ID : MIN_ID)
  }

  /** The first entry's ID, tombstones included (XADD/XTRIM's rewritten MINID). */
  firstIdWithTombstones(): StreamId {
    return this.nodes.length > 0 ? this.nodes[0].ids[0] : MAX_ID
  }

  /** The last live entry's ID (`streamLastValidID`); 0-0 when empty. */
  lastValidId(): StreamId {
    return this.edgeId(false)
  }

  /** `streamRangeHasTombstones` from `start` to the end. */
  rangeHasTombstones(start: StreamId): boolean {
    if (this.length === 0 || this.maxDeletedId === MIN_ID) return false
    if (this.firstId > this.maxDeletedId) return false
    return start <= this.maxDeletedId
  }

  /** `streamEstimateDistanceFromFirstEverEntry`; `INVALID_ENTRIES_READ` when unknown. */
  estimateDistance(id: StreamId): number {
    if (this.entriesAdded === 0) return 0
    if (this.length === 0 && id <= this.lastId) return this.entriesAdded
    if (id === this.lastId) return this.entriesAdded
    if (id > this.lastId) return INVALID_ENTRIES_READ
    if (this.maxDeletedId === MIN_ID || this.maxDeletedId < this.firstId) {
      if (id < this.firstId) return this.entriesAdded - this.length
      if (id === this.firstId) return this.entriesAdded - this.length + 1
    }
    return INVALID_ENTRIES_READ
  }

  /** A group's lag (`streamReplyWithCGLag`); null when it cannot be known. */
  lag(group: StreamGroup): number | null {
    if (this.entriesAdded === 0) return 0
    if (group.entriesRead !== INVALID_ENTRIES_READ && !this.rangeHasTombstones(group.lastId)) return this.entriesAdded - group.entriesRead
    const read = this.estimateDistance(group.lastId)
    return read === INVALID_ENTRIES_READ ? null : this.entriesAdded - read
  }

  // ---- groups -----------------------------------------------------------------------------

  group(name: string): StreamGroup | undefined {
    return this.groups?.get(name)
  }

  /** Groups in name order (the radix tree's order). */
  sortedGroups(): Array<[string, StreamGroup]> {
    if (this.groups === null) return []
    return Array.from(this.groups).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  }

  /** Creates a group; undefined when one of that name exists. */
  createGroup(name: string, lastId: StreamId, entriesRead: number): StreamGroup | undefined {
    if (this.groups?.has(name) === true) return undefined
    this.prepareWrite()
    if (this.groups === null) this.groups = new Map()
    const group = new StreamGroup(lastId, entriesRead)
    this.groups.set(name, group)
    return group
  }

  destroyGroup(name: string): boolean {
    if (this.groups?.has(name) !== true) return false
    this.prepareWrite()
    return this.groups.delete(name)
  }

  /** A copy with the same entries, counters and groups (COPY, and a snapshot's copy). */
  clone(): StreamValue {
    const copy = new StreamValue()
    for (const node of this.nodes) copy.nodes.push(node.clone())
    copy.length = this.length
    copy.lastId = this.lastId
    copy.firstId = this.firstId
    copy.maxDeletedId = this.maxDeletedId
    copy.entriesAdded = this.entriesAdded
    if (this.groups !== null) {
      copy.groups = new Map()
      for (const [name, group] of this.groups) copy.groups.set(name, group.clone())
    }
    return copy
  }
}
