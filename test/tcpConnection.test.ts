import * as net from "node:net"
import { afterEach, describe, expect, it } from "vitest"
import { acceptHandles, adoptConnection, type AdoptedConnection, type ConnectionEvents } from "../src/server/Connection.js"
import { waitFor } from "./support/waitFor.js"

/** What the server side of one connection saw. */
interface Seen {
  received: string
  ended: number
  closed: number
}

const EVENTS: ConnectionEvents<Seen> = {
  // The chunk may be the shared read buffer: keep a copy of its first `length` bytes.
  received: (seen, chunk, length) => void (seen.received += chunk.toString("latin1", 0, length)),
  released: () => {},
  drained: () => {},
  ended: (seen) => void seen.ended++,
  closed: (seen) => void seen.closed++
}

/**
 * How the server side is made: the listener hands over the accepted handle (`acceptHandles`, the
 * server's path), or a `net.Socket` is accepted and its handle adopted, or the socket itself is
 * wrapped (the fallback).
 */
type Mode = "accepted handle" | "adopted socket handle" | "net.Socket"

/** A loopback listener whose first accepted connection is started; `peer` is the client side. */
const pair = async (mode: Mode) => {
  let accepted!: (value: { connection: AdoptedConnection<Seen>; seen: Seen }) => void
  const ready = new Promise<{ connection: AdoptedConnection<Seen>; seen: Seen }>((resolve) => (accepted = resolve))
  const start = (connection: AdoptedConnection<Seen>) => {
    const seen: Seen = { received: "", ended: 0, closed: 0 }
    connection.start(seen)
    accepted({ connection, seen })
  }
  let socketsAccepted = 0
  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    socketsAccepted++
    start(adoptConnection(socket, EVENTS, mode === "net.Socket"))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  if (mode === "accepted handle") {
    expect(acceptHandles(server, EVENTS, start, (status) => expect.fail(`accept failed: ${status}`))).toBe(true)
  }
  const port = (server.address() as net.AddressInfo).port
  const peer = await new Promise<net.Socket>((resolve) => {
    // Half-open allowed: the peer never closes on its own; the server must close without its help.
    const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true }, () => resolve(socket))
  })
  let peerReceived = ""
  let peerEnded = false
  peer.on("data", (d: Buffer) => (peerReceived += d.toString("latin1")))
  peer.on("end", () => (peerEnded = true))
  peer.on("error", () => {})
  const { connection, seen } = await ready
  // Taken over, the listener makes no net.Socket at all.
  expect(socketsAccepted).toBe(mode === "accepted handle" ? 0 : 1)
  return {
    port,
    connection,
    seen,
    peer,
    peerReceived: () => peerReceived,
    peerEnded: () => peerEnded,
    close: () => {
      peer.destroy()
      connection.destroy()
      server.close()
    }
  }
}

const ALL_BYTES = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join("")

describe.each<Mode>(["accepted handle", "adopted socket handle", "net.Socket"])("Connection from %s", (mode) => {
  let close = () => {}
  afterEach(() => close())

  it("reads bytes, writes latin1 bytes in order, and knows both ends' addresses", async () => {
    const p = await pair(mode)
    close = p.close
    p.peer.write(Buffer.from("hello " + ALL_BYTES, "latin1"))
    await waitFor("the bytes to arrive", () => p.seen.received.length === 6 + 256)
    expect(p.seen.received).toBe("hello " + ALL_BYTES)
    p.connection.write("1:" + ALL_BYTES)
    p.connection.write("2:" + "x".repeat(40_000))
    p.connection.write("3:end")
    const expected = "1:" + ALL_BYTES + "2:" + "x".repeat(40_000) + "3:end"
    await waitFor("the replies", () => p.peerReceived().length >= expected.length)
    expect(p.peerReceived()).toBe(expected)
    expect(p.connection.remote).toEqual({ address: "127.0.0.1", port: p.peer.localPort })
    expect(p.connection.local).toEqual({ address: "127.0.0.1", port: p.port })
    expect(p.connection.fd).toBeGreaterThan(0)
  })

  it("stops reading while replies wait for a peer that does not read, and resumes once they are sent", async () => {
    const p = await pair(mode)
    close = p.close
    p.peer.pause()
    const big = "z".repeat(32 * 1024 * 1024)
    p.connection.write(big)
    // More than loopback buffers take at once: the rest waits in the connection's queue.
    expect(p.connection.queuedBytes).toBeGreaterThan(0)
    p.peer.write("after")
    await new Promise((r) => setTimeout(r, 100))
    expect(p.seen.received).toBe("")
    p.peer.resume()
    await waitFor("the big reply", () => p.peerReceived().length >= big.length, 20_000)
    expect(p.peerReceived().length).toBe(big.length)
    await waitFor("reading to resume", () => p.seen.received === "after")
    expect(p.connection.queuedBytes).toBe(0)
  })

  it("end() sends what was written, then closes; closed is reported once", async () => {
    const p = await pair(mode)
    close = p.close
    p.connection.write("bye")
    p.connection.end()
    p.connection.write("ignored after end")
    await waitFor("the peer to see the end", () => p.peerEnded())
    expect(p.peerReceived()).toBe("bye")
    // Closed on the server's side although the peer keeps its side open.
    await waitFor("closed", () => p.seen.closed === 1)
    p.connection.destroy()
    await new Promise((r) => setTimeout(r, 20))
    expect(p.seen.closed).toBe(1)
    expect(p.connection.destroyed).toBe(true)
  })

  it("reports the peer's end, and destroy() closes at once", async () => {
    const p = await pair(mode)
    close = p.close
    p.peer.end("last")
    await waitFor("the end", () => p.seen.ended === 1)
    expect(p.seen.received).toBe("last")
    expect(p.seen.closed).toBe(0)
    p.connection.destroy()
    await waitFor("closed", () => p.seen.closed === 1)
    expect(p.connection.destroyed).toBe(true)
    expect(() => p.connection.write("after destroy")).not.toThrow()
  })
})
