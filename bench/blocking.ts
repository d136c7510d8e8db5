/**
 * Blocking benchmark (`npx tsx bench/blocking.ts`, or the `blocking` scenario from bench/run.ts).
 *
 * 1. Over TCP, keyfiber and redis-server side by side in one run: 10,000 clients each blocked in
 *    BLPOP, on distinct keys and then all on one key: time to park them all, time to serve them
 *    all after the pushes (one pipelined write of 10,000 LPUSHes; one RPUSH of 10,000 values),
 *    and the server's RSS with everyone parked. One warm-up round each, then medians of
 *    BENCH_BLOCKING_ROUNDS rounds (5), alternating between the servers.
 * 2. In-process: 100,000 blocked clients: heap per blocked client beyond an idle client (bar:
 *    2 KB) and whether every one of them times out, never early.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync, rmSync } from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Effect, Scope, Exit } from "effect"
import { ServerCore } from "../src/layers/ServerCore.js"
import { NULL_ARRAY, type Reply } from "../src/protocol/Reply.js"
import type { Client } from "../src/server/Client.js"
import { waitFor } from "../test/support/waitFor.js"
import { bundleKeyfiber, keyfiberNodeFlags } from "./support.js"
import { cmd } from "../test/support/resp.js"

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const N = Number(process.env.BENCH_BLOCKED ?? 10_000)
const N_INPROC = Number(process.env.BENCH_BLOCKED_INPROC ?? 100_000)
/** Rounds per server; the table shows medians (the machine is shared and noisy). */
const ROUNDS = Number(process.env.BENCH_BLOCKING_ROUNDS ?? 5)

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Same shape as bench/support.ts `ResultRow`. */
export interface BlockingRow {
  readonly label: string
  readonly keyfiber: number
  readonly redis: number
  readonly bar?: number
  readonly barMax?: number
  readonly limit?: number
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once("error", reject)
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo
      s.close(() => resolve(port))
    })
  })

const connect = (port: number): Promise<net.Socket> =>
  new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1" }, () => resolve(socket))
    socket.once("error", reject)
  })

/** One request/reply on a control connection. */
const ask = (socket: net.Socket, request: string): Promise<string> =>
  new Promise((resolve) => {
    let text = ""
    const onData = (d: Buffer) => {
      text += d.toString("latin1")
      if (text.endsWith("\r\n") && (text[0] !== "$" || text.split("\r\n").length >= 3)) {
        socket.off("data", onData)
        resolve(text)
      }
    }
    socket.on("data", onData)
    socket.write(request)
  })

interface Target {
  readonly name: "keyfiber" | "redis"
  readonly port: number
  readonly child: ChildProcess
  blocked(control: net.Socket): Promise<number>
}

const waitReady = async (port: number): Promise<void> => {
  for (let i = 0; i < 300; i++) {
    try {
      const s = await connect(port)
      const r = await ask(s, "PING\r\n")
      s.destroy()
      if (r.startsWith("+PONG")) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`server on ${port} did not start`)
}

/** bench/blocking-server.ts (keyfiber's sources plus the bench's own commands), bundled. */
let bundled: string | undefined
/** Extra node options for keyfiber, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` (BENCH_KEYFIBER_NODE_ARGS). */
const nodeArgs = (): Array<string> => (process.env.BENCH_KEYFIBER_NODE_ARGS ?? "").split(" ").filter((a) => a !== "")
const keyfiberEntry = async (): Promise<Array<string>> => {
  bundled ??= await bundleKeyfiber("bench/blocking-server.ts")
  return [bundled]
}

const startTarget = async (name: "keyfiber" | "redis"): Promise<Target> => {
  const port = await freePort()
  const child =
    name === "keyfiber"
      ? spawn(process.execPath, [...keyfiberNodeFlags(), ...nodeArgs(), ...(await keyfiberEntry()), String(port)], {
          cwd: ROOT,
          stdio: "ignore"
        })
      : spawn("redis-server", ["--port", String(port), "--save", "", "--appendonly", "no", "--maxclients", "50000"], {
          stdio: "ignore"
        })
  await waitReady(port)
  const blocked =
    name === "keyfiber"
      ? async (control: net.Socket) => Number((await ask(control, cmd("benchblocked"))).slice(1))
      : async (control: net.Socket) => {
          const info = await ask(control, cmd("INFO", "clients"))
          return Number(/blocked_clients:(\d+)/.exec(info)?.[1] ?? -1)
        }
  return { name, port, child, blocked }
}

const rssMb = (pid: number): number => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024
}

