import * as net from "node:net"
import { afterEach, describe, expect, it } from "vitest"
import { queuedBytes, writeLatin1 } from "../src/server/SocketWrite.js"

/** A connected pair over loopback: `writer` is ours, `received` collects what the peer read. */
const connectedPair = async () => {
  let received = ""
  let peer: net.Socket | undefined
  const server = net.createServer((socket) => {
    peer = socket
    socket.on("data", (chunk) => (received += chunk.toString("latin1")))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const writer = await new Promise<net.Socket>((resolve) => {
    const socket = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1", () => resolve(socket))
  })
  const until = async (length: number) => {
    for (let i = 0; i < 500 && received.length < length; i++) await new Promise((r) => setTimeout(r, 5))
    return received
  }
  const close = () => {
    writer.destroy()
    peer?.destroy()
    server.close()
  }
  return { writer, until, close }
}

describe("writeLatin1 (replies written to the socket's handle)", () => {
  let close = () => {}
  afterEach(() => close())

  it("keeps byte order with the stream's own writes, and sends latin1 bytes as they are", async () => {
    const pair = await connectedPair()
    close = pair.close
    const bytes = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join("")
    const resumed: Array<net.Socket> = []
    expect(writeLatin1(pair.writer, "1:" + bytes, (s) => resumed.push(s))).toBe(true)
    // Bytes buffered in the stream (corked) must go before a later direct write.
    pair.writer.cork()
    pair.writer.write("2:stream;")
    expect(queuedBytes(pair.writer)).toBeGreaterThan(0)
    writeLatin1(pair.writer, "3:after-stream;", (s) => resumed.push(s))
    pair.writer.uncork()
    writeLatin1(pair.writer, "4:direct", (s) => resumed.push(s))
    const expected = "1:" + bytes + "2:stream;3:after-stream;4:direct"
    expect(await pair.until(expected.length)).toBe(expected)
    expect(resumed).toEqual([])
  })

  it("reports a queued write and calls back once the queue has drained", async () => {
    const pair = await connectedPair()
    close = pair.close
    const big = "z".repeat(32 * 1024 * 1024)
    const drained: Array<net.Socket> = []
    const done = writeLatin1(pair.writer, big, (s) => drained.push(s))
    // 32 MB is more than loopback socket buffers take at once.
    expect(done).toBe(false)
    expect(queuedBytes(pair.writer)).toBeGreaterThan(0)
    expect((await pair.until(big.length)).length).toBe(big.length)
    for (let i = 0; i < 200 && drained.length === 0; i++) await new Promise((r) => setTimeout(r, 5))
    expect(drained).toEqual([pair.writer])
    expect(queuedBytes(pair.writer)).toBe(0)
  })
})
