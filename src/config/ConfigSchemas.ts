/**
 * Schemas for config values, from their string form (what CONFIG SET and the config file give) to
 * the stored value, and back (what CONFIG GET prints). Failures carry Valkey's exact setter message
 * (config.c), which `decodeConfigValue` extracts. Module configs use the same builders.
 *
 * Values are latin1 byte strings like everything else. Multi-argument configs (`save`, bitflags
 * enums, `client-output-buffer-limit`, ...) receive their arguments joined with single spaces.
 */
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import * as SchemaTransformation from "effect/SchemaTransformation"
import { parseInt64 } from "../keyspace/int64.js"

export type ConfigSchema<T> = Schema.Codec<T, string>

/** Decodes a config value; the error is Valkey's setter message. */
export const decodeConfigValue = <T>(schema: ConfigSchema<T>, text: string): Result.Result<T, string> =>
  Result.mapError(Schema.decodeUnknownResult(schema)(text), (e) => issueMessage(e.issue))

/** The CONFIG GET form of a value. */
export const encodeConfigValue = <T>(schema: ConfigSchema<T>, value: T): string => Schema.encodeSync(schema)(value)

/** The first message in an issue tree: the setter's message from `fromString`. */
const issueMessage = (issue: SchemaIssue.Issue): string => {
  if (issue._tag === "InvalidValue" && typeof issue.annotations?.message === "string") return issue.annotations.message
  if ("issue" in issue && SchemaIssue.isIssue(issue.issue)) return issueMessage(issue.issue)
  if ("issues" in issue && Array.isArray(issue.issues) && issue.issues.length > 0) return issueMessage(issue.issues[0])
  return "argument couldn't be parsed"
}

/** A schema from a plain parse/format pair; `parse` returns the value or an error message. */
export const fromString = <T>(
  to: Schema.Schema<T>,
  parse: (text: string) => T | ConfigFailure,
  format: (value: T) => string
): ConfigSchema<T> =>
  Schema.String.pipe(
    Schema.decodeTo(
      Schema.toType(to),
      SchemaTransformation.transformEffect({
        decode: (text: string) => {
          const result = parse(text)
          return result instanceof ConfigFailure
            ? Effect.fail(new SchemaIssue.InvalidValue({ message: result.message }, text))
            : Effect.succeed(result)
        },
        encode: (value: T) => Effect.succeed(format(value))
      })
    )
  )

/** A rejected value: Valkey's setter message. */
export class ConfigFailure {
  constructor(readonly message: string) {}
}
const fail = (message: string) => new ConfigFailure(message)

// ---------------------------------------------------------------------------------------------
// bool

/** `yes`/`no`, case-insensitive. */
export const configBool: ConfigSchema<boolean> = fromString(
  Schema.Boolean,
  (text) => {
    const lower = text.toLowerCase()
    return lower === "yes" ? true : lower === "no" ? false : fail("argument must be 'yes' or 'no'")
  },
  (value) => (value ? "yes" : "no")
)

// ---------------------------------------------------------------------------------------------
// numbers

/**
 * Valkey's `memtoull`: digits then an optional unit `b k kb m mb g gb` (case-insensitive); `k` is
 * 1000 and `kb` 1024. A leading `-` is an error.
 */
export const parseMemory = (text: string): number | undefined => {
  if (text.startsWith("-")) return undefined
  let i = 0
  while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++
  const unit = text.slice(i).toLowerCase()
  const mul =
    unit === "" || unit === "b" ? 1
    : unit === "k" ? 1000
    : unit === "kb" ? 1024
    : unit === "m" ? 1000 ** 2
    : unit === "mb" ? 1024 ** 2
    : unit === "g" ? 1000 ** 3
    : unit === "gb" ? 1024 ** 3
    : undefined
  if (mul === undefined || i > 127) return undefined
  // strtoull of no digits gives 0, as Valkey's memtoull does ("kb" is 0).
  const value = i === 0 ? 0 : Number(text.slice(0, i))
  if (value * mul > 18446744073709551615) return undefined
  return value * mul
}

/** `rewriteConfigFormatMemory`: `Ngb`, `Nmb`, `Nkb` when evenly divisible, else bytes. */
export const formatMemory = (bytes: number): string => {
  const gb = 1024 ** 3
  const mb = 1024 ** 2
  if (bytes !== 0 && bytes % gb === 0) return `${bytes / gb}gb`
  if (bytes !== 0 && bytes % mb === 0) return `${bytes / mb}mb`
  if (bytes !== 0 && bytes % 1024 === 0) return `${bytes / 1024}kb`
  return String(bytes)
}