/** utime + stime of a process in ms (clock ticks of 10 ms), from /proc. */
const cpuMs = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return (Number(fields[11]) + Number(fields[12])) * 10
}

interface TcpFigures {
  /** Server CPU ms (user + system) for the park and serve phases of all rounds, distinct keys and one key. */
  cpuParkMs: number
  cpuServeMs: number
  parkDistinctMs: number
  serveDistinctMs: number
  parkOneKeyMs: number
  serveOneKeyMs: number
  rssIdleMb: number
  rssParkedMb: number
}

/** Parks N clients in BLPOP (keys from `keyOf`), then pushes and waits for every reply. */
const parkAndServe = async (
  target: Target,
  sockets: Array<net.Socket>,
  control: net.Socket,
  keyOf: (i: number) => string,
  push: () => string,
  onParked: () => void
): Promise<{ park: number; serve: number; cpuPark: number; cpuServe: number }> => {
  const expected = sockets.map((_, i) => cmd(keyOf(i), "v").length)
  const received = new Array<number>(sockets.length).fill(0)
  let done = 0
  const handlers = sockets.map((s, i) => {
    const h = (d: Buffer) => {
      const before = received[i]
      received[i] += d.length
      if (before < expected[i] && received[i] >= expected[i]) done++
    }
    s.on("data", h)
    return h
  })
  const pid = target.child.pid!
  const c0 = cpuMs(pid)
  const t0 = performance.now()
  for (let i = 0; i < sockets.length; i++) sockets[i].write(cmd("BLPOP", keyOf(i), "0"))
  // Polled every 5 ms: the poll is part of the park and serve times, the same for both servers.
  await waitFor("every client to block", async () => (await target.blocked(control)) === sockets.length, 120_000, 5)
  const park = performance.now() - t0
  const c1 = cpuMs(pid)
  onParked()
  const t1 = performance.now()
  control.write(push())
  await waitFor("every client to be served", () => done === sockets.length, 120_000, 5)
  const serve = performance.now() - t1
  const c2 = cpuMs(pid)
  sockets.forEach((s, i) => s.off("data", handlers[i]))
  await ask(control, cmd("PING"))
  // The CPU figures include the polls of the blocked-client count (the same for both servers).
  return { park, serve, cpuPark: c1 - c0, cpuServe: c2 - c1 }
}

/** One server's figures across rounds. */
interface TcpRounds {
  readonly target: Target
  readonly rssIdleMb: number
  rssParkedMb: number
  cpuPark: number
  cpuServe: number
  readonly parkDistinct: Array<number>
  readonly serveDistinct: Array<number>
  readonly parkOne: Array<number>
  readonly serveOne: Array<number>
}

/**
 * One round on one server: N fresh connections, a distinct-keys park/serve (one pipelined write of
 * N LPUSHes) and a one-key park/serve (one RPUSH of N values, served FIFO), then the connections
 * close. `record` false: a warm-up round (JIT, heap sizing), not counted.
 */
