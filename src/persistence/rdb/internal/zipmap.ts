/**
 * Reads the zipmaps of RDB files from Redis 2.4 and older (zipmap.c): a count byte, then
 * len field len free value [free bytes] entries, 0xFF at the end. Validated as
 * `zipmapValidateIntegrity(zm, size, deep=1)`. Field/value pairs in order; undefined when malformed.
 */

const END = 0xff
const BIGLEN = 254

export const readZipmap = (zm: Uint8Array): Array<string> | undefined => {
  const size = zm.length
  if (size < 2) return undefined
  if (zm[size - 1] !== END) return undefined
  const outOfRange = (p: number) => p < 2 || p > size - 1
  const lengthAt = (p: number): number =>
    zm[p] < BIGLEN ? zm[p] : (zm[p + 1] | (zm[p + 2] << 8) | (zm[p + 3] << 16) | (zm[p + 4] << 24)) >>> 0
  const sizeAt = (p: number): number => (zm[p] < BIGLEN ? 1 : 5)
  const text = (start: number, len: number) => Buffer.from(zm.buffer, zm.byteOffset + start, len).toString("latin1")
  const out: Array<string> = []
  let count = 0
  let p = 1
  while (zm[p] !== END) {
    let s = sizeAt(p)
    if (outOfRange(p + s)) return undefined
    let l = lengthAt(p)
    p += s
    const field = p
    const fieldLen = l
    p += l
    if (outOfRange(p)) return undefined
    s = sizeAt(p)
    if (outOfRange(p + s)) return undefined
    l = lengthAt(p)
    p += s
    const free = zm[p++]
    const value = p
    p += l + free
    count++
    if (outOfRange(p)) return undefined
    out.push(text(field, fieldLen), text(value, l))
  }
  if (count === 0) return undefined
  if (zm[0] !== BIGLEN && zm[0] !== count) return undefined
  return out
}
