/**
 * Valkey's CRC64 (crc64.c): the Jones polynomial 0xad93d23594c935a9, reflected input and output,
 * initial value 0, no final xor. crc64("123456789") = 0xe9c6d914c4b8d9ca.
 *
 * The 64-bit state is kept as two 32-bit halves (BigInt per byte would be far too slow), and the
 * table is sliced by 8 so a byte costs a few table lookups.
 */

/** The reflected polynomial 0x95ac9329ac4bc9b5, as halves. */
const POLY_HI = 0x95ac9329
const POLY_LO = 0xac4bc9b5

const SLICES = 8
const TABLE_HI = new Uint32Array(256 * SLICES)
const TABLE_LO = new Uint32Array(256 * SLICES)

for (let i = 0; i < 256; i++) {
  let hi = 0
  let lo = i
  for (let k = 0; k < 8; k++) {
    const carry = lo & 1
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0
    hi = hi >>> 1
    if (carry) {
      hi = (hi ^ POLY_HI) >>> 0
      lo = (lo ^ POLY_LO) >>> 0
    }
  }
  TABLE_HI[i] = hi
  TABLE_LO[i] = lo
}
for (let i = 0; i < 256; i++) {
  for (let s = 1; s < SLICES; s++) {
    const prevHi = TABLE_HI[(s - 1) * 256 + i]
    const prevLo = TABLE_LO[(s - 1) * 256 + i]
    const idx = prevLo & 0xff
    TABLE_LO[s * 256 + i] = (TABLE_LO[idx] ^ ((prevLo >>> 8) | (prevHi << 24))) >>> 0
    TABLE_HI[s * 256 + i] = (TABLE_HI[idx] ^ (prevHi >>> 8)) >>> 0
  }
}

/** A running CRC64: `update` with each piece, `value` at the end. */
export class Crc64 {
  hi = 0
  lo = 0

  update(bytes: Uint8Array, start = 0, end = bytes.length): void {
    let hi = this.hi
    let lo = this.lo
    let i = start
    const th = TABLE_HI
    const tl = TABLE_LO
    while (end - i >= 8) {
      const a = lo ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24))
      const b = hi ^ (bytes[i + 4] | (bytes[i + 5] << 8) | (bytes[i + 6] << 16) | (bytes[i + 7] << 24))
      const i7 = 7 * 256 + (a & 0xff)
      const i6 = 6 * 256 + ((a >>> 8) & 0xff)
      const i5 = 5 * 256 + ((a >>> 16) & 0xff)
      const i4 = 4 * 256 + (a >>> 24)
      const i3 = 3 * 256 + (b & 0xff)
      const i2 = 2 * 256 + ((b >>> 8) & 0xff)
      const i1 = 256 + ((b >>> 16) & 0xff)
      const i0 = b >>> 24
      lo = tl[i7] ^ tl[i6] ^ tl[i5] ^ tl[i4] ^ tl[i3] ^ tl[i2] ^ tl[i1] ^ tl[i0]
      hi = th[i7] ^ th[i6] ^ th[i5] ^ th[i4] ^ th[i3] ^ th[i2] ^ th[i1] ^ th[i0]
      i += 8
    }
    while (i < end) {
      const idx = (lo ^ bytes[i]) & 0xff
      lo = tl[idx] ^ ((lo >>> 8) | (hi << 24))
      hi = th[idx] ^ (hi >>> 8)
      i++
    }
    this.hi = hi >>> 0
    this.lo = lo >>> 0
  }

  /** The CRC as an unsigned 64-bit bigint. */
  value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo)
  }

  /** The CRC's 8 bytes, little endian (as Valkey writes it on a little-endian machine). */
  bytesLE(): Uint8Array {
    const out = new Uint8Array(8)
    const lo = this.lo
    const hi = this.hi
    out[0] = lo & 0xff
    out[1] = (lo >>> 8) & 0xff
    out[2] = (lo >>> 16) & 0xff
    out[3] = lo >>> 24
    out[4] = hi & 0xff
    out[5] = (hi >>> 8) & 0xff
    out[6] = (hi >>> 16) & 0xff
    out[7] = hi >>> 24
    return out
  }
}

export const crc64 = (bytes: Uint8Array): bigint => {
  const crc = new Crc64()
  crc.update(bytes)
  return crc.value()
}
