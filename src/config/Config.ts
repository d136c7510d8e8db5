/**
 * The config table: every parameter once (built-in ones from `builtinConfigs`, module ones
 * registered at load), with CONFIG GET matching, CONFIG SET as a transaction (`ConfigTransaction`)
 * and the option list CONFIG REWRITE writes.
 *
 * The server's table is `server.config`.
 *
 * API for the modules system (`src/modules/`):
 * - `config.loadQueue`: the `loadmodule <path> [args...]` lines of the config file and command line,
 *   in order, as `{ path, args }`. The module loader consumes them after the server starts.
 * - `config.pendingModuleConfigs`: `<module>.<name> value` lines of the config file, name
 *   lower-cased, value the tokens joined with single spaces; the last one wins. `LoadConfigs`
 *   consumes its entries.
 * - `config.registerModuleConfig(definition)`: adds a module config (`name` is `<module>.<name>`,
 *   `module` is set, and `get`/`set` keep the value in the module). Returns an error text (duplicate)
 *   or undefined. Build the `schema` with the builders of `ConfigSchemas.ts` (`configBool`,
 *   `configNumeric({min, max, memory})`, `configEnum`, `configBitflags`, `configString`).
 *   `apply` callbacks of module configs run after the core ones and are de-duplicated by identity.
 *   For CONFIG REWRITE set `rewriteAs: "quoted"` on string configs and `"memory"` on MEMORY ones;
 *   bitflags enums need `multiArg: true` (several tokens in the config file).
 *   Or use `defineExternalConfig({ name, module, defaultText, parse, format, get, set, apply,
 *   applyKey, flags, multiArg, rewriteAs })` when the module parses and formats values itself.
 * - `config.unregisterModuleConfigs(module)`: on MODULE UNLOAD.
 * - `config.loadmoduleProvider`: the modules layer fills it with a function returning the loaded
 *   modules as `{ path, args }` in load order; CONFIG REWRITE writes one `loadmodule` line each.
 * - `config.changeListeners`: called with the canonical names after each successful CONFIG SET
 *   (the module `CONFIG` server event); the modules layer registers it.
 */
import { globMatch } from "../keyspace/glob.js"
import { quoteArg } from "../protocol/splitArgs.js"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { createHash } from "node:crypto"
import { type ConfigApply, type ConfigDefinition, type ConfigFlag, ConfigParam, type ConfigTarget, type ConfigValues } from "./ConfigParam.js"
import { type ConfigApplyStep, type ConfigJournal, ConfigSetError, configTransaction, runSyncForReply } from "./ConfigTransaction.js"
import { ConfigFailure, formatMemory, fromString, splitOnSpaces } from "./ConfigSchemas.js"
import type { RewriteLine, RewriteOption } from "./rewriteConfig.js"
import { Hooks, HookSlot } from "../contracts/Hooks.js"

export interface ModuleLoadRequest {
  readonly path: string
  readonly args: ReadonlyArray<string>
}

/** The ways a client may be allowed a protected action (`enable-*-command`, protected configs). */
export type ProtectedMode = "no" | "yes" | "local"

/** Directives the config file and CONFIG REWRITE know besides the configs themselves. */
const OTHER_DIRECTIVES = new Set(["include", "rename-command", "user", "loadmodule", "sentinel"])

export class Config implements ConfigValues {
  /** Canonical name → parameter, in registration order (CONFIG REWRITE's order). */
  private readonly params = new Map<string, ConfigParam<any>>()
  /** Every name and alias (lower-case) → parameter. */
  private readonly byName = new Map<string, ConfigParam<any>>()

  /** Absolute path of the config file, or null when started without one. */
  configFile: string | null = null
  readonly loadQueue: Array<ModuleLoadRequest> = []
  /** `rename-command` lines read at startup, replayed on the server's command table. */
  readonly renamedCommands: Array<[from: string, to: string]> = []
  readonly pendingModuleConfigs = new Map<string, string>()
  readonly loadmoduleProvider = new HookSlot<() => ReadonlyArray<ModuleLoadRequest>>()
  readonly changeListeners = new Hooks<(names: ReadonlyArray<string>) => void>()
  /**
   * CONFIG REWRITE, registered by the `ConfigStore` layer, the config file's only writer: the error
   * reply text, or undefined.
   */
  readonly rewriter = new HookSlot<() => string | undefined>()
  /** `dir` changes the process's working directory (only the standalone server sets this). */
  changeDirectory = false
  /** Set while the server loads data: deny-loading configs are refused. */
  loading = false
  /**
   * The ACL `user` lines CONFIG REWRITE writes (an ACL system may replace this): the default user,
   * with `requirepass` as its password hash. keyfiber reads `user` lines without applying them;
   * the password persists through the `requirepass` line.
   */
  userLines: () => ReadonlyArray<string> = () => {
    const password = this.get<string>("requirepass")
    const auth = password === "" ? "nopass" : "#" + createHash("sha256").update(Buffer.from(password, "latin1")).digest("hex")
    return [`user default on ${auth} sanitize-payload ~* &* +@all`]
  }

