import { Data, Effect } from "effect"
import * as net from "node:net"
import type { Server } from "./Server.js"

export class ListenError extends Data.TaggedError("ListenError")<{
  readonly address: string
  readonly cause: unknown
}> {}

export interface ListenOptions {
  readonly port: number
  readonly host: string
}

const formatAddress = (host: string | undefined, port: number | undefined): string =>
  host !== undefined && host.includes(":") && !host.startsWith("::ffff:") ? `[${host}]:${port}` : `${host?.replace(/^::ffff:/, "")}:${port}`

/**
 * Wires one socket to the server: bytes go to the client's parser and the dispatcher runs every
 * complete request synchronously, then the tick ends with one write per touched client. No fiber per
 * connection or per command (ARCHITECTURE.md, rule 1).
 */
export const attachSocket = (server: Server, socket: net.Socket): void => {
  socket.setNoDelay(true)
  const client = server.createClient(
    socket,
    formatAddress(socket.remoteAddress, socket.remotePort),
    formatAddress(socket.localAddress, socket.localPort)
  )
  if (server.clients.size > server.limits.maxclients) {
    server.stats.rejectedConnections++
    socket.end("-ERR max number of clients reached\r\n")
    server.freeClient(client)
    return
  }
  socket.on("data", (chunk: Buffer) => {
    if (client.closed) return
    server.stats.netInputBytes += chunk.length
    client.netInputBytes += chunk.length
    client.parser.push(chunk)
    server.dispatcher.processInput(client)
    server.scheduleEndOfTick()
  })
  socket.on("error", () => {})
  socket.on("close", () => {
    server.freeClient(client)
    server.endOfTick()
  })
}

/** Listens on `host:port` for the lifetime of the scope; closing the scope closes every client. */
export const listen = (server: Server, options: ListenOptions) =>
  Effect.acquireRelease(
    Effect.async<net.Server, ListenError>((resume) => {
      const listener = net.createServer({ noDelay: true }, (socket) => attachSocket(server, socket))
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
