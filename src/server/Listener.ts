import { Data, Effect } from "effect"
import * as net from "node:net"
import { getSystemErrorName } from "node:util"
import type { Client } from "./Client.js"
import { acceptHandles, adoptConnection, type AdoptedConnection, type ConnectionEvents } from "./Connection.js"
import { PROTECTED_MODE_DENIED, refusedByProtectedMode } from "./ProtectedMode.js"
import type { Server } from "./Server.js"

export class ListenError extends Data.TaggedError("ListenError")<{
  readonly address: string
  readonly cause: unknown
}> {}

export interface ListenOptions {
  readonly port: number
  readonly host: string
}

/** How connections report to the server: every request runs as soon as its bytes are complete. */
const CLIENT_EVENTS: ConnectionEvents<Client> = {
  received(client, chunk, length) {
    if (client.closed) return
    const server = client.server
    server.stats.netInputBytes += length
    client.netInputBytes += length
    client.parser.push(chunk, length)
    server.dispatcher.processInput(client)
    server.scheduleEndOfTick()
  },
  released(client, chunk) {
    client.parser.keepPending(chunk)
  },
  // Output queued behind a slow socket goes out as the socket takes it.
  drained(client) {
    if (!client.closed) client.server.flush(client)
  },
  // The peer will send nothing more: what it is owed is written, then the connection closes.
  ended(client) {
    client.server.closeClient(client, true)
    client.server.scheduleEndOfTick()
  },
  closed(client) {
    client.server.freeClient(client)
    client.server.endOfTick()
  }
}

/**
 * Wires one accepted connection to the server: bytes go to the client's parser and the dispatcher
 * runs every complete request synchronously; the tick ends once per event-loop turn with one write
 * per touched client. No fiber per connection or per command (ARCHITECTURE.md, rule 1).
 */
const attachConnection = (server: Server, connection: AdoptedConnection<Client>): void => {
  connection.keepAlive(server.config.get<number>("tcp-keepalive"))
  const client = server.createClient(connection)
  connection.start(client)
  if (server.clients.size > server.limits.maxclients) {
    server.stats.rejectedConnections++
    connection.write("-ERR max number of clients reached\r\n")
    connection.end()
    server.freeClient(client)
  } else if (refusedByProtectedMode(client)) {
    // Valkey's `clientAcceptHandler`: the explanation is written at accept and the client freed.
    server.stats.rejectedConnections++
    connection.write(PROTECTED_MODE_DENIED)
    connection.end()
    server.freeClient(client)
  }
}

/** Listens on `host:port` for the lifetime of the scope; closing the scope closes every client. */
export const listen = (server: Server, options: ListenOptions) =>
  Effect.acquireRelease(
    Effect.callback<net.Server, ListenError>((resume) => {
      // Accepted sockets arrive here only where `acceptHandles` could not take over the listener.
      const listener = net.createServer({ noDelay: true, pauseOnConnect: true }, (socket) =>
        attachConnection(server, adoptConnection(socket, CLIENT_EVENTS))
      )
      const onError = (cause: unknown) => resume(Effect.fail(new ListenError({ address: `${options.host}:${options.port}`, cause })))
      listener.once("error", onError)
      listener.listen({ port: options.port, host: options.host, backlog: 511 }, () => {
        listener.off("error", onError)
        listener.on("error", (e) => server.log("warning", `listener error: ${String(e)}`))
        acceptHandles(
          listener,
          CLIENT_EVENTS,
          (connection) => attachConnection(server, connection),
          // Valkey logs a failed accept (EMFILE, ECONNABORTED ...) and goes on listening.
          (status) => server.log("warning", `Accepting client connection: ${status < 0 ? getSystemErrorName(status) : status}`)
        )
        resume(Effect.succeed(listener))
      })
    }),
    (listener) =>
      Effect.callback<void>((resume) => {
        for (const client of Array.from(server.clients.values())) server.closeClient(client, false)
        listener.close(() => resume(Effect.void))
      })
  )