  /** Whether a config's value must be redacted from logs, SLOWLOG and MONITOR. */
  isSensitive(name: string): boolean {
    return this.lookup(name)?.has("sensitive") ?? false
  }

  constructor(definitions: ReadonlyArray<ConfigDefinition<any>> = []) {
    for (const def of definitions) this.register(def)
  }

  register<T>(def: ConfigDefinition<T>): ConfigParam<T> {
    const param = new ConfigParam(def)
    this.params.set(def.name, param)
    this.byName.set(def.name.toLowerCase(), param)
    for (const alias of def.aliases ?? []) this.byName.set(alias.toLowerCase(), param)
    return param
  }

  /** A parameter by name or alias, case-insensitive. */
  lookup(name: string): ConfigParam | undefined {
    return this.byName.get(name.toLowerCase())
  }

  /** The current value of a built-in parameter (the caller knows its type). */
  get<T>(name: string): T {
    const param = this.params.get(name)
    if (param === undefined) throw new Error(`unknown config ${name}`)
    return param.value as T
  }

  /** Every parameter in registration order. */
  all(): IterableIterator<ConfigParam> {
    return this.params.values()
  }

  // ---------------------------------------------------------------------------------------------
  // Module configs

  registerModuleConfig<T>(def: ConfigDefinition<T> & { readonly module: string }): string | undefined {
    if (this.byName.has(def.name.toLowerCase())) return `config ${def.name} already exists`
    this.register(def)
    return undefined
  }

  unregisterModuleConfigs(module: string): void {
    for (const [name, param] of this.params) {
      if (param.def.module !== module) continue
      this.params.delete(name)
      for (const [key, p] of this.byName) if (p === param) this.byName.delete(key)
    }
  }

  // ---------------------------------------------------------------------------------------------
  // CONFIG GET

