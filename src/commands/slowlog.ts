import { ErrorReply, OK, type Reply } from "../protocol/Reply.js"
import { parseInteger } from "./args.js"
import { defineCommand } from "./CommandSpec.js"
import { helpReply } from "./help.js"

const HELP = [
  "GET [<count>]",
  "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
  "    Entries are made of:",
  "    id, timestamp, time in microseconds, arguments array, client IP and port,",
  "    client name",
  "LEN",
  "    Return the length of the slowlog.",
  "RESET",
  "    Reset the slowlog."
]

const admin = ["admin", "loading", "stale"] as const

/** SLOWLOG GET/LEN/RESET/HELP (Valkey's slowlog.c); the log itself is `server.slowLog`. */
export const slowlogCommands = [
  defineCommand({
    name: "slowlog",
    arity: -2,
    group: "server",
    summary: "A container for slow log commands.",
    since: "2.2.12",
    subcommands: [
      {
        name: "get",
        arity: -2,
        flags: [...admin],
        group: "server",
        summary: "Returns the slow log's entries.",
        since: "2.2.12",
        complexity: "O(N) where N is the number of entries returned",
        run: (client, argv): Reply => {
          if (argv.length > 3) {
            return new ErrorReply(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try SLOWLOG HELP.`)
          }
          let count = 10
          if (argv.length === 3) {
            const n = parseInteger(argv[2])
            if (n === undefined || n < -1) return new ErrorReply("ERR count should be greater than or equal to -1")
            count = n
          }
          return client.server.slowLog
            .newest(count)
            .map((e): Reply => [e.id, e.time, e.duration, [...e.argv], e.addr, e.name])
        }
      },
      {
        name: "len",
        arity: 2,
        flags: [...admin],
        group: "server",
        summary: "Returns the number of entries in the slow log.",
        since: "2.2.12",
        complexity: "O(1)",
        run: (client) => client.server.slowLog.length
      },
      {
        name: "reset",
        arity: 2,
        flags: [...admin],
        group: "server",
        summary: "Clears all entries from the slow log.",
        since: "2.2.12",
        complexity: "O(N) where N is the number of entries in the slowlog",
        run: (client) => {
          client.server.slowLog.reset()
          return OK
        }
      },
      {
        name: "help",
        arity: 2,
        flags: ["loading", "stale"],
        group: "server",
        summary: "Show helpful text about the different subcommands",
        since: "6.2.0",
        complexity: "O(1)",
        run: () => helpReply("slowlog", HELP)
      }
    ]
  })
]
