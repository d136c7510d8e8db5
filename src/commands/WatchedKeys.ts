import type { Database } from "../keyspace/Database.js"
import type { Keyspace } from "../keyspace/Keyspace.js"

/** A key watched by WATCH; `expiredAtWatch` follows Valkey's `watchedKey.expired`. */
export interface WatchedKey {
  readonly db: number
  readonly key: string
  expiredAtWatch: boolean
}

/**
 * `Client.watched` of a client that never watched: one empty array for all of them (most never
 * WATCH, and every per-connection object is copied by the young-generation GC). Never pushed to.
 */
export const NO_WATCHES: Array<WatchedKey> = []

/** A client as the WATCH registry sees it. */
export interface Watcher {
  readonly db: number
  watched: Array<WatchedKey>
  dirtyCas: boolean
  /** MULTI's queue, dropped when a watched key changes. */
  readonly multi: { readonly queue: { length: number } } | null
}

/** One client's WATCH of one key: linked from the client (`client.watched`) and from the key. */
interface Watch extends WatchedKey {
  readonly client: Watcher
}

const isExpired = (database: Database, key: string, now: number): boolean => {
  const entry = database.raw(key)
  return entry !== undefined && entry.expireAt !== 0 && entry.expireAt <= now
}

/**
 * The WATCH registry (Valkey's multi.c): per database, the clients watching each key. A write to a
 * watched key marks its watchers `dirtyCas`, so their next EXEC replies a null array.
 *
 * Keys that were already expired (but not yet deleted) at WATCH time are flagged `expiredAtWatch`:
 * deleting such a key is no logical change, and EXEC ignores them when it checks for watched keys
 * that expired since WATCH (`isWatchedKeyExpired`).
 */
export class WatchedKeys {
  private readonly byDb: Array<Map<string, Array<Watch>>>
  /** INFO `watching_clients`. */
  watchingClients = 0

  constructor(private readonly keyspace: Keyspace) {
    this.byDb = Array.from({ length: keyspace.dbs.length }, () => new Map())
    keyspace.listen({
      keyModified: (db, key) => this.touch(db, key),
      databaseReplaced: (db, previous) => this.touchAllInDb(db, previous)
    })
  }

  /** INFO `total_watched_keys`: distinct watched keys over all databases. */
  get totalWatchedKeys(): number {
    let n = 0
    for (const watched of this.byDb) n += watched.size
    return n
  }

  /** WATCH of one key in the client's current database (`watchForKey`). */
  watch(client: Watcher, key: string): void {
    const db = client.db
    if (client.watched.length === 0) this.watchingClients++
    for (const wk of client.watched) if (wk.db === db && wk.key === key) return
    const watch: Watch = { db, key, client, expiredAtWatch: isExpired(this.keyspace.dbs[db], key, this.keyspace.now()) }
    if (client.watched === NO_WATCHES) client.watched = []
    client.watched.push(watch)
    const watchers = this.byDb[db].get(key)
    if (watchers === undefined) this.byDb[db].set(key, [watch])
    else watchers.push(watch)
  }

  /** Forgets every key the client watches; clearing `dirtyCas` is the caller's business. */
  unwatchAll(client: Watcher): void {
    const watched = client.watched
    if (watched.length === 0) return
    for (const wk of watched) {
      const keys = this.byDb[wk.db]
      const watchers = keys.get(wk.key)
      if (watchers === undefined) continue
      const i = watchers.indexOf(wk as Watch)
      if (i !== -1) watchers.splice(i, 1)
      if (watchers.length === 0) keys.delete(wk.key)
    }
    watched.length = 0
    this.watchingClients--
  }

  /** EXEC with a watched key that expired after WATCH fails (keys expired at WATCH are ignored). */
  isWatchedKeyExpired(client: Watcher): boolean {
    if (client.watched.length === 0) return false
    const now = this.keyspace.now()
    for (const wk of client.watched) {
      if (!wk.expiredAtWatch && isExpired(this.keyspace.dbs[wk.db], wk.key, now)) return true
    }
    return false
  }

  /**
   * A watch its client no longer lists: something cleared `client.watched` without `unwatchAll`
   * (a RESET that forgot the hook). Dropped here so it cannot mark the client dirty later.
   */
  private isStale(wk: Watch): boolean {
    if (wk.client.watched.includes(wk)) return false
    const watchers = this.byDb[wk.db].get(wk.key)
    const i = watchers?.indexOf(wk) ?? -1
    if (i !== -1) watchers!.splice(i, 1)
    if (watchers?.length === 0) this.byDb[wk.db].delete(wk.key)
    return true
  }

  /** `touchWatchedKey`: called on every key write, so the common case is one `size` check. */
  private touch(db: number, key: string): void {
    const keys = this.byDb[db]
    if (keys.size === 0) return
    const watchers = keys.get(key)
    if (watchers === undefined) return
    for (const wk of watchers.slice()) {
      if (this.isStale(wk)) continue
      if (wk.expiredAtWatch && this.keyspace.dbs[db].raw(key) === undefined) {
        // The key was already expired at WATCH and is now deleted: logically no change.
        wk.expiredAtWatch = false
        continue
      }
      markDirty(wk.client)
      // A dirty client's EXEC fails anyway: stop tracking its keys now.
      this.unwatchAll(wk.client)
    }
  }

  /**
   * `touchAllWatchedKeysInDb` for FLUSHDB/FLUSHALL/SWAPDB: `previous` is what `db` held before,
   * `keyspace.dbs[db]` what it holds now (empty after a flush). A watched key is touched when it
   * existed before or exists now, except when it was expired at WATCH and is gone or still expired.
   */
  private touchAllInDb(db: number, previous: Database): void {
    const keys = this.byDb[db]
    if (keys.size === 0) return
    const current = this.keyspace.dbs[db]
    const now = this.keyspace.now()
    for (const [key, watchers] of keys) {
      const existedBefore = previous.raw(key) !== undefined
      const existsNow = current.raw(key) !== undefined
      if (!existedBefore && !existsNow) continue
      for (const wk of watchers.slice()) {
        if (this.isStale(wk)) continue
        if (wk.expiredAtWatch) {
          if (!existsNow) {
            wk.expiredAtWatch = false
            continue
          }
          if (isExpired(current, key, now)) continue
        } else if (!existedBefore && isExpired(current, key, now)) {
          // A missing key replaced by an already expired one.
          wk.expiredAtWatch = true
          continue
        }
        markDirty(wk.client)
      }
    }
  }
}

/** CLIENT_DIRTY_CAS: the next EXEC fails; the queued commands are dropped at once. */
const markDirty = (client: Watcher): void => {
  client.dirtyCas = true
  if (client.multi !== null) client.multi.queue.length = 0
}
