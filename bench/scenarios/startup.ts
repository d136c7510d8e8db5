import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { freePort, median, type ResultRow, ROOT, type Scenario } from "../support.js"

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 10)
const IDLE_MS = Number(process.env.BENCH_STARTUP_IDLE_MS ?? 2000)
const PINGS = 10
const BIN = path.join(ROOT, "bin", "keyfiber.js")

/**
 * How `npx keyfiber` starts the server: the project's node (process.execPath, node_modules/.bin/node
 * under npm scripts) with the node flags of bin/keyfiber.js's `#!/usr/bin/env -S node ...` line,
 * so the scenario measures whatever bin does (tsx, dist/, a re-exec for the heap size).
 */
const keyfiberCommand = (args: ReadonlyArray<string>): [string, Array<string>] => {
  const shebang = fs.readFileSync(BIN, "utf8").split("\n", 1)[0]
  const flags = /^#!.*\bnode((?:\s+--\S+)*)\s*$/.exec(shebang)?.[1].trim().split(/\s+/).filter((f) => f !== "") ?? []
  return [process.execPath, [...flags, BIN, ...args]]
}

const SERVERS = {
  keyfiber: keyfiberCommand,
  redis: (args: ReadonlyArray<string>): [string, Array<string>] => ["/usr/bin/redis-server", [...args]]
} as const
type ServerName = keyof typeof SERVERS

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Connects and sends PING; resolves true on +PONG, false when nothing listens yet (or it hung up). */
const tryPing = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" }, () => socket.write("PING\r\n"))
    socket.setNoDelay(true)
    // A server that accepts but never answers counts as not ready; the caller's deadline ends it.
    socket.setTimeout(5000, () => socket.destroy())
    let reply = ""
    socket.on("data", (chunk) => {
      reply += chunk.toString("latin1")
      if (reply.includes("\r\n")) {
        socket.destroy()
        resolve(reply.startsWith("+PONG"))
      }
    })
    socket.once("error", () => resolve(false))
    socket.once("close", () => resolve(false))
  })

/** One request/reply on a connection (the reply is one line: PING, or a bulk read to its end). */
const ask = (socket: net.Socket, command: string): Promise<string> =>
  new Promise((resolve, reject) => {
    let reply = ""
    const onData = (chunk: Buffer) => {
      reply += chunk.toString("latin1")
      const bulk = /^\$(\d+)\r\n/.exec(reply)
      if (bulk !== null ? reply.length >= bulk[0].length + Number(bulk[1]) + 2 : reply.endsWith("\r\n")) {
        socket.off("data", onData)
        socket.off("error", reject)
        resolve(reply)
      }
    }
    socket.on("data", onData)
    socket.on("error", reject)
    socket.write(command)
  })

const connect = (port: number): Promise<net.Socket> =>
  new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1" }, () => resolve(socket))
    socket.once("error", reject)
  })

const statusKb = (pid: number, field: string): number => {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8")
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN)
  } catch {
    return NaN
  }
}

/** The process and all its descendants, from /proc/<pid>/task/<tid>/children. */
const processTree = (pid: number): Array<number> => {
  const children = (p: number): Array<number> => {
    try {
      return fs
        .readdirSync(`/proc/${p}/task`)
        .flatMap((tid) => fs.readFileSync(`/proc/${p}/task/${tid}/children`, "utf8").split(" "))
        .filter((s) => s !== "")
        .map(Number)
    } catch {
      return []
    }
  }
  return [pid, ...children(pid).flatMap(processTree)]
}

/** utime + stime of the processes, in ms (clock ticks of 10 ms), from /proc/<pid>/stat. */
const cpuMs = (pids: ReadonlyArray<number>): number =>
  pids.reduce((sum, pid) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
      // Fields after the command name, which is in parentheses and may contain spaces.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      return sum + (Number(fields[11]) + Number(fields[12])) * 10
    } catch {
      return sum
    }
  }, 0)

interface Memory {
  /** The process that serves (INFO's process_id), plus the spawned process when that is another one that stays alive. */
  readonly serverMb: number
  /**
   * The same processes' anonymous memory only (RssAnon: heap, stacks, malloc), without the pages of
   * the node executable and libraries (RssFile), which every node process has (~35 MB for a bare node).
   */
  readonly serverAnonMb: number
  /** Every process of the tree (helpers such as tsx's esbuild service included). */
  readonly treeMb: number
  readonly processes: number
}

const memory = (spawned: number, serving: number): Memory => {
  const tree = processTree(spawned)
  const kb = (pids: ReadonlyArray<number>, field = "VmRSS") => pids.reduce((sum, pid) => sum + statusKb(pid, field), 0)
  const server = serving === spawned ? [spawned] : [serving, spawned]
  return {
    serverMb: kb(server) / 1024,
    serverAnonMb: kb(server, "RssAnon") / 1024,
    treeMb: kb(tree) / 1024,
    processes: tree.length
  }
}

const stop = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const kill = setTimeout(() => child.kill("SIGKILL"), 5000)
    child.once("exit", () => {
      clearTimeout(kill)
      resolve()
    })
    child.kill("SIGTERM")
  })

interface Run {
  readonly firstPongMs: number
  /** CPU the process tree used up to the first PONG: steadier than the time on a shared machine. */
  readonly firstPongCpuMs: number
  readonly idle: Memory
  readonly afterPings: Memory
}

