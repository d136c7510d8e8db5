import { isValidClientAttr, parseInt64 } from "./args.js"

const REDACTED = "(redacted)"

/**
 * The argv as SLOWLOG and MONITOR show it: passwords replaced by `(redacted)`, as Valkey's commands
 * mark them with `redactClientCommandArgument` while they parse their arguments. So a command that
 * fails before it reaches an argument leaves it as it was, as in Valkey: AUTH with more than three
 * arguments, HELLO with a bad protocol version or a bad option before AUTH. `isSensitive` tells
 * the CONFIG SET parameters whose values are secret. Returns `argv` itself when nothing is redacted.
 */
export const redactArgv = (argv: ReadonlyArray<string>, isSensitive: (name: string) => boolean): ReadonlyArray<string> => {
  const name = argv[0].toLowerCase()
  if (name === "auth") {
    // acl.c `authCommand`: the syntax check comes first; then the password, and with a user name
    // both.
    if (argv.length > 3) return argv
    return argv.map((a, i) => (i === 0 ? a : REDACTED))
  }
  if (name === "hello") return redactHello(argv)
  if (name === "config" && argv.length > 3 && argv[1].toLowerCase() === "set") {
    // config.c `configSetCommand` redacts every sensitive value, even after an error.
    let out: Array<string> | null = null
    for (let i = 2; i + 1 < argv.length; i += 2) {
      if (!isSensitive(argv[i])) continue
      out ??= argv.slice()
      out[i + 1] = REDACTED
    }
    return out ?? argv
  }
  return argv
}

/** networking.c `helloCommand`: the protocol version is checked, then the options in order. */
const redactHello = (argv: ReadonlyArray<string>): ReadonlyArray<string> => {
  let next = 1
  if (argv.length >= 2) {
    const version = parseInt64(argv[next++])
    if (version === undefined || version < 2 || version > 3) return argv
  }
  let out: Array<string> | null = null
  for (let j = next; j < argv.length; j++) {
    const more = argv.length - 1 - j
    const option = argv[j].toLowerCase()
    if (option === "auth" && more >= 2) {
      out ??= argv.slice()
      out[j + 1] = REDACTED
      out[j + 2] = REDACTED
      j += 2
    } else if (option === "setname" && more >= 1 && isValidClientAttr(argv[j + 1])) {
      j++
    } else break
  }
  return out ?? argv
}
