import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { configFromCommandLine } from "../src/layers/StartupConfig.js"
import { KEYFIBER_BIN } from "./support/childServer.js"
import { RawClient } from "./support/raw.js"
import { cmd } from "./support/resp.js"


const children = new Set<ChildProcess>()
const keyfiber = (args: ReadonlyArray<string>, stdio: Array<"pipe" | "ignore">): ChildProcess => {
  const child = spawn(process.execPath, [KEYFIBER_BIN, ...args], { cwd: dir, stdio })
  children.add(child)
  child.on("exit", () => children.delete(child))
  return child
}

let dir: string
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyfiber-startup-"))
})
afterAll(() => {
  for (const child of children) child.kill("SIGKILL")
  fs.rmSync(dir, { recursive: true, force: true })
})

interface Exit {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `keyfiber args...` to completion (with a bounded wait). */
const run = (args: ReadonlyArray<string>, input?: string): Promise<Exit> =>
  new Promise((resolve, reject) => {
    const child = keyfiber(args, ["pipe", "pipe", "pipe"])
    let stdout = ""
    let stderr = ""
    child.stdout!.on("data", (d) => (stdout += d))
    child.stderr!.on("data", (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`keyfiber ${args.join(" ")} did not exit; stdout: ${stdout} stderr: ${stderr}`))
    }, 60_000)
    child.on("exit", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    child.stdin!.end(input ?? "")
  })

const write = (name: string, text: string): string => {
  const file = path.join(dir, name)
  fs.writeFileSync(file, text)
  return file
}

const fatal = (line: number, text: string, reason: string) =>
  `\n*** FATAL CONFIG FILE ERROR (Version 8.1.0) ***\nReading the configuration file, at line ${line}\n>>> '${text}'\n${reason}\n`

describe("startup: fatal config errors", () => {
  const cases: Array<[string, ReadonlyArray<string>, string]> = [
    ["# c\n\n   port abc  \n", [], fatal(3, "port abc", "argument couldn't be parsed into an integer")],
    ['port "6379\n', [], fatal(1, 'port "6379', "Unbalanced quotes in configuration line")],
    ["port 6379 # x\n", [], fatal(1, "port 6379 # x", "wrong number of arguments")],
    ["foo bar\n", [], fatal(1, "foo bar", "Bad directive or wrong number of arguments")],
    ["lua-replicate-commands yes no\n", [], fatal(1, "lua-replicate-commands yes no", "Bad directive or wrong number of arguments")],
    ["appendonly maybe\n", [], fatal(1, "appendonly maybe", "argument must be 'yes' or 'no'")],
    ["rename-command nosuch x\n", [], fatal(1, "rename-command nosuch x", "No such command in rename-command")],
    ["rename-command get set\n", [], fatal(1, "rename-command get set", "Target command name already exists")],
    ["mod.string\n", [], fatal(1, "mod.string", "Module config specified without value")],
    ["sentinel monitor m 1 2 3\n", [], fatal(1, "sentinel monitor m 1 2 3", "sentinel directive while not in sentinel mode")],
    ['save "1 2 3"\n', [], fatal(1, 'save "1 2 3"', "Invalid save parameters")],
    ["port 7000\n", ["--maxmemory", "lots"], fatal(3, 'maxmemory "lots"', "argument must be a memory value")]
  ]

  it("the loader reports each error with its line (in-process)", async () => {
    for (const [i, [text, args, report]] of cases.entries()) {
      const error = await Effect.runPromise(Effect.flip(configFromCommandLine([write(`bad${i}.conf`, text), ...args])))
      expect(error._tag).toBe("ConfigFileError")
      if (error._tag === "ConfigFileError") expect(error.report).toBe(report)
    }
  })

  it("the process prints Valkey's FATAL CONFIG FILE ERROR block to stderr and exits with 1", async () => {
    const picked = [cases[0], cases[cases.length - 1]]
    for (const [i, [text, args, report]] of picked.entries()) {
      const result = await run([write(`fatal${i}.conf`, text), ...args])
      expect(result.stderr).toBe(report)
      expect(result.code).toBe(1)
    }
  }, 120_000)

  it("exits with 1 when the config file or a non-glob include cannot be opened", async () => {
    const missing = path.join(dir, "missing.conf")
    const inc = write("inc.conf", `include ${path.join(dir, "nope.conf")}\n`)
    const a = await run([missing])
    const b = await run([inc])
    expect(a.code).toBe(1)
    expect(a.stdout).toContain(`# Fatal error, can't open config file '${missing}': No such file or directory`)
    expect(b.code).toBe(1)
    expect(b.stdout).toContain(`# Fatal error, can't open config file '${path.join(dir, "nope.conf")}': No such file or directory`)
  }, 120_000)
})

