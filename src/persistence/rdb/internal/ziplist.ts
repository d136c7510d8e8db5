/**
 * Reads the ziplists of RDB files from Redis before 7.0 (ziplist.c), validating them as
 * `ziplistValidateIntegrity(zl, size, deep=1)` does: header, terminator, tail offset, every
 * entry's prevlen and extent, the entry count. Integers come back as decimal text. Undefined
 * when malformed.
 */

const HEADER_SIZE = 10
const END = 0xff

const latin1 = (b: Uint8Array, start: number, end: number): string =>
  Buffer.from(b.buffer, b.byteOffset + start, end - start).toString("latin1")

export const readZiplist = (zl: Uint8Array): Array<string> | undefined => {
  const size = zl.length
  if (size < HEADER_SIZE + 1) return undefined
  const bytes = (zl[0] | (zl[1] << 8) | (zl[2] << 16) | (zl[3] << 24)) >>> 0
  if (bytes !== size) return undefined
  if (zl[size - 1] !== END) return undefined
  const tail = (zl[4] | (zl[5] << 8) | (zl[6] << 16) | (zl[7] << 24)) >>> 0
  if (tail > size - 1) return undefined
  const headerCount = zl[8] | (zl[9] << 8)
  const last = size - 1
  const out: Array<string> = []
  let p = HEADER_SIZE
  let prev = -1
  let prevRawSize = 0
  while (zl[p] !== END) {
    if (p > last) return undefined
    // prevlen
    let prevlen: number
    let q = p
    if (zl[q] < 254) {
      prevlen = zl[q]
      q += 1
    } else {
      if (q + 4 > last) return undefined
      prevlen = (zl[q + 1] | (zl[q + 2] << 8) | (zl[q + 3] << 16) | (zl[q + 4] << 24)) >>> 0
      q += 5
    }
    if (q > last) return undefined
    if (prevlen !== prevRawSize) return undefined
    const c = zl[q]
    let value: string
    let entryEnd: number
    if (c < 0xc0) {
      let len: number
      let start: number
      const kind = c & 0xc0
      if (kind === 0x00) {
        len = c & 0x3f
        start = q + 1
      } else if (kind === 0x40) {
        if (q + 1 > last) return undefined
        len = ((c & 0x3f) << 8) | zl[q + 1]
        start = q + 2
      } else {
        if (q + 4 > last) return undefined
        len = ((zl[q + 1] << 24) | (zl[q + 2] << 16) | (zl[q + 3] << 8) | zl[q + 4]) >>> 0
        start = q + 5
      }
      entryEnd = start + len
      if (entryEnd > last) return undefined
      value = latin1(zl, start, entryEnd)
    } else {
      const d = q + 1
      let n: number | bigint
      if (c === 0xc0) {
        entryEnd = d + 2
        if (entryEnd > last) return undefined
        const u = zl[d] | (zl[d + 1] << 8)
        n = u >= 0x8000 ? u - 0x10000 : u
      } else if (c === 0xd0) {
        entryEnd = d + 4
        if (entryEnd > last) return undefined
        n = zl[d] | (zl[d + 1] << 8) | (zl[d + 2] << 16) | (zl[d + 3] << 24)
      } else if (c === 0xe0) {
        entryEnd = d + 8
        if (entryEnd > last) return undefined
        const lo = (zl[d] | (zl[d + 1] << 8) | (zl[d + 2] << 16) | (zl[d + 3] << 24)) >>> 0
        const hi = zl[d + 4] | (zl[d + 5] << 8) | (zl[d + 6] << 16) | (zl[d + 7] << 24)
        n = (BigInt(hi) << 32n) | BigInt(lo)
      } else if (c === 0xf0) {
        entryEnd = d + 3
        if (entryEnd > last) return undefined
        const u = zl[d] | (zl[d + 1] << 8) | (zl[d + 2] << 16)
        n = u >= 0x800000 ? u - 0x1000000 : u
      } else if (c === 0xfe) {
        entryEnd = d + 1
        if (entryEnd > last) return undefined
        n = zl[d] >= 0x80 ? zl[d] - 0x100 : zl[d]
      } else if (c >= 0xf1 && c <= 0xfd) {
        entryEnd = d
        n = (c & 0x0f) - 1
      } else {
        return undefined
      }
      value = String(n)
    }
    out.push(value)
    prevRawSize = entryEnd - p
    prev = p
    p = entryEnd
  }
  if (p !== size - 1) return undefined
  if (prev !== -1 && prev !== tail) return undefined
  if (headerCount !== 65535 && out.length !== headerCount) return undefined
  return out
}
