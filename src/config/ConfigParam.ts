import * as Result from "effect/Result"
import type { Log } from "../contracts/Log.js"
import type { Keyspace } from "../keyspace/Keyspace.js"
import { type ConfigSchema, decodeConfigValue, encodeConfigValue } from "./ConfigSchemas.js"
import type { RewriteLine } from "./rewriteConfig.js"

/** Valkey's config flags (config.c `*_CONFIG`). */
export type ConfigFlag =
  /** Only from the config file or command line (and module LOADEX). */
  | "immutable"
  /** CONFIG SET only when `enable-protected-configs` allows the client. */
  | "protected"
  /** The value is redacted from logs and SLOWLOG/MONITOR. */
  | "sensitive"
  /** Not matched by CONFIG GET glob patterns, only by its exact name. */
  | "hidden"
  /** CONFIG SET is refused while loading. */
  | "deny-loading"
  /** A numeric value accepting memory units, rewritten as `Nkb/Nmb/Ngb`. */
  | "memory"

/** The values an apply reads: the config table itself. */
export interface ConfigValues {
  get<T>(name: string): T
  /** `dir` changes the process's working directory (only the standalone server sets this). */
  readonly changeDirectory: boolean
}

/** A `client-output-buffer-limit` class: bytes, bytes, seconds (0: no limit). */
export interface OutputLimit {
  hard: number
  soft: number
  softSeconds: number
}

/**
 * What the built-in applies change: the hot-path settings of the server, which implements this, so
 * the config table needs nothing else of it.
 */
export interface ConfigTarget {
  readonly keyspace: Keyspace
  readonly limits: { protoMaxBulkLen: number; clientQueryBufferLimit: number; maxclients: number }
  outputBufferLimit: OutputLimit
  pubsubOutputBufferLimit: OutputLimit
  requirepass: string
  readonly stats: { latencyTracking: boolean }
  readonly pubsub: { notifyFlags: number }
  readonly log: Log
  /**
   * `appendonly` changed by CONFIG SET: turns the AOF on (a rewrite creates its base) or off; an
   * error text rolls the CONFIG SET back. Null without an AOF (set by the AOF layer).
   */
  readonly appendonlyApply?: (() => string | undefined) | null
}

/**
 * Side effects of a changed value, run after every value of a CONFIG SET is set (and once at
 * startup). Returns an error text to roll the CONFIG SET back. Applies shared by several configs
 * are run once per CONFIG SET (compared by identity), like Valkey's.
 */
export type ConfigApply = (target: ConfigTarget, config: ConfigValues) => string | undefined

/** One parameter, declared once. */
export interface ConfigDefinition<T> {
  /** Canonical lower-case name; for a module config `<module>.<name>`. */
  readonly name: string
  readonly aliases?: ReadonlyArray<string>
  /** From the string form (CONFIG SET, config file) to the value, and back (CONFIG GET). */
  readonly schema: ConfigSchema<T>
  readonly default: T
  readonly flags?: ReadonlyArray<ConfigFlag>
  /**
   * Takes several arguments (`save 900 1 300 10`): the config file passes every token, CONFIG SET
   * splits its value on single spaces. The schema receives them joined with single spaces.
   */
  readonly multiArg?: boolean
  readonly apply?: ConfigApply
  /**
   * Applies with the same key run once per CONFIG SET (Valkey de-duplicates module applies by
   * callback and privdata); defaults to the `apply` function itself.
   */
  readonly applyKey?: unknown
  /**
   * How CONFIG REWRITE writes the value (default: the CONFIG GET form; strings quoted, memory
   * values with units, per the schema builder used).
   */
  readonly rewrite?: (value: T, isDefault: boolean) => ReadonlyArray<RewriteLine>
  /** The format of the value in a rewritten line when `rewrite` is not given. */
  readonly rewriteAs?: "plain" | "quoted" | "memory" | "nullable-quoted"
  /** Written by CONFIG REWRITE even when it has its default value (`dir`, `save`, ...). */
  readonly alwaysRewrite?: boolean
  /** Module configs: the module that registered it. */
  readonly module?: string
  /**
   * Module configs keep their value in the module: the table reads it with `get` and stores it with
   * `set` (which may refuse with an error text, like a module setter).
   */
  readonly get?: () => T
  readonly set?: (value: T) => string | undefined
}

/** Outcome of setting one parameter (Valkey's `performInterfaceSet`: error, changed, unchanged). */
export type SetOutcome = { readonly error: string } | "changed" | "unchanged"

/** A parameter in the table with its current value. */
export class ConfigParam<T = unknown> {
  private stored: T

  constructor(readonly def: ConfigDefinition<T>) {
    this.stored = def.default
  }

  get name(): string {
    return this.def.name
  }

  has(flag: ConfigFlag): boolean {
    return this.def.flags?.includes(flag) ?? false
  }

  get value(): T {
    return this.def.get !== undefined ? this.def.get() : this.stored
  }

  /** The CONFIG GET form of the current value. */
  get text(): string {
    return this.encode(this.value)
  }

  /** The CONFIG GET form of a value. */
  encode(value: T): string {
    return encodeConfigValue(this.def.schema, value)
  }

  get defaultText(): string {
    return encodeConfigValue(this.def.schema, this.def.default)
  }

  get isDefault(): boolean {
    return this.text === this.defaultText
  }

  /** Parses the string form; the error is the setter's message. */
  decode(text: string): Result.Result<T, string> {
    return decodeConfigValue(this.def.schema, text)
  }

  /** Stores a decoded value, unless it equals the current one. */
  store(value: T): SetOutcome {
    if (this.encode(value) === this.text) return "unchanged"
    if (this.def.set !== undefined) {
      const error = this.def.set(value)
      if (error !== undefined) return { error }
    } else {
      this.stored = value
    }
    return "changed"
  }

  /** Decodes and stores the string form. */
  setText(text: string): SetOutcome {
    const decoded = this.decode(text)
    if (Result.isFailure(decoded)) return { error: decoded.failure }
    return this.store(decoded.success)
  }

  /**
   * Puts back a value held before (a rolled-back transaction, or an override at startup), through
   * the same path as a set and skipped when equal, as Valkey's `restoreBackupConfig` does with
   * `performInterfaceSet`. Returns a module setter's refusal, which the caller reports.
   */
  restore(value: T): string | undefined {
    const outcome = this.store(value)
    return typeof outcome === "object" ? outcome.error : undefined
  }
}
