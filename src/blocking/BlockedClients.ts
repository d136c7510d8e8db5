import type { BlockedClient } from "./BlockedClient.js"

/**
 * The FIFO of records waiting on one key; `noKey` counts those with `unblockOnNoKey`. Most keys
 * have one waiter, so a lone record is held directly and a Set (insertion-ordered: iteration is
 * FIFO, delete is O(1), re-adding goes to the tail) is made only for a second one.
 */
export class KeyWaiters {
  private one: BlockedClient | null = null
  private many: Set<BlockedClient> | null = null
  noKey = 0

  get size(): number {
    return this.many !== null ? this.many.size : this.one !== null ? 1 : 0
  }

  add(record: BlockedClient): void {
    if (this.many !== null) this.many.add(record)
    else if (this.one === null) this.one = record
    else if (this.one !== record) {
      this.many = new Set([this.one, record])
      this.one = null
    }
  }

  delete(record: BlockedClient): boolean {
    if (this.many !== null) return this.many.delete(record)
    if (this.one !== record) return false
    this.one = null
    return true
  }

  /** The records in FIFO order; removing records while iterating is safe. */
  records(): Iterable<BlockedClient> {
    return this.many ?? (this.one !== null ? [this.one] : [])
  }
}

/**
 * The per-database map from key to the FIFO of clients blocked on it (Valkey's
 * `db->blocking_keys`). A client blocked on several keys is in each key's queue.
 */
export class BlockedClients {
  /** Indexed by database number (a sparse array: cheaper than a Map lookup on every write). */
  private readonly byDb: Array<Map<string, KeyWaiters> | undefined> = []
  /** INFO `total_blocking_keys`. */
  totalKeys = 0
  /** INFO `total_blocking_keys_on_nokey`. */
  totalKeysOnNoKey = 0

  waiters(db: number, key: string): KeyWaiters | undefined {
    return this.byDb[db]?.get(key)
  }

  hasWaiters(db: number, key: string): boolean {
    return this.byDb[db]?.has(key) === true
  }

  /** Keys of `db` that someone waits on. */
  keysOf(db: number): IterableIterator<string> | undefined {
    return this.byDb[db]?.keys()
  }

  /** Appends `record` to the tail of each of its keys' queues. */
  enqueue(record: BlockedClient): void {
    let keys = this.byDb[record.db]
    if (keys === undefined) this.byDb[record.db] = keys = new Map()
    record.queued = true
    for (const key of record.keys) {
      let waiters = keys.get(key)
      if (waiters === undefined) {
        keys.set(key, (waiters = new KeyWaiters()))
        this.totalKeys++
      }
      waiters.add(record)
      if (record.unblockOnNoKey && waiters.noKey++ === 0) this.totalKeysOnNoKey++
    }
  }

  /** Removes `record` from every queue it is in. */
  dequeue(record: BlockedClient): void {
    if (!record.queued) return
    record.queued = false
    const keys = this.byDb[record.db]
    if (keys === undefined) return
    for (const key of record.keys) {
      const waiters = keys.get(key)
      if (waiters === undefined || !waiters.delete(record)) continue
      if (record.unblockOnNoKey && --waiters.noKey === 0) this.totalKeysOnNoKey--
      if (waiters.size === 0) {
        keys.delete(key)
        this.totalKeys--
      }
    }
    if (keys.size === 0) this.byDb[record.db] = undefined
  }
}
