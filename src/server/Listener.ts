import { Data, Effect } from "effect"
import * as net from "node:net"
import type { Client } from "./Client.js"
import type { Server } from "./Server.js"

export class ListenError extends Data.TaggedError("ListenError")<{
  readonly address: string
  readonly cause: unknown
}> {}

export interface ListenOptions {
  readonly port: number
  readonly host: string
}

/**
 * One read buffer for every connection: reads land in it and are parsed at once (arguments are
 * copied into strings), and a client's unparsed remainder is copied out before the next read.
 * This skips Node's per-read buffer allocation and stream machinery, which cost as much CPU as
 * running the commands of a small read.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024)

/** The client a connection's socket serves, kept on the socket so its handlers can be shared. */
const CLIENT = Symbol("keyfiber.client")
type Connection = net.Socket & { [CLIENT]?: Client }

/** Bytes arrived: the client's parser gets them and the dispatcher runs every complete request. */
const receive = (client: Client, chunk: Buffer): void => {
  if (client.closed) return
  const server = client.server
  server.stats.netInputBytes += chunk.length
  client.netInputBytes += chunk.length
  client.parser.push(chunk)
  server.dispatcher.processInput(client)
  server.scheduleEndOfTick()
}

// Handlers shared by every connection (`this` is the socket): no closures per connection, which
// would be copied by every young-generation GC while 10,000 fresh connections are alive.
function onSharedBufferRead(this: Connection, length: number): boolean {
  const client = this[CLIENT]
  if (client === undefined) return true
  const chunk = READ_BUFFER.subarray(0, length)
  receive(client, chunk)
  client.parser.keepPending(chunk)
  return true
}
function onData(this: Connection, chunk: Buffer): void {
  const client = this[CLIENT]
  if (client !== undefined) receive(client, chunk)
}
function onClose(this: Connection): void {
  const client = this[CLIENT]
  if (client === undefined) return
  client.server.freeClient(client)
  client.server.endOfTick()
}
const ignoreError = (): void => {}

/**
 * Wires one accepted socket to the server: bytes go to the client's parser and the dispatcher runs
 * every complete request synchronously; the tick ends once per event-loop turn with one write per
 * touched client. No fiber per connection or per command (ARCHITECTURE.md, rule 1).
 */
export const attachSocket = (server: Server, accepted: net.Socket): void => {
  const socket: Connection = adoptWithSharedReadBuffer(accepted)
  socket.setNoDelay(true)
  const client = server.createClient(socket)
  socket[CLIENT] = client
  if (server.clients.size > server.limits.maxclients) {
    server.stats.rejectedConnections++
    socket.end("-ERR max number of clients reached\r\n")
    server.freeClient(client)
    return
  }
  if (socket === accepted) {
    socket.on("data", onData)
    socket.resume()
  }
  socket.on("error", ignoreError)
  socket.on("close", onClose)
}

/**
 * The accepted connection as a socket that reads into `READ_BUFFER` (Node's `onread` option, which
 * `net.Server` does not offer for accepted sockets: the handle moves to a new Socket made with it,
 * and the accepting Socket, now without a handle, is destroyed so the server stops counting it).
 * Falls back to the accepted socket and its 'data' events if this Node's sockets differ.
 */
const adoptWithSharedReadBuffer = (accepted: net.Socket): net.Socket => {
  const internal = accepted as unknown as { _handle?: object | null }
  const handle = internal._handle
  if (handle === undefined || handle === null) return accepted
  try {
    const socket = new net.Socket({
      handle,
      readable: true,
      writable: true,
      onread: { buffer: READ_BUFFER, callback: onSharedBufferRead }
    } as net.SocketConstructorOpts)
    internal._handle = null
    accepted.destroy()
    return socket
  } catch {
    return accepted
  }
}

/** Listens on `host:port` for the lifetime of the scope; closing the scope closes every client. */
export const listen = (server: Server, options: ListenOptions) =>
  Effect.acquireRelease(
    Effect.async<net.Server, ListenError>((resume) => {
      const listener = net.createServer({ noDelay: true, pauseOnConnect: true }, (socket) => attachSocket(server, socket))
      const onError = (cause: unknown) => resume(Effect.fail(new ListenError({ address: `${options.host}:${options.port}`, cause })))
      listener.once("error", onError)
      listener.listen({ port: options.port, host: options.host, backlog: 511 }, () => {
        listener.off("error", onError)
        listener.on("error", (e) => server.log("warning", `listener error: ${String(e)}`))
        resume(Effect.succeed(listener))
      })
    }),
    (listener) =>
      Effect.async<void>((resume) => {
        for (const client of Array.from(server.clients.values())) server.closeClient(client, false)
        listener.close(() => resume(Effect.void))
      })
  )
