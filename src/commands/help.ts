import { type Reply, SimpleString } from "../protocol/Reply.js"

/**
 * Valkey's `addReplyHelp`: a header naming the command, the help lines, and the HELP footer, each
 * as a status reply.
 */
export const helpReply = (command: string, lines: ReadonlyArray<string>): Reply => {
  const out: Array<Reply> = [new SimpleString(`${command.toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`)]
  for (const line of lines) out.push(new SimpleString(line))
  out.push(new SimpleString("HELP"), new SimpleString("    Print this help."))
  return out
}
