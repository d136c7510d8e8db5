// `aof-timestamp-enabled` (aof.c `genAofTimestampAnnotationIfNeeded`): `#TS:<unix seconds>` lines
// before the commands of a new second, and at the top of a rewritten base file. Valkey's aof.tcl
// "Generate timestamp annotations in AOF" turns it on with CONFIG SET and writes at once.
import * as fs from "node:fs"
import * as path from "node:path"
import { Redis } from "ioredis"
import { describe, expect, it } from "vitest"
import { start } from "../../src/start.js"
import { readManifest, tempDir } from "../support/aofFiles.js"
import { waitFor } from "../support/waitFor.js"

const firstLine = (file: string): string => fs.readFileSync(file, "latin1").split("\r\n")[0]

describe("AOF timestamp annotations", () => {
  it("CONFIG SET aof-timestamp-enabled yes applies to the next write and to the next rewrite's base", async () => {
    const dir = tempDir("aof-ts")
    const kf = await start({ config: `appendonly yes\naof-use-rdb-preamble no\ndir ${dir}\n` })
    const client = new Redis({ port: kf.port, host: "127.0.0.1" })
    try {
      const aofDir = path.join(dir, "appendonlydir")
      const incr = () => path.join(aofDir, readManifest(aofDir).find((e) => e.type === "i")!.file)
      expect(await client.config("SET", "aof-timestamp-enabled", "yes")).toBe("OK")
      await client.set("foo", "bar")
      expect(firstLine(incr())).toMatch(/^#TS:\d+$/)
      expect(await client.bgrewriteaof()).toBe("Background append only file rewriting started")
      await waitFor("the rewrite", async () => (await client.info("persistence")).includes("aof_rewrite_in_progress:0"))
      const base = path.join(aofDir, readManifest(aofDir).find((e) => e.type === "b")!.file)
      expect(firstLine(base)).toMatch(/^#TS:\d+$/)
      // Turned off, the next file has none.
      expect(await client.config("SET", "aof-timestamp-enabled", "no")).toBe("OK")
      await client.set("after", "1")
      expect(firstLine(incr())).toBe("*2")
    } finally {
      client.disconnect()
      await kf.close()
    }
  })
})
