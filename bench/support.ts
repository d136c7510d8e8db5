import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

/** The repository root (bench/ lives directly under it). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")

/** A free TCP port on 127.0.0.1, chosen by the kernel. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })

/** A server under test: its name, port and how to stop it. */
export interface BenchServer {
  readonly name: string
  readonly port: number
  /** CPU seconds (user + system) the server process has used so far; NaN where /proc is missing. */
  cpuSeconds(): number
  stop(): Promise<void>
}

/** utime + stime of a process from /proc (Linux), in seconds (clock ticks of 1/100 s). */
const processCpuSeconds = (pid: number | undefined): number => {
  if (pid === undefined) return NaN
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return NaN
  }
}

const waitForPing = async (port: number, child: ChildProcess, name: string, ms = 30_000): Promise<void> => {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}`)
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ port, host: "127.0.0.1" }, () => socket.write("PING\r\n"))
      socket.once("data", (d) => {
        socket.destroy()
        resolve(d.toString().startsWith("+PONG"))
      })
      socket.once("error", () => resolve(false))
    })
    if (ok) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${name} did not answer PING on port ${port}`)
}

const stopChild = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill("SIGTERM")
    setTimeout(() => child.kill("SIGKILL"), 5000).unref()
  })

const start = async (name: string, command: string, args: Array<string>, port: number): Promise<BenchServer> => {
  const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] })
  await waitForPing(port, child, name)
  return { name, port, cpuSeconds: () => processCpuSeconds(child.pid), stop: () => stopChild(child) }
}

/**
 * A TypeScript entry compiled to one JavaScript file with esbuild (tsx's compiler, a dev
 * dependency): for bench harnesses that wrap keyfiber's sources (bench/blocking-server.ts), and for
 * keyfiber itself with BENCH_KEYFIBER=bundle.
 */
export const bundleKeyfiber = async (entry = "src/main.ts"): Promise<string> => {
  const esbuild = await import("esbuild")
  const outfile = path.join(os.tmpdir(), `keyfiber-bench-${process.pid}-${path.basename(entry, ".ts")}.mjs`)
  await esbuild.build({
    entryPoints: [path.join(ROOT, entry)],
    bundle: true,
    platform: "node",
    // ESM, as keyfiber runs (it reads import.meta.url); `require` for bundled CommonJS dependencies.
    format: "esm",
    banner: { js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);' },
    target: "node22",
    outfile,
    logLevel: "error"
  })
  return outfile
}

/**
 * The node flags `npm start` runs keyfiber with (package.json's `start` script, between `node` and
 * `bin/keyfiber.js`), so the benchmark measures the server as users run it.
 */
export const keyfiberNodeFlags = (): Array<string> => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }
  const match = /^node((?: --[^ ]+)*?) bin\/keyfiber\.js/.exec(pkg.scripts.start)
  return match === null ? [] : match[1].trim().split(" ").filter((flag) => flag !== "")
}

/**
 * How keyfiber runs in the benchmark: `dist` (default: `bin/keyfiber.js` on the compiled server, as
 * `npm start` and `npx keyfiber` run it) or `bundle` (one esbuild file, effect included).
 */
export const keyfiberMode = (): "dist" | "bundle" => (process.env.BENCH_KEYFIBER === "bundle" ? "bundle" : "dist")

/** keyfiber in its own Node process; `extraArgs` are more `--name value` options. */
export const startKeyfiber = async (port?: number, extraArgs: ReadonlyArray<string> = []): Promise<BenchServer> => {
  const p = port ?? (await freePort())
  if (keyfiberMode() === "dist") {
    // No save points (as redis-server here): a save at shutdown would leave dump.rdb in the repo.
    return start("keyfiber", process.execPath, [...keyfiberNodeFlags(), "bin/keyfiber.js", "--port", String(p), "--save", "", ...extraArgs], p)
  }
  const bundle = await bundleKeyfiber()
  const server = await start("keyfiber", process.execPath, [...keyfiberNodeFlags(), bundle, "--port", String(p), "--save", "", ...extraArgs], p)
  return {
    ...server,
    stop: async () => {
      await server.stop()
      fs.rmSync(bundle, { force: true })
    }
  }
}

