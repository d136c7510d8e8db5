import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as dns from "node:dns"
import * as fs from "node:fs"
import * as net from "node:net"
import { getSystemErrorName } from "node:util"
import type { Client } from "./Client.js"
import { acceptHandles, adoptConnection, type AdoptedConnection, type ConnectionEvents } from "./Connection.js"
import { probeFastPath } from "./FastPathProbe.js"
import { PROTECTED_MODE_DENIED, refusedByProtectedMode } from "./ProtectedMode.js"
import type { Server } from "./Server.js"

/**
 * A bind address could not be listened on. `message` is Valkey's (server.c `listenToPort`):
 * `Could not create server TCP listening socket 127.0.0.1:6379: bind: Address already in use`.
 */
export class ListenError extends Data.TaggedError("ListenError")<{
  /** `host:port` as configured (`*:6379` for every IPv4 address), or the `unixsocket` path. */
  readonly address: string
  /** Why, as anet.c words it: `bind: <strerror>`, or the resolver's error for a host name. */
  readonly reason: string
  readonly cause: unknown
  /** The `unixsocket` listener failed (unix.c `connUnixListen`), not a TCP one. */
  readonly unix?: boolean
}> {
  override get message(): string {
    return this.unix === true
      ? `Failed opening Unix socket: ${this.reason}`
      : `Could not create server TCP listening socket ${this.address}: ${this.reason}`
  }
}

export interface ListenOptions {
  readonly port: number
  /**
   * Addresses as Valkey's `bind` takes them: `*` is every IPv4 address, `::*` every IPv6 address,
   * and a leading `-` marks an address that may be unavailable.
   */
  readonly bind: ReadonlyArray<string>
  /** `unixsocket` and `unixsocketperm` (0: the umask's permissions), or null for no Unix socket. */
  readonly unixSocket?: { readonly path: string; readonly perm: number } | null
}

/** glibc's strerror and gai_strerror texts for the errors a bind meets (Node has only libuv's). */
const ERROR_TEXTS: Record<string, string> = {
  EADDRINUSE: "bind: Address already in use",
  EADDRNOTAVAIL: "bind: Cannot assign requested address",
  EACCES: "bind: Permission denied",
  EPERM: "bind: Operation not permitted",
  EINVAL: "bind: Invalid argument",
  EAFNOSUPPORT: "bind: Address family not supported by protocol",
  ENOTFOUND: "Name or service not known",
  EAI_AGAIN: "Temporary failure in name resolution"
}

/** Errors that only say this kind of address does not exist here: Valkey skips the address. */
const UNSUPPORTED = new Set(["ENOPROTOOPT", "EPROTONOSUPPORT", "ESOCKTNOSUPPORT", "EPFNOSUPPORT", "EAFNOSUPPORT"])

const errorCode = (cause: unknown): string =>
  typeof cause === "object" && cause !== null && typeof (cause as { code?: unknown }).code === "string" ? (cause as { code: string }).code : ""

const reasonOf = (cause: unknown): string =>
  ERROR_TEXTS[errorCode(cause)] ?? `bind: ${cause instanceof Error ? cause.message : String(cause)}`

/**
 * Binds `listener` to `address` as anet.c's `_anetTcpServer` does: `*` and `::*` are the
 * wildcards, an address with a colon is IPv6 and bound IPv6-only, and a host name resolves to an
 * IPv4 address (valkey-server asks getaddrinfo for AF_INET only).
 */
const bindListener = (listener: net.Server, address: string, port: number, onError: (cause: unknown) => void, onListening: () => void) => {
  const bindTo = (host: string) => listener.listen({ port, host, ipv6Only: host.includes(":"), backlog: 511 }, onListening)
  if (address === "*") bindTo("0.0.0.0")
  else if (address === "::*") bindTo("::")
  else if (net.isIP(address) !== 0) bindTo(address)
  else dns.lookup(address, { family: 4 }, (error, resolved) => (error ? onError(error) : bindTo(resolved)))
}

/** Set to `socket` to skip the fast path and its probe: connections then use `net.Socket`. */
const CONNECTIONS_ENV = "KEYFIBER_CONNECTIONS"
const PROBE_TIMEOUT_MS = 2000
let fastPathProbe: Promise<boolean> | null = null

/** Whether connections take the fast path: it is probed once per process, on first use. */
const useFastPath = (server: Server): Effect.Effect<boolean> =>
  Effect.promise(async () => {
    if (process.env[CONNECTIONS_ENV] === "socket") {
      server.log("notice", `Connections use net.Socket (${CONNECTIONS_ENV}=socket)`)
      return false
    }
    fastPathProbe ??= probeFastPath(PROBE_TIMEOUT_MS)
    const passed = await fastPathProbe
    if (!passed) server.log("notice", "The connection fast path failed its start-up check on this Node: connections use net.Socket")
    return passed
  })

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
 * per touched client. No fiber per connection or per command: each command runs start to end on the
 * one JavaScript thread, so it is atomic as on Valkey's main thread.
 */
