/**
 * How a collection value tells a running point-in-time snapshot (`Snapshot.ts`) that it is about
 * to change in place, so the snapshot can keep a copy of it as it was first:
 * - `cow` is set while a snapshot holds the value for a key it has not read yet (the key was
 *   deleted, overwritten or renamed after the snapshot started);
 * - `home` and `owner` are the database and entry holding the value: while `home.cow` is set, a
 *   snapshot is reading that database, and an owner whose `snapshotMark` differs from the
 *   database's has not been read yet.
 * With no snapshot running a write pays two null checks.
 */
export interface CopyOnWrite {
  /** Takes a copy of `collection` as it is now, for `owner` (null: for the key that held it). */
  preserve(collection: CopyOnWriteValue, owner: CopyOnWriteOwner | null): void
}

export interface CopyOnWriteOwner {
  snapshotMark: number
}

export interface CopyOnWriteHome {
  readonly cow: CopyOnWrite | null
  readonly snapshotMark: number
}

export interface CopyOnWriteValue {
  cow: CopyOnWrite | null
  home: CopyOnWriteHome | null
  owner: CopyOnWriteOwner | null
}

/** Called by a collection before an in-place write when `cow` or `home.cow` is set. */
export const beforeWrite = (value: CopyOnWriteValue): void => {
  if (value.cow !== null) value.cow.preserve(value, null)
  const home = value.home
  if (home !== null && home.cow !== null && value.owner !== null && value.owner.snapshotMark !== home.snapshotMark)
    home.cow.preserve(value, value.owner)
}
