import { globMatch } from "../keyspace/glob.js"
import { ErrorReply, MapReply, type Reply, SetReply, SimpleString } from "../protocol/Reply.js"
import type { CommandClient } from "./CommandSpec.js"
import type { CommandHost } from "./CommandSpec.js"
import { SYNTAX } from "./args.js"
import { type CommandFlag, type CommandSpec, defineCommand, keyPositions } from "./CommandSpec.js"
import { helpReply } from "./help.js"

/** The flags COMMAND INFO shows, in Valkey's order (`addReplyFlagsForCommand`); the rest are hidden. */
const VISIBLE_FLAGS: ReadonlyArray<CommandFlag> = [
  "write",
  "readonly",
  "denyoom",
  "module",
  "admin",
  "pubsub",
  "noscript",
  "blocking",
  "loading",
  "stale",
  "skip_monitor",
  "skip_slowlog",
  "asking",
  "fast",
  "no_auth",
  "no_mandatory_keys",
  "no_async_loading",
  "no_multi",
  "movablekeys",
  "allow_busy"
]

/** ACL categories in Valkey's table order (`ACLCommandCategories`), the order COMMAND INFO uses. */
const CATEGORY_ORDER = [
  "keyspace",
  "read",
  "write",
  "set",
  "sortedset",
  "list",
  "hash",
  "string",
  "bitmap",
  "hyperloglog",
  "geo",
  "stream",
  "pubsub",
  "admin",
  "fast",
  "slow",
  "blocking",
  "dangerous",
  "connection",
  "transaction",
  "scripting"
]

/** Valkey's group names for COMMAND DOCS (`commandGroupStr`). */
const groupName = (group: string): string => (group === "sorted_set" ? "sorted-set" : group)

const statusSet = (items: ReadonlyArray<string>): SetReply => new SetReply(items.map((item) => new SimpleString(item)))

const commandFlags = (spec: CommandSpec): Array<string> => {
  const out: Array<string> = []
  for (const flag of VISIBLE_FLAGS) {
    if (flag === "movablekeys" ? spec.getKeys !== undefined || spec.flags.includes(flag) : spec.flags.includes(flag)) {
      out.push(flag)
    }
  }
  return out
}

const categories = (spec: CommandSpec): Array<string> => {
  const rank = (category: string) => {
    const i = CATEGORY_ORDER.indexOf(category.slice(1))
    return i === -1 ? CATEGORY_ORDER.length : i
  }
  return [...spec.aclCategories].filter((c) => c !== "").sort((a, b) => rank(a) - rank(b))
}

/**
 * Key-spec flags, derived from the command's flags: keyfiber's specs carry positions only, so the
 * access details Valkey lists per key spec are approximated (`RO access` / `RW update`).
 */
const keyFlags = (spec: CommandSpec): Array<string> =>
  // Shard channels (SSUBSCRIBE, SPUBLISH) are declared as keys that are not keys.
  spec.flags.includes("pubsub") ? ["not_key"] : spec.flags.includes("readonly") ? ["RO", "access"] : spec.flags.includes("write") ? ["RW", "update"] : ["RW"]

const hasKeys = (spec: CommandSpec): boolean => spec.getKeys !== undefined || spec.firstKey > 0

/** Key specs as a set of maps, as Valkey replies them (`addReplyCommandKeySpecs`). */
const keySpecs = (spec: CommandSpec): Reply => {
  if (spec.getKeys !== undefined) {
    return new SetReply([
      new MapReply([
        "flags",
        statusSet(keyFlags(spec)),
        "begin_search",
        new MapReply(["type", "unknown", "spec", new MapReply([])]),
        "find_keys",
        new MapReply(["type", "unknown", "spec", new MapReply([])])
      ])
    ])
  }
  if (spec.firstKey <= 0) return new SetReply([])
  const lastKey = spec.lastKey < 0 ? spec.lastKey : spec.lastKey - spec.firstKey
  return new SetReply([
    new MapReply([
      "flags",
      statusSet(keyFlags(spec)),
      "begin_search",
      new MapReply(["type", "index", "spec", new MapReply(["index", spec.firstKey])]),
      "find_keys",
      new MapReply(["type", "range", "spec", new MapReply(["lastkey", lastKey, "keystep", spec.step, "limit", 0])])
    ])
  ])
}

