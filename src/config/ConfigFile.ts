/**
 * Reading valkey.conf (config.c `loadServerConfig`, `loadServerConfigFromString`) and the
 * command line (server.c `main`), byte for byte: the file, then stdin when asked, then the
 * `--name value` options as extra lines; `include` (globs allowed), `rename-command`,
 * deprecated-but-accepted directives, `loadmodule` and `<module>.<name>` lines queued for the
 * modules system (`config.loadQueue`, `config.pendingModuleConfigs`).
 *
 * Errors are `ConfigFileError` (printed as Valkey's FATAL CONFIG FILE ERROR block) and
 * `ConfigOpenError` (a file that cannot be opened); the process exits with status 1 on either.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as fs from "node:fs"
import * as path from "node:path"
import { globMatch } from "../keyspace/glob.js"
import { quoteArg, splitArgs } from "../protocol/splitArgs.js"
import { VALKEY_VERSION } from "../contracts/Version.js"
import { DEPRECATED_DIRECTIVES, errnoMessage } from "./builtinConfigs.js"
import type { Config } from "./Config.js"
import type { SavePoints } from "./ConfigSchemas.js"
import { trimConfigLine } from "./rewriteConfig.js"

export { VALKEY_VERSION }

/** A bad line: Valkey prints it with its line number and exits. */
export class ConfigFileError extends Data.TaggedError("ConfigFileError")<{
  readonly lineNumber: number
  readonly line: string
  readonly reason: string
}> {
  /** Exactly what valkey-server writes to stderr. */
  get report(): string {
    return (
      `\n*** FATAL CONFIG FILE ERROR (Version ${VALKEY_VERSION}) ***\n` +
      `Reading the configuration file, at line ${this.lineNumber}\n` +
      `>>> '${this.line}'\n` +
      `${this.reason}\n`
    )
  }
}

/** A config file (or an included one) that cannot be read. */
export class ConfigOpenError extends Data.TaggedError("ConfigOpenError")<{
  readonly path: string
  readonly reason: string
}> {
  get report(): string {
    return `Fatal error, can't open config file '${this.path}': ${this.reason}`
  }
}

/** The command table's `rename-command` (CommandTable.rename). */
export interface CommandRenamer {
  rename(from: string, to: string): string | undefined
}

/** What the loader needs besides the text. */
export interface LoadContext {
  readonly config: Config
  /** A command table to validate `rename-command` against (renames are also recorded on the config). */
  readonly commands: CommandRenamer
}

interface LoadState extends LoadContext {
  /** The first `save` line replaces the defaults, later ones add (a process-wide flag in Valkey). */
  saveLoaded: boolean
}

const states = new WeakMap<Config, LoadState>()
const stateOf = (ctx: LoadContext): LoadState => {
  let state = states.get(ctx.config)
  if (state === undefined) states.set(ctx.config, (state = { ...ctx, saveLoaded: false }))
  return state
}

