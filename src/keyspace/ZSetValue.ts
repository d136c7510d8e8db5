import { beforeWrite, type CopyOnWrite, type CopyOnWriteHome, type CopyOnWriteOwner } from "./CopyOnWrite.js"
import { type ReadonlyVersionedMap, VersionedMap } from "./VersionedCollections.js"

type ZSetEncoding = "listpack" | "skiplist"

/** The configs that choose a sorted set's encoding (`zset-max-listpack-*`). */
export interface ZSetLimits {
  readonly maxListpackEntries: number
  readonly maxListpackValue: number
}

export const DEFAULT_ZSET_LIMITS: ZSetLimits = { maxListpackEntries: 128, maxListpackValue: 64 }

const MAX_LEVEL = 32

/** A skiplist node: one member with its score, forward links and spans per level. */
export class ZNode {
  readonly forward: Array<ZNode | null>
  readonly span: Array<number>
  backward: ZNode | null = null
  constructor(
    readonly member: string,
    readonly score: number,
    level: number
  ) {
    this.forward = new Array<ZNode | null>(level).fill(null)
    this.span = new Array<number>(level).fill(0)
  }
}

/** `a` sorts before (score, member): by score, then by member bytes (latin1 code units). */
const before = (a: ZNode, score: number, member: string): boolean =>
  a.score < score || (a.score === score && a.member < member)

const randomLevel = (): number => {
  let level = 1
  while (level < MAX_LEVEL && Math.random() < 0.25) level++
  return level
}

/** The skiplist's reads (its writes belong to `ZSetValue`). */
export type ReadonlySkipList = Omit<SkipList, "insert" | "delete">

/**
 * Valkey's `zskiplist` (t_zset.c): ordered by (score, member) with spans so ranks are O(log n).
 * Ranks here are 0-based.
 */
class SkipList {
  private readonly header = new ZNode("", 0, MAX_LEVEL)
  private level = 1
  tail: ZNode | null = null
  length = 0

  get first(): ZNode | null {
    return this.header.forward[0]
  }

  insert(score: number, member: string): void {
    const update = new Array<ZNode>(MAX_LEVEL)
    const rank = new Array<number>(MAX_LEVEL)
    let x = this.header
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1]
      let next = x.forward[i]
      while (next !== null && before(next, score, member)) {
        rank[i] += x.span[i]
        x = next
        next = x.forward[i]
      }
      update[i] = x
    }
    const level = randomLevel()
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0
        update[i] = this.header
        this.header.span[i] = this.length
      }
      this.level = level
    }
    const node = new ZNode(member, score, level)
    for (let i = 0; i < level; i++) {
      node.forward[i] = update[i].forward[i]
      update[i].forward[i] = node
      node.span[i] = update[i].span[i] - (rank[0] - rank[i])
      update[i].span[i] = rank[0] - rank[i] + 1
    }
    for (let i = level; i < this.level; i++) update[i].span[i]++
    node.backward = update[0] === this.header ? null : update[0]
    if (node.forward[0] !== null) node.forward[0].backward = node
    else this.tail = node
    this.length++
  }

  delete(score: number, member: string): boolean {
    const update = new Array<ZNode>(MAX_LEVEL)
    let x = this.header
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]
      while (next !== null && before(next, score, member)) {
        x = next
        next = x.forward[i]
      }
      update[i] = x
    }
    const node = x.forward[0]
    if (node === null || node.score !== score || node.member !== member) return false
    for (let i = 0; i < this.level; i++) {
      if (update[i].forward[i] === node) {
        update[i].span[i] += node.span[i] - 1
        update[i].forward[i] = node.forward[i]
      } else {
        update[i].span[i]--
      }
    }
    if (node.forward[0] !== null) node.forward[0].backward = node.backward
    else this.tail = node.backward
    while (this.level > 1 && this.header.forward[this.level - 1] === null) this.level--
    this.length--
    return true
  }

  /** The 0-based rank of (score, member), which must be present. */
  rank(score: number, member: string): number {
    let x = this.header
    let traversed = 0
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]
      while (next !== null && (next.score < score || (next.score === score && next.member <= member))) {
        traversed += x.span[i]
        x = next
        next = x.forward[i]
      }
      if (x !== this.header && x.member === member) return traversed - 1
    }
    return -1
  }

  /** The node at 0-based `rank`, or null. */
  at(rank: number): ZNode | null {
    if (rank < 0 || rank >= this.length) return null
    const target = rank + 1
    let x = this.header
    let traversed = 0
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]
      while (next !== null && traversed + x.span[i] <= target) {
        traversed += x.span[i]
        x = next
        next = x.forward[i]
      }
      if (traversed === target) return x
    }
    return null
  }

  /** The first node for which the monotone `reached` holds, with its 0-based rank; null if none. */
  firstWhere(reached: (node: ZNode) => boolean): { node: ZNode; rank: number } | null {
    let x = this.header
    let traversed = 0
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]
      while (next !== null && !reached(next)) {
        traversed += x.span[i]
        x = next
        next = x.forward[i]
      }
    }
    const node = x.forward[0]
    return node === null ? null : { node, rank: traversed }
  }

  /** The last node for which `within` holds (true then false along the list), with its rank. */
  lastWhere(within: (node: ZNode) => boolean): { node: ZNode; rank: number } | null {
    let x = this.header
    let traversed = 0
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]
      while (next !== null && within(next)) {
        traversed += x.span[i]
        x = next
        next = x.forward[i]
      }
    }
    return x === this.header ? null : { node: x, rank: traversed - 1 }
  }
}

