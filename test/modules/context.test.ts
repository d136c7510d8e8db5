import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Redis } from "ioredis"
import { keyPositions } from "../../src/commands/CommandSpec.js"
import { RawClient } from "../support/raw.js"
import { cmd } from "../support/resp.js"
import { type RunningModuleServer, serverClient, startModuleServer } from "../support/moduleServer.js"

const FIXTURE = new URL("./fixtures/replykinds.ts", import.meta.url).pathname

describe("module context: reply kinds, command specs", () => {
  let s: RunningModuleServer
  beforeAll(async () => {
    s = await startModuleServer({ modules: { load: [{ path: FIXTURE, args: [] }] } })
  })
  afterAll(() => s.close())

  const RESP2 =
    "*13\r\n:42\r\n+simple\r\n$4\r\nbulk\r\n$-1\r\n*-1\r\n*0\r\n:1\r\n$3\r\n1.5\r\n$20\r\n12345678901234567890\r\n$5\r\nhello\r\n" +
    "*2\r\n$1\r\nk\r\n*2\r\n:1\r\n:2\r\n*1\r\n$6\r\nmember\r\n-ERR inner error\r\n"
  const RESP3 =
    "*13\r\n:42\r\n+simple\r\n$4\r\nbulk\r\n_\r\n_\r\n*0\r\n#t\r\n,1.5\r\n(12345678901234567890\r\n=9\r\ntxt:hello\r\n" +
    "%1\r\n$1\r\nk\r\n*2\r\n:1\r\n:2\r\n~1\r\n$6\r\nmember\r\n-ERR inner error\r\n"

  it("a key's type as RM_KeyType names it, streams included", async () => {
    const r = new Redis(s.port, "127.0.0.1", { maxRetriesPerRequest: 0 })
    try {
      await r.set("t:s", "v")
      await r.rpush("t:l", "a")
      await r.hset("t:h", "f", "v")
      await r.sadd("t:set", "m")
      await r.zadd("t:z", 1, "m")
      await r.xadd("t:x", "*", "f", "v")
      const types: Array<unknown> = []
      for (const key of ["t:none", "t:s", "t:l", "t:h", "t:set", "t:z", "t:x"]) types.push(await r.call("replykinds.keytype", key))
      expect(types).toEqual(["empty", "string", "list", "hash", "set", "zset", "stream"])
    } finally {
      r.disconnect()
    }
  })

  it("writes every reply kind in RESP2 and RESP3, postponed lengths included", async () => {
    const c = await RawClient.connect(s.port)
    expect(await c.request(cmd("replykinds.all"), RESP2)).toBe(RESP2)
    serverClient(s.server, c).resp = 3
    expect(await c.request(cmd("replykinds.all"), RESP3)).toBe(RESP3)
    // Several top-level replies from one command go out in order.
    expect(await c.request(cmd("replykinds.two") + cmd("PING"), ":1\r\n:2\r\n+PONG\r\n")).toBe(":1\r\n:2\r\n+PONG\r\n")
    c.close()
  })

  it("module commands are CommandSpecs with flags and key positions", () => {
    const spec = s.server.commands.lookup("replykinds.keyed")!
    expect(spec.module).toBe("replykinds")
    expect(spec.flags).toEqual(["module", "write"])
    expect(keyPositions(spec, ["replykinds.keyed", "a", "1", "b", "2"])).toEqual([1, 3])
    expect(s.server.commands.lookup("replykinds.all")!.flags).toEqual(["module", "readonly", "fast"])
    expect(s.server.commands.lookup("replykinds.all")!.firstKey).toBe(0)
  })
})
