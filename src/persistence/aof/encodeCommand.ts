/**
 * A command as the AOF stores it: a RESP array of bulk strings (aof.c `catAppendOnlyGenericCommand`).
 * Arguments are latin1 byte strings, so `length` is the byte length.
 */
export const encodeCommand = (argv: ReadonlyArray<string>): string => {
  let out = "*" + argv.length + "\r\n"
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    out += "$" + arg.length + "\r\n" + arg + "\r\n"
  }
  return out
}
