import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RawClient } from "./support/raw.js"
import { type RunningServer, startServer } from "./support/server.js"

describe("core request loop", () => {
  let s: RunningServer
  beforeAll(async () => {
    s = await startServer()
  })
  afterAll(() => s.close())

  it("answers pipelined multibulk and inline requests in order", async () => {
    const c = await RawClient.connect(s.port)
    const reply = await c.request("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\nGET k\r\nPING\r\n", "+OK\r\n$1\r\nv\r\n+PONG\r\n")
    expect(reply).toBe("+OK\r\n$1\r\nv\r\n+PONG\r\n")
    c.close()
  })

  it("replies Valkey's unknown-command and arity errors", async () => {
    const c = await RawClient.connect(s.port)
    expect(await c.request("foo a b\r\n", "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n")).toBe(
      "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n"
    )
    expect(await c.request("GET\r\n", "-ERR wrong number of arguments for 'get' command\r\n")).toBe(
      "-ERR wrong number of arguments for 'get' command\r\n"
    )
    c.close()
  })

  it("closes the connection after a protocol error", async () => {
    const c = await RawClient.connect(s.port)
    c.write("*1\r\n+PING\r\n")
    const text = await c.until(() => false, 2000).catch(() => "")
    expect(c.closed).toBe(true)
    expect(text).toBe("-ERR Protocol error: expected '$', got '+'\r\n")
  })
})
