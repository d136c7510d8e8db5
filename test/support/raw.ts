import * as net from "node:net"

/**
 * A raw TCP client for exact-byte assertions: send bytes, read until a predicate holds on what has
 * arrived, with a bounded wait.
 */
export class RawClient {
  private received = Buffer.alloc(0)
  private waiters: Array<() => void> = []
  closed = false

  private constructor(readonly socket: net.Socket) {
    socket.on("data", (chunk) => {
      this.received = Buffer.concat([this.received, chunk])
      this.wake()
    })
    socket.on("close", () => {
      this.closed = true
      this.wake()
    })
    socket.on("error", () => {})
  }

  static connect(port: number, host = "127.0.0.1"): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host }, () => resolve(new RawClient(socket)))
      socket.once("error", reject)
    })
  }

  private wake() {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }

  write(data: string | Buffer): void {
    this.socket.write(data)
  }

  /** Everything received so far as latin1, and clears it. */
  take(): string {
    const text = this.received.toString("latin1")
    this.received = Buffer.alloc(0)
    return text
  }

  /** Waits until the received bytes satisfy `done` (or the connection closes), within `ms`. */
  async until(done: (text: string) => boolean, ms = 5000): Promise<string> {
    const deadline = Date.now() + ms
    for (;;) {
      const text = this.received.toString("latin1")
      if (done(text) || this.closed) return text
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out waiting; received so far: ${JSON.stringify(text)}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** Sends `data` and returns the reply bytes once `expected` of them have arrived. */
  async request(data: string | Buffer, expected: string): Promise<string> {
    this.take()
    this.write(data)
    const text = await this.until((t) => t.length >= expected.length)
    this.take()
    return text
  }

  close(): void {
    this.socket.destroy()
  }
}
