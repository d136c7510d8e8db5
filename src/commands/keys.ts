import { defineCommand } from "./CommandSpec.js"

/** Generic key commands. */
export const keyCommands = [
  defineCommand({
    name: "del",
    arity: -2,
    flags: ["write"],
    keys: [1, -1, 1],
    group: "generic",
    summary: "Deletes one or more keys.",
    run: (client, argv) => {
      let removed = 0
      for (let i = 1; i < argv.length; i++) if (client.server.keyspace.delete(client.db, argv[i])) removed++
      return removed
    }
  })
]
