import * as net from "node:net"

/**
 * A client's TCP connection as the server uses it: bytes in (through `ConnectionEvents`), latin1
 * replies out, backpressure, and closing.
 *
 * `TcpConnection` drives the accepted libuv handle directly, as `net.Socket` does inside. Every
 * connection reads into one shared buffer, and replies are written without Node's stream machinery.
 * A `net.Socket` with its two stream states, listeners and bound functions was about 40% of the
 * JavaScript heap of an idle connection, which the young-generation GC copies while 10,000 fresh
 * connections park in BLPOP (bench/blocking.ts).
 *
 * This relies on Node internals (`_handle`, `process.binding("stream_wrap")`). Where they are
 * missing or differ, `SocketConnection` does the same over the public `net.Socket` API.
 */
/** One end of a connection. */
export interface Endpoint {
  readonly address: string
  readonly port: number
}

export interface Connection {
  /** Destroyed: nothing more is read or written. */
  readonly destroyed: boolean
  /** The peer's end; null once closed or when the kernel cannot tell. */
  readonly remote: Endpoint | null
  /** This server's end; null once closed or when the kernel cannot tell. */
  readonly local: Endpoint | null
  /** The file descriptor (CLIENT LIST `fd`), -1 when unknown. */
  readonly fd: number
  /** Bytes accepted by `write` and not yet handed to the kernel. */
  readonly queuedBytes: number
  /**
   * A write is waiting for the kernel: more bytes would only pile up in memory. The connection
   * reports `drained` when it is over.
   */
  readonly backlogged: boolean
  /** TCP keepalive probes after `seconds` idle, 0 for none (Valkey's `tcp-keepalive`). */
  keepAlive(seconds: number): void
  /**
   * Writes `data` as latin1 bytes. When it cannot all go to the kernel at once, the rest waits in
   * order and reading stops until it has been written, so a client that does not read its
   * replies cannot pile up more of them.
   */
  write(data: string): void
  /** Closes once every written byte has been sent. */
  end(): void
  /** Closes now; unsent bytes are dropped. */
  destroy(): void
}

/**
 * What a connection reports, shared by every connection (no closures per connection): `owner` is
 * what the connection was started with.
 */
export interface ConnectionEvents<Owner> {
  /**
   * The first `length` bytes of `chunk` arrived. `chunk` may be a shared buffer, valid only during
   * this call (passing a length saves allocating a view per read).
   */
  received(owner: Owner, chunk: Buffer, length: number): void
  /** `chunk` is about to be reused for another connection's bytes (copy what you keep). */
  released(owner: Owner, chunk: Buffer): void
  /**
   * Every write was handed to the kernel after some had to wait (`backlogged` is false again): the
   * owner may write more. Reading resumes after this call unless it left the connection backlogged.
   */
  drained(owner: Owner): void
  /** The peer closed its side: the server finishes what it owes and closes. */
  ended(owner: Owner): void
  /** The connection is closed (called once). */
  closed(owner: Owner): void
}

