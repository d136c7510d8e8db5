import * as net from "node:net"
import { acceptHandles, type AdoptedConnection, type ConnectionEvents } from "./Connection.js"

/** What the server side of the probe's one connection saw. */
interface ProbeSide {
  connection: AdoptedConnection<ProbeSide> | null
  received: number
  backlogged: boolean
  drained: boolean
  closed: boolean
  onDrained: () => void
  onClosed: () => void
  onRequest: () => void
  fail: () => void
}

/** The request the client sends: a pattern the server checks byte for byte. */
const REQUEST = Buffer.alloc(64 * 1024, "keyfiber probe ")
/** One reply chunk; the server writes them until one has to wait for the kernel. */
const REPLY_CHUNK = "\x00\xff*probe*".repeat(100_000)
/** More than this written without a wait means the kernel's buffers are unusually large: give up. */
const MAX_REPLY_BYTES = 256 * 1024 * 1024

const EVENTS: ConnectionEvents<ProbeSide> = {
  received(side, chunk, length) {
    for (let i = 0; i < length; i++) if (chunk[i] !== REQUEST[(side.received + i) % REQUEST.length]) return side.fail()
    side.received += length
    if (side.received === REQUEST.length) side.onRequest()
  },
  released: () => {},
  drained(side) {
    side.drained = true
    side.onDrained()
  },
  ended: (side) => side.connection?.end(),
  closed(side) {
    side.closed = true
    side.onClosed()
  }
}

/**
 * Whether `TcpConnection` (the connection fast path: libuv handles driven through Node internals)
 * works on this Node, tried on loopback before the server relies on it: a throwaway listener on
 * 127.0.0.1:0 taken over by `acceptHandles`, a real client socket, a request read in, a reply
 * larger than the kernel takes at once (so the write waits and `drained` is reported), then an end
 * that reaches the client after every byte, and the close. Resolves false (never rejects) when a
 * step misbehaves or the whole does not finish within `timeoutMs`.
 */
export const probeFastPath = (timeoutMs: number): Promise<boolean> =>
  new Promise<boolean>((resolve) => {
    const sockets = new Set<net.Socket>()
    let side: ProbeSide | null = null
    let clientVerified = false
    let settled = false
    const finish = (passed: boolean) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      side?.connection?.destroy()
      for (const socket of sockets) socket.destroy()
      listener.close()
      resolve(passed)
    }
    const timer = setTimeout(() => finish(false), timeoutMs)
    const listener = net.createServer({ pauseOnConnect: true }, (socket) => {
      // Connections arriving as sockets mean the takeover did not hold.
      sockets.add(socket)
      finish(false)
    })
    listener.on("error", () => finish(false))
    const passedIfDone = () => {
      if (clientVerified && side !== null && side.backlogged && side.drained && side.closed) finish(true)
    }
    const accept = (connection: AdoptedConnection<ProbeSide>) => {
      if (side !== null) return connection.destroy()
      let written = 0
      side = {
        connection,
        received: 0,
        backlogged: false,
        drained: false,
        closed: false,
        onRequest() {
          while (!connection.backlogged && written < MAX_REPLY_BYTES) {
            connection.write(REPLY_CHUNK)
            written += REPLY_CHUNK.length
          }
          if (!connection.backlogged) return finish(false)
          side!.backlogged = true
          expectedReply = written
          client.resume()
        },
        onDrained() {
          if (connection.queuedBytes !== 0 || connection.backlogged) return finish(false)
          connection.end()
        },
        onClosed: passedIfDone,
        fail: () => finish(false)
      }
      connection.start(side)
    }
    let expectedReply = -1
    let client!: net.Socket
    listener.listen(0, "127.0.0.1", () => {
      if (settled) return
      try {
        if (!acceptHandles(listener, EVENTS, accept, () => finish(false))) return finish(false)
      } catch {
        return finish(false)
      }
      const { port } = listener.address() as net.AddressInfo
      client = net.connect({ port, host: "127.0.0.1" })
      sockets.add(client)
      let replyBytes = 0
      let replyIntact = true
      client.on("connect", () => {
        // Nothing is read until the server's reply has had to wait.
        client.pause()
        client.write(REQUEST)
      })
      client.on("data", (chunk: Buffer) => {
        for (let i = 0; i < chunk.length && replyIntact; i++)
          if (chunk[i] !== REPLY_CHUNK.charCodeAt((replyBytes + i) % REPLY_CHUNK.length)) replyIntact = false
        replyBytes += chunk.length
      })
      client.on("end", () => {
        if (!replyIntact || replyBytes !== expectedReply) return finish(false)
        clientVerified = true
        passedIfDone()
      })
      client.on("error", () => finish(false))
    })
  })