export interface NumericOptions {
  readonly min: number
  readonly max: number
  /** Accepts `1k/1kb/1mb/1gb...`; rewritten with units. */
  readonly memory?: boolean
  /** Accepts `N%`, stored as `-N` (Valkey's convention); `min` is then `-maxPercent`. */
  readonly percent?: boolean
  /** Parsed and printed in octal (`unixsocketperm`). */
  readonly octal?: boolean
  /** The C type is unsigned: bounds are printed with `%llu`. */
  readonly unsigned?: boolean
}

/** Valkey's `numericParseString` + `numericBoundaryCheck`, with their exact messages. */
export const parseNumeric = (text: string, o: NumericOptions): number | ConfigFailure => {
  let value: number | undefined
  if (o.memory) value = parseMemory(text)
  if (value === undefined && o.percent && text.length > 1 && text.endsWith("%")) {
    const n = parseInt64(text.slice(0, -1))
    if (n !== undefined && n >= 0) value = -Number(n)
  }
  if (value === undefined && o.octal && /^[-+]?[0-7]+$/.test(text.trim()) && !/^\s/.test(text)) value = parseInt(text, 8)
  if (value === undefined && !o.memory && !o.percent && !o.octal) {
    const n = parseInt64(text)
    if (n !== undefined) value = Number(n)
  }
  if (value === undefined) {
    return fail(
      o.memory && o.percent ? "argument must be a memory or percent value"
      : o.memory ? "argument must be a memory value"
      : o.octal ? "argument couldn't be parsed as an octal number"
      : "argument couldn't be parsed into an integer"
    )
  }
  if (o.percent && value < 0) {
    if (value < o.min) return fail(`percentage argument must be less or equal to ${-o.min}`)
    return value
  }
  if (value > o.max || value < o.min) {
    const show = (n: number) =>
      o.octal ? n.toString(8)
      : n >= 18446744073709551615 ? "18446744073709551615"
      : n >= 9223372036854775807 ? "9223372036854775807"
      : n <= -9223372036854775808 ? "-9223372036854775808"
      : String(n)
    return fail(`argument must be between ${show(o.min)} and ${show(o.max)} inclusive`)
  }
  return value
}

/** CONFIG GET form of a number: percent as `N%`, octal in octal, else decimal. */
export const formatNumeric = (value: number, o: NumericOptions): string =>
  o.percent && value < 0 ? `${-value}%` : o.octal ? value.toString(8) : value >= 1e21 ? BigInt(value).toString() : String(value)

const numericSchemas = new Map<string, ConfigSchema<number>>()

/** A numeric config (int, long long, size_t, memory, percent, octal). Schemas are shared. */
export const configNumeric = (o: NumericOptions): ConfigSchema<number> => {
  const key = `${o.min}:${o.max}:${o.memory ?? false}:${o.percent ?? false}:${o.octal ?? false}:${o.unsigned ?? false}`
  let schema = numericSchemas.get(key)
  if (schema === undefined) {
    const options = { ...o }
    schema = fromString(Schema.Number, (text) => parseNumeric(text, options), (value) => formatNumeric(value, options))
    numericSchemas.set(key, schema)
  }
  return schema
}

// ---------------------------------------------------------------------------------------------
// enums

/** One enum name (case-insensitive); the error lists the names in declared order. */
const enumSchemas = new Map<string, ConfigSchema<string>>()

export const configEnum = <const Names extends ReadonlyArray<string>>(names: Names): ConfigSchema<Names[number]> => {
  const key = names.join("\n")
  const cached = enumSchemas.get(key)
  if (cached !== undefined) return cached as ConfigSchema<Names[number]>
  const schema = makeEnum(names)
  enumSchemas.set(key, schema)
  return schema
}

const makeEnum = <const Names extends ReadonlyArray<string>>(names: Names): ConfigSchema<Names[number]> =>
  fromString(
    Schema.String as unknown as Schema.Schema<Names[number]>,
    (text) => {
      const lower = text.toLowerCase()
      const found = names.find((n) => n === lower)
      return found ?? fail(enumError(names))
    },
    (value) => value
  )

export const enumError = (names: ReadonlyArray<string>): string =>
  `argument(s) must be one of the following: ${names.join(", ")}`

/**
 * A bitflags enum (`names[i]` has value `values[i]`): several space-separated names ORed together.
 * Printing follows Valkey's `configEnumGetName`: an exact match, else greedy by declared order.
 */
