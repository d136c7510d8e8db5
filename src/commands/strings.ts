import { WRONGTYPE } from "../keyspace/Value.js"
import { ErrorReply, OK } from "../protocol/Reply.js"
import { defineCommand } from "./CommandSpec.js"

/** String commands. */
export const stringCommands = [
  defineCommand({
    name: "get",
    arity: 2,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    group: "string",
    summary: "Returns the string value of a key.",
    run: (client, argv) => {
      const value = client.server.keyspace.read(client.db, argv[1])
      if (value === undefined) return null
      return typeof value === "string" ? value : new ErrorReply(WRONGTYPE)
    }
  }),
  defineCommand({
    name: "set",
    arity: -3,
    flags: ["write", "denyoom"],
    keys: [1, 1, 1],
    group: "string",
    summary: "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.",
    run: (client, argv) => {
      client.server.keyspace.set(client.db, argv[1], argv[2])
      return OK
    }
  })
]
