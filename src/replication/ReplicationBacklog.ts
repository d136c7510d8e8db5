/**
 * The replication backlog (replication.c `createReplicationBacklog`, `feedReplicationBuffer`): the
 * last `repl-backlog-size` bytes of the replication stream, kept so a replica that lost its link
 * can continue from its offset (`+CONTINUE`) instead of loading a new copy of the data set.
 *
 * A ring of bytes; offsets are the stream's (the first byte ever fed is offset 1).
 */
export class ReplicationBacklog {
  private ring: Buffer
  /** Where the next byte goes in `ring`. */
  private head = 0
  /** Bytes held (at most the ring's size). */
  histlen = 0
  /** The stream offset of the first byte held (Valkey's `repl_backlog->offset`). */
  firstByteOffset: number

  constructor(
    size: number,
    /** The stream offset of the last byte fed so far (`master_repl_offset`). */
    offset: number
  ) {
    this.ring = Buffer.allocUnsafe(Math.max(1, size))
    this.firstByteOffset = offset + 1
  }

  get size(): number {
    return this.ring.length
  }

  /** Appends `bytes` (a latin1 byte string); the oldest bytes fall out past the size. */
  append(bytes: string): void {
    const ring = this.ring
    const size = ring.length
    let len = bytes.length
    let from = 0
    if (len > size) {
      // Only the tail fits: what comes before it is gone at once.
      this.firstByteOffset += this.histlen + (len - size)
      this.histlen = 0
      from = len - size
      len = size
    }
    let written = 0
    while (written < len) {
      const n = Math.min(len - written, size - this.head)
      ring.write(bytes.slice(from + written, from + written + n), this.head, n, "latin1")
      this.head = (this.head + n) % size
      written += n
    }
    this.histlen += len
    if (this.histlen > size) {
      this.firstByteOffset += this.histlen - size
      this.histlen = size
    }
  }

  /** Holds the bytes from stream offset `offset` up to the end (`offset` may be one past the end). */
  covers(offset: number): boolean {
    return offset >= this.firstByteOffset && offset <= this.firstByteOffset + this.histlen
  }

  /** The bytes from stream offset `offset` to the end, as a latin1 byte string (`covers(offset)` first). */
  readFrom(offset: number): string {
    const skip = offset - this.firstByteOffset
    const len = this.histlen - skip
    if (len <= 0) return ""
    const size = this.ring.length
    const start = (this.head - len + size * 2) % size
    if (start + len <= size) return this.ring.toString("latin1", start, start + len)
    return this.ring.toString("latin1", start, size) + this.ring.toString("latin1", 0, len - (size - start))
  }

  /** `CONFIG SET repl-backlog-size`: keeps the newest bytes that fit (replication.c `resizeReplicationBacklog`). */
  resize(size: number, offset: number): void {
    if (size === this.ring.length) return
    const keep = this.readFrom(this.firstByteOffset)
    this.ring = Buffer.allocUnsafe(Math.max(1, size))
    this.head = 0
    this.histlen = 0
    this.firstByteOffset = offset + 1
    if (keep.length > 0) {
      this.firstByteOffset = offset + 1 - keep.length
      this.append(keep)
      this.firstByteOffset = offset + 1 - this.histlen
    }
  }
}
