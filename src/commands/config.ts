/**
 * CONFIG GET / SET / RESETSTAT / REWRITE / HELP (config.c), and the gate for commands flagged
 * `protected` (`enable-debug-command`, `enable-module-command`; server.c `processCommand`).
 *
 * For the modules system: MODULE LOAD/LOADEX/UNLOAD only need the `protected` flag; the gate
 * (registered by `ServerCore` on `server.hooks.admissions`) rejects them with Valkey's text.
 */
import { allowProtected, type ProtectedMode } from "../config/Config.js"
import { NoConfigFileError } from "../config/rewriteConfigFile.js"
import { ErrorReply, MapReply, OK, type Reply, SimpleString } from "../protocol/Reply.js"
import type { Admission } from "./CommandSpec.js"
import { SYNTAX } from "./args.js"
import { defineCommand } from "./CommandSpec.js"

const HELP = [
  "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "GET <pattern>",
  "    Return parameters matching the glob-like <pattern> and their values.",
  "SET <directive> <value>",
  "    Set the configuration <directive> to <value>.",
  "RESETSTAT",
  "    Reset statistics reported by the INFO command.",
  "REWRITE",
  "    Rewrite the configuration file.",
  "HELP",
  "    Prints this help."
]

const CONTROL: ReadonlyArray<"admin" | "noscript" | "loading" | "stale"> = ["admin", "noscript", "loading", "stale"]

export const configCommands = [
  defineCommand({
    name: "config",
    arity: -2,
    group: "server",
    summary: "A container for server configuration commands.",
    since: "2.0.0",
    subcommands: [
      {
        name: "get",
        arity: -3,
        flags: CONTROL,
        group: "server",
        summary: "Returns the effective values of configuration parameters.",
        since: "2.0.0",
        run: (client, argv): Reply => {
          const pairs = client.server.config.match(argv.slice(2))
          return new MapReply(pairs.flat())
        }
      },
      {
        name: "set",
        arity: -4,
        flags: CONTROL,
        group: "server",
        summary: "Sets configuration parameters in-flight.",
        since: "2.0.0",
        run: (client, argv): Reply => {
          if (argv.length % 2 !== 0) return new ErrorReply(SYNTAX)
          const server = client.server
          const pairs: Array<readonly [string, string]> = []
          for (let i = 2; i < argv.length; i += 2) pairs.push([argv[i], argv[i + 1]])
          const mode = server.config.get<ProtectedMode>("enable-protected-configs")
          const error = server.config.setMany(server, pairs, allowProtected(mode, client.isLocal))
          return error === undefined ? OK : new ErrorReply(error)
        }
      },
      {
        name: "resetstat",
        arity: 2,
        flags: CONTROL,
        group: "server",
        summary: "Resets the server's statistics.",
        since: "2.0.0",
        run: (client): Reply => {
          const server = client.server
          server.resetStats()
          return OK
        }
      },
      {
        name: "rewrite",
        arity: 2,
        flags: CONTROL,
        group: "server",
        summary: "Persists the effective configuration to file.",
        since: "2.8.0",
        run: (client): Reply => {
          // The `ConfigStore` layer is the config file's only writer: without it there is no file to write.
          const rewriter = client.server.config.rewriter.current
          const error = rewriter === null ? new NoConfigFileError().reply : rewriter()
          return error === undefined ? OK : new ErrorReply(error)
        }
      },
      {
        name: "help",
        arity: 2,
        flags: ["loading", "stale"],
        group: "server",
        summary: "Returns helpful text about the different subcommands.",
        since: "5.0.0",
        run: (): Reply => HELP.map((line) => new SimpleString(line))
      }
    ]
  })
]

/**
 * Commands flagged `protected` (DEBUG, MODULE LOAD/LOADEX/UNLOAD, ...) run only when their
 * `enable-*-command` option allows the client (`yes`, or `local` for loopback and Unix sockets).
 * Module commands use `enable-module-command`'s wording, everything else `enable-debug-command`'s.
 */
export const protectedCommandGate: Admission = (client, spec) => {
  if (!spec.isProtected) return undefined
  const root = spec.fullName.split("|")[0]
  const isModule = root === "module"
  const option = isModule ? "enable-module-command" : "enable-debug-command"
  if (allowProtected(client.server.config.get<ProtectedMode>(option), client.isLocal)) return undefined
  return (
    `ERR ${isModule ? "MODULE" : root === "debug" ? "DEBUG" : root.toUpperCase()} command not allowed. ` +
    `If the ${option} option is set to "local", you can run it from a local connection, otherwise you need to set ` +
    `this option in the configuration file, and then restart the server.`
  )
}
