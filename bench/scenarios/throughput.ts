import {
  median,
  parseBenchmarkCsv,
  printTable,
  type ResultRow,
  run,
  type Scenario,
  startKeyfiber,
  startRedis
} from "../support.js"

const TESTS = ["ping", "set", "get", "lpush", "rpush", "lpop", "rpop"]
/** The bars from the task: keyfiber/redis at -P 1 and -P 16 for these tests. */
const BARS: Record<number, number> = { 1: 0.9, 16: 0.7 }
const BARRED = new Set(["SET", "GET", "LPUSH", "LPOP"])

const env = (name: string, fallback: number): number => {
  const v = process.env[name]
  return v === undefined || v === "" ? fallback : Number(v)
}

/**
 * `redis-benchmark -t ping,set,get,lpush,rpush,lpop,rpop -n 200000 -c 50 --csv` against keyfiber
 * and redis-server, at `-P 1` and `-P 16`. Each test runs on the two servers one after the other
 * (alternating which goes first) for BENCH_ROUNDS rounds; the table shows medians, because the
 * machine is shared and single runs are noisy. A second table shows the server's CPU time per
 * request (from /proc), which other load on the machine disturbs much less than throughput.
 */
export const throughput: Scenario = {
  name: "throughput",
  description: "redis-benchmark PING/SET/GET/LPUSH/RPUSH/LPOP/RPOP at -P 1 and -P 16",
  async run() {
    const requests = env("BENCH_N", 200_000)
    const clients = env("BENCH_CLIENTS", 50)
    const rounds = env("BENCH_ROUNDS", 3)
    const pipelines = (process.env.BENCH_PIPELINES ?? "1,16").split(",").map(Number)
    const tests = (process.env.BENCH_TESTS ?? TESTS.join(",")).split(",")
    const keyfiber = await startKeyfiber()
    const redis = await startRedis()
    const rows: Array<ResultRow> = []
    const cpuRows: Array<ResultRow> = []
    try {
      for (const pipeline of pipelines) {
        for (const test of tests) {
          const samples = new Map<string, { keyfiber: Array<number>; redis: Array<number> }>()
          const cpu = { keyfiber: [] as Array<number>, redis: [] as Array<number> }
          // Warm-up, not recorded: lets V8 compile keyfiber's hot path before it is measured.
          await run("redis-benchmark", [
            "-h", "127.0.0.1", "-p", String(keyfiber.port), "-t", test, "-n", String(Math.min(requests, 50_000)),
            "-c", String(clients), "-P", String(pipeline), "--csv"
          ])
          for (let round = 0; round < rounds; round++) {
            const order = round % 2 === 0 ? [keyfiber, redis] : [redis, keyfiber]
            for (const server of order) {
              const cpuBefore = server.cpuSeconds()
              const csv = await run("redis-benchmark", [
                "-h", "127.0.0.1", "-p", String(server.port), "-t", test, "-n", String(requests),
                "-c", String(clients), "-P", String(pipeline), "--csv"
              ])
              const results = parseBenchmarkCsv(csv)
              // CPU microseconds per request over this run (all its tests: PING runs two).
              cpu[server.name as "keyfiber" | "redis"].push(((server.cpuSeconds() - cpuBefore) * 1e6) / (requests * results.size))
              for (const [name, rps] of results) {
                const entry = samples.get(name) ?? { keyfiber: [], redis: [] }
                entry[server.name as "keyfiber" | "redis"].push(rps)
                samples.set(name, entry)
              }
            }
          }
          cpuRows.push({ label: `${test.toUpperCase()} -P ${pipeline}`, keyfiber: median(cpu.keyfiber), redis: median(cpu.redis) })
          for (const [name, s] of samples) {
            const row: ResultRow = {
              label: `${name} -P ${pipeline}`,
              keyfiber: median(s.keyfiber),
              redis: median(s.redis),
              bar: BARRED.has(name) ? BARS[pipeline] : undefined
            }
            rows.push(row)
            console.log(
              `${row.label}: keyfiber ${s.keyfiber.map(Math.round).join("/")} redis ${s.redis.map(Math.round).join("/")}`
            )
          }
        }
      }
    } finally {
      await keyfiber.stop()
      await redis.stop()
    }
    printTable("server CPU µs per request (ratio = keyfiber/redis, lower is better)", cpuRows, "µs", 2)
    return rows
  }
}
