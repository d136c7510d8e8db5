/**
 * An argument of an in-process command: a JS `string` is text, sent as its UTF-8 bytes (always,
 * whatever its characters); a `Uint8Array` (a `Buffer`) is sent as exactly its bytes; a number or
 * bigint is written in decimal.
 */
export type CommandArg = string | number | bigint | Uint8Array

const NON_ASCII = /[^\x00-\x7f]/

/** Text as the server's byte string (one char per byte): its UTF-8 encoding. */
export const textToBytes = (text: string): string =>
  // ASCII is its own UTF-8: most arguments need no copy.
  NON_ASCII.test(text) ? Buffer.from(text, "utf8").toString("latin1") : text

/** One argument as the server's byte string. */
export const commandArgBytes = (arg: CommandArg): string => {
  if (typeof arg === "string") return textToBytes(arg)
  if (typeof arg === "number" || typeof arg === "bigint") return String(arg)
  return Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength).toString("latin1")
}
