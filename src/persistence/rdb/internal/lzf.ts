/**
 * LZF as Valkey ships it (lzf_c.c / lzf_d.c, HLOG 16, VERY_FAST), ported so compressed strings are
 * byte for byte what Valkey writes, and decompression checks every bound as `CHECK_INPUT` does.
 */

const HLOG = 16
const HSIZE = 1 << HLOG
const MAX_LIT = 1 << 5
const MAX_OFF = 1 << 13
const MAX_REF = (1 << 8) + (1 << 3)

/**
 * Reused between calls (Valkey's table lives on the stack, uninitialized). A slot holds
 * `base + position + 1`; slots at or below this call's `base` are from earlier calls and read as
 * empty, so the output depends on the input only, without clearing 256 KB per string.
 */
const htab = new Int32Array(HSIZE)
let base = 0

const idx = (h: number): number => ((h >>> (3 * 8 - HLOG)) - Math.imul(h, 5)) & (HSIZE - 1)

/**
 * `lzf_compress(in, in_len, out, out_len)`: the compressed length, or 0 when the result would
 * not fit in `outLength` bytes (Valkey then stores the string uncompressed).
 */
export const lzfCompress = (input: Uint8Array, output: Uint8Array, outLength: number): number => {
  const inLen = input.length
  if (inLen === 0 || outLength === 0) return 0
  if (base + inLen + 2 >= 0x7fffffff) {
    htab.fill(0)
    base = 0
  }
  const b = base
  base += inLen + 1
  const inEnd = inLen
  const outEnd = outLength
  let ip = 0
  let op = 0
  let lit = 0
  op++ // start run
  let hval = ((input[ip] << 8) | input[ip + 1]) >>> 0
  while (ip < inEnd - 2) {
    hval = ((hval << 8) | input[ip + 2]) >>> 0
    const slot = idx(hval)
    const stored = htab[slot]
    // An empty slot is Valkey's NULL, which fails the offset test.
    const ref = stored - b - 1
    htab[slot] = b + ip + 1
    let off: number
    if (
      stored > b &&
      (off = ip - ref - 1) < MAX_OFF &&
      off >= 0 &&
      ref > 0 &&
      input[ref + 2] === input[ip + 2] &&
      input[ref] === input[ip] &&
      input[ref + 1] === input[ip + 1]
    ) {
      let len = 2
      let maxlen = inEnd - ip - len
      maxlen = maxlen > MAX_REF ? MAX_REF : maxlen
      if (op + 3 + 1 >= outEnd) if (op - (lit === 0 ? 1 : 0) + 3 + 1 >= outEnd) return 0
      output[op - lit - 1] = lit - 1 // stop run
      op -= lit === 0 ? 1 : 0 // undo run if length is zero
      found: {
        if (maxlen > 16) {
          for (let k = 0; k < 16; k++) {
            len++
            if (input[ref + len] !== input[ip + len]) break found
          }
        }
        do len++
        while (len < maxlen && input[ref + len] === input[ip + len])
      }
      len -= 2 // len is now #octets - 1
      ip++
      if (len < 7) {
        output[op++] = (off >> 8) + (len << 5)
      } else {
        output[op++] = (off >> 8) + (7 << 5)
        output[op++] = len - 7
      }
      output[op++] = off & 0xff
      lit = 0
      op++ // start run
      ip += len + 1
      if (ip >= inEnd - 2) break
      // VERY_FAST: hash the two positions before the new one.
      ip -= 2
      hval = ((input[ip] << 8) | input[ip + 1]) >>> 0
      hval = ((hval << 8) | input[ip + 2]) >>> 0
      htab[idx(hval)] = b + ip + 1
      ip++
      hval = ((hval << 8) | input[ip + 2]) >>> 0
      htab[idx(hval)] = b + ip + 1
      ip++
    } else {
      // one more literal byte we must copy
      if (op >= outEnd) return 0
      lit++
      output[op++] = input[ip++]
      if (lit === MAX_LIT) {
        output[op - lit - 1] = lit - 1 // stop run
        lit = 0
        op++ // start run
      }
    }
  }
  if (op + 3 > outEnd) return 0 // at most 3 bytes can be missing here
  while (ip < inEnd) {
    lit++
    output[op++] = input[ip++]
    if (lit === MAX_LIT) {
      output[op - lit - 1] = lit - 1
      lit = 0
      op++
    }
  }
  output[op - lit - 1] = lit - 1 // end run
  op -= lit === 0 ? 1 : 0
  return op
}

/**
 * `lzf_decompress(in, in_len, out, out_len)`: the number of bytes written to `output`, or 0 when
 * the input is malformed or would overflow `output` (E2BIG / EINVAL).
 */
export const lzfDecompress = (input: Uint8Array, output: Uint8Array): number => {
  const inEnd = input.length
  const outEnd = output.length
  let ip = 0
  let op = 0
  while (ip < inEnd) {
    let ctrl = input[ip++]
    if (ctrl < 1 << 5) {
      ctrl++
      if (op + ctrl > outEnd) return 0
      if (ip + ctrl > inEnd) return 0
      output.set(input.subarray(ip, ip + ctrl), op)
      op += ctrl
      ip += ctrl
    } else {
      let len = ctrl >> 5
      let ref = op - ((ctrl & 0x1f) << 8) - 1
      if (ip >= inEnd) return 0
      if (len === 7) {
        len += input[ip++]
        if (ip >= inEnd) return 0
      }
      ref -= input[ip++]
      if (op + len + 2 > outEnd) return 0
      if (ref < 0) return 0
      len += 2
      // Overlapping copies repeat the pattern, so copy byte by byte.
      do output[op++] = output[ref++]
      while (--len)
    }
  }
  return op
}