  /**
   * Name/value pairs for CONFIG GET (config.c `configGetCommand`): exact names (hidden ones
   * included) keep the spelling typed; glob patterns match names and aliases case-insensitively,
   * never hidden configs.
   */
  match(patterns: ReadonlyArray<string>): Array<[string, string]> {
    const out = new Map<string, ConfigParam>()
    for (const pattern of patterns) {
      if (!/[*?[]/.test(pattern)) {
        if (out.has(pattern)) continue
        const param = this.lookup(pattern)
        if (param !== undefined) out.set(pattern, param)
        continue
      }
      for (const [name, param] of this.byName) {
        // Aliases are listed alongside their config, as Valkey's dictionary holds both.
        if (param.has("hidden") || out.has(name)) continue
        if (globMatch(pattern, name, true)) out.set(name, param)
      }
    }
    return Array.from(out, ([name, param]) => [name, param.text])
  }

  // ---------------------------------------------------------------------------------------------
  // CONFIG SET

  /**
   * CONFIG SET of several parameters (Valkey's config.c `configSetCommand`): validate every pair,
   * then, as one transaction, set them in argument order and run the applies of the changed ones
   * (core applies first, then module applies, each de-duplicated). Any refusal rolls every value
   * back and re-runs the applies that had started (`ConfigTransaction`).
   */
  configSet(
    server: ConfigTarget,
    pairs: ReadonlyArray<readonly [name: string, value: string]>,
    allowProtected: boolean
  ): Effect.Effect<void, ConfigSetError> {
    return Effect.suspend(() => {
      const validated = this.validateSet(pairs, allowProtected)
      if (typeof validated === "string") return Effect.fail(new ConfigSetError({ reply: validated, rollbackFailures: [] }))
      const log = (line: string) => server.log("warning", line)
      const transaction = configTransaction("failed CONFIG SET command", log, (journal) =>
        Effect.suspend(() => {
          const outcome = this.setAndApply(server, journal, validated, pairs)
          if ("reply" in outcome) return Effect.fail(new ConfigSetError({ reply: outcome.reply, rollbackFailures: [] }))
          return Effect.succeed(outcome.changed)
        })
      )
      // The change event goes out once the transaction is committed.
      return Effect.map(transaction, (changed) => {
        if (changed.length > 0) for (const listener of this.changeListeners.list) listener(changed)
      })
    })
  }

  /** `configSet`, run from synchronous code: the error reply text, or undefined on success. */
  setMany(server: ConfigTarget, pairs: ReadonlyArray<readonly [name: string, value: string]>, allowProtected: boolean): string | undefined {
    return runSyncForReply(this.configSet(server, pairs, allowProtected))
  }

  /**
   * The validation pass: it scans every pair and the first problem decides, except that a
   * deny-loading refusal wins (Valkey scans on to redact every sensitive value). Returns the
   * parameters in argument order, or the error reply.
   */
  private validateSet(pairs: ReadonlyArray<readonly [name: string, value: string]>, allowProtected: boolean): Array<ConfigParam> | string {
    const params: Array<ConfigParam> = []
    let unknown: string | undefined
    let failure: { name: string; reason: string } | undefined
    let denyLoading = false
    let invalid = false
    for (let i = 0; i < pairs.length; i++) {
      const [name] = pairs[i]
      const param = this.lookup(name)
      if (param === undefined) {
        if (!invalid) {
          unknown = name
          invalid = true
        }
        continue
      }
      if (invalid) continue
      if (param.has("immutable") || (param.has("protected") && !allowProtected)) {
        failure = { name, reason: param.has("immutable") ? "can't set immutable config" : "can't set protected config" }
        invalid = true
        continue
      }
      if (this.loading && param.has("deny-loading")) {
        denyLoading = true
        invalid = true
        continue
      }
      if (params.includes(param)) {
        failure = { name, reason: "duplicate parameter" }
        invalid = true
      }
      params.push(param)
    }
    if (denyLoading) return "LOADING Valkey is loading the dataset in memory"
    if (unknown !== undefined) return `ERR Unknown option or number of arguments for CONFIG SET - '${unknown}'`
    if (failure !== undefined) return setFailed(failure.name, failure.reason)
    return params
  }

  /** The set and apply passes inside the transaction: the changed parameters' names, or the error reply. */
  private setAndApply(
    server: ConfigTarget,
    journal: ConfigJournal,
    params: ReadonlyArray<ConfigParam>,
    pairs: ReadonlyArray<readonly [name: string, value: string]>
  ): { readonly changed: ReadonlyArray<string> } | { readonly reply: string } {
    for (const param of params) journal.backup(param)
    const applies: Array<ConfigApplyStep> = []
    const moduleApplies: Array<ConfigApplyStep> = []
    const applyOwner = new Map<ConfigApplyStep, ConfigParam>()
    const applyKeys = new Set<unknown>()
    const changed: Array<string> = []
    for (let i = 0; i < params.length; i++) {
      const param = params[i]
      const value = param.def.multiArg ? splitOnSpaces(pairs[i][1]).join(" ") : pairs[i][1]
      const outcome = param.setText(value)
      if (typeof outcome === "object") return { reply: setFailed(param.name, outcome.error) }
      if (outcome === "unchanged") continue
      changed.push(param.name)
      const apply = param.def.apply
      if (apply === undefined) continue
      const key = param.def.applyKey ?? apply
      if (applyKeys.has(key)) continue
      applyKeys.add(key)
      const step: ConfigApplyStep = () => apply(server, this)
      applyOwner.set(step, param)
      ;(param.def.module === undefined ? applies : moduleApplies).push(step)
    }
    const coreFailure = journal.runApplies(applies, "all")
    if (coreFailure !== undefined) {
      const param = applyOwner.get(applies[coreFailure.index])!
      server.log("warning", `Failed applying new configuration. Possibly related to new ${param.name} setting. Restoring previous settings.`)
      return { reply: setFailed(param.name, coreFailure.error) }
    }
    const moduleFailure = journal.runApplies(moduleApplies, "until-refusal")
    if (moduleFailure !== undefined) {
      const param = applyOwner.get(moduleApplies[moduleFailure.index])!
      server.log("warning", "Failed applying new module configuration. Restoring previous settings.")
      // A module apply's error names the config by its short name, without the module prefix.
      return { reply: setFailed(param.name.slice(param.def.module!.length + 1), moduleFailure.error) }
    }
    return { changed }
  }

  /** Runs every core apply once (at startup, after the config file is read). Errors are returned. */
  applyAll(server: ConfigTarget): Array<string> {
    const done = new Set<ConfigApply>()
    const errors: Array<string> = []
    for (const param of this.params.values()) {
      const apply = param.def.apply
      if (apply === undefined || done.has(apply) || param.def.module !== undefined) continue
      done.add(apply)
      const error = apply(server, this)
      if (error !== undefined) errors.push(`${param.name}: ${error}`)
    }
    return errors
  }

  // ---------------------------------------------------------------------------------------------
  // CONFIG REWRITE

  /** The option a config-file directive belongs to (see `RewriteInput.classify`). */
  classify = (directive: string): string | undefined => {
    const param = this.lookup(directive)
    if (param !== undefined) return param.name
    return OTHER_DIRECTIVES.has(directive) ? directive : undefined
  }

  /** Every option with the lines CONFIG REWRITE wants for it, in a stable order. */
  rewriteOptions(): Array<RewriteOption> {
    const out: Array<RewriteOption> = []
    for (const param of this.params.values()) out.push({ name: param.name, lines: rewriteLines(param) })
    out.push({ name: "user", lines: this.userLines().map((text) => ({ text, force: true })) })
    out.push({
      name: "loadmodule",
      lines: (this.loadmoduleProvider.current?.() ?? []).map((m) => ({ text: loadmoduleLine(m), force: true }))
    })
    return out
  }
}

/**
 * A config defined by string-level callbacks (for module configs that parse and format their own
 * values): `parse` gives the value or Valkey's error text, `format` the CONFIG GET form, `get`/`set`
 * the module's storage (`set` may refuse with an error text), `apply` runs after CONFIG SET.
 */
export const defineExternalConfig = (o: {
  readonly name: string
  readonly module: string
  readonly defaultText: string
  readonly parse: (text: string) => { readonly value: unknown } | { readonly error: string }
  readonly format: (value: unknown) => string
  readonly get: () => unknown
  readonly set: (value: unknown) => string | undefined
  readonly apply?: () => string | undefined
  readonly applyKey?: unknown
  readonly flags?: ReadonlyArray<ConfigFlag>
  readonly multiArg?: boolean
  readonly rewriteAs?: ConfigDefinition<unknown>["rewriteAs"]
}): ConfigDefinition<unknown> & { readonly module: string } => {
  const schema = fromString(
    Schema.Unknown,
    (text) => {
      const parsed = o.parse(text)
      return "error" in parsed ? new ConfigFailure(parsed.error) : parsed.value
    },
    o.format
  )
  const parsedDefault = o.parse(o.defaultText)
  const apply = o.apply
  return {
    name: o.name,
    module: o.module,
    schema,
    default: "value" in parsedDefault ? parsedDefault.value : o.defaultText,
    flags: o.flags,
    multiArg: o.multiArg,
    rewriteAs: o.rewriteAs,
    get: o.get,
    set: o.set,
    apply: apply === undefined ? undefined : () => apply(),
    applyKey: o.applyKey ?? apply
  }
}

const setFailed = (name: string, reason: string): string =>
  `ERR CONFIG SET failed (possibly related to argument '${name}') - ${reason}`

/**
 * A token written bare when it reads back the same, else quoted. Valkey writes `loadmodule`
 * arguments unquoted (module.c `moduleLoadQueueEntryToLoadmoduleOptionStr`), so an argument with a
 * space or a quote does not survive a restart there; quoting only such tokens is a deliberate
 * difference.
 */
export const rewriteToken = (token: string): string =>
  token !== "" && /^[\x21-\x7e]+$/.test(token) && !/["']/.test(token) ? token : quoteArg(token)

/** `loadmodule <path> <args...>`, quoting only the tokens that need it. */
export const loadmoduleLine = (m: ModuleLoadRequest): string =>
  ["loadmodule", m.path, ...m.args].map((t, i) => (i === 0 ? t : rewriteToken(t))).join(" ")

const rewriteLines = (param: ConfigParam): ReadonlyArray<RewriteLine> => {
  const def = param.def
  const isDefault = param.isDefault
  if (def.rewrite !== undefined) return def.rewrite(param.value, isDefault)
  const force = !isDefault || def.alwaysRewrite === true
  const text = param.text
  switch (def.rewriteAs ?? "plain") {
    case "quoted":
      return [{ text: `${def.name} ${quoteArg(text)}`, force }]
    case "nullable-quoted":
      // A NULL string (shown as "") removes the line.
      return text === "" ? [] : [{ text: `${def.name} ${quoteArg(text)}`, force }]
    case "memory": {
      const value = param.value as number
      return [{ text: `${def.name} ${value < 0 ? `${-value}%` : formatMemory(value)}`, force }]
    }
    case "plain":
      return [{ text: `${def.name} ${text === "" ? '""' : text}`, force }]
  }
}

/** Whether a client may use a protected command or config under `mode` (`allowProtectedAction`). */
export const allowProtected = (mode: ProtectedMode, isLocal: boolean): boolean =>
  mode === "yes" || (mode === "local" && isLocal)
