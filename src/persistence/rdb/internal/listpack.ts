import { parseInt64 } from "../../../keyspace/int64.js"

/**
 * Valkey's listpack (listpack.c): a 6-byte header (total bytes, element count; both little
 * endian), entries of encoding + data + backlen, and a 0xFF terminator. Elements that are
 * canonical 64-bit integers (`lpStringToInt64`) are stored as integers, as `lpAppend` does.
 */

const HEADER_SIZE = 6
const EOF_BYTE = 0xff
const NUMELE_UNKNOWN = 65535

/** Bytes of `lpEncodeBacklen(l)`. */
const backlenSize = (l: number): number => (l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5)

/** Builds one listpack; `bytes()` gives the finished blob. */
export class ListpackBuilder {
  private buf: Uint8Array
  private pos = HEADER_SIZE
  count = 0

  constructor(capacity = 64) {
    this.buf = new Uint8Array(Math.max(capacity, 16))
  }

  /** The size the listpack has now (header, entries and terminator). */
  get size(): number {
    return this.pos + 1
  }

  private ensure(n: number): void {
    if (this.pos + n + 1 <= this.buf.length) return
    let cap = this.buf.length * 2
    while (cap < this.pos + n + 1) cap *= 2
    const next = new Uint8Array(cap)
    next.set(this.buf.subarray(0, this.pos))
    this.buf = next
  }

  private backlen(l: number): void {
    const b = this.buf
    let p = this.pos
    if (l <= 127) {
      b[p++] = l
    } else if (l < 16383) {
      b[p++] = l >>> 7
      b[p++] = (l & 127) | 128
    } else if (l < 2097151) {
      b[p++] = l >>> 14
      b[p++] = ((l >>> 7) & 127) | 128
      b[p++] = (l & 127) | 128
    } else if (l < 268435455) {
      b[p++] = l >>> 21
      b[p++] = ((l >>> 14) & 127) | 128
      b[p++] = ((l >>> 7) & 127) | 128
      b[p++] = (l & 127) | 128
    } else {
      b[p++] = Math.floor(l / 2 ** 28)
      b[p++] = ((l >>> 21) & 127) | 128
      b[p++] = ((l >>> 14) & 127) | 128
      b[p++] = ((l >>> 7) & 127) | 128
      b[p++] = (l & 127) | 128
    }
    this.pos = p
  }

  /** `lpAppend`: an integer when the bytes are a canonical integer, else a string. */
  append(s: string): void {
    const n = s.length <= 20 ? parseInt64(s) : undefined
    if (n !== undefined) this.appendInteger(n)
    else this.appendString(s)
  }

  appendInteger(value: number | bigint): void {
    this.count++
    if (typeof value === "number" && value >= -2147483648 && value <= 2147483647) {
      const v = value
      this.ensure(6)
      const b = this.buf
      let p = this.pos
      if (v >= 0 && v <= 127) {
        b[p++] = v
        this.pos = p
        this.backlen(1)
      } else if (v >= -4096 && v <= 4095) {
        const u = v < 0 ? (1 << 13) + v : v
        b[p++] = (u >> 8) | 0xc0
        b[p++] = u & 0xff
        this.pos = p
        this.backlen(2)
      } else if (v >= -32768 && v <= 32767) {
        const u = v < 0 ? (1 << 16) + v : v
        b[p++] = 0xf1
        b[p++] = u & 0xff
        b[p++] = u >> 8
        this.pos = p
        this.backlen(3)
      } else if (v >= -8388608 && v <= 8388607) {
        const u = v < 0 ? (1 << 24) + v : v
        b[p++] = 0xf2
        b[p++] = u & 0xff
        b[p++] = (u >> 8) & 0xff
        b[p++] = u >> 16
        this.pos = p
        this.backlen(4)
      } else {
        b[p++] = 0xf3
        b[p++] = v & 0xff
        b[p++] = (v >> 8) & 0xff
        b[p++] = (v >> 16) & 0xff
        b[p++] = (v >>> 24) & 0xff
        this.pos = p
        this.backlen(5)
      }
      return
    }
    this.ensure(10)
    let u = BigInt.asUintN(64, BigInt(value))
    let p = this.pos
    this.buf[p++] = 0xf4
    for (let i = 0; i < 8; i++) {
      this.buf[p++] = Number(u & 0xffn)
      u >>= 8n
    }
    this.pos = p
    this.backlen(9)
  }

  appendString(s: string): void {
    this.count++
    const len = s.length
    this.ensure(len + 10)
    const b = this.buf
    let p = this.pos
    let header: number
    if (len < 64) {
      b[p++] = len | 0x80
      header = 1
    } else if (len < 4096) {
      b[p++] = (len >> 8) | 0xe0
      b[p++] = len & 0xff
      header = 2
    } else {
      b[p++] = 0xf0
      b[p++] = len & 0xff
      b[p++] = (len >>> 8) & 0xff
      b[p++] = (len >>> 16) & 0xff
      b[p++] = (len >>> 24) & 0xff
      header = 5
    }
    for (let i = 0; i < len; i++) b[p++] = s.charCodeAt(i)
    this.pos = p
    this.backlen(header + len)
  }

  /** The finished listpack (a view of the builder's buffer). */
  bytes(): Uint8Array {
    const b = this.buf
    const total = this.pos + 1
    b[this.pos] = EOF_BYTE
    b[0] = total & 0xff
    b[1] = (total >>> 8) & 0xff
    b[2] = (total >>> 16) & 0xff
    b[3] = (total >>> 24) & 0xff
    const n = this.count < NUMELE_UNKNOWN ? this.count : NUMELE_UNKNOWN
    b[4] = n & 0xff
    b[5] = n >>> 8
    return b.subarray(0, total)
  }
}

