import { type ChildProcess, spawn } from "node:child_process"
import * as path from "node:path"

const ROOT = path.resolve(import.meta.dirname, "..", "..")
// The command users run: the compiled server (`npm test` builds it first). It keeps its pid when
// it re-executes node with a sized heap, so a SIGKILL of the child reaches the server.
export const KEYFIBER_BIN = path.join(ROOT, "bin", "keyfiber.js")

/** A keyfiber server in its own process: a crash shows as an exit. */
export interface ServerProcess {
  readonly child: ChildProcess
  readonly port: number
  /** Everything it wrote to stdout and stderr so far. */
  output(): string
  /** Whether the process is still running. */
  alive(): boolean
  /** Resolves once the process has exited (at once if it has). */
  exited(): Promise<void>
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>
}

/**
 * Starts `keyfiber args...` (a config file, `--name value` options; give `--port 0` or a `port 0`
 * line for a free port) in a child process and waits for its `Ready to accept connections` line.
 * `nodeArgs` replaces the default node flags (a test of a small heap gives `--max-old-space-size`).
 */
export const startServerProcess = async (
  args: ReadonlyArray<string>,
  options: { readonly cwd?: string; readonly readyMs?: number; readonly nodeArgs?: ReadonlyArray<string> } = {}
): Promise<ServerProcess> => {
  const nodeArgs = options.nodeArgs ?? ["--max-semi-space-size=32"]
  const child = spawn(process.execPath, [...nodeArgs, KEYFIBER_BIN, ...args], { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] })
  let out = ""
  child.stdout!.on("data", (d) => (out += d))
  child.stderr!.on("data", (d) => (out += d))
  const exit = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  const alive = () => child.exitCode === null && child.signalCode === null
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`keyfiber ${args.join(" ")}: no ready line within ${options.readyMs ?? 60_000} ms; output: ${out}`))
    }, options.readyMs ?? 60_000)
    const check = () => {
      const m = /Ready to accept connections tcp on [^ ]+:(\d+)/.exec(out)
      if (m === null) return
      clearTimeout(timer)
      child.stdout!.off("data", check)
      resolve(Number(m[1]))
    }
    child.stdout!.on("data", check)
    void exit.then(() => {
      clearTimeout(timer)
      reject(new Error(`keyfiber ${args.join(" ")} exited before it was ready; output: ${out}`))
    })
  })
  return {
    child,
    port,
    output: () => out,
    alive,
    exited: () => exit,
    kill: async () => {
      if (alive()) child.kill("SIGKILL")
      await exit
    }
  }
}
