import { spawn } from "node:child_process"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { describe, expect, it } from "vitest"

const ROOT = path.resolve(import.meta.dirname, "..", "..")
const TSX_DIST = path.join(ROOT, "node_modules", "tsx", "dist")

/** Runs bench/module-reload.ts in a child process with --expose-gc and returns its measurement. */
const measure = (cycles: number): Promise<{ cycles: number; rssPerCycleMB: number; heapPerCycleMB: number }> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--expose-gc",
        "--require",
        path.join(TSX_DIST, "preflight.cjs"),
        "--import",
        pathToFileURL(path.join(TSX_DIST, "loader.mjs")).href,
        path.join(ROOT, "bench", "module-reload.ts"),
        String(cycles)
      ],
      { stdio: ["ignore", "pipe", "pipe"] }
    )
    let out = ""
    child.stdout.on("data", (d) => (out += d))
    child.stderr.on("data", (d) => (out += d))
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000)
    child.on("exit", () => {
      clearTimeout(timer)
      const line = out.split("\n").find((l) => l.startsWith("{"))
      if (line === undefined) reject(new Error(`no measurement: ${out}`))
      else resolve(JSON.parse(line))
    })
  })

describe("MODULE LOAD / UNLOAD cycles", () => {
  // Before modules were imported once per content hash, each cycle grew RSS by about 0.18 MB and
  // every load got slower (tsImport registered one more loader namespace per load). Measured since:
  // about 1.5 KB of heap and no RSS growth per cycle; the bounds leave a wide margin for noise.
  it("do not grow memory per cycle", async () => {
    const m = await measure(200)
    expect(m.cycles).toBe(200)
    expect(m.heapPerCycleMB).toBeLessThan(0.02)
    expect(m.rssPerCycleMB).toBeLessThan(0.05)
  }, 100_000)
})