/** One read buffer for every connection: reads land in it and are parsed at once. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024)

const UV_EOF = -4095

interface WriteRequest {
  handle: TcpHandle | null
  oncomplete: (this: WriteRequest, status: number) => void
  async: boolean
  connection: TcpConnection<unknown> | null
}

interface ShutdownRequest {
  handle: TcpHandle
  oncomplete: (this: ShutdownRequest, status: number) => void
  connection: TcpConnection<unknown>
}

interface AddressInfo {
  address?: string
  port?: number
}

const endpointOf = (address: string | undefined, port: number | undefined): Endpoint | null =>
  address === undefined || port === undefined ? null : { address, port }

interface TcpHandle {
  onread: (this: TcpHandle) => void
  connection?: TcpConnection<unknown>
  readonly fd: number
  readonly writeQueueSize: number
  useUserBuffer(buffer: Buffer): void
  readStart(): number
  readStop(): number
  writeLatin1String(request: WriteRequest, data: string): number
  shutdown(request: ShutdownRequest): number
  close(callback: () => void): void
  getpeername(out: AddressInfo): number
  getsockname(out: AddressInfo): number
  setNoDelay(enable: boolean): number
  setKeepAlive(enable: boolean, delaySeconds: number): number
}

interface StreamWrapBinding {
  readonly WriteWrap: new () => WriteRequest
  readonly ShutdownWrap: new () => ShutdownRequest
  readonly streamBaseState: Int32Array
  readonly kReadBytesOrError: number
  readonly kLastWriteWasAsync: number
}

const loadBinding = (): StreamWrapBinding | null => {
  try {
    const b = (process as unknown as { binding(name: string): Partial<StreamWrapBinding> }).binding("stream_wrap")
    if (
      typeof b.WriteWrap !== "function" ||
      typeof b.ShutdownWrap !== "function" ||
      !(b.streamBaseState instanceof Int32Array) ||
      typeof b.kReadBytesOrError !== "number" ||
      typeof b.kLastWriteWasAsync !== "number"
    )
      return null
    return b as StreamWrapBinding
  } catch {
    return null
  }
}

const binding = loadBinding()

const HANDLE_METHODS = [
  "useUserBuffer",
  "readStart",
  "readStop",
  "writeLatin1String",
  "shutdown",
  "close",
  "getpeername",
  "getsockname",
  "setNoDelay",
  "setKeepAlive"
] as const

const usableHandle = (socket: net.Socket): TcpHandle | null => {
  const handle = (socket as unknown as { _handle?: TcpHandle | null })._handle
  if (handle === undefined || handle === null) return null
  for (const method of HANDLE_METHODS) if (typeof handle[method] !== "function") return null
  return handle
}

/**
 * A write request free for the next write. Node writes a string of up to 16 KB from its stack and,
 * when the kernel takes it all at once, never hands the request to libuv; such a request is reused
 * (by any connection: writes are synchronous). Any other request belongs to libuv until it completes.
 */
let spareRequest: WriteRequest | null = null
const SPARE_REQUEST_MAX_BYTES = 16 * 1024

/** The handle's `onread` (`this` is the handle): bytes are in READ_BUFFER, or nread is an error or EOF. */
function onHandleRead(this: TcpHandle): void {
  const connection = this.connection
  if (connection === undefined || binding === null) return
  const nread = binding.streamBaseState[binding.kReadBytesOrError]
  if (nread > 0) connection.readInto(nread)
  else if (nread < 0) connection.readFailed(nread)
}

function onWriteComplete(this: WriteRequest, status: number): void {
  this.connection?.writeCompleted(status)
}

function onShutdownComplete(this: ShutdownRequest): void {
  this.connection.destroy()
}

/** A connection on the accepted TCP handle itself (see `Connection`); made only when `binding` loaded. */
class TcpConnection<Owner> implements Connection {
  destroyed = false
  private owner!: Owner
  /** Reading stopped until the write queue drains. */
  private waitingForDrain = false
  private ending = false

  constructor(
    private readonly handle: TcpHandle,
    private readonly events: ConnectionEvents<Owner>
  ) {}

  start(owner: Owner): void {
    this.owner = owner
    const handle = this.handle
    handle.connection = this as TcpConnection<unknown>
    handle.onread = onHandleRead
    handle.useUserBuffer(READ_BUFFER)
    handle.setNoDelay(true)
    const status = handle.readStart()
    if (status !== 0) this.destroy()
  }

  readInto(length: number): void {
    if (this.destroyed) return
    this.events.received(this.owner, READ_BUFFER, length)
    this.events.released(this.owner, READ_BUFFER)
  }

  readFailed(status: number): void {
    if (this.destroyed) return
    if (status === UV_EOF) {
      this.handle.readStop()
      this.events.ended(this.owner)
    } else this.destroy()
  }

  // Asked of the kernel each time, not kept: the client formats and keeps its `addr` and `laddr`
  // when first asked (as Valkey does), and most connections never are.
  get remote(): Endpoint | null {
    return this.address("getpeername")
  }
  get local(): Endpoint | null {
    return this.address("getsockname")
  }

