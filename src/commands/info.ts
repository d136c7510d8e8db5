import { VerbatimReply } from "../protocol/Reply.js"
import { defineCommand } from "./CommandSpec.js"

/** INFO [section ...]: a verbatim string in RESP3, a bulk string in RESP2. */
export const infoCommands = [
  defineCommand({
    name: "info",
    arity: -1,
    flags: ["loading", "stale", "sentinel"],
    group: "server",
    summary: "Returns information and statistics about the server.",
    complexity: "O(1)",
    aclCategories: ["@slow", "@dangerous"],
    run: (client, argv) => new VerbatimReply(client.server.info(argv.slice(1), client))
  })
]
