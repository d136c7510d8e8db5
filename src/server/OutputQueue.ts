/**
 * A client's replies waiting for its connection, as a queue of byte strings (Valkey's reply list):
 * what a tick produced beyond one small string, or what arrived while the connection still had
 * bytes to send. Strings are taken from the front in pieces of bounded size, so a reply of any
 * size (a 512 MB value, a pipelined burst of gigabytes) is written as the socket drains without
 * ever being joined into one string: V8 strings stop at about 512 MB.
 */
export class OutputQueue {
  private chunks: Array<string> = []
  private head = 0
  /** Bytes of `chunks[head]` already taken. */
  private offset = 0
  /** Bytes queued and not yet taken. */
  bytes = 0

  /** Strings queued (CLIENT LIST `oll`). */
  get length(): number {
    return this.chunks.length - this.head
  }

  push(chunk: string): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.bytes += chunk.length
  }

  /**
   * Up to `max` bytes from the front, as one string ("" when empty): whole strings joined while they
   * fit, then a slice of the next (V8 slices without copying).
   */
  take(max: number): string {
    const chunks = this.chunks
    let out = ""
    while (this.head < chunks.length && out.length < max) {
      const chunk = chunks[this.head]
      const left = chunk.length - this.offset
      const room = max - out.length
      if (left <= room) {
        out += this.offset === 0 ? chunk : chunk.slice(this.offset)
        // Let the string go as soon as it is taken.
        chunks[this.head++] = ""
        this.offset = 0
      } else {
        out += chunk.slice(this.offset, this.offset + room)
        this.offset += room
      }
    }
    this.bytes -= out.length
    if (this.head === chunks.length) {
      this.chunks = []
      this.head = 0
    } else if (this.head >= 1024 && this.head * 2 >= chunks.length) {
      this.chunks = chunks.slice(this.head)
      this.head = 0
    }
    return out
  }
}
