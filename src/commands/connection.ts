import { ErrorReply, OK, PONG, type Reply } from "../protocol/Reply.js"
import { parseInteger } from "./args.js"
import { defineCommand } from "./CommandSpec.js"

/** Connection commands: PING, ECHO, SELECT, QUIT. */
export const connectionCommands = [
  defineCommand({
    name: "ping",
    arity: -1,
    flags: ["fast"],
    group: "connection",
    summary: "Returns the server's liveliness response.",
    run: (_client, argv): Reply => {
      if (argv.length > 2) return new ErrorReply("ERR wrong number of arguments for 'ping' command")
      return argv.length === 2 ? argv[1] : PONG
    }
  }),
  defineCommand({
    name: "echo",
    arity: 2,
    flags: ["fast"],
    group: "connection",
    summary: "Returns the given string.",
    run: (_client, argv) => argv[1]
  }),
  defineCommand({
    name: "select",
    arity: 2,
    flags: ["loading", "stale", "fast"],
    group: "connection",
    summary: "Changes the selected database.",
    run: (client, argv) => {
      const index = parseInteger(argv[1])
      if (index === undefined) return new ErrorReply("ERR value is not an integer or out of range")
      if (index < 0 || index >= client.server.keyspace.dbs.length) return new ErrorReply("ERR DB index is out of range")
      client.db = index
      return OK
    }
  }),
  defineCommand({
    name: "quit",
    arity: -1,
    flags: ["allow_busy", "noscript", "loading", "stale", "fast", "no_auth"],
    group: "connection",
    summary: "Closes the connection.",
    run: (client) => {
      client.server.closeClient(client, true)
      return OK
    }
  })
]

