import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { performance } from "node:perf_hooks"
import { freePort, keyfiberNodeFlags, median, type ResultRow, ROOT, type Scenario } from "../support.js"

const KEYS = Number(process.env.BENCH_PERSIST_KEYS ?? 1_000_000)
const SAVES = Number(process.env.BENCH_PERSIST_SAVES ?? 3)
const BATCH = 10_000
/** Where the files go (BENCH_PERSIST_DIR=/dev/shm: no disk, so fsync costs nothing and the CPU work shows). */
const BASE_DIR = process.env.BENCH_PERSIST_DIR ?? os.tmpdir()

interface Server {
  readonly name: "keyfiber" | "redis"
  readonly port: number
  readonly dir: string
  readonly child: ChildProcess
}

const launch = async (name: "keyfiber" | "redis"): Promise<Server> => {
  const port = await freePort()
  const dir = fs.mkdtempSync(path.join(BASE_DIR, `bench-persist-${name}-`))
  const common = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir]
  const child =
    name === "keyfiber"
      ? spawn(process.execPath, [...keyfiberNodeFlags(), "bin/keyfiber.js", ...common], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] })
      : spawn("redis-server", [...common, "--appendonly", "no"], { stdio: ["ignore", "ignore", "inherit"] })
  for (let i = 0; i < 300; i++) {
    try {
      const c = await connect(port)
      const pong = await c.command(["PING"])
      c.socket.destroy()
      if (pong.startsWith("+PONG")) return { name, port, dir, child }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${name} did not start`)
}

const stop = async (server: Server): Promise<void> => {
  if (server.child.exitCode === null) {
    const exited = new Promise((r) => server.child.once("exit", r))
    server.child.kill("SIGKILL")
    await exited
  }
  fs.rmSync(server.dir, { recursive: true, force: true })
}

const resp = (argv: ReadonlyArray<string>): string => {
  let out = `*${argv.length}\r\n`
  for (const a of argv) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`
  return out
}

/** A connection that sends commands and reads whole replies (status, integer, error or one bulk). */
interface Conn {
  readonly socket: net.Socket
  command(argv: ReadonlyArray<string>): Promise<string>
  /** Sends many commands at once and waits for as many simple replies. */
  pipeline(text: string, replies: number): Promise<void>
}

const connect = (port: number): Promise<Conn> =>
  new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1" })
    socket.setNoDelay(true)
    let buffer = ""
    let waiter: (() => void) | null = null
    socket.on("data", (d) => {
      buffer += d.toString("latin1")
      waiter?.()
    })
    socket.once("error", reject)
    const complete = (): number => {
      // Length of the first whole reply in the buffer, 0 if incomplete.
      const eol = buffer.indexOf("\r\n")
      if (eol === -1) return 0
      if (buffer[0] !== "$") return eol + 2
      const n = Number(buffer.slice(1, eol))
      if (n < 0) return eol + 2
      return buffer.length >= eol + 2 + n + 2 ? eol + 2 + n + 2 : 0
    }
    const conn: Conn = {
      socket,
      command: (argv) =>
        new Promise((res) => {
          const check = () => {
            const n = complete()
            if (n === 0) return
            waiter = null
            const reply = buffer.slice(0, n)
            buffer = buffer.slice(n)
            res(reply)
          }
          waiter = check
          socket.write(resp(argv))
        }),
      pipeline: (text, replies) =>
        new Promise((res) => {
          let seen = 0
          let at = 0
          const check = () => {
            for (;;) {
              const eol = buffer.indexOf("\r\n", at)
              if (eol === -1) break
              at = eol + 2
              seen++
            }
            if (seen >= replies) {
              waiter = null
              buffer = buffer.slice(at)
              res()
            }
          }
          waiter = check
          socket.write(text)
        })
    }
    socket.once("connect", () => resolve(conn))
  })

/** KEYS string keys of 16-byte values, plus 1% of them as small hashes, lists and sorted sets. */
const fill = async (conn: Conn): Promise<void> => {
  for (let start = 0; start < KEYS; start += BATCH) {
    let text = ""
    let n = 0
    for (let i = start; i < Math.min(KEYS, start + BATCH); i++) {
      if (i % 100 === 1) text += resp(["HSET", `hash:${i}`, "a", "1", "b", "2", "c", "3"])
      else if (i % 100 === 2) text += resp(["RPUSH", `list:${i}`, "a", "b", "c", "d"])
      else if (i % 100 === 3) text += resp(["ZADD", `zset:${i}`, "1", "a", "2", "b", "3", "c"])
      else text += resp(["SET", `key:${i}`, `value:${String(i).padStart(10, "0")}`])
      n++
    }
    await conn.pipeline(text, n)
  }
}

