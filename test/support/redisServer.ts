import { type ChildProcess, spawn } from "node:child_process"
import * as net from "node:net"

/** A real `redis-server` (Debian's 7.0.15) for differential tests. */
export interface RedisServer {
  readonly port: number
  readonly version: string
  stop(): Promise<void>
}

export const REDIS_SERVER_PATH = process.env.REDIS_SERVER ?? "/usr/bin/redis-server"

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo
      probe.close(() => resolve(port))
    })
  })

/** Sends PING until the server answers (or `ms` pass). */
const waitForPong = async (port: number, child: ChildProcess, ms: number): Promise<void> => {
  const deadline = Date.now() + ms
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`)
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ port, host: "127.0.0.1" })
      let text = ""
      socket.once("connect", () => socket.write("PING\r\n"))
      socket.on("data", (chunk) => {
        text += chunk.toString("latin1")
        if (text.includes("\r\n")) {
          socket.destroy()
          resolve(text === "+PONG\r\n")
        }
      })
      socket.once("error", () => resolve(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/**
 * Starts `redis-server` on a free port with no persistence, and waits until it answers PING.
 * Retries on another port if the one picked was taken in between.
 */
export const startRedisServer = async (extraArgs: ReadonlyArray<string> = []): Promise<RedisServer> => {
  let lastError: unknown
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const child = spawn(
      REDIS_SERVER_PATH,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning", ...extraArgs],
      { stdio: ["ignore", "pipe", "pipe"] }
    )
    let output = ""
    child.stdout!.on("data", (c) => (output += c))
    child.stderr!.on("data", (c) => (output += c))
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
    try {
      await waitForPong(port, child, 5000)
      const version = await new Promise<string>((resolve) => {
        const v = spawn(REDIS_SERVER_PATH, ["--version"])
        let text = ""
        v.stdout.on("data", (c) => (text += c))
        v.once("exit", () => resolve(/v=(\S+)/.exec(text)?.[1] ?? "unknown"))
      })
      return {
        port,
        version,
        stop: async () => {
          if (child.exitCode === null) {
            child.kill("SIGTERM")
            await exited
          }
        }
      }
    } catch (e) {
      lastError = new Error(`${e instanceof Error ? e.message : String(e)}\n${output}`)
      if (child.exitCode === null) child.kill("SIGKILL")
      await exited
    }
  }
  throw lastError
}
