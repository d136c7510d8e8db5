/**
 * ratelimit: a token-bucket rate limiter driven by its runtime arguments, declared with an effect
 * Schema: `loadmodule ratelimit.ts <capacity> <refill_per_second>`.
 *
 * RATELIMIT.TAKE key [n]        takes n tokens (default 1) from key's bucket: 1 when allowed, 0 not.
 * RATELIMIT.CONFIG capacity rps changes the limits at run time (UpdateRuntimeArgs). Values that
 *                               fail the Schema are refused and nothing changes; accepted ones show
 *                               in MODULE LIST and are written by CONFIG REWRITE.
 * RATELIMIT.LIMITS              the current capacity and refill rate.
 *
 * Buckets live in the module (not in the keyspace); time comes from the server clock.
 */
import { Result, Schema } from "effect"
import { defineModule } from "keyfiber/module"
import type { ModuleContext } from "keyfiber/module"

/** A positive integer in its decimal string form. */
const PositiveInt = Schema.NumberFromString.check(Schema.isInt(), Schema.isGreaterThan(0))

/** `<capacity> <refill_per_second>`; both optional, defaulting to 10 and 1. */
const Args = Schema.Union([Schema.Tuple([PositiveInt, PositiveInt]), Schema.Tuple([PositiveInt]), Schema.Tuple([])])

interface Limits {
  readonly capacity: number
  readonly refillPerSecond: number
}

const limitsOf = (args: typeof Args.Type): Limits => ({ capacity: args[0] ?? 10, refillPerSecond: args[1] ?? 1 })

interface Bucket {
  tokens: number
  updatedAt: number
}

/**
 * One loaded instance's state. Kept per load (not at module level): two servers in one process
 * import this file once but each loads its own instance.
 */
interface State {
  limits: Limits
  readonly buckets: Map<string, Bucket>
}

const take = (state: State) => (ctx: ModuleContext<typeof Args.Type>, argv: Array<string>) => {
  if (argv.length < 2 || argv.length > 3) return ctx.wrongArity()
  const n = argv.length === 3 ? Number(argv[2]) : 1
  if (!Number.isInteger(n) || n <= 0) return ctx.replyWithError("ERR n must be a positive integer")
  const { limits, buckets } = state
  const now = ctx.milliseconds()
  let bucket = buckets.get(argv[1])
  if (bucket === undefined) buckets.set(argv[1], (bucket = { tokens: limits.capacity, updatedAt: now }))
  bucket.tokens = Math.min(limits.capacity, bucket.tokens + ((now - bucket.updatedAt) / 1000) * limits.refillPerSecond)
  bucket.updatedAt = now
  if (bucket.tokens >= n) {
    bucket.tokens -= n
    return ctx.replyWithLongLong(1)
  }
  ctx.replyWithLongLong(0)
}

const configure = (ctx: ModuleContext<typeof Args.Type>, argv: Array<string>) => {
  const result = ctx.updateRuntimeArgs(argv)
  if (Result.isFailure(result)) return ctx.replyWithError(`ERR invalid limits: ${result.failure.message}`)
  ctx.replyWithOK()
}

const show = (state: State) => (c: ModuleContext<typeof Args.Type>) => {
  c.replyWithMap(2)
  c.replyWithString("capacity")
  c.replyWithLongLong(state.limits.capacity)
  c.replyWithString("refill_per_second")
  c.replyWithLongLong(state.limits.refillPerSecond)
}

export default defineModule({
  name: "ratelimit",
  version: 1,
  argsSchema: Args,
  onLoad: (ctx, args) => {
    const state: State = { limits: limitsOf(args), buckets: new Map() }
    // Follow the arguments: every accepted update changes the limits.
    ctx.onRuntimeArgsChange((args) => {
      state.limits = limitsOf(args.value)
    })
    if (ctx.createCommand("ratelimit.take", take(state), { flags: "write fast", firstKey: 1, lastKey: 1, step: 1 }) === "ERR") return "ERR"
    if (ctx.createCommand("ratelimit.config", configure, { flags: "admin" }) === "ERR") return "ERR"
    if (ctx.createCommand("ratelimit.limits", show(state), { flags: "readonly fast" }) === "ERR") return "ERR"
  }
})
