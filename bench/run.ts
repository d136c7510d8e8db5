/**
 * `npm run bench [-- scenario ...]`: runs benchmark scenarios against keyfiber and redis-server
 * and prints keyfiber/redis ratios. Scenarios live in `bench/scenarios/`; add one to SCENARIOS.
 *
 * Knobs (environment): BENCH_N, BENCH_CLIENTS, BENCH_ROUNDS, BENCH_PIPELINES ("1,16"),
 * BENCH_TESTS ("ping,set,..."), BENCH_KEYFIBER ("dist", the default: bin/keyfiber.js on the compiled
 * server; or "bundle": one esbuild file).
 */
import { blockingInProcess, blockingTcp } from "./blocking.js"
import { modules } from "./modules.js"
import { aof } from "./scenarios/aof.js"
import { persistence } from "./scenarios/persistence.js"
import { startup } from "./scenarios/startup.js"
import { throughput } from "./scenarios/throughput.js"
import { keyfiberMode, printTable, type Scenario } from "./support.js"

const SCENARIOS: ReadonlyArray<Scenario> = [throughput, blockingTcp, blockingInProcess, modules, startup, persistence, aof]

const main = async () => {
  const wanted = process.argv.slice(2)
  const unknown = wanted.filter((name) => !SCENARIOS.some((s) => s.name === name))
  if (unknown.length > 0) {
    console.error(`unknown scenario(s): ${unknown.join(", ")}; known: ${SCENARIOS.map((s) => s.name).join(", ")}`)
    process.exit(2)
  }
  const selected = wanted.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => wanted.includes(s.name))
  console.log("Note: the machine is shared; numbers are medians of interleaved runs and still noisy.")
  console.log(`keyfiber runs as: ${keyfiberMode() === "dist" ? "node bin/keyfiber.js (the compiled server in dist/)" : "an esbuild bundle of src/main.ts under node"}`)
  for (const scenario of selected) {
    console.log(`\n== ${scenario.name}: ${scenario.description}`)
    const rows = await scenario.run()
    printTable(scenario.name, rows, scenario.unit, scenario.digits)
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