export const configBitflags = (names: ReadonlyArray<string>, values: ReadonlyArray<number>): ConfigSchema<number> =>
  fromString(
    Schema.Number,
    (text) => {
      const tokens = text === "" ? [] : text.split(" ")
      if (tokens.length === 0) return fail(enumError(names))
      let out = 0
      for (const token of tokens) {
        const i = names.findIndex((n) => n.toLowerCase() === token.toLowerCase())
        if (i === -1) return fail(enumError(names))
        out |= values[i]
      }
      return out
    },
    (value) => {
      const exact = values.indexOf(value)
      if (exact !== -1) return names[exact]
      let unmatched = value
      const parts: Array<string> = []
      for (let i = 0; i < names.length; i++) {
        if (values[i] !== 0 && (unmatched & values[i]) === values[i]) {
          parts.push(names[i])
          unmatched &= ~values[i]
        }
      }
      if (unmatched !== 0 || parts.length === 0) return "unknown"
      return parts.join(" ")
    }
  )

// ---------------------------------------------------------------------------------------------
// strings

/** A binary-safe string, optionally checked. */
export const configString = (validate?: (text: string) => string | undefined): ConfigSchema<string> =>
  validate === undefined ? plainString : checkedString(validate)

const checkedString = (validate: (text: string) => string | undefined): ConfigSchema<string> =>
  fromString(
    Schema.String,
    (text) => {
      const problem = validate(text)
      return problem === undefined ? text : fail(problem)
    },
    (value) => value
  )

const plainString: ConfigSchema<string> = fromString(Schema.String, (text) => text, (value) => value)

// ---------------------------------------------------------------------------------------------
// special multi-argument values

/** Valkey's `sdssplitlen(value, " ")`: how CONFIG SET splits a multi-argument value. */
export const splitOnSpaces = (text: string): Array<string> => (text === "" ? [] : text.split(" "))

/** `strtoll(s, &end, 10)` consuming the whole string (leading spaces and `+` allowed, as in C). */
const strtollWhole = (s: string): number | undefined => (/^[ \t\n\v\f\r]*[+-]?\d+$/.test(s) ? Number(s.trim()) : undefined)

export type SavePoints = ReadonlyArray<readonly [seconds: number, changes: number]>

/** `save <seconds> <changes> [...]`; `""` means no save points. */
export const configSave: ConfigSchema<SavePoints> = fromString(
  Schema.Array(Schema.Tuple([Schema.Number, Schema.Number])),
  (text) => {
    const args = splitOnSpaces(text)
    const points = args.length === 1 && args[0] === "" ? [] : args
    if (points.length % 2 === 1) return fail("Invalid save parameters")
    const out: Array<readonly [number, number]> = []
    for (let j = 0; j < points.length; j += 2) {
      const seconds = strtollWhole(points[j])
      const changes = strtollWhole(points[j + 1])
      if (seconds === undefined || seconds < 1 || changes === undefined || changes < 0) return fail("Invalid save parameters")
      out.push([seconds, changes])
    }
    return out
  },
  (points) => points.map(([s, c]) => `${s} ${c}`).join(" ")
)

export interface OutputBufferLimit {
  readonly hard: number
  readonly soft: number
  readonly softSeconds: number
}
export type OutputBufferLimits = Readonly<Record<"normal" | "replica" | "pubsub", OutputBufferLimit>>

const CLIENT_CLASSES: Record<string, keyof OutputBufferLimits> = {
  normal: "normal",
  replica: "replica",
  slave: "replica",
  pubsub: "pubsub"
}

const limitSchema = Schema.Struct({ hard: Schema.Number, soft: Schema.Number, softSeconds: Schema.Number })

/**
 * `client-output-buffer-limit <class> <hard> <soft> <soft seconds> [...]`. Only the classes given
 * change; the base is the current value, so the schema is made per current value.
 */