/** Bytes one element adds to a listpack (`lpEncodeBacklen` + the entry's encoding). */
export const listpackEntrySize = (s: string): number => {
  const n = s.length <= 20 ? parseInt64(s) : undefined
  let size: number
  if (n !== undefined) {
    const v = n
    if (v >= 0 && v <= 127) size = 1
    else if (v >= -4096 && v <= 4095) size = 2
    else if (v >= -32768 && v <= 32767) size = 3
    else if (v >= -8388608 && v <= 8388607) size = 4
    else if (v >= -2147483648 && v <= 2147483647) size = 5
    else size = 9
  } else if (s.length < 64) size = 1 + s.length
  else if (s.length < 4096) size = 2 + s.length
  else size = 5 + s.length
  return size + backlenSize(size)
}

/** Decimal text of a signed 64-bit integer read from little-endian bytes. */
const int64Text = (b: Uint8Array, p: number): string => {
  const lo = b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)
  const hi = b[p + 4] | (b[p + 5] << 8) | (b[p + 6] << 16) | (b[p + 7] << 24)
  if ((hi === 0 && lo >= 0) || (hi === -1 && lo < 0)) return String(lo)
  return String((BigInt(hi) << 32n) | BigInt(lo >>> 0))
}

const latin1 = (b: Uint8Array, start: number, end: number): string => {
  if (end - start > 64) return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString("latin1")
  let s = ""
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i])
  return s
}

/**
 * Reads and validates a listpack as `lpValidateIntegrity(lp, size, deep=1)` does: header size and
 * terminator, every entry inside the blob, each backlen matching its entry, the element count.
 * Integers come back as their decimal text. Undefined when the listpack is malformed.
 */
export const readListpack = (lp: Uint8Array): Array<string> | undefined => {
  const size = lp.length
  if (size < HEADER_SIZE + 1) return undefined
  const total = (lp[0] | (lp[1] << 8) | (lp[2] << 16) | (lp[3] << 24)) >>> 0
  if (total !== size) return undefined
  if (lp[size - 1] !== EOF_BYTE) return undefined
  const numele = lp[4] | (lp[5] << 8)
  const out: Array<string> = []
  let p = HEADER_SIZE
  const last = size - 1
  while (p < last) {
    const c = lp[p]
    if (c === EOF_BYTE) break
    let header: number
    let dataLen: number
    let value: string
    if ((c & 0x80) === 0) {
      header = 1
      dataLen = 0
      value = String(c & 0x7f)
    } else if ((c & 0xc0) === 0x80) {
      header = 1
      dataLen = c & 0x3f
      if (p + header + dataLen > last) return undefined
      value = latin1(lp, p + 1, p + 1 + dataLen)
    } else if ((c & 0xe0) === 0xc0) {
      header = 2
      dataLen = 0
      if (p + 1 > last) return undefined
      const u = ((c & 0x1f) << 8) | lp[p + 1]
      value = String(u >= 1 << 12 ? u - (1 << 13) : u)
    } else if ((c & 0xf0) === 0xe0) {
      header = 2
      if (p + 1 > last) return undefined
      dataLen = ((c & 0x0f) << 8) | lp[p + 1]
      if (p + header + dataLen > last) return undefined
      value = latin1(lp, p + 2, p + 2 + dataLen)
    } else if (c === 0xf0) {
      header = 5
      if (p + 4 > last) return undefined
      dataLen = (lp[p + 1] | (lp[p + 2] << 8) | (lp[p + 3] << 16) | (lp[p + 4] << 24)) >>> 0
      if (p + header + dataLen > last) return undefined
      value = latin1(lp, p + 5, p + 5 + dataLen)
    } else if (c === 0xf1) {
      header = 3
      dataLen = 0
      if (p + 2 > last) return undefined
      const u = lp[p + 1] | (lp[p + 2] << 8)
      value = String(u >= 1 << 15 ? u - (1 << 16) : u)
    } else if (c === 0xf2) {
      header = 4
      dataLen = 0
      if (p + 3 > last) return undefined
      const u = lp[p + 1] | (lp[p + 2] << 8) | (lp[p + 3] << 16)
      value = String(u >= 1 << 23 ? u - (1 << 24) : u)
    } else if (c === 0xf3) {
      header = 5
      dataLen = 0
      if (p + 4 > last) return undefined
      value = String(lp[p + 1] | (lp[p + 2] << 8) | (lp[p + 3] << 16) | (lp[p + 4] << 24))
    } else if (c === 0xf4) {
      header = 9
      dataLen = 0
      if (p + 8 > last) return undefined
      value = int64Text(lp, p + 1)
    } else {
      return undefined
    }
    const entryLen = header + dataLen
    const blen = backlenSize(entryLen)
    if (p + entryLen + blen > last) return undefined
    // The backlen, read backwards from its last byte, must give the entry length.
    let q = p + entryLen + blen - 1
    let v = 0
    let shift = 0
    for (;;) {
      v += (lp[q] & 127) * 2 ** shift
      if (!(lp[q] & 128)) break
      shift += 7
      q--
      if (shift > 28 || q < p + entryLen) return undefined
    }
    if (v !== entryLen || q !== p + entryLen) return undefined
    out.push(value)
    p += entryLen + blen
  }
  if (p !== last) return undefined
  if (numele !== NUMELE_UNKNOWN && numele !== out.length) return undefined
  return out
}
