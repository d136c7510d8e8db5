/**
 * Keys signalled ready since the last serving pass (Valkey's `server.ready_keys` plus each db's
 * `ready_keys` dict): in signal order, each (db, key) at most once until it is taken.
 */
export class ReadyKeys {
  private dbs: Array<number> = []
  private keys: Array<string> = []
  /** Per database number (a sparse array): the keys listed and not yet unmarked. */
  private readonly signalled: Array<Set<string> | undefined> = []

  get size(): number {
    return this.keys.length
  }

  /** Adds (db, key) unless it is already waiting to be served. */
  add(db: number, key: string): void {
    let set = this.signalled[db]
    if (set === undefined) this.signalled[db] = set = new Set()
    const before = set.size
    set.add(key)
    if (set.size === before) return
    this.dbs.push(db)
    this.keys.push(key)
  }

  /** Swaps in an empty list and returns the old one; keys stay marked until `unmark`. */
  take(): { readonly dbs: Array<number>; readonly keys: Array<string> } {
    const taken = { dbs: this.dbs, keys: this.keys }
    this.dbs = []
    this.keys = []
    return taken
  }

  /** Lets (db, key) be signalled again (done just before serving it). */
  unmark(db: number, key: string): void {
    this.signalled[db]?.delete(key)
  }
}
