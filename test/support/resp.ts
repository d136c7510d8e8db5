/** Encodes a request as a RESP multibulk (latin1 bytes). */
export const cmd = (...args: Array<string | number>): string => {
  let out = `*${args.length}\r\n`
  for (const a of args) {
    const s = String(a)
    out += `$${Buffer.byteLength(s, "latin1")}\r\n${s}\r\n`
  }
  return out
}
