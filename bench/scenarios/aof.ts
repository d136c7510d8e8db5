import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { median, parseBenchmarkCsv, printTable, type ResultRow, run, type Scenario, startKeyfiber, startRedis } from "../support.js"

const env = (name: string, fallback: number): number => {
  const v = process.env[name]
  return v === undefined || v === "" ? fallback : Number(v)
}

/** The goal from the persistence issue: keyfiber's SET throughput with AOF everysec at least 0.8x redis-server's. */
const BAR = 0.8

/**
 * `redis-benchmark -t set -P 16 -c 50` against keyfiber and redis-server, both with `appendonly yes
 * appendfsync everysec` writing to their own fresh directory (the AOF's write happens before the
 * replies of each event-loop turn, the fsync once a second off the command path). Rounds alternate
 * which server goes first; the table shows medians. Both write the commands form of the base
 * (`aof-use-rdb-preamble no`), so an automatic rewrite costs the same kind of work on each side.
 */
export const aof: Scenario = {
  name: "aof",
  description: "SET -P 16 with appendonly yes, appendfsync everysec",
  async run() {
    const requests = env("BENCH_N", 200_000)
    const clients = env("BENCH_CLIENTS", 50)
    const rounds = env("BENCH_ROUNDS", 3)
    const kfDir = fs.mkdtempSync(path.join(os.tmpdir(), "keyfiber-bench-aof-"))
    const redisDir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-bench-aof-"))
    const aofArgs = ["--appendonly", "yes", "--appendfsync", "everysec", "--aof-use-rdb-preamble", "no"]
    const keyfiber = await startKeyfiber(undefined, [...aofArgs, "--dir", kfDir])
    const redis = await startRedis(undefined, [...aofArgs, "--dir", redisDir])
    const samples = { keyfiber: [] as Array<number>, redis: [] as Array<number> }
    const cpu = { keyfiber: [] as Array<number>, redis: [] as Array<number> }
    const benchmark = (port: number, n: number) =>
      run("redis-benchmark", ["-h", "127.0.0.1", "-p", String(port), "-t", "set", "-n", String(n), "-c", String(clients), "-P", "16", "--csv"])
    try {
      // Warm-up, not recorded.
      await benchmark(keyfiber.port, Math.min(requests, 50_000))
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? [keyfiber, redis] : [redis, keyfiber]
        for (const server of order) {
          const cpuBefore = server.cpuSeconds()
          const rps = parseBenchmarkCsv(await benchmark(server.port, requests)).get("SET") ?? NaN
          samples[server.name as "keyfiber" | "redis"].push(rps)
          cpu[server.name as "keyfiber" | "redis"].push(((server.cpuSeconds() - cpuBefore) * 1e6) / requests)
        }
      }
    } finally {
      await keyfiber.stop()
      await redis.stop()
      fs.rmSync(kfDir, { recursive: true, force: true })
      fs.rmSync(redisDir, { recursive: true, force: true })
    }
    console.log(`SET -P 16 (AOF everysec): keyfiber ${samples.keyfiber.map(Math.round).join("/")} redis ${samples.redis.map(Math.round).join("/")}`)
    printTable(
      "server CPU µs per request with AOF everysec (ratio = keyfiber/redis, lower is better)",
      [{ label: "SET -P 16, AOF everysec", keyfiber: median(cpu.keyfiber), redis: median(cpu.redis) }],
      "µs",
      2
    )
    const row: ResultRow = { label: "SET -P 16, AOF everysec", keyfiber: median(samples.keyfiber), redis: median(samples.redis), bar: BAR }
    return [row]
  }
}