const attachConnection = (server: Server, connection: AdoptedConnection<Client>, unixPath: string | null = null): void => {
  let client: Client
  if (unixPath === null) {
    connection.keepAlive(server.config.get<number>("tcp-keepalive"))
    client = server.createClient(connection)
  } else {
    // networking.c `genClientAddrString`: a Unix socket client's addr and laddr are `<unixsocket>:0`.
    client = server.createClient(connection, `${unixPath}:0`, `${unixPath}:0`, true)
    server.log("verbose", `Accepted connection to ${unixPath}`)
  }
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

/** Listens on one address; fails with the address's `ListenError`. */
const listenOn = (server: Server, address: string, port: number, fastPath: boolean) =>
  Effect.callback<net.Server, ListenError>((resume) => {
    // Accepted sockets arrive here only where `acceptHandles` did not take over the listener.
    const listener = net.createServer({ noDelay: true, pauseOnConnect: true }, (socket) =>
      attachConnection(server, adoptConnection(socket, CLIENT_EVENTS, !fastPath))
    )
    const onError = (cause: unknown) => {
      listener.close()
      resume(Effect.fail(new ListenError({ address: `${address}:${port}`, reason: reasonOf(cause), cause })))
    }
    listener.once("error", onError)
    bindListener(listener, address, port, onError, () => {
      listener.off("error", onError)
      listener.on("error", (e) => server.log("warning", `listener error: ${String(e)}`))
      if (fastPath)
        acceptHandles(
          listener,
          CLIENT_EVENTS,
          (connection) => attachConnection(server, connection),
          // Valkey logs a failed accept (EMFILE, ECONNABORTED ...) and goes on listening.
          (status) => server.log("warning", `Accepting client connection: ${status < 0 ? getSystemErrorName(status) : status}`)
        )
      resume(Effect.succeed(listener))
    })
  })

/**
 * Listens on the `unixsocket` path as unix.c `connUnixListen`: a file left at the path is removed
 * first, and `perm` (when not 0) is applied to the socket file. Its connections use `net.Socket`.
 */
const listenUnix = (server: Server, path: string, perm: number) =>
  Effect.callback<net.Server, ListenError>((resume) => {
    const listener = net.createServer({ pauseOnConnect: true }, (socket) =>
      attachConnection(server, adoptConnection(socket, CLIENT_EVENTS, true), path)
    )
    const onError = (cause: unknown) => {
      listener.close()
      resume(Effect.fail(new ListenError({ address: path, reason: reasonOf(cause), cause, unix: true })))
    }
    try {
      fs.rmSync(path, { force: true })
    } catch {
      // anet.c ignores a failed unlink: the bind reports what is wrong.
    }
    listener.once("error", onError)
    listener.listen({ path, backlog: 511 }, () => {
      listener.off("error", onError)
      listener.on("error", (e) => server.log("warning", `listener error: ${String(e)}`))
      try {
        if (perm !== 0) fs.chmodSync(path, perm)
      } catch (cause) {
        onError(cause)
        return
      }
      resume(Effect.succeed(listener))
    })
  })

const closeListener = (listener: net.Server) => Effect.callback<void>((resume) => void listener.close(() => resume(Effect.void)))

/**
 * Listens on every `bind` address for the lifetime of the scope, as Valkey's `listenToPort`: a
 * failed address is logged, and fails the whole (closing those already bound) unless it is an
 * optional address that is not available or an address family this host lacks. With port 0 the
 * first address takes a free port and the others the same one. Closing the scope closes every client.
 */
export const listen = (server: Server, options: ListenOptions) =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const fastPath = yield* useFastPath(server)
      const listeners: Array<net.Server> = []
      let port = options.port
      let skipped: ListenError | null = null
      for (const entry of options.bind) {
        const optional = entry.startsWith("-")
        const address = optional ? entry.slice(1) : entry
        const bound = yield* Effect.result(listenOn(server, address, port, fastPath))
        if (bound._tag === "Success") {
          listeners.push(bound.success)
          port = (bound.success.address() as net.AddressInfo).port
          continue
        }
        const error = bound.failure
        server.log("warning", `Warning: ${error.message}`)
        const code = errorCode(error.cause)
        if ((code === "EADDRNOTAVAIL" && optional) || UNSUPPORTED.has(code)) {
          skipped = error
          continue
        }
        yield* Effect.forEach(listeners, closeListener, { discard: true })
        return yield* error
      }
      // Every address skipped: nothing to serve on.
      if (listeners.length === 0 && skipped !== null) return yield* skipped
      if (options.unixSocket) {
        const unix = yield* Effect.result(listenUnix(server, options.unixSocket.path, options.unixSocket.perm))
        if (unix._tag === "Failure") {
          server.log("warning", unix.failure.message)
          yield* Effect.forEach(listeners, closeListener, { discard: true })
          return yield* unix.failure
        }
        listeners.push(unix.success)
      }
      return listeners
    }),
    (listeners) =>
      Effect.suspend(() => {
        for (const client of Array.from(server.clients.values())) server.closeClient(client, false)
        return Effect.forEach(listeners, closeListener, { discard: true })
      })
  )