export const configOutputBufferLimits = (current: () => OutputBufferLimits): ConfigSchema<OutputBufferLimits> =>
  fromString(
    Schema.Struct({ normal: limitSchema, replica: limitSchema, pubsub: limitSchema }),
    (text) => {
      const args = splitOnSpaces(text)
      if (args.length % 4 !== 0) return fail("Wrong number of arguments in buffer limit configuration.")
      const out = { ...current() }
      for (let j = 0; j < args.length; j += 4) {
        const cls = CLIENT_CLASSES[args[j].toLowerCase()]
        if (cls === undefined) return fail("Invalid client class specified in buffer limit configuration.")
        const values = [args[j + 1], args[j + 2], args[j + 3]].map(parseMemory)
        if (values.some((v) => v === undefined)) {
          return fail("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
        }
      }
      for (let j = 0; j < args.length; j += 4) {
        const cls = CLIENT_CLASSES[args[j].toLowerCase()]
        out[cls] = { hard: parseMemory(args[j + 1])!, soft: parseMemory(args[j + 2])!, softSeconds: parseMemory(args[j + 3])! }
      }
      return out
    },
    // Valkey names the replica class `slave` in CONFIG GET and CONFIG REWRITE (`getClientTypeName`
    // in networking.c), though it accepts both names.
    (limits) =>
      (["normal", "replica", "pubsub"] as const)
        .map((cls) => `${cls === "replica" ? "slave" : cls} ${limits[cls].hard} ${limits[cls].soft} ${limits[cls].softSeconds}`)
        .join(" ")
  )

/** `latency-tracking-info-percentiles p1 p2 ...` (each 0..100); `""` means none. */
export const configPercentiles: ConfigSchema<ReadonlyArray<number>> = fromString(
  Schema.Array(Schema.Number),
  (text) => {
    const args = splitOnSpaces(text)
    const values = args.length === 1 && args[0] === "" ? [] : args
    const out: Array<number> = []
    for (const arg of values) {
      const v = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(arg) ? Number(arg) : NaN
      if (Number.isNaN(v)) return fail("Invalid latency-tracking-info-percentiles parameters")
      if (v > 100 || v < 0) return fail("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")
      out.push(v)
    }
    return out
  },
  (values) => values.map((v) => formatPercentile(v)).join(" ")
)

// Valkey prints with `%f` and trims trailing zeros: 99.9 → "99.9", 50 → "50".
const formatPercentile = (v: number): string => {
  const fixed = v.toFixed(6)
  return fixed.replace(/\.?0+$/, "")
}

/** `bind addr [addr ...]`: up to 16 addresses. */
export const configBind: ConfigSchema<ReadonlyArray<string>> = fromString(
  Schema.Array(Schema.String),
  (text) => {
    const args = splitOnSpaces(text)
    if (args.length > 16) return fail("Too many bind addresses specified.")
    // `bind ""` (one empty argument) means no TCP listener.
    return args.length === 1 && args[0] === "" ? [] : args
  },
  (addresses) => addresses.join(" ")
)

// Keyspace notification classes (notify.c).
const NOTIFY = {
  K: 1 << 0,
  E: 1 << 1,
  g: 1 << 2,
  $: 1 << 3,
  l: 1 << 4,
  s: 1 << 5,
  h: 1 << 6,
  z: 1 << 7,
  x: 1 << 8,
  e: 1 << 9,
  t: 1 << 10,
  m: 1 << 11,
  d: 1 << 12,
  n: 1 << 13
} as const
const NOTIFY_ALL = NOTIFY.g | NOTIFY.$ | NOTIFY.l | NOTIFY.s | NOTIFY.h | NOTIFY.z | NOTIFY.x | NOTIFY.e | NOTIFY.t | NOTIFY.d

/** `keyspaceEventsStringToFlags`; -1 for an unknown class character. */
export const keyspaceEventsFlags = (text: string): number => {
  let flags = 0
  for (const c of text) {
    if (c === "A") flags |= NOTIFY_ALL
    else if (c in NOTIFY) flags |= NOTIFY[c as keyof typeof NOTIFY]
    else return -1
  }
  return flags
}

/** `keyspaceEventsFlagsToString`: the canonical spelling CONFIG GET shows. */
export const keyspaceEventsString = (flags: number): string => {
  let out = ""
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) out += "A"
  else for (const c of ["g", "$", "l", "s", "h", "z", "x", "e", "t", "d"] as const) if (flags & NOTIFY[c]) out += c
  if (flags & NOTIFY.n) out += "n"
  if (flags & NOTIFY.K) out += "K"
  if (flags & NOTIFY.E) out += "E"
  if (flags & NOTIFY.m) out += "m"
  return out
}

export const KEYSPACE_EVENT_FLAGS = NOTIFY

/** `notify-keyspace-events`: the flags as a number. */
export const configKeyspaceEvents: ConfigSchema<number> = fromString(
  Schema.Number,
  (text) => {
    const flags = keyspaceEventsFlags(text)
    return flags === -1 ? fail("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.") : flags
  },
  keyspaceEventsString
)

/** `oom-score-adj-values a b c`, each -2000..2000. */
export const configOomScoreAdjValues: ConfigSchema<ReadonlyArray<number>> = fromString(
  Schema.Array(Schema.Number),
  (text) => {
    const args = splitOnSpaces(text)
    if (args.length !== 3) return fail("Invalid oom-score-adj-values, must be 3 values")
    const out: Array<number> = []
    for (const arg of args) {
      const v = strtollWhole(arg)
      if (v === undefined || v < -2000 || v > 2000) return fail("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")
      out.push(v)
    }
    return out
  },
  (values) => values.join(" ")
)