/**
 * A sorted set: member → score and a skiplist in (score, member) order. `encoding` follows
 * Valkey's conversions: listpack while small, skiplist once an add exceeds a limit; back to
 * listpack only where a command rebuilds the set (`zsetConvertToListpackIfNeeded`).
 */
export class ZSetValue {
  private readonly map = new VersionedMap<string, number>()
  /** The members in (score, member) order; read only outside this class. */
  readonly list: ReadonlySkipList = new SkipList()
  encoding: ZSetEncoding
  /** Memory accounting's sample of the mean element size, taken again every few writes (see `MemoryAccounting.ts`). */
  sampledElementBytes = 0
  writesUntilSample = 0
  /** Copy-on-write for a running snapshot (see `CopyOnWrite.ts`): the snapshot keeping this value, its database and entry. */
  cow: CopyOnWrite | null = null
  home: CopyOnWriteHome | null = null
  owner: CopyOnWriteOwner | null = null

  /** Member → score (read only: write with `set` and `delete`). */
  get scores(): ReadonlyVersionedMap<string, number> {
    return this.map
  }

  constructor(encoding: ZSetEncoding = "listpack") {
    this.encoding = encoding
  }

  /** `zsetTypeCreate(sizeHint, valueLenHint)`. */
  static create(sizeHint: number, valueLengthHint: number, limits: ZSetLimits): ZSetValue {
    return new ZSetValue(
      sizeHint <= limits.maxListpackEntries && valueLengthHint <= limits.maxListpackValue && limits.maxListpackEntries > 0
        ? "listpack"
        : "skiplist"
    )
  }

  get size(): number {
    return this.scores.size
  }

  score(member: string): number | undefined {
    return this.scores.get(member)
  }

  /** Sets `member`'s score (adding it when new), converting the encoding where Valkey does. */
  set(member: string, score: number, limits: ZSetLimits): void {
    // A stored -0 reads back as 0 (as Valkey's replies show).
    if (score === 0) score = 0
    const old = this.map.get(member)
    if (old !== undefined && old === score) return
    if (this.cow !== null || (this.home !== null && this.home.cow !== null)) beforeWrite(this)
    const list = this.list as SkipList
    if (old !== undefined) {
      list.delete(old, member)
    } else if (
      this.encoding === "listpack" &&
      (this.scores.size + 1 > limits.maxListpackEntries || member.length > limits.maxListpackValue)
    ) {
      this.encoding = "skiplist"
    }
    this.map.set(member, score)
    list.insert(score, member)
  }

  delete(member: string): boolean {
    const old = this.map.get(member)
    if (old === undefined) return false
    if (this.cow !== null || (this.home !== null && this.home.cow !== null)) beforeWrite(this)
    this.map.delete(member)
    ;(this.list as SkipList).delete(old, member)
    return true
  }

  /** The 0-based rank of a member, ascending; undefined when absent. */
  rank(member: string): number | undefined {
    const score = this.scores.get(member)
    return score === undefined ? undefined : this.list.rank(score, member)
  }

  /** A deep copy with the same encoding (COPY, and a snapshot's copy). */
  clone(): ZSetValue {
    const copy = new ZSetValue(this.encoding)
    const list = copy.list as SkipList
    for (let n = this.list.first; n !== null; n = n.forward[0]) {
      copy.map.set(n.member, n.score)
      list.insert(n.score, n.member)
    }
    return copy
  }
}