/**
 * Spawns the server, polls connect+PING every millisecond until the first +PONG (the time from
 * just before spawn()), then idles IDLE_MS, reads RSS, sends PINGS PINGs on one connection and
 * reads RSS again.
 */
const startOnce = async (name: ServerName, cwd: string): Promise<Run> => {
  const port = await freePort()
  const [command, args] = SERVERS[name](["--port", String(port), "--save", ""])
  const started = performance.now()
  const child = spawn(command, args, { cwd, stdio: ["ignore", "ignore", "inherit"] })
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode})`)
      if (await tryPing(port)) break
      if (performance.now() - started > 60_000) throw new Error(`${name} did not answer PING on port ${port}`)
      await sleep(1)
    }
    const firstPongMs = performance.now() - started
    const firstPongCpuMs = cpuMs(processTree(child.pid!))
    await sleep(IDLE_MS)
    const socket = await connect(port)
    const info = await ask(socket, "INFO server\r\n")
    const serving = Number(/process_id:(\d+)/.exec(info)?.[1])
    const idle = memory(child.pid!, serving)
    for (let i = 0; i < PINGS; i++) await ask(socket, "PING\r\n")
    const afterPings = memory(child.pid!, serving)
    socket.destroy()
    return { firstPongMs, firstPongCpuMs, idle, afterPings }
  } finally {
    await stop(child)
  }
}

/** Time from spawn() to the process's exit, for `--help` / `--version`. */
const exitMs = async (name: ServerName, flag: string): Promise<number> => {
  const [command, args] = SERVERS[name]([flag])
  const started = performance.now()
  await new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { stdio: "ignore" })
    child.once("error", reject)
    child.once("exit", () => resolve())
  })
  return performance.now() - started
}

const max = (values: ReadonlyArray<number>) => Math.max(...values)

/**
 * Start-up cost as a user meets it: `npx keyfiber --port P --save ''` (bin/keyfiber.js under the
 * project's node) against `redis-server --port P --save ''`, RUNS times each, alternating which
 * starts first, no warm-up (the first run's caches are a user's too).
 */
export const startup: Scenario = {
  name: "startup",
  description: `spawn to first PONG, --help/--version exit, RSS after ${IDLE_MS / 1000} s idle (${RUNS} runs, medians and max)`,
  unit: "",
  digits: 1,
  async run() {
    console.log(`keyfiber: ${keyfiberCommand(["--port", "P", "--save", "''"]).flat().join(" ")} (node ${process.version})`)
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "keyfiber-bench-startup-"))
    const runs: Record<ServerName, Array<Run>> = { keyfiber: [], redis: [] }
    const exits: Record<string, Record<ServerName, Array<number>>> = {
      "--help": { keyfiber: [], redis: [] },
      "--version": { keyfiber: [], redis: [] }
    }
    try {
      for (let i = 0; i < RUNS; i++) {
        const order: Array<ServerName> = i % 2 === 0 ? ["keyfiber", "redis"] : ["redis", "keyfiber"]
        for (const name of order) {
          const r = await startOnce(name, cwd)
          runs[name].push(r)
          console.log(
            `${name} run ${i + 1}: first PONG ${r.firstPongMs.toFixed(1)} ms (CPU ${r.firstPongCpuMs} ms), RSS idle ${r.idle.serverMb.toFixed(1)} MB ` +
              `(${r.idle.processes} process(es), ${r.idle.treeMb.toFixed(1)} MB in all), after ${PINGS} PINGs ${r.afterPings.serverMb.toFixed(1)} MB`
          )
          for (const flag of Object.keys(exits)) exits[flag][name].push(await exitMs(name, flag))
        }
      }
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true })
    }
    const of = (name: ServerName, pick: (r: Run) => number) => runs[name].map(pick)
    const row = (label: string, pick: (r: Run) => number, reduce: (v: ReadonlyArray<number>) => number, bars: Partial<ResultRow> = {}): ResultRow => ({
      label,
      keyfiber: reduce(of("keyfiber", pick)),
      redis: reduce(of("redis", pick)),
      ...bars
    })
    return [
      // The bar: "well under a second" from start to the first PONG.
      row("spawn to first PONG, median (ms)", (r) => r.firstPongMs, median, { limit: 1000 }),
      row("spawn to first PONG, max (ms)", (r) => r.firstPongMs, max, { limit: 1000 }),
      row("CPU used up to the first PONG, median (ms)", (r) => r.firstPongCpuMs, median),
      ...Object.entries(exits).map(([flag, s]) => ({ label: `${flag} exits, median (ms)`, keyfiber: median(s.keyfiber), redis: median(s.redis) })),
      // The bar: idle RSS at most 100 MB, goal 60 MB.
      row(`RSS after ${IDLE_MS / 1000} s idle, server (+ parent), median (MB)`, (r) => r.idle.serverMb, median, { limit: 100, goal: 60 }),
      row(`RSS after ${IDLE_MS / 1000} s idle, server (+ parent), max (MB)`, (r) => r.idle.serverMb, max, { limit: 100, goal: 60 }),
      row(`RSS after ${PINGS} PINGs, server (+ parent), median (MB)`, (r) => r.afterPings.serverMb, median, { limit: 100, goal: 60 }),
      row(`RssAnon after ${IDLE_MS / 1000} s idle, server (+ parent), median (MB)`, (r) => r.idle.serverAnonMb, median),
      row(`RSS idle, every process of the tree, median (MB)`, (r) => r.idle.treeMb, median)
    ]
  }
}
