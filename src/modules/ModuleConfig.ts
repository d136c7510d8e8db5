/**
 * A module config (`<module>.<name>`), Valkey's module configurations API: string, bool, numeric
 * and enum (optionally bitflags) values with the module's getter, setter and apply callbacks.
 * Values cross this boundary in their string form, exactly as CONFIG GET prints them: the server's
 * byte strings outside, text (UTF-8 decoded) for the module.
 */
import { textToBytes } from "../protocol/CommandArg.js"
import { bytesToText } from "../protocol/ReplyValue.js"

export type ModuleConfigFlag =
  | "default"
  | "immutable"
  | "sensitive"
  | "hidden"
  | "protected"
  | "deny-loading"
  | "memory"
  | "bitflags"

const KNOWN_FLAGS = new Set<string>(["default", "immutable", "sensitive", "hidden", "protected", "deny-loading", "memory", "bitflags"])

/** A setter or apply callback refusing a value: the message CONFIG SET reports. */
export type ConfigError = string | undefined | void

export interface ConfigCallbacks<T> {
  /** The current value; without one the server keeps the value itself. */
  readonly get?: (name: string) => T
  /** Stores a new value; a string return refuses it with that message. */
  readonly set?: (name: string, value: T) => ConfigError
  /** Runs after CONFIG SET stored every value; a string return rolls the whole SET back. */
  readonly apply?: (name: string) => ConfigError
}

export type ConfigKind =
  | { readonly type: "string" }
  | { readonly type: "bool" }
  | { readonly type: "numeric"; readonly min: number; readonly max: number }
  | { readonly type: "enum"; readonly names: ReadonlyArray<string>; readonly values: ReadonlyArray<number> }

export const parseConfigFlags = (flags: string | ReadonlyArray<string> | undefined): Set<ModuleConfigFlag> | string => {
  const list = typeof flags === "string" ? flags.split(/\s+/).filter((f) => f !== "") : (flags ?? [])
  const out = new Set<ModuleConfigFlag>()
  for (const f of list) {
    const flag = f.toLowerCase()
    if (!KNOWN_FLAGS.has(flag)) return `unknown config flag '${f}'`
    out.add(flag as ModuleConfigFlag)
  }
  return out
}

const MEMORY_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1000,
  kb: 1024,
  m: 1000 * 1000,
  mb: 1024 * 1024,
  g: 1000 * 1000 * 1000,
  gb: 1024 * 1024 * 1024
}

/**
 * A parsed string value: the text the module sees and the bytes it was given. Comparing and
 * printing a new value goes by its bytes, so two byte strings that decode to the same text (bytes
 * that are not UTF-8) are still two values.
 */
class ExactText {
  constructor(
    readonly text: string,
    readonly bytes: string
  ) {}
}

/** Valkey's `memtoull`: digits with an optional unit, no sign. */
const parseMemory = (s: string): number | undefined => {
  const m = /^(\d+)([a-zA-Z]*)$/.exec(s)
  if (m === null) return undefined
  const unit = MEMORY_UNITS[m[2].toLowerCase()]
  if (unit === undefined) return undefined
  return Number(m[1]) * unit
}

const parseLongLong = (s: string): number | undefined => (/^-?\d+$/.test(s) && s.length < 21 ? Number(s) : undefined)

export class ModuleConfig {
  /** The value kept by the server when the module gives no getter. */
  private stored: unknown
  /**
   * A string value's bytes as last given (CONFIG SET, LOADEX, the config file) and their text:
   * `format` prints these bytes while the value is that text, so bytes that are not UTF-8 still
   * round-trip through CONFIG GET and CONFIG REWRITE exactly.
   */
  private exact: ExactText | null = null

  constructor(
    readonly module: string,
    /** The name without the module prefix, as registered. */
    readonly name: string,
    readonly kind: ConfigKind,
    readonly flags: ReadonlySet<ModuleConfigFlag>,
    readonly defaultValue: unknown,
    readonly callbacks: ConfigCallbacks<any>
  ) {
    this.stored = defaultValue
  }

  /** `<module>.<name>`, lower-cased for lookups. */
  get fullName(): string {
    return `${this.module}.${this.name}`.toLowerCase()
  }

  has(flag: ModuleConfigFlag): boolean {
    return this.flags.has(flag)
  }