  /** One end's address from the kernel; null once closed or when it cannot tell. */
  private address(query: "getpeername" | "getsockname"): Endpoint | null {
    if (this.destroyed) return null
    const out: AddressInfo = {}
    return this.handle[query](out) === 0 ? endpointOf(out.address, out.port) : null
  }

  get fd(): number {
    return this.destroyed ? -1 : this.handle.fd
  }

  get queuedBytes(): number {
    return this.destroyed ? 0 : this.handle.writeQueueSize
  }

  get backlogged(): boolean {
    return this.waitingForDrain
  }

  keepAlive(seconds: number): void {
    if (!this.destroyed) this.handle.setKeepAlive(seconds > 0, seconds)
  }

  write(data: string): void {
    if (this.destroyed || this.ending) return
    const stream = binding!
    const request = spareRequest ?? new stream.WriteWrap()
    spareRequest = null
    request.handle = this.handle
    request.oncomplete = onWriteComplete
    request.async = false
    request.connection = this as TcpConnection<unknown>
    const status = this.handle.writeLatin1String(request, data)
    if (status !== 0) {
      this.destroy()
      return
    }
    if (stream.streamBaseState[stream.kLastWriteWasAsync] === 0) {
      if (data.length <= SPARE_REQUEST_MAX_BYTES) {
        request.handle = null
        request.connection = null
        spareRequest = request
      }
      return
    }
    if (!this.waitingForDrain) {
      this.waitingForDrain = true
      this.handle.readStop()
    }
  }

  writeCompleted(status: number): void {
    if (this.destroyed) return
    if (status < 0) {
      this.destroy()
      return
    }
    if (this.waitingForDrain && this.handle.writeQueueSize === 0) {
      this.waitingForDrain = false
      this.events.drained(this.owner)
      if (!this.waitingForDrain && !this.ending && !this.destroyed) this.handle.readStart()
    }
  }

  end(): void {
    if (this.destroyed || this.ending) return
    this.ending = true
    this.handle.readStop()
    // libuv shuts the socket down after the queued writes; then it is closed.
    const request = new binding!.ShutdownWrap()
    request.handle = this.handle
    request.oncomplete = onShutdownComplete
    request.connection = this as TcpConnection<unknown>
    const status = this.handle.shutdown(request)
    // 1: done synchronously; an error: nothing to wait for.
    if (status !== 0) this.destroy()
  }

  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    const handle = this.handle
    handle.connection = undefined
    handle.close(() => this.events.closed(this.owner))
  }
}

/** The same over `net.Socket` and its public API (the fallback; see `Connection`). */
class SocketConnection<Owner> implements Connection {
  private waitingForDrain = false
  private ending = false

  constructor(
    private readonly socket: net.Socket,
    private readonly events: ConnectionEvents<Owner>
  ) {}

  start(owner: Owner): void {
    const { socket, events } = this
    // The peer's end is reported and the server closes after its replies, as `TcpConnection` does.
    socket.allowHalfOpen = true
    socket.setNoDelay(true)
    socket.on("data", (chunk: Buffer) => events.received(owner, chunk, chunk.length))
    socket.on("end", () => events.ended(owner))
    socket.on("error", () => {})
    socket.on("close", () => events.closed(owner))
    socket.on("drain", () => {
      if (!this.waitingForDrain) return
      this.waitingForDrain = false
      events.drained(owner)
      if (!this.waitingForDrain && !this.ending && !socket.destroyed) socket.resume()
    })
    socket.resume()
  }

  get destroyed(): boolean {
    return this.socket.destroyed
  }
  get remote(): Endpoint | null {
    return endpointOf(this.socket.remoteAddress, this.socket.remotePort)
  }
  get local(): Endpoint | null {
    return endpointOf(this.socket.localAddress, this.socket.localPort)
  }
  get fd(): number {
    const handle = (this.socket as unknown as { _handle?: { fd?: number } | null })._handle
    return typeof handle?.fd === "number" ? handle.fd : -1
  }
  get queuedBytes(): number {
    return this.socket.writableLength
  }
  get backlogged(): boolean {
    return this.waitingForDrain
  }

