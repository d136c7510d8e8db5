// The package as users get it: `npm pack`, installed into a scratch project next to `effect` from
// the registry, then used there with plain node, the README's Effect example, a strict `tsc`, the
// CLI and a module file that imports `keyfiber/module`. Nothing here reads keyfiber's sources.
import { execFile, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RawClient } from "./support/raw.js"

const exec = promisify(execFile)
const ROOT = path.resolve(import.meta.dirname, "..")
const NPM = process.platform === "win32" ? "npm.cmd" : "npm"
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  version: string
  peerDependencies: Record<string, string>
  devDependencies: Record<string, string>
}

let dir: string
let tarball: string

/** Runs `node args...` in the scratch project with the node running the tests (the project's). */
const node = (args: ReadonlyArray<string>) => exec(process.execPath, [...args], { cwd: dir, timeout: 60_000 })

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyfiber-package-"))
  // dist/ is current (`npm test` builds first); without --ignore-scripts, prepack would empty and
  // rebuild it under the feet of the tests running meanwhile.
  const packed = await exec(NPM, ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], { cwd: ROOT, timeout: 120_000 })
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>
  tarball = path.join(dir, info!.filename)
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }))
  // The user's own effect, from the registry, at the newest version the peer range allows.
  await exec(
    NPM,
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      tarball,
      `effect@${pkg.peerDependencies.effect}`,
      `@effect/platform-node@${pkg.peerDependencies["@effect/platform-node"]}`,
      `typescript@${pkg.devDependencies.typescript}`,
      `@types/node@${pkg.devDependencies["@types/node"]}`
    ],
    { cwd: dir, timeout: 240_000 }
  )
}, 300_000)

afterAll(() => {
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true })
})

// Each step spawns node, npm or tsc in a scratch project: slow on a loaded machine, not a hang.
describe("the packed package", { timeout: 120_000 }, () => {
  it("ships compiled code, declarations, the CLI and docs; no sources, tests or benches", async () => {
    const listed = await exec("tar", ["-tzf", tarball])
    const files = listed.stdout.split("\n").filter((f) => f !== "")
    expect(files).toContain("package/dist/index.js")
    expect(files).toContain("package/dist/index.d.ts")
    expect(files).toContain("package/dist/module.d.ts")
    expect(files).toContain("package/bin/keyfiber.js")
    expect(files.filter((f) => /^package\/(src|test|property-tests|bench|modules)\//.test(f) || f.endsWith(".tsbuildinfo"))).toEqual([])
  })

  it("uses the app's own effect: one copy in the project", async () => {
    const { stdout } = await exec(NPM, ["ls", "effect", "--all", "--parseable"], { cwd: dir })
    const copies = new Set(stdout.split("\n").filter((l) => l.endsWith(`${path.sep}effect`)))
    expect([...copies]).toEqual([path.join(dir, "node_modules", "effect")])
  })

  it("plain node imports start and serves commands", async () => {
    fs.writeFileSync(
      path.join(dir, "plain.mjs"),
      `import { start } from "keyfiber"
const kf = await start()
await kf.run("SET", "k", "v")
console.log(JSON.stringify({ get: await kf.run("GET", "k"), url: kf.url }))
await kf.close()
`
    )
    const { stdout } = await node(["plain.mjs"])
    const out = JSON.parse(stdout) as { get: string; url: string }
    expect(out.get).toBe("v")
    expect(out.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/)
  })

  it("the README's Effect example runs with the user's effect", async () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8")
    const example = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).find((code) => code.includes("Keyfiber.layer("))
    expect(example).toBeDefined()
    fs.writeFileSync(path.join(dir, "readme-example.ts"), example!)
    const { stdout } = await node(["readme-example.ts"])
    expect(stdout.trim()).toBe("hello")
  })

  it("the public types pass tsc --strict --noUncheckedIndexedAccess --exactOptionalPropertyTypes", async () => {
    fs.writeFileSync(
      path.join(dir, "typed.ts"),
      `import { Effect } from "effect"
import { Keyfiber, type KeyfiberService, Reply, type RunningKeyfiber, start } from "keyfiber"
import { defineModule, type ModuleContext, type ModuleDefinition } from "keyfiber/module"
import { threadSafeContext, unblockClient, type WorkerHandle } from "keyfiber/module/worker"

export const fromWorker = async (handle: WorkerHandle) => {
  const ts = threadSafeContext(handle)
  await ts.lock()
  const value = await ts.call("INCR", "n")
  await ts.unlock()
  return unblockClient(handle, value)
}
export const greet = (ctx: ModuleContext) => ctx.replyWithSimpleString("hi")
export const mod: ModuleDefinition = defineModule({
  name: "typed",
  version: 1,
  onLoad: (ctx) => {
    ctx.createCommand("typed.greet", greet, { flags: "readonly fast" })
  }
})
export const program = Effect.gen(function* () {
  const kf: KeyfiberService = yield* Keyfiber
  const reply = yield* kf.runReply("PING")
  return reply instanceof Reply.SimpleString ? reply.value : null
}).pipe(Effect.provide(Keyfiber.layer({ port: 0 })))
export const running: Promise<RunningKeyfiber> = start({ testClock: true })
`
    )
    const tsc = path.join(dir, "node_modules", "typescript", "bin", "tsc")
    const flags = ["--strict", "--noUncheckedIndexedAccess", "--exactOptionalPropertyTypes", "--noEmit"]
    const options = ["--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--types", "node"]
    const result = await node([tsc, ...flags, ...options, "typed.ts"]).catch((e: { stdout: string }) => e)
    expect(result.stdout).toBe("")
  })

  it("a worker thread imports keyfiber/module/worker", async () => {
    fs.writeFileSync(path.join(dir, "worker-import.mjs"), `import { threadSafeContext, unblockClient, abortBlock } from "keyfiber/module/worker"
console.log([threadSafeContext, unblockClient, abortBlock].map((f) => typeof f).join(" "))
`)
    const { stdout } = await node(["worker-import.mjs"])
    expect(stdout.trim()).toBe("function function function")
  })

  it("keyfiber --version names keyfiber's version", async () => {
    const { stdout } = await exec(path.join(dir, "node_modules", ".bin", "keyfiber"), ["--version"], { cwd: dir })
    expect(stdout).toContain(pkg.version)
  })

  it("the CLI runs the compiled server and loads a module that imports keyfiber/module", async () => {
    fs.writeFileSync(
      path.join(dir, "hello.ts"),
      `import { defineModule, type ModuleContext } from "keyfiber/module"

export default defineModule({
  name: "hello",
  version: 1,
  onLoad: (ctx: ModuleContext) => {
    ctx.createCommand("hello.world", (ctx) => ctx.replyWithSimpleString("Hello, world"), { flags: "readonly fast" })
  }
})
`
    )
    const child = spawn(process.execPath, [path.join("node_modules", ".bin", "keyfiber"), "--port", "0", "--save", "", "--loadmodule", "hello.ts"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"]
    })
    try {
      let out = ""
      child.stderr.on("data", (d) => (out += d))
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on("data", (d) => {
          out += d
          const m = /Ready to accept connections tcp on [^ ]+:(\d+)/.exec(out)
          if (m !== null) resolve(Number(m[1]))
        })
        child.once("exit", () => reject(new Error(`keyfiber exited: ${out}`)))
      })
      const client = await RawClient.connect(port)
      try {
        expect(await client.request("HELLO.WORLD\r\n", "+Hello, world\r\n")).toBe("+Hello, world\r\n")
      } finally {
        client.close()
      }
    } finally {
      child.kill("SIGKILL")
    }
  })
})
