import type { StreamId } from "./StreamId.js"

/** `SCG_INVALID_ENTRIES_READ`: a group whose read counter is unknown. */
export const INVALID_ENTRIES_READ = -1

/** A delivered entry not acknowledged yet (Valkey's `streamNACK`), shared by the group's and its consumer's PEL. */
export class StreamNack {
  constructor(
    /** Null only while XCLAIM FORCE creates it. */
    public consumer: StreamConsumer | null,
    /** Last delivery, ms since the epoch. */
    public deliveryTime: number,
    public deliveryCount: number
  ) {}
}

/**
 * A pending entries list: ID → NACK, iterated in ID order (Valkey's PEL radix tree). Entries are
 * almost always added in increasing ID order (deliveries follow the stream), so the map's
 * insertion order is the ID order; an entry added below the greatest (XCLAIM, XGROUP SETID back)
 * marks the map for sorting before the next ordered walk.
 */
export class PendingList {
  private map = new Map<StreamId, StreamNack>()
  private greatest = -1n
  private ordered = true

  get size(): number {
    return this.map.size
  }

  get(id: StreamId): StreamNack | undefined {
    return this.map.get(id)
  }

  has(id: StreamId): boolean {
    return this.map.has(id)
  }

  set(id: StreamId, nack: StreamNack): void {
    if (!this.map.has(id)) {
      if (id < this.greatest) this.ordered = false
      else this.greatest = id
    }
    this.map.set(id, nack)
  }

  delete(id: StreamId): boolean {
    return this.map.delete(id)
  }

  /** The entries in ID order (do not add entries while walking them). */
  entries(): IterableIterator<[StreamId, StreamNack]> {
    if (!this.ordered) this.sort()
    return this.map.entries()
  }

  /** The entries with an ID >= `start`, in ID order, as an array (safe to change the list meanwhile). */
  from(start: StreamId, end: StreamId = -1n, limit = Infinity): Array<[StreamId, StreamNack]> {
    const out: Array<[StreamId, StreamNack]> = []
    for (const entry of this.entries()) {
      if (entry[0] < start) continue
      if (end >= 0n && entry[0] > end) break
      if (out.length >= limit) break
      out.push(entry)
    }
    return out
  }

  first(): StreamId | undefined {
    for (const [id] of this.entries()) return id
    return undefined
  }

  last(): StreamId | undefined {
    if (!this.ordered) this.sort()
    let last: StreamId | undefined
    // Map has no reverse walk; the greatest is tracked only while ordered.
    if (this.map.has(this.greatest)) return this.greatest
    for (const id of this.map.keys()) last = id
    return last
  }

  private sort(): void {
    const sorted = Array.from(this.map).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    this.map = new Map(sorted)
    this.greatest = sorted.length > 0 ? sorted[sorted.length - 1][0] : -1n
    this.ordered = true
  }
}

/** A consumer of a group (Valkey's `streamConsumer`). */
export class StreamConsumer {
  readonly pel = new PendingList()
  /** Last interaction (read or claim attempt), ms. */
  seenTime: number
  /** Last successful read or claim, ms; -1 never. */
  activeTime = -1

  constructor(
    readonly name: string,
    now: number
  ) {
    this.seenTime = now
  }
}

/** A consumer group (Valkey's `streamCG`). */
export class StreamGroup {
  readonly pel = new PendingList()
  readonly consumers = new Map<string, StreamConsumer>()

  constructor(
    /** Last delivered ID. */
    public lastId: StreamId,
    /** Logical read counter; `INVALID_ENTRIES_READ` when unknown. */
    public entriesRead: number
  ) {}

  /** Consumers in name order (the radix tree's order). */
  sortedConsumers(): Array<StreamConsumer> {
    return Array.from(this.consumers.values()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  /** Removes a consumer and its pending entries from the group's PEL (`streamDelConsumer`). */
  deleteConsumer(consumer: StreamConsumer): number {
    const pending = consumer.pel.size
    for (const [id] of consumer.pel.entries()) this.pel.delete(id)
    this.consumers.delete(consumer.name)
    return pending
  }

  /** A deep copy (consumers and NACKs are new objects, linked as in the original). */
  clone(): StreamGroup {
    const copy = new StreamGroup(this.lastId, this.entriesRead)
    const consumers = new Map<StreamConsumer, StreamConsumer>()
    for (const [name, consumer] of this.consumers) {
      const c = new StreamConsumer(name, consumer.seenTime)
      c.activeTime = consumer.activeTime
      consumers.set(consumer, c)
      copy.consumers.set(name, c)
    }
    for (const [id, nack] of this.pel.entries()) {
      const owner = nack.consumer === null ? null : (consumers.get(nack.consumer) ?? null)
      const n = new StreamNack(owner, nack.deliveryTime, nack.deliveryCount)
      copy.pel.set(id, n)
      owner?.pel.set(id, n)
    }
    return copy
  }
}
