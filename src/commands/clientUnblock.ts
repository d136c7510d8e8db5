import { ErrorReply } from "../protocol/Reply.js"
import { isKeyword, NOT_INTEGER, parseInt64 } from "./args.js"
import type { CommandDefinition } from "./CommandSpec.js"

/**
 * `CLIENT UNBLOCK id [TIMEOUT|ERROR]` (networking.c): the reason is checked before the id; `:1`
 * when the client exists, is blocked and its block may time out (Valkey 9 rule), else `:0`.
 * Exported as a subcommand definition for the CLIENT container.
 */
export const clientUnblockSubcommand: CommandDefinition = {
  name: "unblock",
  arity: -3,
  flags: ["admin", "noscript", "loading", "stale"],
  group: "connection",
  since: "5.0.0",
  summary: "Unblocks a client blocked by a blocking command from a different connection.",
  run: (client, argv) => {
    if (argv.length > 4) {
      return new ErrorReply("ERR unknown subcommand or wrong number of arguments for 'unblock'. Try CLIENT HELP.")
    }
    let error = false
    if (argv.length === 4) {
      if (isKeyword(argv[3], "error")) error = true
      else if (!isKeyword(argv[3], "timeout")) return new ErrorReply("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
    }
    const id = parseInt64(argv[2])
    if (id === undefined) return new ErrorReply(NOT_INTEGER)
    if (typeof id !== "number") return 0
    return client.server.blocker?.clientUnblock(id, error) === true ? 1 : 0
  }
}