const tcpRound = async (r: TcpRounds, round: number, record: boolean): Promise<void> => {
  const { target } = r
  const control = await connect(target.port)
  const sockets: Array<net.Socket> = []
  for (let i = 0; i < N; i++) {
    const s = await connect(target.port)
    s.setNoDelay(true)
    sockets.push(s)
  }
  // A connect completes in the kernel before the server has accepted it: wait until the server has
  // every connection, so the park timing does not include accepting them.
  await waitFor("the server to accept every connection", async () => {
    const info = await ask(control, cmd("INFO", "clients"))
    return Number(/connected_clients:(\d+)/.exec(info)?.[1] ?? 0) >= N + 1
  }, 120_000, 5)
  try {
    const distinct = await parkAndServe(
      target,
      sockets,
      control,
      (i) => `k:${round}:${i}`,
      () => Array.from({ length: N }, (_, i) => cmd("LPUSH", `k:${round}:${i}`, "v")).join(""),
      () => {
        if (record) r.rssParkedMb = Math.max(r.rssParkedMb, rssMb(target.child.pid!))
      }
    )
    const oneKey = await parkAndServe(
      target,
      sockets,
      control,
      () => `one:${round}`,
      () => cmd("RPUSH", `one:${round}`, ...Array.from({ length: N }, () => "v")),
      () => {}
    )
    if (!record) return
    r.cpuPark += distinct.cpuPark + oneKey.cpuPark
    r.cpuServe += distinct.cpuServe + oneKey.cpuServe
    r.parkDistinct.push(distinct.park)
    r.serveDistinct.push(distinct.serve)
    r.parkOne.push(oneKey.park)
    r.serveOne.push(oneKey.serve)
  } finally {
    for (const s of sockets) s.destroy()
    control.destroy()
    // Let both ends finish closing before the next round's connections.
    await new Promise((resolve) => setTimeout(resolve, 300))
  }
}

const figuresOf = (r: TcpRounds): TcpFigures => ({
  cpuParkMs: r.cpuPark / ROUNDS,
  cpuServeMs: r.cpuServe / ROUNDS,
  parkDistinctMs: median(r.parkDistinct),
  serveDistinctMs: median(r.serveDistinct),
  parkOneKeyMs: median(r.parkOne),
  serveOneKeyMs: median(r.serveOne),
  rssIdleMb: r.rssIdleMb,
  rssParkedMb: r.rssParkedMb
})

const stopTarget = async (target: Target): Promise<void> => {
  // SIGINT lets node write a `--cpu-prof` profile (BENCH_KEYFIBER_NODE_ARGS); SIGKILL if it lingers.
  const exited = new Promise((resolve) => target.child.once("exit", resolve))
  target.child.kill("SIGINT")
  const timer = setTimeout(() => target.child.kill("SIGKILL"), 5000)
  await exited
  clearTimeout(timer)
}

/**
 * Both servers side by side: one warm-up round each, then ROUNDS rounds alternating which server
 * goes first, so load from elsewhere on the machine falls on both alike.
 */
const runTcp = async (): Promise<{ keyfiber: TcpFigures; redis: TcpFigures }> => {
  const targets: Array<Target> = []
  try {
    targets.push(await startTarget("keyfiber"), await startTarget("redis"))
    await new Promise((resolve) => setTimeout(resolve, 300))
    const rounds = targets.map(
      (target): TcpRounds => ({
        target,
        rssIdleMb: rssMb(target.child.pid!),
        rssParkedMb: 0,
        cpuPark: 0,
        cpuServe: 0,
        parkDistinct: [],
        serveDistinct: [],
        parkOne: [],
        serveOne: []
      })
    )
    for (const r of rounds) await tcpRound(r, 0, false)
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? rounds : [...rounds].reverse()
      for (const r of order) await tcpRound(r, round, true)
    }
    return { keyfiber: figuresOf(rounds[0]), redis: figuresOf(rounds[1]) }
  } finally {
    for (const target of targets) await stopTarget(target)
  }
}

interface InProcessFigures {
  readonly clients: number
  readonly bytesPerBlockedClient: number
  readonly timedOut: number
  readonly early: number
  readonly maxLateMs: number
  readonly p50LateMs: number
  readonly p99LateMs: number
  /** The longest the event loop was stalled (GC, CPU contention) while timeouts were due. */
  readonly maxStallMs: number
}

