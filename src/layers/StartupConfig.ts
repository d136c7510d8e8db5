/**
 * The server's configuration at startup, as valkey-server builds it: a fresh config table, the
 * config file, stdin and `--name value` options read into it (rename-command validated against the
 * built-in command table), and the TCP address to listen on.
 */
import * as Effect from "effect/Effect"
import { CommandTable } from "../commands/CommandTable.js"
import { builtinCommands } from "../commands/index.js"
import { builtinConfigs } from "../config/builtinConfigs.js"
import { Config } from "../config/Config.js"
import { loadConfigText, loadStartupConfig, parseCommandLine } from "../config/ConfigFile.js"
import type { ListenOptions } from "../server/Listener.js"

/** A config table with the built-in parameters at their defaults. */
export const defaultConfig = (): Config => new Config(builtinConfigs())

const loadContext = (config: Config) => {
  const commands = new CommandTable()
  commands.registerAll(builtinCommands)
  return { config, commands }
}

/** `keyfiber [configfile] [--name value ...]`: the loaded config (its `configFile` set when given). */
export const configFromCommandLine = (args: ReadonlyArray<string>, stdinText: string | null = null) =>
  Effect.suspend(() => {
    const config = defaultConfig()
    return loadStartupConfig(loadContext(config), parseCommandLine(args), stdinText).pipe(Effect.as(config))
  })

/** Config text (valkey.conf grammar) without a file: for tests and embedding. */
export const configFromText = (text: string) =>
  Effect.suspend(() => {
    const config = defaultConfig()
    return Effect.as(Effect.fromResult(loadConfigText(loadContext(config), text)), config)
  })

/**
 * Where to listen: the `port` on every `bind` address, one listener each, as valkey-server does (the
 * default `* -::*` is every IPv4 address and, where the host has IPv6, every IPv6 address). An empty
 * `bind` listens on every IPv4 address: keyfiber has no unix socket to serve instead.
 */
export const listenOptions = (config: Config): ListenOptions => {
  const bind = config.get<ReadonlyArray<string>>("bind")
  const unixPath = config.get<string | null>("unixsocket")
  return {
    port: config.get<number>("port"),
    bind: bind.length === 0 ? ["*"] : bind,
    unixSocket: unixPath === null || unixPath === "" ? null : { path: unixPath, perm: config.get<number>("unixsocketperm") }
  }
}
