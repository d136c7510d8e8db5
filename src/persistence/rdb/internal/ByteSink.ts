import { parseInt64 } from "../../../keyspace/int64.js"
import { Crc64 } from "./crc64.js"
import { lzfCompress } from "./lzf.js"

const CHUNK = 64 * 1024

/** rdb.h `RDB_ENCVAL` << 6 | `RDB_ENC_*`. */
const ENC_INT8 = 0xc0
const ENC_INT16 = 0xc1
const ENC_INT32 = 0xc2
const ENC_LZF = 0xc3

/** Reused scratch space for LZF (input bytes and output). */
let lzfIn = Buffer.alloc(4096)
let lzfOut = new Uint8Array(4096)

/**
 * The bytes of an RDB stream as it is written: 64 KB chunks handed out by `take`, with the CRC64
 * of everything taken kept up to date (Valkey's `rio` with `update_cksum`).
 */
export class ByteSink {
  private chunk: Uint8Array = Buffer.allocUnsafe(CHUNK)
  private pos = 0
  private done: Array<Uint8Array> = []
  private readonly crc: Crc64 | undefined
  /** Bytes handed out by `take` so far. */
  private taken = 0

  constructor(
    /** `rdbcompression`. */
    readonly compression: boolean,
    checksum: boolean
  ) {
    this.crc = checksum ? new Crc64() : undefined
  }

  /** Total bytes written so far. */
  get length(): number {
    let n = this.taken + this.pos
    for (const c of this.done) n += c.length
    return n
  }

  private room(n: number): void {
    if (this.pos + n <= this.chunk.length) return
    this.seal()
    this.chunk = Buffer.allocUnsafe(Math.max(CHUNK, n))
  }

  /** Closes the current chunk (it joins `done`). */
  private seal(): void {
    if (this.pos === 0) return
    const full = this.chunk.subarray(0, this.pos)
    this.crc?.update(full)
    this.done.push(full)
    this.chunk = Buffer.allocUnsafe(CHUNK)
    this.pos = 0
  }

  /** The chunks written since the last `take`. */
  take(): Array<Uint8Array> {
    this.seal()
    const out = this.done
    this.done = []
    for (const c of out) this.taken += c.length
    return out
  }

  /** The CRC64 of every byte written so far (seals the current chunk). */
  checksumBytes(): Uint8Array {
    this.seal()
    return this.crc === undefined ? new Uint8Array(8) : this.crc.bytesLE()
  }

  byte(b: number): void {
    this.room(1)
    this.chunk[this.pos++] = b
  }

  raw(bytes: Uint8Array): void {
    if (bytes.length > CHUNK) {
      this.seal()
      const copy = Uint8Array.prototype.slice.call(bytes) as Uint8Array
      this.crc?.update(copy)
      this.done.push(copy)
      return
    }
    this.room(bytes.length)
    this.chunk.set(bytes, this.pos)
    this.pos += bytes.length
  }

  /** A latin1 byte string's bytes, as they are. */
  latin1(s: string): void {
    const n = s.length
    if (n > CHUNK) {
      this.seal()
      const b = Buffer.from(s, "latin1")
      this.crc?.update(b)
      this.done.push(b)
      return
    }
    this.room(n)
    const c = this.chunk
    let p = this.pos
    if (n > 32) {
      ;(c as Buffer).write(s, p, n, "latin1")
      p += n
    } else {
      for (let i = 0; i < n; i++) c[p++] = s.charCodeAt(i)
    }
    this.pos = p
  }

  u32le(v: number): void {
    this.room(4)
    const c = this.chunk
    c[this.pos++] = v & 0xff
    c[this.pos++] = (v >>> 8) & 0xff
    c[this.pos++] = (v >>> 16) & 0xff
    c[this.pos++] = (v >>> 24) & 0xff
  }

  /** A signed 64-bit integer, little endian (`rdbSaveMillisecondTime`). */
  i64le(v: number | bigint): void {
    this.room(8)
    if (typeof v === "number" && Number.isSafeInteger(v)) {
      const lo = v >>> 0
      const hi = Math.floor(v / 4294967296) | 0
      const c = this.chunk
      let p = this.pos
      c[p++] = lo & 0xff
      c[p++] = (lo >>> 8) & 0xff
      c[p++] = (lo >>> 16) & 0xff
      c[p++] = lo >>> 24
      c[p++] = hi & 0xff
      c[p++] = (hi >>> 8) & 0xff
      c[p++] = (hi >>> 16) & 0xff
      c[p++] = (hi >>> 24) & 0xff
      this.pos = p
      return
    }
    let u = BigInt.asUintN(64, BigInt(v))
    for (let i = 0; i < 8; i++) {
      this.chunk[this.pos++] = Number(u & 0xffn)
      u >>= 8n
    }
  }