  keepAlive(seconds: number): void {
    this.socket.setKeepAlive(seconds > 0, seconds * 1000)
  }

  write(data: string): void {
    if (this.socket.destroyed || this.ending) return
    if (!this.socket.write(data, "latin1") && !this.waitingForDrain) {
      this.waitingForDrain = true
      this.socket.pause()
    }
  }

  end(): void {
    if (this.ending) return
    this.ending = true
    // Closed once the writes are sent, whether or not the peer ends its side (half-open allowed).
    this.socket.end(() => this.socket.destroy())
  }

  destroy(): void {
    this.socket.destroy()
  }
}

/** A connection that reports to `owner` once started. */
export interface AdoptedConnection<Owner> extends Connection {
  /** Starts reading; events name `owner`. */
  start(owner: Owner): void
}

/**
 * Takes over a socket accepted by `net.Server` (created with `pauseOnConnect`): the path when
 * `acceptHandles` could not take over the listener. Its handle moves to a `TcpConnection` and the
 * socket, left without one, is destroyed so the server stops counting it; or, without the internals
 * (or with `useSocket`), the socket itself is wrapped.
 */
export const adoptConnection = <Owner>(
  accepted: net.Socket,
  events: ConnectionEvents<Owner>,
  useSocket = false
): AdoptedConnection<Owner> => {
  const handle = useSocket || binding === null ? null : usableHandle(accepted)
  if (handle === null) return new SocketConnection<Owner>(accepted, events)
  ;(accepted as unknown as { _handle: TcpHandle | null })._handle = null
  accepted.destroy()
  const connection = new TcpConnection<Owner>(handle, events)
  // The handle names its owner (Node's `owner_symbol`): the connection, not the destroyed socket,
  // which would otherwise stay alive with its stream states as long as the connection.
  for (const symbol of Object.getOwnPropertySymbols(handle))
    if (symbol.description === "owner_symbol") (handle as unknown as Record<symbol, unknown>)[symbol] = connection
  return connection
}

interface ListenHandle {
  onconnection: (this: ListenHandle, status: number, accepted: TcpHandle | undefined) => void
}

/** Whether every handle `net.Server` accepts has what `TcpConnection` uses (their shared prototype). */
const acceptedHandlesUsable = (): boolean => {
  try {
    const tcp = (process as unknown as { binding(name: string): { TCP?: { prototype: object } } }).binding("tcp_wrap").TCP
    if (tcp === undefined) return false
    const prototype = tcp.prototype as Record<string, unknown>
    return HANDLE_METHODS.every((method) => typeof prototype[method] === "function")
  } catch {
    return false
  }
}

/**
 * Makes a listening `net.Server` hand each accepted TCP handle straight to `accept` as a
 * `TcpConnection`, without the `net.Socket` (and its two stream states) that it would otherwise
 * build and that `adoptConnection` would destroy at once: about 2.7 KB less garbage per accepted
 * connection. `net.Server` still does the rest (address resolution, bind, listen, errors, close).
 * Returns false, changing nothing, where Node's internals differ: connections then arrive as
 * `connection` events for `adoptConnection`.
 */
export const acceptHandles = <Owner>(
  listener: net.Server,
  events: ConnectionEvents<Owner>,
  accept: (connection: AdoptedConnection<Owner>) => void,
  onError: (status: number) => void
): boolean => {
  const handle = (listener as unknown as { _handle?: ListenHandle | null })._handle
  if (binding === null || handle === undefined || handle === null || typeof handle.onconnection !== "function") return false
  if (!acceptedHandlesUsable()) return false
  handle.onconnection = (status, accepted) => {
    if (status !== 0 || accepted === undefined) onError(status)
    else accept(new TcpConnection<Owner>(accepted, events))
  }
  return true
}
