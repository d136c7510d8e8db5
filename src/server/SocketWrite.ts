import type { Socket } from "node:net"

/**
 * Replies go straight to the socket's libuv handle, as Node's own `Socket.write` ends up doing,
 * without the Writable stream around it (its state machine, callbacks and per-write `nextTick`).
 * Serving 10,000 blocked clients (bench/blocking.ts), the stream's own JavaScript was an eighth of
 * the server's user CPU. libuv keeps the order of writes on a stream, so direct writes and stream
 * writes may follow each other.
 *
 * This uses Node internals (`_handle`, `process.binding("stream_wrap")`); where they are missing
 * or differ, `Socket.write` is used as before.
 */

interface WriteRequest {
  handle: StreamHandle
  oncomplete: (this: WriteRequest, status: number) => void
  async: boolean
  socket: Socket
  whenDrained: (socket: Socket) => void
}

interface StreamHandle {
  writeLatin1String(request: WriteRequest, data: string): number
  readonly writeQueueSize: number
}

interface StreamWrapBinding {
  readonly WriteWrap: new () => WriteRequest
  readonly streamBaseState: Int32Array
  readonly kLastWriteWasAsync: number
}

const loadBinding = (): StreamWrapBinding | null => {
  try {
    const binding = (process as unknown as { binding(name: string): Partial<StreamWrapBinding> }).binding("stream_wrap")
    const { WriteWrap, streamBaseState, kLastWriteWasAsync } = binding
    if (typeof WriteWrap !== "function" || !(streamBaseState instanceof Int32Array) || typeof kLastWriteWasAsync !== "number") return null
    return { WriteWrap, streamBaseState, kLastWriteWasAsync }
  } catch {
    return null
  }
}

const binding = loadBinding()

const handleOf = (socket: Socket): StreamHandle | null => {
  const handle = (socket as unknown as { _handle?: StreamHandle | null })._handle
  return handle !== undefined && handle !== null && typeof handle.writeLatin1String === "function" ? handle : null
}

/** A queued direct write finished: report errors as the stream would, and run `whenDrained` once the queue is empty. */
function onWriteComplete(this: WriteRequest, status: number): void {
  const socket = this.socket
  if (socket.destroyed) return
  if (status < 0) {
    socket.destroy(new Error(`write failed (${status})`))
    return
  }
  if (this.handle.writeQueueSize === 0) this.whenDrained(socket)
}

/**
 * Writes `data` as latin1 bytes. True when it is all written (handed to the kernel); false when some
 * of it waits in the queue, and then `whenDrained` runs once the queue has been written.
 */
export const writeLatin1 = (socket: Socket, data: string, whenDrained: (socket: Socket) => void): boolean => {
  const handle = binding === null ? null : handleOf(socket)
  // Only when the stream has nothing of its own buffered, so bytes stay in order.
  if (handle === null || binding === null || socket.writableLength > 0 || !socket.writable) {
    const drained = socket.write(data, "latin1")
    if (!drained) socket.once("drain", () => whenDrained(socket))
    return drained
  }
  const request = new binding.WriteWrap()
  request.handle = handle
  request.oncomplete = onWriteComplete
  request.async = false
  request.socket = socket
  request.whenDrained = whenDrained
  const status = handle.writeLatin1String(request, data)
  if (status !== 0) {
    socket.destroy(new Error(`write failed (${status})`))
    return true
  }
  return binding.streamBaseState[binding.kLastWriteWasAsync] === 0
}

/** Bytes accepted for this socket and not yet written (the stream's buffer or the handle's queue). */
export const queuedBytes = (socket: Socket): number => {
  const handle = handleOf(socket)
  return handle === null ? socket.writableLength : Math.max(socket.writableLength, handle.writeQueueSize)
}
