// Module commands and propagation (module.c `VM_Replicate`, `VM_ReplicateVerbatim`, `VM_Call` with
// `!`): a module command is never propagated itself; what it replicates is, and a call with `!`
// propagates like a client's command.
import * as path from "node:path"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { start, type RunningKeyfiber } from "../../src/start.js"
import { lastIncrCommands, tempDir } from "../support/aofFiles.js"

const FIXTURE = path.resolve(import.meta.dirname, "fixtures", "replicate.ts")

describe("module propagation", () => {
  let kf: RunningKeyfiber
  let dir: string
  let client: Redis

  beforeAll(async () => {
    dir = tempDir("aof-module")
    // `always`: each reply waits for its write (everysec may postpone a write behind a background fsync).
    kf = await start({ config: `appendonly yes\nappendfsync always\naof-use-rdb-preamble no\ndir ${dir}\n`, modules: [{ path: FIXTURE }] })
    client = new Redis({ port: kf.port, host: "127.0.0.1" })
  }, 30_000)

  afterAll(async () => {
    client?.disconnect()
    await kf?.close()
  })

  const logged = async (run: () => Promise<unknown>): Promise<Array<string>> => {
    const aofDir = path.join(dir, "appendonlydir")
    const before = lastIncrCommands(aofDir).length
    await run()
    return lastIncrCommands(aofDir)
      .slice(before)
      .map((argv) => argv.join(" "))
      .filter((line) => !line.startsWith("SELECT"))
  }

  it("propagates what the module replicates, never the module command itself", async () => {
    expect(await logged(() => client.call("repl.set", "a", "1"))).toEqual(["SET a 1"])
    expect(await logged(() => client.call("repl.verbatim", "b", "2"))).toEqual(["repl.verbatim b 2"])
    expect(await logged(() => client.call("repl.silent", "c", "3"))).toEqual([])
    expect(await client.get("c")).toBe("3")
  })

  it("propagates calls made with `!`, two of them as one MULTI/EXEC", async () => {
    expect(await logged(() => client.call("repl.incr2", "n"))).toEqual(["MULTI", "incr n", "incr n", "EXEC"])
    expect(await client.get("n")).toBe("2")
  })

  it("refuses to replicate an unknown command", async () => {
    expect(await logged(() => client.call("repl.unknown"))).toEqual([])
    expect(await client.call("repl.unknown")).toBe("ERR")
  })
})
