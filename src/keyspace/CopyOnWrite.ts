/**
 * The hook a collection value carries while a point-in-time snapshot (`Snapshot.ts`) still has to
 * read it: the value's first in-place write calls `preserve(this)` before changing anything, so the
 * snapshot takes a copy of the value as it was when the snapshot started. A value no snapshot is
 * waiting for has `cow === null`, and its writes pay one comparison.
 */
export interface CopyOnWrite {
  /** Takes a copy of `collection` (armed by this snapshot) as it is now and clears its `cow`. */
  preserve(collection: object): void
}