/** Reads a file or a glob of files (`include`, the main config file). */
const readConfigFiles = (file: string): string => {
  if (/[*?[]/.test(file)) {
    let text = ""
    for (const match of expandGlob(file)) {
      try {
        text += fs.readFileSync(match, "latin1")
      } catch (e) {
        throw new ConfigOpenError({ path: match, reason: errnoMessage(e) })
      }
    }
    return text
  }
  try {
    return fs.readFileSync(file, "latin1")
  } catch (e) {
    throw new ConfigOpenError({ path: file, reason: errnoMessage(e) })
  }
}

/**
 * glob(3) without flags: `*`, `?`, `[...]` per path segment, sorted, dot files only matched by a
 * pattern starting with a dot; no match gives nothing.
 */
export const expandGlob = (pattern: string): Array<string> => {
  const absolute = pattern.startsWith("/")
  const segments = pattern.split("/").filter((s, i) => s !== "" || i === 0)
  let bases = [absolute ? "/" : ""]
  for (let i = absolute ? 1 : 0; i < segments.length; i++) {
    const segment = segments[i]
    const last = i === segments.length - 1
    const next: Array<string> = []
    for (const base of bases) {
      if (!/[*?[]/.test(segment)) {
        const candidate = base === "" ? segment : path.join(base, segment)
        if (fs.existsSync(candidate)) next.push(candidate)
        continue
      }
      let names: Array<string>
      try {
        names = fs.readdirSync(base === "" ? "." : base)
      } catch {
        continue
      }
      for (const name of names.sort()) {
        if (name.startsWith(".") && !segment.startsWith(".")) continue
        if (!globMatch(segment, name)) continue
        const candidate = base === "" ? name : path.join(base, name)
        if (!last && !isDirectory(candidate)) continue
        next.push(candidate)
      }
    }
    bases = next
  }
  return bases.filter((b) => b !== "" && b !== "/")
}

const isDirectory = (p: string): boolean => {
  try {
    return fs.statSync(p).isDirectory()
  } catch {
    return false
  }
}

/** `loadServerConfig`: the file(s), then stdin text, then the command-line options. Throws. */
const loadServerConfigSync = (ctx: LoadContext, file: string | null, stdinText: string | null, options: string | null): void => {
  let text = file !== null ? readConfigFiles(file) : ""
  if (stdinText !== null) text += stdinText
  if (options !== null && options !== "") text += "\n" + options
  loadConfigFromStringSync(ctx, text)
}

/** `loadServerConfigFromString`. Throws `ConfigFileError` / `ConfigOpenError`. */
const loadConfigFromStringSync = (ctx: LoadContext, text: string): void => {
  const state = stateOf(ctx)
  const config = ctx.config
  const lines = text.split("\n")
  for (let i = 0; i < lines.length; i++) {
    const line = trimConfigLine(lines[i])
    const fatal = (reason: string) => new ConfigFileError({ lineNumber: i + 1, line, reason })
    if (line === "" || line.startsWith("#")) continue
    const argv = splitArgs(line)
    if (argv === undefined) throw fatal("Unbalanced quotes in configuration line")
    if (argv.length === 0) continue
    const directive = argv[0].toLowerCase()

    const param = config.lookup(directive)
    if (param !== undefined) {
      if (!param.def.multiArg && argv.length !== 2) throw fatal("wrong number of arguments")
      let value: string
      if (param.def.multiArg && argv.length === 2 && argv[1] !== "") {
        // One quoted value holding several: `save "900 1 300 10"`.
        const inner = splitArgs(argv[1])
        if (inner === undefined) throw fatal("Unbalanced quotes in configuration line")
        value = inner.join(" ")
      } else {
        value = argv.slice(1).join(" ")
      }
      const decoded = param.decode(value)
      if (Result.isFailure(decoded)) throw fatal(decoded.failure)
      let next = decoded.success
      if (param.name === "save") {
        if (state.saveLoaded) next = [...(param.value as SavePoints), ...(next as SavePoints)]
        state.saveLoaded = true
      }
      const outcome = param.store(next)
      if (typeof outcome === "object") throw fatal(outcome.error)
      continue
    }
    if (DEPRECATED_DIRECTIVES.has(directive) && argv.length === 2) continue

    if (directive === "include" && argv.length === 2) {
      loadServerConfigSync(ctx, argv[1], null, null)
    } else if (directive === "rename-command" && argv.length === 3) {
      const error = ctx.commands.rename(argv[1], argv[2])
      if (error !== undefined) throw fatal(error)
      config.renamedCommands.push([argv[1], argv[2]])
    } else if (directive === "user" && argv.length >= 2) {
      // ACL users are not implemented: the line is accepted (CONFIG REWRITE writes `user` lines).
    } else if (directive === "loadmodule" && argv.length >= 2) {
      config.loadQueue.push({ path: argv[1], args: argv.slice(2) })
    } else if (directive.includes(".")) {
      if (argv.length < 2) throw fatal("Module config specified without value")
      config.pendingModuleConfigs.set(directive, argv.slice(1).join(" "))
    } else if (directive === "sentinel") {
      throw fatal("sentinel directive while not in sentinel mode")
    } else {
      throw fatal("Bad directive or wrong number of arguments")
    }
  }
}

const attempt = <A>(f: () => A): Result.Result<A, ConfigFileError | ConfigOpenError> => {
  try {
    return Result.succeed(f())
  } catch (e) {
    if (e instanceof ConfigFileError || e instanceof ConfigOpenError) return Result.fail(e)
    throw e
  }
}

/** Reads config text into `ctx.config` (no file, no includes relative to anything but the cwd). */
export const loadConfigText = (ctx: LoadContext, text: string): Result.Result<void, ConfigFileError | ConfigOpenError> =>
  attempt(() => loadConfigFromStringSync(ctx, text))

/** The server's startup configuration source, as `valkey-server [configfile] [options]` takes it. */
export interface StartupArguments {
  /** Absolute path, or null. */
  readonly configFile: string | null
  /** `-` was given: read config text from stdin. */
  readonly stdin: boolean
  /** The `--name value` options as config lines. */
  readonly options: string
}

/**
 * `keyfiber [configfile] [--name value ...]` (server.c `main`): each `--name` starts a line, its
 * values are quoted with sdscatrepr; `--save` without a value is `save ""`; `-` as the first or
 * last argument reads stdin.
 */
export const parseCommandLine = (args: ReadonlyArray<string>, cwd = process.cwd()): StartupArguments => {
  let j = 0
  let configFile: string | null = null
  let stdin = false
  let options = ""
  if (args.length > 0 && !args[0].startsWith("-")) {
    configFile = path.resolve(cwd, args[0])
    j = 1
  }
  let handledLastConfigArg = true
  for (; j < args.length; j++) {
    const arg = args[j]
    const next = args[j + 1]
    if (arg === "-" && (j === 0 || j === args.length - 1)) {
      stdin = true
    } else if (handledLastConfigArg && arg.startsWith("--")) {
      if (options !== "") options += "\n"
      options += arg.slice(2) + " "
      const tokens = splitArgs(arg)
      if (tokens !== undefined && tokens.length === 1) {
        handledLastConfigArg = false
        const lower = arg.toLowerCase()
        if (lower === "--save" && next !== undefined && next.startsWith("--")) {
          options += '""'
          handledLastConfigArg = true
        } else if (lower === "--save" && next === undefined) {
          options += '""'
        } else if (lower === "--sentinel" && next !== undefined && next.startsWith("--")) {
          handledLastConfigArg = true
        }
      } else {
        handledLastConfigArg = true
      }
    } else {
      options += quoteArg(arg) + " "
      handledLastConfigArg = true
    }
  }
  return { configFile, stdin, options }
}

/**
 * Loads the startup configuration into `ctx.config`: the config file (its absolute path becomes
 * `config.configFile`, for CONFIG REWRITE), stdin text, then options.
 */
export const loadStartupConfig = (
  ctx: LoadContext,
  startup: StartupArguments,
  stdinText: string | null = null
): Effect.Effect<void, ConfigFileError | ConfigOpenError> =>
  Effect.suspend(() => {
    ctx.config.configFile = startup.configFile
    const result = attempt(() => loadServerConfigSync(ctx, startup.configFile, startup.stdin ? (stdinText ?? "") : null, startup.options))
    return Result.isFailure(result) ? Effect.fail(result.failure) : Effect.void
  })