  f64le(v: number): void {
    this.room(8)
    ;(this.chunk as Buffer).writeDoubleLE(v, this.pos)
    this.pos += 8
  }

  f32le(v: number): void {
    this.room(4)
    ;(this.chunk as Buffer).writeFloatLE(v, this.pos)
    this.pos += 4
  }

  /** `rdbSaveLen`: 6-bit, 14-bit, 32-bit (big endian) or 64-bit (big endian) length. */
  len(n: number | bigint): void {
    if (typeof n === "number") {
      if (n < 64) return this.byte(n)
      if (n < 16384) {
        this.room(2)
        this.chunk[this.pos++] = (n >>> 8) | 0x40
        this.chunk[this.pos++] = n & 0xff
        return
      }
      if (n <= 0xffffffff) {
        this.room(5)
        const c = this.chunk
        c[this.pos++] = 0x80
        c[this.pos++] = (n >>> 24) & 0xff
        c[this.pos++] = (n >>> 16) & 0xff
        c[this.pos++] = (n >>> 8) & 0xff
        c[this.pos++] = n & 0xff
        return
      }
    } else if (n <= 0xffffffffn) {
      return this.len(Number(n))
    }
    const u = BigInt.asUintN(64, BigInt(n))
    this.room(9)
    this.chunk[this.pos++] = 0x81
    for (let shift = 56n; shift >= 0n; shift -= 8n) this.chunk[this.pos++] = Number((u >> shift) & 0xffn)
  }

  /** `rdbEncodeInteger`: an INT8/16/32 string encoding when `v` fits; false when it does not. */
  private encodedInteger(v: number): boolean {
    if (v >= -128 && v <= 127) {
      this.room(2)
      this.chunk[this.pos++] = ENC_INT8
      this.chunk[this.pos++] = v & 0xff
      return true
    }
    if (v >= -32768 && v <= 32767) {
      this.room(3)
      this.chunk[this.pos++] = ENC_INT16
      this.chunk[this.pos++] = v & 0xff
      this.chunk[this.pos++] = (v >> 8) & 0xff
      return true
    }
    if (v >= -2147483648 && v <= 2147483647) {
      this.room(5)
      this.chunk[this.pos++] = ENC_INT32
      this.chunk[this.pos++] = v & 0xff
      this.chunk[this.pos++] = (v >> 8) & 0xff
      this.chunk[this.pos++] = (v >> 16) & 0xff
      this.chunk[this.pos++] = (v >>> 24) & 0xff
      return true
    }
    return false
  }

  /**
   * `rdbSaveRawString` of a byte string: an integer encoding for short canonical integers that
   * fit 32 bits, LZF for strings over 20 bytes when it saves at least 4 bytes, else verbatim.
   */
  string(s: string): void {
    const n = s.length
    if (n <= 11 && n > 0) {
      const c = s.charCodeAt(0)
      if ((c >= 48 && c <= 57) || c === 45) {
        const v = parseInt64(s)
        if (typeof v === "number" && this.encodedInteger(v)) return
      }
    }
    if (this.compression && n > 20) {
      if (lzfIn.length < n) lzfIn = Buffer.alloc(Math.max(n, lzfIn.length * 2))
      if (n > 32) lzfIn.write(s, 0, n, "latin1")
      else for (let i = 0; i < n; i++) lzfIn[i] = s.charCodeAt(i)
      if (this.lzf(lzfIn.subarray(0, n))) return
    }
    this.len(n)
    this.latin1(s)
  }

  /** `rdbSaveRawString` of a blob (listpack, intset): LZF when worth it, else verbatim. */
  blob(bytes: Uint8Array): void {
    if (this.compression && bytes.length > 20 && this.lzf(bytes)) return
    this.len(bytes.length)
    this.raw(bytes)
  }

  /** `rdbSaveLzfStringObject`: true when written compressed. */
  private lzf(input: Uint8Array): boolean {
    const n = input.length
    const outLength = n - 4
    if (lzfOut.length < outLength + 1) lzfOut = new Uint8Array(Math.max(outLength + 1, lzfOut.length * 2))
    const compressed = lzfCompress(input, lzfOut, outLength)
    if (compressed === 0) return false
    this.lzfBlob(lzfOut.subarray(0, compressed), n)
    return true
  }

  /** `rdbSaveLzfBlob`. */
  lzfBlob(data: Uint8Array, originalLength: number): void {
    this.byte(ENC_LZF)
    this.len(data.length)
    this.len(originalLength)
    this.raw(data)
  }

  /** Every chunk written so far as one buffer (DUMP payloads). */
  concat(): Buffer {
    return Buffer.concat(this.take())
  }
}