/**
 * 100,000 in-process clients blocked in BLPOP on distinct keys with 5-6 s timeouts on the real clock
 * (the first deadline comes after the measuring is done, so lateness is the engine's own).
 */
export const runInProcess = async (n = N_INPROC): Promise<InProcessFigures> => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error("run with node --expose-gc")
  const scope = Effect.runSync(Scope.make())
  const server = await Effect.runPromise(Scope.provide(ServerCore.make(), scope))
  try {
    const clients: Array<Client> = []
    for (let i = 0; i < n; i++) clients.push(server.createClient(null, `inproc:${i}`, "inproc"))
    const argvs = clients.map((_, i) => ["BLPOP", `key:${i}`, (5 + (i % 1000) / 1000).toFixed(3)])
    gc()
    gc()
    const idle = process.memoryUsage().heapUsed
    const deadlines = new Array<number>(n)
    for (let i = 0; i < n; i++) {
      server.dispatcher.processCommand(clients[i], argvs[i])
      deadlines[i] = clients[i].blocked!.deadline
    }
    gc()
    gc()
    const blocked = process.memoryUsage().heapUsed
    if (server.blockedClients !== n) throw new Error(`expected ${n} blocked, got ${server.blockedClients}`)
    // Record when each reply lands: one patch of the method the engine answers through.
    const answeredAt = new Map<Client, number>()
    const proto = Object.getPrototypeOf(clients[0]) as Client
    const original = proto.reply
    proto.reply = function (this: Client, reply: Reply) {
      answeredAt.set(this, server.now())
      return original.call(this, reply)
    }
    const replies = clients.map((c) => c.replies!)
    const setupDone = server.now()
    let maxStall = 0
    let tick = performance.now()
    const monitor = setInterval(() => {
      const t = performance.now()
      maxStall = Math.max(maxStall, t - tick)
      tick = t
    }, 1)
    await waitFor("every client to time out", () => server.blockedClients === 0, 60_000, 5)
    clearInterval(monitor)
    proto.reply = original
    let timedOut = 0
    let early = 0
    let maxLate = 0
    const late: Array<number> = []
    for (let i = 0; i < n; i++) {
      if (replies[i].length === 1 && replies[i][0] === NULL_ARRAY) timedOut++
      const at = answeredAt.get(clients[i]) ?? Infinity
      if (at < deadlines[i]) early++
      maxLate = Math.max(maxLate, at - deadlines[i])
      late.push(at - deadlines[i])
    }
    if (setupDone > Math.min(...deadlines)) console.log("warning: setup ran past the first deadline")
    return { clients: n, bytesPerBlockedClient: (blocked - idle) / n, timedOut, early, maxLateMs: maxLate,
      p50LateMs: late.sort((a, b) => a - b)[Math.floor(late.length * 0.5)],
      p99LateMs: late[Math.floor(late.length * 0.99)], maxStallMs: Math.round(maxStall) }
  } finally {
    await Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

/** `runInProcess`, in a child Node with `--expose-gc` when this one was started without it. */
const inProcessFigures = async (): Promise<InProcessFigures> => {
  if ((globalThis as { gc?: unknown }).gc !== undefined) return runInProcess()
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", "bench/blocking.ts", "--in-process"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"]
  })
  let out = ""
  child.stdout!.setEncoding("utf8")
  child.stdout!.on("data", (d: string) => (out += d))
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve))
  if (code !== 0) throw new Error(`in-process blocking bench exited with ${code}`)
  return JSON.parse(out.trim().split("\n").pop()!) as InProcessFigures
}

/** keyfiber/redis bar for the TCP park and serve times (lower is better). */
const TIME_BAR = 1.2

