import { BlockedClient } from "./BlockedClient.js"

/**
 * The FIFO of two or more records waiting on one key (a Set is insertion-ordered: iteration is
 * FIFO, delete is O(1), re-adding goes to the tail); `noKey` counts those with `unblockOnNoKey`.
 */
export class KeyQueue extends Set<BlockedClient> {
  noKey = 0
}

/**
 * Who waits on one key. Most keys have one waiter, held directly: 10,000 clients parked on
 * distinct keys make no queue objects at all.
 */
type KeyWaiters = BlockedClient | KeyQueue

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

  /** The waiters of a key, in FIFO order when a `KeyQueue`. */
  waiters(db: number, key: string): KeyWaiters | undefined {
    return this.byDb[db]?.get(key)
  }

  hasWaiters(db: number, key: string): boolean {
    return this.byDb[db]?.has(key) === true
  }

  /** Whether a waiter of the key wants to hear that it was deleted (`unblockOnNoKey`). */
  hasNoKeyWaiters(db: number, key: string): boolean {
    const waiters = this.waiters(db, key)
    return waiters === undefined ? false : waiters instanceof KeyQueue ? waiters.noKey > 0 : waiters.unblockOnNoKey
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
      const waiters = keys.get(key)
      if (waiters === undefined) {
        keys.set(key, record)
        this.totalKeys++
        if (record.unblockOnNoKey) this.totalKeysOnNoKey++
      } else if (waiters instanceof KeyQueue) {
        if (record.unblockOnNoKey && !waiters.has(record) && waiters.noKey++ === 0) this.totalKeysOnNoKey++
        waiters.add(record)
      } else if (waiters !== record) {
        const queue = new KeyQueue([waiters, record])
        queue.noKey = (waiters.unblockOnNoKey ? 1 : 0) + (record.unblockOnNoKey ? 1 : 0)
        // The key was counted once already if the first waiter wants deletions.
        if (queue.noKey > 0 && !waiters.unblockOnNoKey) this.totalKeysOnNoKey++
        keys.set(key, queue)
      }
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
      if (waiters === record) {
        keys.delete(key)
        this.totalKeys--
        if (record.unblockOnNoKey) this.totalKeysOnNoKey--
      } else if (waiters instanceof KeyQueue && waiters.delete(record)) {
        if (record.unblockOnNoKey && --waiters.noKey === 0) this.totalKeysOnNoKey--
        if (waiters.size === 0) {
          keys.delete(key)
          this.totalKeys--
        }
      }
    }
    if (keys.size === 0) this.byDb[record.db] = undefined
  }
}
