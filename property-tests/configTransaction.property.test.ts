import fc from "fast-check"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { configNumeric } from "../src/config/ConfigSchemas.js"
import { modulePath, type RunningModuleServer, startModuleServer } from "../test/support/moduleServer.js"
import { format, type TxApply, type TxName, type TxState } from "./fixtures/txconfigs.js"

/**
 * Multi-parameter CONFIG SETs over a real connection, mixing core configs and the configs of a
 * loaded module (`fixtures/txconfigs.ts`), with failures injected at random: a module setter that
 * refuses the new value, a module setter that refuses to take its old value back, an apply callback
 * (module or core) that refuses once. Each reply is exactly Valkey's (config.c `configSetCommand`),
 * computed by a reference model; afterwards either every named config shows its new value or every
 * config shows its old one, except a config whose setter refused the restore, which stays new and
 * is reported in the log with Valkey's line; and every apply callback's last observation matches
 * the values it covers (the applies re-run after a rollback), unless the log says its re-run failed.
 */

const MODULE_CONFIGS: ReadonlyArray<TxName> = ["alpha", "beta", "gamma", "delta", "eps"]
const VALUES: Record<string, ReadonlyArray<string>> = {
  "txconfigs.alpha": ["1", "2", "3"],
  "txconfigs.beta": ["1", "2", "3"],
  "txconfigs.gamma": ["a", "b", "c d"],
  "txconfigs.delta": ["yes", "no"],
  "txconfigs.eps": ["one", "two", "three"],
  maxmemory: ["0", "1000000", "2000000"],
  hz: ["10", "20", "abc"],
  txcore: ["0", "1", "2"]
}
const NAMES = Object.keys(VALUES)
/** Which apply a config schedules, in the order the set pass meets them; core ones run first. */
const APPLY_OF: Record<string, TxApply | "core" | "maxmemory" | undefined> = {
  "txconfigs.alpha": "pair",
  "txconfigs.beta": "pair",
  "txconfigs.gamma": "gamma",
  "txconfigs.eps": "eps",
  maxmemory: "maxmemory",
  txcore: "core"
}
const INVALID: Record<string, string> = { abc: "argument couldn't be parsed into an integer" }

const pairArb = fc.constantFrom(...NAMES).chain((name) => fc.constantFrom(...VALUES[name]).map((value) => [name, value] as const))
const injectionArb = fc.record({
  setters: fc.array(fc.constantFrom<"none" | "new" | "old">("none", "none", "none", "new", "old"), {
    minLength: MODULE_CONFIGS.length,
    maxLength: MODULE_CONFIGS.length
  }),
  failOnce: fc.subarray<TxApply | "core">(["pair", "gamma", "eps", "core"])
})
const callArb = fc.record({ pairs: fc.array(pairArb, { minLength: 1, maxLength: 5 }), injection: injectionArb })

interface Expected {
  readonly reply: string
  readonly values: Record<string, string>
  readonly restoreRefusals: ReadonlyArray<string>
}

const setFailed = (name: string, reason: string) => `ERR CONFIG SET failed (possibly related to argument '${name}') - ${reason}`

/** Valkey's configSetCommand on the model: the reply, the values after, the refused restores. */
const model = (
  before: Record<string, string>,
  pairs: ReadonlyArray<readonly [string, string]>,
  refuse: ReadonlyMap<string, string>,
  failOnce: ReadonlySet<string>
): Expected => {
  const seen = new Set<string>()
  for (const [name] of pairs) {
    if (seen.has(name)) return { reply: setFailed(name, "duplicate parameter"), values: before, restoreRefusals: [] }
    seen.add(name)
  }
  const values = { ...before }
  const changed: Array<string> = []
  const rollback = (reply: string): Expected => {
    const after = { ...before }
    const restoreRefusals: Array<string> = []
    for (const name of changed) {
      if (refuse.get(name) !== before[name]) continue
      after[name] = values[name]
      const short = name.slice("txconfigs.".length)
      restoreRefusals.push(`Failed restoring failed CONFIG SET command. Error setting ${name} to '${before[name]}': ${short} refuses ${before[name]}`)
    }
    return { reply, values: after, restoreRefusals }
  }
  for (const [name, value] of pairs) {
    if (INVALID[value] !== undefined) return rollback(setFailed(name, INVALID[value]))
    if (value === values[name]) continue
    if (refuse.get(name) === value) return rollback(setFailed(name, `${name.slice("txconfigs.".length)} refuses ${value}`))
    values[name] = value
    changed.push(name)
  }
  const firstOwner = new Map<string, string>()
  for (const name of changed) {
    const apply = APPLY_OF[name]
    if (apply !== undefined && !firstOwner.has(apply)) firstOwner.set(apply, name)
  }
  const core = [...firstOwner].filter(([apply]) => apply === "core" || apply === "maxmemory")
  const module = [...firstOwner].filter(([apply]) => apply !== "core" && apply !== "maxmemory")
  for (const [apply, owner] of core) if (failOnce.has(apply)) return rollback(setFailed(owner, `txcore apply refused`))
  for (const [apply, owner] of module) {
    if (failOnce.has(apply)) return rollback(setFailed(owner.slice("txconfigs.".length), `${apply} apply refused`))
  }
  return { reply: "OK", values, restoreRefusals: [] }
}

