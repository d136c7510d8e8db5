/** Encodes a request as a RESP multibulk (latin1 bytes). */
export const cmd = (...args: Array<string>): string => {
  let out = `*${args.length}\r\n`
  for (const a of args) out += `$${Buffer.byteLength(a, "latin1")}\r\n${a}\r\n`
  return out
}