/** One COMMAND INFO entry (`addReplyCommandInfo`): ten fields, subcommands nested. */
const commandInfo = (spec: CommandSpec | undefined): Reply => {
  if (spec === undefined) return null
  return [
    spec.fullName,
    spec.arity,
    statusSet(commandFlags(spec)),
    spec.firstKey,
    spec.lastKey,
    spec.step,
    statusSet(categories(spec)),
    new SetReply([]),
    keySpecs(spec),
    spec.subcommands === undefined ? new SetReply([]) : Array.from(spec.subcommands.values(), commandInfo)
  ]
}

/** One COMMAND DOCS entry (`addReplyCommandDocs`); keyfiber does not describe arguments. */
const commandDocs = (spec: CommandSpec): Reply => {
  const entries: Array<Reply> = []
  if (spec.summary !== "") entries.push("summary", spec.summary)
  entries.push("since", spec.since, "group", spec.module !== undefined ? "module" : groupName(spec.group))
  if (spec.complexity !== undefined) entries.push("complexity", spec.complexity)
  if (spec.module !== undefined) entries.push("module", spec.module)
  if (spec.subcommands !== undefined) {
    const subs: Array<Reply> = []
    for (const sub of spec.subcommands.values()) subs.push(sub.fullName, commandDocs(sub))
    entries.push("subcommands", new MapReply(subs))
  }
  return new MapReply(entries)
}

/** `lookupCommandBySds`: `name` or `container|sub`. */
const lookupByFullName = (server: CommandHost, name: string): CommandSpec | undefined => {
  const bar = name.indexOf("|")
  if (bar === -1) return server.commands.lookup(name)
  const container = server.commands.lookup(name.slice(0, bar))
  if (container?.subcommands === undefined || name.indexOf("|", bar + 1) !== -1) return undefined
  return container.subcommands.get(name.slice(bar + 1).toLowerCase())
}

/** Every command once, in table order (renamed commands keep their original full name). */
const allCommands = (server: CommandHost): Array<CommandSpec> => Array.from(server.commands.entries(), ([, spec]) => spec)

/** Full names of every command and subcommand (COMMAND LIST). */
const allNames = (server: CommandHost, keep: (spec: CommandSpec) => boolean): Array<Reply> => {
  const out: Array<Reply> = []
  for (const spec of allCommands(server)) {
    if (keep(spec)) out.push(spec.fullName)
    if (spec.subcommands !== undefined) for (const sub of spec.subcommands.values()) if (keep(sub)) out.push(sub.fullName)
  }
  return out
}

/** COMMAND GETKEYS / GETKEYSANDFLAGS (`getKeysSubcommandImpl`). */
const getKeys = (client: CommandClient, argv: Array<string>, withFlags: boolean): Reply => {
  const target = argv.slice(2)
  let spec = client.server.commands.lookup(target[0])
  if (spec?.subcommands !== undefined && target.length >= 2) spec = spec.subcommands.get(target[1].toLowerCase())
  if (spec === undefined) return new ErrorReply("ERR Invalid command specified")
  if (!hasKeys(spec)) return new ErrorReply("ERR The command has no key arguments")
  if ((spec.arity > 0 && spec.arity !== target.length) || target.length < -spec.arity) {
    return new ErrorReply("ERR Invalid number of arguments specified for command")
  }
  const positions = keyPositions(spec, target)
  if (positions.length === 0) {
    return spec.flags.includes("no_mandatory_keys") ? [] : new ErrorReply("ERR Invalid arguments specified for command")
  }
  const flags = keyFlags(spec)
  return positions.map((i) => (withFlags ? [target[i], statusSet(flags)] : target[i]))
}