  /** The typed current value. */
  getValue(): unknown {
    return this.callbacks.get ? this.callbacks.get(this.name) : this.stored
  }

  /**
   * The current value as the config table holds it: a string value given as bytes is those bytes
   * (its `ExactText`), so putting it back (a rolled-back CONFIG SET) restores the bytes, not the
   * text they decode to.
   */
  currentValue(): unknown {
    const value = this.getValue()
    return this.exact !== null && this.exact.text === value ? this.exact : value
  }

  /** Stores a typed value through the setter (skipped when the getter already returns it). */
  setValue(value: unknown): string | undefined {
    if (value instanceof ExactText) {
      this.exact = value
      value = value.text
    } else {
      this.exact = null
    }
    if (equal(this.getValue(), value)) return undefined
    if (this.callbacks.set) {
      const e = this.callbacks.set(this.name, value)
      if (typeof e === "string") return e
    }
    this.stored = value
    return undefined
  }

  apply(): string | undefined {
    const e = this.callbacks.apply?.(this.name)
    return typeof e === "string" ? e : undefined
  }

  /** Parses the string form (a byte string), with Valkey's error texts; the module sees text. */
  parse(bytes: string): { value: unknown } | { error: string } {
    const text = bytesToText(bytes)
    switch (this.kind.type) {
      case "string":
        return { value: new ExactText(text, bytes) }
      case "bool": {
        const t = text.toLowerCase()
        if (t === "yes") return { value: true }
        if (t === "no") return { value: false }
        return { error: "argument must be 'yes' or 'no'" }
      }
      case "numeric": {
        let n: number | undefined
        if (this.has("memory")) {
          n = parseMemory(text)
          if (n === undefined) return { error: "argument must be a memory value" }
        } else {
          n = parseLongLong(text)
          if (n === undefined) return { error: "argument couldn't be parsed into an integer" }
        }
        if (n < this.kind.min || n > this.kind.max) {
          return { error: `argument must be between ${this.kind.min} and ${this.kind.max} inclusive` }
        }
        return { value: n }
      }
      case "enum": {
        const { names, values } = this.kind
        const tokens = this.has("bitflags") ? text.split(" ").filter((t) => t !== "") : [text]
        let out = 0
        for (const token of tokens) {
          const i = names.findIndex((n) => n.toLowerCase() === token.toLowerCase())
          if (i === -1 || tokens.length === 0) {
            return { error: `argument(s) must be one of the following: ${names.join(", ")}` }
          }
          out |= values[i]
        }
        if (tokens.length === 0) return { error: `argument(s) must be one of the following: ${names.join(", ")}` }
        return { value: out }
      }
    }
  }

  /** The string form CONFIG GET and CONFIG REWRITE print (a byte string: text as UTF-8). */
  format(value: unknown = this.getValue()): string {
    if (this.kind.type === "string") {
      if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("latin1")
      if (value instanceof ExactText) return value.bytes
      if (this.exact !== null && this.exact.text === value) return this.exact.bytes
    }
    return textToBytes(this.formatText(value))
  }

  private formatText(value: unknown): string {
    switch (this.kind.type) {
      case "string":
        if (value === null || value === undefined) return ""
        return String(value)
      case "bool":
        return value ? "yes" : "no"
      case "numeric": {
        const n = Number(value)
        return String(n)
      }
      case "enum":
        return formatEnum(this.kind.names, this.kind.values, Number(value), this.has("bitflags"))
    }
  }

  get isDefault(): boolean {
    return equal(this.getValue(), this.defaultValue)
  }
}

/** Valkey's enum formatting: the exact name, else a greedy walk over the declared names. */
export const formatEnum = (names: ReadonlyArray<string>, values: ReadonlyArray<number>, value: number, bitflags: boolean): string => {
  for (let i = 0; i < names.length; i++) if (values[i] === value) return names[i]
  if (!bitflags) return "unknown"
  const out: Array<string> = []
  let left = value
  for (let i = 0; i < names.length; i++) {
    const v = values[i]
    if (v !== 0 && (left & v) === v) {
      out.push(names[i])
      left &= ~v
    }
  }
  if (left !== 0 || out.length === 0) out.push("unknown")
  return out.join(" ")
}

const equal = (a: unknown, b: unknown): boolean => a === b || (typeof a === "string" && typeof b === "string" && a === b)

export const CONFIG_NAME = /^[A-Za-z0-9_-]+$/
