#!/usr/bin/env -S node --max-semi-space-size=32
// `npx keyfiber [configfile] [--name value ...]`: runs the compiled server (dist/, built by
// `npm run build`, which `npm install` runs in a clone). Node runs with the flags `npm start` uses.
//
// V8 caps its heap at a size of its own choosing (about 4 GB on 64-bit), not at the machine's RAM,
// and aborts the process when the data outgrows it. Unless node was given --max-old-space-size,
// keyfiber runs in a node whose heap is sized for the machine: three quarters of the RAM, never
// less than V8's own limit. This process replaces itself with that node (same pid, so pidfiles,
// signals and supervisors see one process); where `process.execve` is missing (Windows), the
// server runs in a child. The server's heap guard refuses writes before the limit is reached.
// KEYFIBER_HEAP_SIZED=1 skips this step.
import { spawn } from "node:child_process"
import * as os from "node:os"
import { getHeapStatistics } from "node:v8"

// Node's compile cache (module.enableCompileCache) was measured here: 10% less CPU to start, but
// 2.5 MB more idle RSS, which put an idle server above 100 MB; it stays off.

const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)]
// --version and --help answer at once: no server, so no heap to size.
const informational = ["-v", "--version", "-h", "--help"].includes(process.argv[2] ?? "")
const sized =
  informational || process.env.KEYFIBER_HEAP_SIZED === "1" || flags.some((flag) => /^--max[-_]old[-_]space[-_]size=/.test(flag))
const ramMb = Math.floor((os.totalmem() * 0.75) / (1024 * 1024))
const v8Mb = Math.floor(getHeapStatistics().heap_size_limit / (1024 * 1024))

if (sized || ramMb <= v8Mb) {
  await import("../dist/main.js")
} else {
  const argv = [process.execPath, ...process.execArgv, `--max-old-space-size=${ramMb}`, ...process.argv.slice(1)]
  const env = { ...process.env, KEYFIBER_HEAP_SIZED: "1" }
  if (typeof process.execve === "function") {
    process.execve(process.execPath, argv, env)
  } else {
    const child = spawn(process.execPath, argv.slice(1), { stdio: "inherit", env })
    // The server handles the signals (SIGTERM/SIGINT shut it down); this process waits for its exit.
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal))
    child.on("exit", (code, signal) => {
      if (signal !== null) {
        process.removeAllListeners(signal)
        process.kill(process.pid, signal)
      } else process.exit(code ?? 1)
    })
  }
}
