/** Room for a tick's commands without growing (redis-benchmark -c 50 -P 16 SETs take ~40 KB). */
const INITIAL_BYTES = 64 * 1024

/** A buffer grown past this (a burst of big commands) is given back after it is written. */
const MAX_KEPT_BYTES = 1024 * 1024

/** Arguments up to this length are copied char by char: cheaper than a call into the runtime. */
const SHORT_ARG = 32

/** Node's native latin1 methods behind `write(..., "latin1")` and `toString("latin1")`, without their argument checks. */
type LatinBuffer = Buffer & {
  latin1Write(text: string, offset: number, length: number): number
  latin1Slice(start: number, end: number): string
}

/**
 * Valkey's `aof_buf`: the RESP of the propagated commands not yet written, encoded once into one
 * growing Buffer (no string per command or argument, nothing to flatten or copy again when it is
 * written) and written with one `write` per tick. Arguments are latin1 byte strings: one char is one
 * byte. As in Valkey (aof.c `flushAppendOnlyFile` frees a big `aof_buf`), a buffer that grew past a
 * megabyte is given back once written; below that it is kept, so a steady load allocates nothing.
 */
export class AofBuffer {
  private bytes = Buffer.allocUnsafe(INITIAL_BYTES) as LatinBuffer
  /** Bytes held. */
  length = 0

  /** A command as a RESP array of bulk strings (aof.c `catAppendOnlyGenericCommand`). */
  command(argv: ReadonlyArray<string>): void {
    const argc = argv.length
    this.reserve(16)
    let b = this.bytes
    let o = this.length
    b[o++] = 42 // '*'
    o = writeDecimal(b, o, argc)
    b[o++] = 13
    b[o++] = 10
    for (let i = 0; i < argc; i++) {
      const arg = argv[i]
      const n = arg.length
      if (o + n + 16 > b.length) {
        this.length = o
        this.reserve(n + 16)
        b = this.bytes
      }
      b[o++] = 36 // '$'
      o = writeDecimal(b, o, n)
      b[o++] = 13
      b[o++] = 10
      if (n <= SHORT_ARG) {
        for (let j = 0; j < n; j++) b[o + j] = arg.charCodeAt(j)
        o += n
      } else o += b.latin1Write(arg, o, n)
      b[o++] = 13
      b[o++] = 10
    }
    this.length = o
  }

  /** Text as it is (the `#TS:` annotation). */
  text(text: string): void {
    this.reserve(text.length)
    this.length += this.bytes.latin1Write(text, this.length, text.length)
  }

  /** The bytes held (a view, valid until the next change). */
  view(): Buffer {
    return this.bytes.subarray(0, this.length)
  }

  /** Drops the first `n` bytes (written by a short write). */
  consume(n: number): void {
    if (n >= this.length) return this.clear()
    this.bytes.copyWithin(0, n, this.length)
    this.length -= n
  }

  /** Empties the buffer; one that grew past a megabyte goes back to its initial size. */
  clear(): void {
    this.length = 0
    if (this.bytes.length > MAX_KEPT_BYTES) this.bytes = Buffer.allocUnsafe(INITIAL_BYTES) as LatinBuffer
  }

  toString(): string {
    return this.bytes.latin1Slice(0, this.length)
  }

  private reserve(extra: number): void {
    const needed = this.length + extra
    if (needed <= this.bytes.length) return
    const grown = Buffer.allocUnsafe(Math.max(needed, this.bytes.length * 2)) as LatinBuffer
    this.bytes.copy(grown, 0, 0, this.length)
    this.bytes = grown
  }
}

/** Writes a non-negative integer's decimal digits at `o`; returns the offset after them. */
const writeDecimal = (b: Uint8Array, o: number, value: number): number => {
  if (value < 10) {
    b[o] = 48 + value
    return o + 1
  }
  let digits = 1
  for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++
  let v = value
  for (let i = o + digits - 1; i >= o; i--) {
    b[i] = 48 + (v % 10)
    v = Math.floor(v / 10)
  }
  return o + digits
}
