import { RawClient } from "../support/raw.js"
import { cmd } from "../support/resp.js"

/** An error reply, as Valkey's Tcl test client surfaces it. */
export class ServerError extends Error {}

export type Value = string | number | null | ServerError | Array<Value> | { readonly double: number }

/** Parses one RESP2/RESP3 reply at `pos`; returns undefined when more bytes are needed. */
const parse = (text: string, pos: number): { value: Value; end: number } | undefined => {
  const lineEnd = text.indexOf("\r\n", pos)
  if (lineEnd < 0) return undefined
  const type = text[pos]
  const line = text.slice(pos + 1, lineEnd)
  const next = lineEnd + 2
  switch (type) {
    case "+":
      return { value: line, end: next }
    case "-":
      return { value: new ServerError(line), end: next }
    case ":":
      return { value: Number(line), end: next }
    case ",":
      return { value: { double: Number(line) }, end: next }
    case "_":
      return { value: null, end: next }
    case "#":
      return { value: line === "t" ? 1 : 0, end: next }
    case "$":
    case "=":
    case "!": {
      const n = Number(line)
      if (n < 0) return { value: null, end: next }
      if (text.length < next + n + 2) return undefined
      return { value: text.slice(next, next + n), end: next + n + 2 }
    }
    case "*":
    case "~":
    case ">":
    case "%": {
      let n = Number(line)
      if (n < 0) return { value: null, end: next }
      if (type === "%") n *= 2
      const out: Array<Value> = []
      let at = next
      for (let i = 0; i < n; i++) {
        const item = parse(text, at)
        if (item === undefined) return undefined
        out.push(item.value)
        at = item.end
      }
      return { value: out, end: at }
    }
    default:
      throw new Error(`bad reply byte ${JSON.stringify(type)} in ${JSON.stringify(text.slice(pos, pos + 40))}`)
  }
}

/**
 * A client in the manner of the Tcl suite's `r`: `call` returns the parsed reply and throws
 * `ServerError` on an error reply; `err` returns the error text (and fails if none came).
 */
export class TclClient {
  private buffer = ""
  private constructor(readonly raw: RawClient) {}

  static async connect(port: number): Promise<TclClient> {
    return new TclClient(await RawClient.connect(port))
  }

  /** Sends a command without waiting (deferring client). */
  send(...argv: Array<string | number>): void {
    this.raw.write(Buffer.from(cmd(...argv.map(String)), "latin1"))
  }

  /** Reads the next reply (deferring client), errors returned as ServerError values. */
  async read(ms = 5000): Promise<Value> {
    for (;;) {
      const parsed = parse(this.buffer, 0)
      if (parsed !== undefined) {
        this.buffer = this.buffer.slice(parsed.end)
        return parsed.value
      }
      await this.raw.until((t) => t.length > 0, ms)
      if (this.raw.closed && this.buffer.length === 0) {
        const more = this.raw.take()
        if (more.length === 0) throw new Error("connection closed")
        this.buffer += more
      } else this.buffer += this.raw.take()
    }
  }

  async call(...argv: Array<string | number>): Promise<any> {
    this.send(...argv)
    const value = await this.read()
    if (value instanceof ServerError) throw value
    return value
  }

  async err(...argv: Array<string | number>): Promise<string> {
    this.send(...argv)
    const value = await this.read()
    if (!(value instanceof ServerError)) throw new Error(`expected an error from ${argv.join(" ")}, got ${JSON.stringify(value)}`)
    return value.message
  }

  close(): void {
    this.raw.close()
  }
}
