import { lzfDecompress } from "./lzf.js"

/** The bytes ran out (rdb.c: a `rioRead` that failed). */
export class ShortRead extends Error {
  constructor() {
    super("short read")
  }
}

/** A structure failed validation: `reason` is the text rdb.c passes to `rdbReportCorruptRDB`. */
export class Corrupt extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number
  ) {
    super(reason)
  }
}

/** A load that fails without a report of its own (rdb.c returns NULL quietly: a short read in a file). */
export class LoadFailed extends Error {
  constructor(readonly reason: string) {
    super(reason)
  }
}

/** Node's latin1 decoder, called on any Uint8Array without making a Buffer view per string. */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: (this: Uint8Array, start: number, end: number) => string }).latin1Slice

/** V8 strings stop a little below 2^29 characters; longer strings cannot be values here. */
const MAX_STRING = (1 << 29) - 24

/** A cursor over an RDB stream (Valkey's `rio` reading a buffer). */
export class ByteReader {
  constructor(
    readonly bytes: Uint8Array,
    public pos = 0,
    readonly end = bytes.length
  ) {}

  get remaining(): number {
    return this.end - this.pos
  }

  byte(): number {
    if (this.pos >= this.end) throw new ShortRead()
    return this.bytes[this.pos++]
  }

  take(n: number): Uint8Array {
    if (n > this.end - this.pos) throw new ShortRead()
    const out = this.bytes.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  u32le(): number {
    const b = this.take(4)
    return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0
  }

  i32le(): number {
    const b = this.take(4)
    return b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)
  }

  i64le(): number {
    const b = this.take(8)
    const lo = (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0
    const hi = b[4] | (b[5] << 8) | (b[6] << 16) | (b[7] << 24)
    return hi * 4294967296 + lo
  }

  f64le(): number {
    const b = this.take(8)
    return new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true)
  }

  f32le(): number {
    const b = this.take(4)
    return new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true)
  }

  /**
   * `rdbLoadLenByRef`: `encoded` tells a special string encoding (RDB_ENCVAL) from a length.
   * 64-bit lengths come back as bigints only when they do not fit a double exactly.
   */
  lenRef(): { encoded: boolean; value: number | bigint } {
    const first = this.byte()
    const kind = (first & 0xc0) >> 6
    if (kind === 3) return { encoded: true, value: first & 0x3f }
    if (kind === 0) return { encoded: false, value: first & 0x3f }
    if (kind === 1) return { encoded: false, value: ((first & 0x3f) << 8) | this.byte() }
    if (first === 0x80) {
      const b = this.take(4)
      return { encoded: false, value: ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0 }
    }
    if (first === 0x81) {
      const b = this.take(8)
      let v = 0n
      for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(b[i])
      return { encoded: false, value: v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v }
    }
    throw new Corrupt(`Unknown length encoding ${kind} in rdbLoadLen()`, this.pos)
  }

  /** `rdbLoadLen(rdb, NULL)`: a length (an encoding marker reads as its 6-bit value, as in rdb.c). */
  len(): number {
    const { value } = this.lenRef()
    return typeof value === "bigint" ? Number(value) : value
  }

  /** A 64-bit unsigned length, exactly. */
  len64(): bigint {
    const { value } = this.lenRef()
    return BigInt(value)
  }

  /** `rdbGenericLoadStringObject` as bytes: verbatim, integer-encoded (as decimal text) or LZF. */
  blob(): Uint8Array {
    const { encoded, value } = this.lenRef()
    if (!encoded) {
      const n = Number(value)
      if (n > this.remaining) throw new ShortRead()
      return this.take(n)
    }
    const enc = Number(value)
    if (enc <= 2) return Buffer.from(String(this.integer(enc)), "latin1")
    if (enc === 3) return this.lzf()
    throw new Corrupt(`Unknown RDB string encoding type ${enc}`, this.pos)
  }

  /** `rdbGenericLoadStringObject` as a latin1 byte string. */
  string(): string {
    const { encoded, value } = this.lenRef()
    if (!encoded) {
      const n = Number(value)
      if (n > this.remaining) throw new ShortRead()
      if (n > MAX_STRING) throw new LoadFailed("string too long")
      const start = this.pos
      this.pos += n
      return latin1Slice.call(this.bytes, start, start + n)
    }
    const enc = Number(value)
    if (enc <= 2) return String(this.integer(enc))
    if (enc === 3) {
      const b = this.lzf()
      return Buffer.from(b.buffer, b.byteOffset, b.length).toString("latin1")
    }
    throw new Corrupt(`Unknown RDB string encoding type ${enc}`, this.pos)
  }

  /** `rdbLoadIntegerObject`. */
  private integer(enc: number): number {
    if (enc === 0) {
      const b = this.byte()
      return b >= 0x80 ? b - 0x100 : b
    }
    if (enc === 1) {
      const b = this.take(2)
      const v = b[0] | (b[1] << 8)
      return v >= 0x8000 ? v - 0x10000 : v
    }
    return this.i32le()
  }

  /** `rdbLoadLzfStringObject`. */
  private lzf(): Uint8Array {
    const clen = this.len()
    const len = this.len()
    if (clen > this.remaining) throw new ShortRead()
    const compressed = this.take(clen)
    // A back reference of up to 3 bytes expands to at most 264 bytes: longer claims are corrupt
    // (and would otherwise make us allocate whatever a bad payload asks for).
    if (len > MAX_STRING || len > clen * 132 + 32) throw new Corrupt("Invalid LZF compressed string", this.pos)
    const out = Buffer.allocUnsafe(len)
    if (lzfDecompress(compressed, out) !== len) throw new Corrupt("Invalid LZF compressed string", this.pos)
    return out
  }
}