/** Starts `keyfiber args...` and waits for its listening port. */
const startProcess = async (args: ReadonlyArray<string>): Promise<{ child: ChildProcess; port: number; output: () => string }> => {
  const child = keyfiber(args, ["ignore", "pipe", "pipe"])
  let out = ""
  child.stdout!.on("data", (d) => (out += d))
  child.stderr!.on("data", (d) => (out += d))
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line; output: ${out}`)), 60_000)
    const check = () => {
      const m = /Ready to accept connections tcp on [^ ]+:(\d+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(Number(m[1]))
      }
    }
    child.stdout!.on("data", check)
    child.on("exit", () => reject(new Error(`exited early; output: ${out}`)))
  })
  return { child, port, output: () => out }
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.on("exit", () => resolve())))


describe("startup: a good config", () => {
  it("starts from a file with include globs and command-line options", async () => {
    fs.mkdirSync(path.join(dir, "conf.d"), { recursive: true })
    write("conf.d/a.conf", "maxmemory 3mb\n")
    write("conf.d/b.conf", "maxmemory-policy allkeys-lru\n")
    const file = write("good.conf", `port 0\ninclude ${path.join(dir, "conf.d", "*.conf")}\ninclude ${path.join(dir, "none", "*.conf")}\n`)
    const { child, port } = await startProcess([file, "--save", "--hz", "20", "--bind", "127.0.0.1"])
    const c = await RawClient.connect(port)
    const reply = await c.request(
      cmd("CONFIG", "GET", "maxmemory", "maxmemory-policy", "save", "hz"),
      "*8\r\n$9\r\nmaxmemory\r\n$7\r\n3145728\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n$4\r\nsave\r\n$0\r\n\r\n$2\r\nhz\r\n$2\r\n20\r\n"
    )
    expect(reply).toBe(
      "*8\r\n$9\r\nmaxmemory\r\n$7\r\n3145728\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n$4\r\nsave\r\n$0\r\n\r\n$2\r\nhz\r\n$2\r\n20\r\n"
    )
    c.close()
    child.kill("SIGKILL")
    await exited(child)
  }, 120_000)
})

describe("crash safety", () => {
  it("a SIGKILL during repeated CONFIG REWRITEs leaves the old or the new file, always parsable", async () => {
    const padding = Array.from({ length: 2000 }, (_, i) => `# padding comment line ${i} ${"x".repeat(40)}`).join("\n")
    const original = `${padding}\nmaxmemory 1mb\nport 0\nbind 127.0.0.1\n`
    const file = write("crash.conf", original)
    const normalize = (text: string) => text.replace(/^maxmemory .*$/m, "maxmemory N")
    const shapes = new Set<string>([normalize(original)])
    for (let round = 0; round < 3; round++) {
      const { child, port } = await startProcess([file])
      const c = await RawClient.connect(port)
      let pipeline = ""
      for (let i = 0; i < 400; i++) pipeline += cmd("CONFIG", "SET", "maxmemory", `${(i % 7) + 1}mb`) + cmd("CONFIG", "REWRITE")
      c.write(pipeline)
      // Kill once some rewrites have completed, while others are still being written.
      await c.until((t) => t.split("+OK").length > 40 + round * 150, 60_000)
      child.kill("SIGKILL")
      await exited(child)
      expect(child.signalCode).toBe("SIGKILL")
      await c.until(() => false, 10_000).catch(() => "")
      expect(c.closed).toBe(true)
      c.close()
      const text = fs.readFileSync(file, "latin1")
      // Every complete file: the original, or a rewrite of it (same text except the maxmemory value).
      if (shapes.size === 1) shapes.add(normalize(text))
      expect(shapes.has(normalize(text))).toBe(true)
      expect(text.endsWith("user default on nopass sanitize-payload ~* &* +@all\n") || text === original).toBe(true)
      for (const leftover of fs.readdirSync(dir).filter((f) => f.startsWith("crash.conf."))) fs.rmSync(path.join(dir, leftover))
    }
    // The last file still starts a server.
    const { child, port } = await startProcess([file])
    const c = await RawClient.connect(port)
    expect(await c.request(cmd("PING"), "+PONG\r\n")).toBe("+PONG\r\n")
    c.close()
    child.kill("SIGKILL")
    await exited(child)
  }, 240_000)
})