const HELP = [
  "(no subcommand)",
  "    Return details about all commands.",
  "COUNT",
  "    Return the total number of commands in this server.",
  "LIST",
  "    Return a list of all commands in this server.",
  "INFO [<command-name> ...]",
  "    Return details about multiple commands.",
  "    If no command names are given, documentation details for all",
  "    commands are returned.",
  "DOCS [<command-name> ...]",
  "    Return documentation details about multiple commands.",
  "    If no command names are given, documentation details for all",
  "    commands are returned.",
  "GETKEYS <full-command>",
  "    Return the keys from a full command.",
  "GETKEYSANDFLAGS <full-command>",
  "    Return the keys and the access flags from a full command."
]

const flags = ["loading", "stale"] as const

/** COMMAND and its subcommands: introspection of the command table. */
export const commandCommands = [
  defineCommand({
    name: "command",
    arity: -1,
    flags,
    group: "server",
    summary: "Returns detailed information about all commands.",
    since: "2.8.13",
    complexity: "O(N) where N is the total number of commands",
    run: (client) => allCommands(client.server).map(commandInfo),
    subcommands: [
      {
        name: "help",
        arity: 2,
        flags,
        group: "server",
        summary: "Returns helpful text about the different subcommands.",
        since: "5.0.0",
        complexity: "O(1)",
        run: () => helpReply("command", HELP)
      },
      {
        name: "count",
        arity: 2,
        flags,
        group: "server",
        summary: "Returns a count of commands.",
        since: "2.8.13",
        complexity: "O(1)",
        run: (client) => client.server.commands.size
      },
      {
        name: "info",
        arity: -2,
        flags,
        group: "server",
        summary: "Returns information about one, multiple or all commands.",
        since: "2.8.13",
        complexity: "O(N) where N is the number of commands to look up",
        run: (client, argv) => {
          if (argv.length === 2) return allCommands(client.server).map(commandInfo)
          return argv.slice(2).map((name) => commandInfo(lookupByFullName(client.server, name)))
        }
      },
      {
        name: "docs",
        arity: -2,
        flags,
        group: "server",
        summary: "Returns documentary information about one, multiple or all commands.",
        since: "7.0.0",
        complexity: "O(N) where N is the number of commands to look up",
        run: (client, argv) => {
          const out: Array<Reply> = []
          if (argv.length === 2) {
            for (const spec of allCommands(client.server)) out.push(spec.fullName, commandDocs(spec))
          } else {
            // Unknown names are left out, not replied as nil (`commandDocsCommand`).
            for (const name of argv.slice(2)) {
              const spec = lookupByFullName(client.server, name)
              if (spec !== undefined) out.push(spec.fullName, commandDocs(spec))
            }
          }
          return new MapReply(out)
        }
      },
      {
        name: "list",
        arity: -2,
        flags,
        group: "server",
        summary: "Returns a list of command names.",
        since: "7.0.0",
        complexity: "O(N) where N is the total number of commands",
        run: (client, argv) => {
          if (argv.length === 2) return allNames(client.server, () => true)
          if (argv.length !== 5 || argv[2].toLowerCase() !== "filterby") return new ErrorReply(SYNTAX)
          const kind = argv[3].toLowerCase()
          const arg = argv[4]
          if (kind === "module") return allNames(client.server, (spec) => spec.module === arg)
          if (kind === "aclcat") {
            const category = "@" + arg.toLowerCase()
            return allNames(client.server, (spec) => spec.aclCategories.includes(category))
          }
          if (kind === "pattern") return allNames(client.server, (spec) => globMatch(arg, spec.fullName, true))
          return new ErrorReply(SYNTAX)
        }
      },
      {
        name: "getkeys",
        arity: -3,
        flags,
        group: "server",
        summary: "Extracts the key names from an arbitrary command.",
        since: "2.8.13",
        complexity: "O(N) where N is the number of arguments to the command",
        run: (client, argv) => getKeys(client, argv, false)
      },
      {
        name: "getkeysandflags",
        arity: -3,
        flags,
        group: "server",
        summary: "Extracts the key names and access flags for an arbitrary command.",
        since: "7.0.0",
        complexity: "O(N) where N is the number of arguments to the command",
        run: (client, argv) => getKeys(client, argv, true)
      }
    ]
  })
]