/** Scenario for bench/run.ts: 10,000 BLPOP clients over TCP, keyfiber and redis-server side by side. */
export const blockingTcp = {
  name: "blocking",
  description: `${N} clients in BLPOP over TCP (distinct keys, one key), park/serve ms and RSS, vs redis-server`,
  unit: "",
  digits: 1,
  async run(): Promise<Array<BlockingRow>> {
    let figures: { keyfiber: TcpFigures; redis: TcpFigures }
    try {
      figures = await runTcp()
    } finally {
      if (bundled !== undefined) rmSync(bundled, { force: true })
      bundled = undefined
    }
    const { keyfiber: k, redis: r } = figures
    return [
      { label: `park ${N} BLPOP, distinct keys (ms)`, keyfiber: k.parkDistinctMs, redis: r.parkDistinctMs, barMax: TIME_BAR },
      { label: `serve ${N} after ${N} LPUSH (ms)`, keyfiber: k.serveDistinctMs, redis: r.serveDistinctMs, barMax: TIME_BAR },
      { label: `park ${N} BLPOP, one key (ms)`, keyfiber: k.parkOneKeyMs, redis: r.parkOneKeyMs, barMax: TIME_BAR },
      { label: `serve ${N} after one RPUSH (ms)`, keyfiber: k.serveOneKeyMs, redis: r.serveOneKeyMs, barMax: TIME_BAR },
      { label: `server CPU per round to park 2x${N} (ms)`, keyfiber: k.cpuParkMs, redis: r.cpuParkMs },
      { label: `server CPU per round to serve 2x${N} (ms)`, keyfiber: k.cpuServeMs, redis: r.cpuServeMs },
      { label: "RSS idle (MB)", keyfiber: k.rssIdleMb, redis: r.rssIdleMb },
      { label: `RSS with ${N} parked (MB)`, keyfiber: k.rssParkedMb, redis: r.rssParkedMb }
    ]
  }
}

/** Scenario for bench/run.ts: 100,000 in-process blocked clients (no redis equivalent). */
export const blockingInProcess = {
  name: "blocking-inprocess",
  description: `${N_INPROC} in-process clients blocked in BLPOP with 5-6 s timeouts: heap per client, timeout accuracy`,
  unit: "",
  digits: 0,
  async run(): Promise<Array<BlockingRow>> {
    const p = await inProcessFigures()
    return [
      { label: "heap per blocked client beyond idle (B)", keyfiber: p.bytesPerBlockedClient, redis: NaN, limit: 2048 },
      { label: `timed out (of ${p.clients})`, keyfiber: p.timedOut, redis: NaN },
      { label: "answered before the deadline", keyfiber: p.early, redis: NaN, limit: 0 },
      { label: "timeout lateness p50 (ms)", keyfiber: p.p50LateMs, redis: NaN },
      { label: "timeout lateness p99 (ms)", keyfiber: p.p99LateMs, redis: NaN },
      { label: "timeout lateness max (ms)", keyfiber: p.maxLateMs, redis: NaN },
      { label: "longest event-loop stall meanwhile (ms)", keyfiber: p.maxStallMs, redis: NaN }
    ]
  }
}

const print = (rows: ReadonlyArray<BlockingRow>) => {
  const fmt = (n: number) => n.toFixed(1)
  console.log(["test".padEnd(40), "keyfiber".padStart(10), "redis".padStart(10), "ratio".padStart(7)].join("  "))
  for (const r of rows) {
    const ratio = Number.isNaN(r.redis) ? "-" : (r.keyfiber / r.redis).toFixed(2)
    console.log([r.label.padEnd(40), fmt(r.keyfiber).padStart(10), fmt(r.redis).padStart(10), ratio.padStart(7)].join("  "))
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href && process.argv.includes("--in-process")) {
  runInProcess().then((p) => {
    console.log(JSON.stringify(p))
    process.exit(0)
  })
} else if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  blockingTcp
    .run()
    .then(async (rows) => print([...rows, ...(await blockingInProcess.run())]))
    .then(() => {
      process.exit(0)
    })
    .catch((e) => {
      console.error(e)
      process.exit(1)
    })
}
