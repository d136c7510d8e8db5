import { Effect, Result } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CommandTable } from "../src/commands/CommandTable.js"
import { builtinCommands } from "../src/commands/index.js"
import { builtinConfigs } from "../src/config/builtinConfigs.js"
import { Config } from "../src/config/Config.js"
import { expandGlob, loadConfigText, parseCommandLine } from "../src/config/ConfigFile.js"
import { configFromCommandLine } from "../src/layers/StartupConfig.js"

const load = (text: string) => {
  const config = new Config(builtinConfigs())
  const commands = new CommandTable()
  commands.registerAll(builtinCommands)
  const result = loadConfigText({ config, commands }, text)
  return { config, result }
}

let dir: string
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyfiber-conffile-"))
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

describe("command line (server.c main)", () => {
  it("turns --name value pairs into config lines with quoted values", () => {
    expect(parseCommandLine(["x.conf", "--port", "7000", "--save"], "/d")).toEqual({
      configFile: "/d/x.conf",
      stdin: false,
      options: 'port "7000" \nsave ""'
    })
    expect(parseCommandLine(["--save", "--port", "1"]).options).toBe('save ""\nport "1" ')
    expect(parseCommandLine(["--port 7000"]).options).toBe("port 7000 ")
    expect(parseCommandLine(["--loadmodule", "m.so", "a b", ""]).options).toBe('loadmodule "m.so" "a b" "" ')
    expect(parseCommandLine(["--save", "900 1"]).options).toBe('save "900 1" ')
    expect(parseCommandLine(["-"])).toEqual({ configFile: null, stdin: true, options: "" })
    expect(parseCommandLine(["/a.conf", "--port", "1", "-"]).stdin).toBe(true)
    expect(parseCommandLine(["--port", "-"]).stdin).toBe(true)
  })
})

describe("config file grammar (loadServerConfigFromString)", () => {
  it("the first save line replaces the defaults, later ones add; a quoted value is split again", () => {
    const { config } = load('save 900 1\nsave "300 10 60 10000"\n')
    expect(config.lookup("save")!.text).toBe("900 1 300 10 60 10000")
    expect(load("port 1\n").config.lookup("save")!.text).toBe("3600 1 300 100 60 10000")
    expect(load('save ""\n').config.lookup("save")!.text).toBe("")
  })

  it("multi-value configs, aliases, case-insensitive directives, last value wins", () => {
    const { config, result } = load('BIND "127.0.0.1 ::1"\nhash-max-ziplist-entries 7\nPort 1\nport 2\nlist-max-ziplist-size 3\n')
    expect(Result.isSuccess(result)).toBe(true)
    expect(config.lookup("bind")!.text).toBe("127.0.0.1 ::1")
    expect(config.get("hash-max-listpack-entries")).toBe(7)
    expect(config.get("port")).toBe(2)
    expect(config.get("list-max-listpack-size")).toBe(3)
  })

  it("queues loadmodule lines and module configs; accepts deprecated and user directives", () => {
    const { config, result } = load(
      'loadmodule /a.so 1 "two words"\nloadmodule /b.so\nMyMod.Str "hello world"\nmymod.flags one two\nlua-replicate-commands yes\nio-threads-do-reads no\nuser default on nopass ~* +@all\n'
    )
    expect(Result.isSuccess(result)).toBe(true)
    expect(config.loadQueue).toEqual([
      { path: "/a.so", args: ["1", "two words"] },
      { path: "/b.so", args: [] }
    ])
    expect(Array.from(config.pendingModuleConfigs)).toEqual([
      ["mymod.str", "hello world"],
      ["mymod.flags", "one two"]
    ])
  })

  it("rename-command renames or deletes, and is recorded for the server", () => {
    const { config, result } = load('rename-command get fetch\nrename-command echo ""\n')
    expect(Result.isSuccess(result)).toBe(true)
    expect(config.renamedCommands).toEqual([
      ["get", "fetch"],
      ["echo", ""]
    ])
  })

  it("include: globs sorted, dot files skipped, missing glob matches ignored", async () => {
    fs.mkdirSync(path.join(dir, "d"))
    fs.writeFileSync(path.join(dir, "d", "b.conf"), "maxmemory 2mb\n")
    fs.writeFileSync(path.join(dir, "d", "a.conf"), "maxmemory 1mb\nmaxmemory-policy allkeys-lru\n")
    fs.writeFileSync(path.join(dir, "d", ".hidden.conf"), "maxmemory 9mb\n")
    expect(expandGlob(path.join(dir, "d", "*.conf"))).toEqual([path.join(dir, "d", "a.conf"), path.join(dir, "d", "b.conf")])
    expect(expandGlob(path.join(dir, "*", "?.conf"))).toEqual([path.join(dir, "d", "a.conf"), path.join(dir, "d", "b.conf")])
    const main = path.join(dir, "main.conf")
    fs.writeFileSync(main, `include ${path.join(dir, "d", "*.conf")}\ninclude ${path.join(dir, "nothing", "*.conf")}\nhz 20\n`)
    const config = await Effect.runPromise(configFromCommandLine([main, "--maxmemory-samples", "7"]))
    expect(config.get("maxmemory")).toBe(2 * 1024 * 1024)
    expect(config.get("maxmemory-policy")).toBe("allkeys-lru")
    expect(config.get("hz")).toBe(20)
    expect(config.get("maxmemory-samples")).toBe(7)
    expect(config.configFile).toBe(main)
  })

  it("CRLF line endings and surrounding whitespace are trimmed", () => {
    const { config, result } = load("  port 1234 \r\n\t# comment\r\n")
    expect(Result.isSuccess(result)).toBe(true)
    expect(config.get("port")).toBe(1234)
  })
})