/** redis-server without persistence (unless `extraArgs` turn some on). */
export const startRedis = async (port?: number, extraArgs: ReadonlyArray<string> = []): Promise<BenchServer> => {
  const p = port ?? (await freePort())
  return start("redis", "redis-server", ["--port", String(p), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1", ...extraArgs], p)
}

/** Runs a program to completion (killed after `timeoutMs`) and returns its stdout. */
export const run = (command: string, args: Array<string>, timeoutMs = 300_000): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"], timeout: timeoutMs })
    let out = ""
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (d: string) => (out += d))
    child.once("error", reject)
    child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited with ${code}`))))
  })

/** `redis-benchmark --csv` output: test name to requests per second. */
export const parseBenchmarkCsv = (csv: string): Map<string, number> => {
  const out = new Map<string, number>()
  for (const line of csv.split("\n")) {
    const fields = line.split(",").map((f) => f.replace(/^"|"$/g, ""))
    if (fields.length < 2 || fields[0] === "test") continue
    const rps = Number(fields[1])
    if (!Number.isNaN(rps)) out.set(fields[0], rps)
  }
  return out
}

export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** One result line of a scenario: a measurement for each server and the ratio keyfiber/redis. */
export interface ResultRow {
  readonly label: string
  readonly keyfiber: number
  readonly redis: number
  /** What the ratio should reach, if the scenario has a bar. */
  readonly bar?: number
  /** A bar where lower is better: the ratio should stay at or below it (times, memory). */
  readonly barMax?: number
  /** An absolute bar on the keyfiber figure (at most this), for rows without a redis equivalent. */
  readonly limit?: number
  /** A goal beyond the bar on the keyfiber figure (at most this), printed next to the bar. */
  readonly goal?: number
}

/** A benchmark scenario: `bench/run.ts` runs the ones named on its command line (all by default). */
export interface Scenario {
  readonly name: string
  readonly description: string
  /** The unit of the rows (`rps` when omitted) and the decimals to print. */
  readonly unit?: string
  readonly digits?: number
  run(): Promise<Array<ResultRow>>
}

export const printTable = (title: string, rows: ReadonlyArray<ResultRow>, unit = "rps", digits = 0): void => {
  const fmt = (n: number) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
  const header = ["test", `keyfiber ${unit}`, `redis ${unit}`, "ratio", "bar"]
  const lines = rows.map((r) => {
    // A row without a redis equivalent has redis NaN: no ratio.
    const ratio = r.redis > 0 ? r.keyfiber / r.redis : NaN
    const bar =
      r.limit !== undefined
        ? `${r.keyfiber <= r.limit ? "ok" : "ABOVE"} (<= ${r.limit})`
        : Number.isNaN(ratio)
          ? ""
          : r.bar !== undefined
            ? `${ratio >= r.bar ? "ok" : "BELOW"} (>= ${r.bar})`
            : r.barMax !== undefined
              ? `${ratio <= r.barMax ? "ok" : "ABOVE"} (<= ${r.barMax})`
              : ""
    const goal = r.goal === undefined ? "" : `, goal ${r.keyfiber <= r.goal ? "met" : "not met"} (<= ${r.goal})`
    return [r.label, fmt(r.keyfiber), Number.isNaN(r.redis) ? "-" : fmt(r.redis), Number.isNaN(ratio) ? "-" : ratio.toFixed(2), bar + goal]
  })
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)))
  const row = (cells: Array<string>) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ")
  console.log(`\n${title}`)
  console.log(row(header))
  console.log(widths.map((w) => "-".repeat(w)).join("  "))
  for (const l of lines) console.log(row(l))
}
