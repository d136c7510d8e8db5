import type { BlockedClient } from "./BlockedClient.js"

/** The FIFO of records waiting on one key; `noKey` counts those with `unblockOnNoKey`. */
export interface KeyWaiters {
  /** Insertion-ordered: iteration is FIFO, delete is O(1), re-adding goes to the tail. */
  readonly queue: Set<BlockedClient>
  noKey: number
}

/**
 * The per-database map from key to the FIFO of clients blocked on it (Valkey's
 * `db->blocking_keys`). A client blocked on several keys is in each key's queue.
 */
export class BlockedClients {
  private readonly byDb = new Map<number, Map<string, KeyWaiters>>()
  /** INFO `total_blocking_keys`. */
  totalKeys = 0
  /** INFO `total_blocking_keys_on_nokey`. */
  totalKeysOnNoKey = 0

  waiters(db: number, key: string): KeyWaiters | undefined {
    return this.byDb.get(db)?.get(key)
  }

  hasWaiters(db: number, key: string): boolean {
    return this.byDb.get(db)?.has(key) === true
  }

  /** Keys of `db` that someone waits on. */
  keysOf(db: number): IterableIterator<string> | undefined {
    return this.byDb.get(db)?.keys()
  }

  /** Appends `record` to the tail of each of its keys' queues. */
  enqueue(record: BlockedClient): void {
    let keys = this.byDb.get(record.db)
    if (keys === undefined) this.byDb.set(record.db, (keys = new Map()))
    for (const key of record.keys) {
      let waiters = keys.get(key)
      if (waiters === undefined) {
        keys.set(key, (waiters = { queue: new Set(), noKey: 0 }))
        this.totalKeys++
      }
      waiters.queue.add(record)
      if (record.unblockOnNoKey && waiters.noKey++ === 0) this.totalKeysOnNoKey++
    }
  }

  /** Removes `record` from every queue it is in. */
  dequeue(record: BlockedClient): void {
    const keys = this.byDb.get(record.db)
    if (keys === undefined) return
    for (const key of record.keys) {
      const waiters = keys.get(key)
      if (waiters === undefined || !waiters.queue.delete(record)) continue
      if (record.unblockOnNoKey && --waiters.noKey === 0) this.totalKeysOnNoKey--
      if (waiters.queue.size === 0) {
        keys.delete(key)
        this.totalKeys--
      }
    }
    if (keys.size === 0) this.byDb.delete(record.db)
  }
}
