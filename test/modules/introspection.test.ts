import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RawClient } from "../support/raw.js"
import { VALKEY_VERSION } from "../../src/contracts/Version.js"
import { cmd } from "../support/resp.js"
import { modulePath, type RunningModuleServer, startModuleServer } from "../support/moduleServer.js"
import { waitFor } from "../support/waitFor.js"

const bulk = (s: string) => `$${Buffer.byteLength(s, "latin1")}\r\n${s}\r\n`

describe("module introspection: HELLO modules, INFO modules, COMMAND LIST FILTERBY MODULE", () => {
  let s: RunningModuleServer
  const blockPath = modulePath("block.ts")
  const helloPath = modulePath("helloblock.ts")
  beforeAll(async () => {
    s = await startModuleServer({
      modules: { load: [{ path: blockPath, args: ["a1", "b 2"] }, { path: helloPath, args: [] }] }
    })
  })
  afterAll(async () => {
    await s.close()
  })

  const resp2List =
    "*2\r\n" +
    "*8\r\n" + bulk("name") + bulk("block") + bulk("ver") + ":1\r\n" + bulk("path") + bulk(blockPath) + bulk("args") + "*2\r\n" + bulk("a1") + bulk("b 2") +
    "*8\r\n" + bulk("name") + bulk("helloblock") + bulk("ver") + ":1\r\n" + bulk("path") + bulk(helloPath) + bulk("args") + "*0\r\n"
  const resp3List =
    "*2\r\n" +
    "%4\r\n" + bulk("name") + bulk("block") + bulk("ver") + ":1\r\n" + bulk("path") + bulk(blockPath) + bulk("args") + "*2\r\n" + bulk("a1") + bulk("b 2") +
    "%4\r\n" + bulk("name") + bulk("helloblock") + bulk("ver") + ":1\r\n" + bulk("path") + bulk(helloPath) + bulk("args") + "*0\r\n"

  it("HELLO's modules field is MODULE LIST's reply, in RESP2 and RESP3", async () => {
    const c = await RawClient.connect(s.port)
    const idReply = await c.request(cmd("CLIENT", "ID"), ":1\r\n")
    const id = idReply.slice(1, -2)
    const head = (proto: number) =>
      bulk("server") + bulk("valkey") + bulk("version") + bulk(VALKEY_VERSION) + bulk("proto") + `:${proto}\r\n` + bulk("id") + `:${id}\r\n` +
      bulk("mode") + bulk("standalone") + bulk("role") + bulk("master") + bulk("modules")
    expect(await c.request(cmd("MODULE", "LIST"), resp2List)).toBe(resp2List)
    const hello2 = "*14\r\n" + head(2) + resp2List
    const got2 = await c.request(cmd("HELLO", "2"), hello2)
    expect(got2).toBe(hello2)
    const hello3 = "%7\r\n" + head(3) + resp3List
    expect(await c.request(cmd("HELLO", "3"), hello3)).toBe(hello3)
    expect(await c.request(cmd("MODULE", "LIST"), resp3List)).toBe(resp3List)
    c.close()
  })

  it("INFO modules lists one module: line per module", async () => {
    const r = new Redis(s.port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })
    const info = (await r.info("modules")) as string
    expect(info).toBe(
      "# Modules\r\n" +
        "module:name=block,ver=1,api=1,filters=0,usedby=[],using=[],options=[]\r\n" +
        "module:name=helloblock,ver=1,api=1,filters=0,usedby=[],using=[],options=[]\r\n"
    )
    const names = ((await r.call("COMMAND", "LIST", "FILTERBY", "MODULE", "helloblock")) as Array<string>).sort()
    expect(names).toEqual(["hello.block", "hello.keys"])
    expect(await r.call("COMMAND", "LIST", "FILTERBY", "MODULE", "nosuch")).toEqual([])
    r.disconnect()
  })

  it("HELLO and MODULE LIST follow MODULE UNLOAD", async () => {
    const r = new Redis(s.port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })
    await r.call("MODULE", "UNLOAD", "helloblock")
    const hello = (await r.call("HELLO", "2")) as Array<unknown>
    expect(hello[12]).toBe("modules")
    expect(hello[13]).toEqual([["name", "block", "ver", 1, "path", blockPath, "args", ["a1", "b 2"]]])
    expect(await r.call("COMMAND", "LIST", "FILTERBY", "MODULE", "helloblock")).toEqual([])
    expect((await r.info("modules")) as string).toBe(
      "# Modules\r\nmodule:name=block,ver=1,api=1,filters=0,usedby=[],using=[],options=[]\r\n"
    )
    r.disconnect()
  })
})

describe("a client blocked in a module command: CLIENT LIST flags, INFO blocked_clients", () => {
  let s: RunningModuleServer
  beforeAll(async () => {
    s = await startModuleServer({ modules: { load: [{ path: modulePath("block.ts"), args: [] }] } })
  })
  afterAll(async () => {
    await s.close()
  })

  it("CLIENT LIST shows flags=b cmd=block.debug while blocked; INFO blocked_clients 1 then 0", async () => {
    const r = new Redis(s.port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })
    const infoBlocked = async () => /\r\nblocked_clients:(\d+)\r\n/.exec((await r.info("clients")) as string)![1]
    expect(await infoBlocked()).toBe("0")
    const c = await RawClient.connect(s.port)
    const id = (await c.request(cmd("CLIENT", "ID"), ":1\r\n")).slice(1, -2)
    // Long enough for the checks below; the client is released by CLIENT UNBLOCK afterwards.
    c.write(cmd("block.debug", 5000, 10000))
    await waitFor("INFO blocked_clients:1", async () => (await infoBlocked()) === "1")
    const line = ((await r.call("CLIENT", "LIST", "ID", id)) as string).trimEnd()
    expect(line).toMatch(new RegExp(`^id=${id} `))
    expect(line).toContain(" flags=b ")
    expect(line).toContain(" cmd=block.debug ")
    expect(await r.call("CLIENT", "UNBLOCK", id)).toBe(1)
    expect(await c.until((t) => t.endsWith("\r\n"))).toBe("+Request timedout\r\n")
    expect(await infoBlocked()).toBe("0")
    const after = ((await r.call("CLIENT", "LIST", "ID", id)) as string).trimEnd()
    expect(after).toContain(" flags=N ")
    expect(after).toContain(" cmd=block.debug ")
    c.close()
    r.disconnect()
  })
})