describe("CONFIG SET as a transaction, module configs and injected failures included (property)", () => {
  let s: RunningModuleServer
  let r: Redis
  const state = (): TxState => (globalThis as any).__txconfigs
  let coreFailOnce = false
  let coreObserved = 0

  beforeAll(async () => {
    s = await startModuleServer()
    // A core config whose apply the test can make refuse once, beside the module's.
    s.server.config.register({
      name: "txcore",
      schema: configNumeric({ min: 0, max: 9 }),
      default: 0,
      apply: (_server, config) => {
        if (coreFailOnce) {
          coreFailOnce = false
          return "txcore apply refused"
        }
        coreObserved = config.get<number>("txcore")
        return undefined
      }
    })
    r = new Redis(s.port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })
    expect(await r.call("MODULE", "LOADEX", modulePath("../property-tests/fixtures/txconfigs.ts"), "CONFIG", "txconfigs.beta", "3")).toBe("OK")
  })
  afterAll(async () => {
    r.disconnect()
    await s.close()
  })

  const snapshot = async (): Promise<Record<string, string>> => {
    const flat = (await r.call("CONFIG", "GET", ...NAMES)) as Array<string>
    const out: Record<string, string> = {}
    for (let i = 0; i < flat.length; i += 2) out[flat[i]] = flat[i + 1]
    return out
  }

  it("ends with every new value or every old one, Valkey's reply, and appliers that saw the final values", async () => {
    let calls = 0
    let failures = 0
    let refusedRestores = 0
    await fc.assert(
      fc.asyncProperty(fc.array(callArb, { minLength: 1, maxLength: 6 }), async (sequence) => {
        for (const { pairs, injection } of sequence) {
          const before = await snapshot()
          const tx = state()
          tx.refuse.clear()
          tx.failOnce.clear()
          const refuse = new Map<string, string>()
          MODULE_CONFIGS.forEach((name, i) => {
            const full = `txconfigs.${name}`
            const mode = injection.setters[i]
            const value = mode === "old" ? before[full] : mode === "new" ? pairs.find(([n]) => n === full)?.[1] : undefined
            if (value === undefined) return
            refuse.set(full, value)
            tx.refuse.set(name, value)
          })
          for (const apply of injection.failOnce) if (apply !== "core") tx.failOnce.add(apply)
          coreFailOnce = injection.failOnce.includes("core")
          const expected = model(before, pairs, refuse, new Set(injection.failOnce))

          const logsBefore = s.logs.length
          const reply = await r.call("CONFIG", "SET", ...pairs.flat()).then(String, (e: Error) => e.message)
          const logs = s.logs.slice(logsBefore)
          calls++
          if (reply !== "OK") failures++
          refusedRestores += expected.restoreRefusals.length

          expect(reply).toBe(expected.reply)
          expect(await snapshot()).toEqual(expected.values)
          for (const line of expected.restoreRefusals) expect(logs).toContain(`warning ${line}`)
          expect(logs.filter((l) => l.includes("Failed restoring")).length).toBe(expected.restoreRefusals.length)

          // Each apply's last observation is the values it covers now, except where the log reports
          // a refused restore of one of its configs (after a failed set pass Valkey re-runs no apply)
          // or a refused re-run of the apply itself.
          const values = tx.values
          const refusedRestore = new Set(expected.restoreRefusals.map((line) => APPLY_OF[/Error setting (\S+) to/.exec(line)![1]]))
          const exempt = (apply: string) =>
            refusedRestore.has(apply as TxApply) || logs.some((l) => l.includes("Failed applying restored") && l.includes(`${apply} apply refused`))
          if (!exempt("pair")) expect(tx.observed.pair).toEqual([values.alpha, values.beta])
          if (!exempt("gamma")) expect(tx.observed.gamma).toBe(values.gamma)
          if (!exempt("eps")) expect(tx.observed.eps).toBe(values.eps)
          if (!exempt("txcore")) expect(String(coreObserved)).toBe(expected.values.txcore)
          expect(String(s.server.keyspace.eviction.maxmemory)).toBe(expected.values.maxmemory)
          for (const name of MODULE_CONFIGS) expect(format(name, values[name])).toBe(expected.values[`txconfigs.${name}`])
          // The operator puts back what a refused restore left changed; its apply runs on the way.
          tx.refuse.clear()
          tx.failOnce.clear()
          coreFailOnce = false
          for (const line of expected.restoreRefusals) {
            const name = /Error setting (\S+) to/.exec(line)![1]
            expect(await r.call("CONFIG", "SET", name, before[name])).toBe("OK")
          }
        }
      }),
      { numRuns: 150 }
    )
    console.log(`config transaction property: ${calls} CONFIG SETs, ${failures} failed and rolled back, ${refusedRestores} refused restores reported`)
    expect(failures).toBeGreaterThan(0)
    expect(refusedRestores).toBeGreaterThan(0)
  })
})