const infoField = async (conn: Conn, field: string): Promise<string> => {
  const info = await conn.command(["INFO", "persistence"])
  return new RegExp(`${field}:([^\\r]*)`).exec(info)?.[1] ?? ""
}

const rssBytes = (pid: number): number => {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8")
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024
}

const percentile = (values: Array<number>, p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

interface Measured {
  saveMs: number
  bgsaveMs: number
  pingP99Ms: number
  pingP99IdleMs: number
  pings: number
  rssDelta: number
}

/** PING round trips on one connection until `done` resolves. */
const pingLoop = async (conn: Conn, done: { finished: boolean }): Promise<Array<number>> => {
  const out: Array<number> = []
  while (!done.finished) {
    const t = performance.now()
    await conn.command(["PING"])
    out.push(performance.now() - t)
  }
  return out
}

const measure = async (server: Server): Promise<Measured> => {
  const main = await connect(server.port)
  await fill(main)
  const saves: Array<number> = []
  for (let i = 0; i < SAVES; i++) {
    const t = performance.now()
    const reply = await main.command(["SAVE"])
    if (!reply.startsWith("+OK")) throw new Error(`${server.name} SAVE: ${reply}`)
    saves.push(performance.now() - t)
  }
  const pinger = await connect(server.port)
  // Latency without a save, for reference.
  const idle = { finished: false }
  const idleRun = pingLoop(pinger, idle)
  await new Promise((r) => setTimeout(r, 1000))
  idle.finished = true
  const idlePings = await idleRun
  const pid = server.child.pid!
  const rssBefore = rssBytes(pid)
  let rssPeak = rssBefore
  const done = { finished: false }
  const t = performance.now()
  const reply = await main.command(["BGSAVE"])
  if (!reply.startsWith("+Background saving started")) throw new Error(`${server.name} BGSAVE: ${reply}`)
  const pings = pingLoop(pinger, done)
  const poll = await connect(server.port)
  while ((await infoField(poll, "rdb_bgsave_in_progress")) === "1") {
    rssPeak = Math.max(rssPeak, rssBytes(pid))
    await new Promise((r) => setTimeout(r, 20))
  }
  const bgsaveMs = performance.now() - t
  done.finished = true
  const during = await pings
  const status = await infoField(poll, "rdb_last_bgsave_status")
  if (status !== "ok") throw new Error(`${server.name} BGSAVE failed`)
  // redis-server's child copies pages on write; its own report of that is the fair figure.
  const cow = Number(await infoField(poll, "rdb_last_cow_size"))
  for (const c of [main, pinger, poll]) c.socket.destroy()
  return {
    saveMs: median(saves),
    bgsaveMs,
    pingP99Ms: percentile(during, 99),
    pingP99IdleMs: percentile(idlePings, 99),
    pings: during.length,
    rssDelta: server.name === "redis" ? cow : rssPeak - rssBefore
  }
}

export const persistence: Scenario = {
  name: "persistence",
  description: `SAVE and BGSAVE of ${KEYS.toLocaleString("en-US")} keys (99% strings, 1% small hashes/lists/zsets): SAVE time (median of ${SAVES}), BGSAVE time, p99 PING latency from another client during the BGSAVE, and the extra memory (keyfiber: RSS growth during the BGSAVE; redis: the child's copy-on-write, rdb_last_cow_size)`,
  unit: "",
  digits: 1,
  run: async () => {
    const results: Partial<Record<"keyfiber" | "redis", Measured>> = {}
    for (const name of ["redis", "keyfiber"] as const) {
      const server = await launch(name)
      try {
        results[name] = await measure(server)
      } finally {
        await stop(server)
      }
    }
    const k = results.keyfiber!
    const r = results.redis!
    console.log(`  PINGs answered during BGSAVE: keyfiber ${k.pings}, redis ${r.pings}`)
    const rows: Array<ResultRow> = [
      { label: "SAVE ms", keyfiber: k.saveMs, redis: r.saveMs, barMax: 2 },
      { label: "BGSAVE ms", keyfiber: k.bgsaveMs, redis: r.bgsaveMs },
      { label: "PING p99 ms during BGSAVE", keyfiber: k.pingP99Ms, redis: r.pingP99Ms },
      { label: "PING p99 ms idle", keyfiber: k.pingP99IdleMs, redis: r.pingP99IdleMs },
      { label: "BGSAVE extra memory MB", keyfiber: k.rssDelta / 1048576, redis: r.rssDelta / 1048576 }
    ]
    return rows
  }
}
