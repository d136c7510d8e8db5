import * as Result from "effect/Result"
import { type CommandClient, type CommandSpec, defineCommand } from "../commands/CommandSpec.js"
import { ErrorReply, MapReply, OK, type Reply, SimpleString } from "../protocol/Reply.js"
import type { BlockingEngine } from "../blocking/BlockingEngine.js"
import type { Server } from "../server/Server.js"
import type { LoadedModule } from "./LoadedModule.js"
import { LOAD_ERROR, type LoadRequest } from "./ModuleLoader.js"
import { suspendClient } from "./suspendClient.js"

/** What MODULE needs of the module system (implemented by `ModuleRegistry`). */
export interface ModuleCommandTarget {
  readonly server: Server
  /** The blocking engine (the `Blocking` service), where MODULE LOAD's client waits for the load. */
  readonly engine: BlockingEngine
  readonly loaded: ReadonlyArray<LoadedModule>
  /** Module configs queued by LOADEX (cleared when its arguments are refused). */
  readonly pendingConfigs: Map<string, string>
  load(request: LoadRequest): Promise<Result.Result<LoadedModule, string>>
  unload(name: string): string | undefined
}

const HELP = [
  "MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "LIST",
  "    Return a list of loaded modules.",
  "LOAD <path> [<arg> ...]",
  "    Load a module library from <path>, passing to it any optional arguments.",
  "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
  "    Load a module library from <path>, while passing it module configurations and optional arguments.",
  "UNLOAD <name>",
  "    Unload a module.",
  "HELP",
  "    Print this help."
]

/** `MODULE LOADEX` arguments (module.c `parseLoadexArguments`): a left-to-right scan. */
const parseLoadexArguments = (
  args: ReadonlyArray<string>
): { readonly configs: Map<string, string>; readonly args: Array<string> } | { readonly error: string } => {
  const configs = new Map<string, string>()
  for (let i = 0; i < args.length; i++) {
    const token = args[i].toLowerCase()
    if (token === "config") {
      if (i + 2 >= args.length) return { error: "CONFIG specified without name value pair" }
      configs.set(args[i + 1].toLowerCase(), args[i + 2])
      i += 2
    } else if (token === "args") {
      return { configs, args: args.slice(i + 1) }
    } else {
      return { error: `Syntax Error from arguments to loadex around ${args[i]}.` }
    }
  }
  return { configs, args: [] }
}

/** MODULE LIST's reply (module.c `addReplyLoadedModules`), also HELLO's `modules` field. */
export const moduleList = (registry: Pick<ModuleCommandTarget, "loaded">): Array<Reply> =>
  registry.loaded.map((m) => new MapReply(["name", m.name, "ver", m.version, "path", m.path, "args", [...m.args.bytes]]))

/** The MODULE command (module.c `moduleCommand`), bound to the module registry. */
export const moduleCommand = (registry: ModuleCommandTarget): CommandSpec => {
  const server = registry.server
  const loadReply = (client: CommandClient, spec: CommandSpec, argv: ReadonlyArray<string>, request: LoadRequest): Reply =>
    suspendClient(
      server,
      registry.engine,
      client,
      spec,
      argv,
      registry.load(request).then((r) => (Result.isSuccess(r) ? OK : new ErrorReply(LOAD_ERROR)))
    )
  const subs: Record<string, CommandSpec> = {}
  const spec = defineCommand({
    name: "module",
    arity: -2,
    group: "server",
    summary: "A container for module commands.",
    since: "4.0.0",
    subcommands: [
      {
        name: "list",
        arity: 2,
        flags: ["admin", "noscript"],
        group: "server",
        summary: "Returns all loaded modules.",
        since: "4.0.0",
        run: () => moduleList(registry)
      },
      {
        name: "load",
        arity: -3,
        flags: ["admin", "noscript", "protected", "no_async_loading"],
        group: "server",
        summary: "Loads a module.",
        since: "4.0.0",
        run: (client, argv) => loadReply(client, subs.load, argv, { path: argv[2], args: argv.slice(3) })
      },
      {
        name: "loadex",
        arity: -3,
        flags: ["admin", "noscript", "protected", "no_async_loading"],
        group: "server",
        summary: "Loads a module using extended parameters.",
        since: "7.0.0",
        run: (client, argv) => {
          const parsed = parseLoadexArguments(argv.slice(3))
          if ("error" in parsed) {
            server.log("warning", parsed.error)
            registry.pendingConfigs.clear()
            return new ErrorReply(LOAD_ERROR)
          }
          return loadReply(client, subs.loadex, argv, { path: argv[2], args: parsed.args, configs: parsed.configs, loadex: true })
        }
      },
      {
        name: "unload",
        arity: 3,
        flags: ["admin", "noscript", "protected", "no_async_loading"],
        group: "server",
        summary: "Unloads a module.",
        since: "4.0.0",
        run: (_client, argv) => {
          const reason = registry.unload(argv[2])
          return reason === undefined ? OK : new ErrorReply(`ERR Error unloading module: ${reason}`)
        }
      },
      {
        name: "help",
        arity: 2,
        flags: ["loading", "stale"],
        group: "server",
        summary: "Returns helpful text about the different subcommands.",
        since: "5.0.0",
        run: () => HELP.map((line) => new SimpleString(line))
      }
    ]
  })
  for (const [name, sub] of spec.subcommands!) subs[name] = sub
  return spec
}
