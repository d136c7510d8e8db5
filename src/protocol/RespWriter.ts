import {
  BigNumberReply,
  DoubleReply,
  ErrorReply,
  MapReply,
  NullArray,
  PushReply,
  RawReply,
  type Reply,
  SetReply,
  SimpleString,
  VerbatimReply
} from "./Reply.js"

export type RespVersion = 2 | 3

const CRLF = "\r\n"

/** Lines for small counts, built once (most bulk lengths, integers and array sizes are small). */
const SMALL = 1024
const lines = (prefix: string): ReadonlyArray<string> => Array.from({ length: SMALL }, (_, n) => prefix + n + CRLF)
const BULK_HEADERS = lines("$")
const INTEGERS = lines(":")
const ARRAY_HEADERS = lines("*")

/**
 * Valkey prints doubles with `fpconv_dtoa`: the shortest round-trip digits laid out as `%.17g`
 * would (exponent form when the decimal exponent is below -4 or at least 17, with a sign and at
 * least two exponent digits), and `inf`, `-inf`, `nan`.
 */
export const formatDouble = (value: number): string => {
  if (Number.isNaN(value)) return "nan"
  if (value === Infinity) return "inf"
  if (value === -Infinity) return "-inf"
  if (value === 0) return Object.is(value, -0) ? "-0" : "0"
  const exponential = value.toExponential()
  const e = exponential.indexOf("e")
  const exponent = Number(exponential.slice(e + 1))
  // JS prints fixed notation for exponents in [-6, 21), which covers %g's [-4, 17).
  if (exponent >= -4 && exponent < 17) return String(value)
  const digits = exponent < 0 ? -exponent : exponent
  return exponential.slice(0, e) + (exponent < 0 ? "e-" : "e+") + (digits < 10 ? "0" : "") + digits
}

/** Encodes one reply as RESP bytes (latin1 string). */
export const encodeReply = (reply: Reply, resp: RespVersion): string => {
  switch (typeof reply) {
    case "string":
      return (reply.length < SMALL ? BULK_HEADERS[reply.length] : "$" + reply.length + CRLF) + reply + CRLF
    case "number":
      return reply >= 0 && reply < SMALL && Number.isInteger(reply) ? INTEGERS[reply] : ":" + reply + CRLF
    case "bigint":
      return ":" + reply + CRLF
    case "boolean":
      return resp === 3 ? (reply ? "#t\r\n" : "#f\r\n") : reply ? ":1\r\n" : ":0\r\n"
  }
  if (reply === null) return resp === 3 ? "_\r\n" : "$-1\r\n"
  if (Array.isArray(reply)) return encodeAggregate("*", reply as ReadonlyArray<Reply>, resp)
  if (reply instanceof SimpleString) return reply.encoded
  if (reply instanceof ErrorReply) return "-" + sanitizeLine(reply.message) + CRLF
  if (reply instanceof NullArray) return resp === 3 ? "_\r\n" : "*-1\r\n"
  if (reply instanceof MapReply) {
    if (resp === 2) return encodeAggregate("*", reply.entries, resp)
    let out = "%" + reply.entries.length / 2 + CRLF
    for (const item of reply.entries) out += encodeReply(item, resp)
    return out
  }
  if (reply instanceof SetReply) return encodeAggregate(resp === 3 ? "~" : "*", reply.items, resp)
  if (reply instanceof PushReply) return encodeAggregate(resp === 3 ? ">" : "*", reply.items, resp)
  if (reply instanceof DoubleReply) {
    const text = formatDouble(reply.value)
    return resp === 3 ? "," + text + CRLF : "$" + text.length + CRLF + text + CRLF
  }
  if (reply instanceof VerbatimReply) {
    if (resp === 2) return "$" + reply.text.length + CRLF + reply.text + CRLF
    return "=" + (reply.text.length + 4) + CRLF + reply.format + ":" + reply.text + CRLF
  }
  if (reply instanceof BigNumberReply) {
    return resp === 3 ? "(" + reply.digits + CRLF : "$" + reply.digits.length + CRLF + reply.digits + CRLF
  }
  if (reply instanceof RawReply) return reply.bytes
  throw new TypeError("unknown reply value: " + String(reply))
}

const encodeAggregate = (prefix: string, items: ReadonlyArray<Reply>, resp: RespVersion): string => {
  let out = prefix === "*" && items.length < SMALL ? ARRAY_HEADERS[items.length] : prefix + items.length + CRLF
  for (let i = 0; i < items.length; i++) out += encodeReply(items[i], resp)
  return out
}

/** Error and status lines cannot carry CR or LF (Valkey replaces them with spaces). */
const sanitizeLine = (line: string): string =>
  line.indexOf("\r") === -1 && line.indexOf("\n") === -1 ? line : line.replace(/[\r\n]/g, " ")

/** Where `writeReply` puts a reply's bytes, in order (a client's output buffer). */
export interface ReplySink {
  add(bytes: string): void
}

/**
 * Bytes at which `writeReply` hands what it has built to the sink: no piece it builds is much
 * longer, so an aggregate of any size never becomes one string (V8 strings stop at about 512 MB).
 */
export const REPLY_PIECE_BYTES = 64 * 1024

/**
 * Encodes one reply into `sink`, in pieces: a bulk string of `REPLY_PIECE_BYTES` or more is added as
 * it is (never copied into a bigger string), and an aggregate is added every `REPLY_PIECE_BYTES`.
 * Small scalar replies are one `add` of what `encodeReply` returns.
 */
export const writeReply = (reply: Reply, resp: RespVersion, sink: ReplySink): void => {
  if (typeof reply === "string") {
    if (reply.length < REPLY_PIECE_BYTES) sink.add(encodeReply(reply, resp))
    else {
      sink.add("$" + reply.length + CRLF)
      sink.add(reply)
      sink.add(CRLF)
    }
    return
  }
  if (typeof reply !== "object" || reply === null) return sink.add(encodeReply(reply, resp))
  const header = aggregateHeader(reply, resp)
  if (header === undefined) return sink.add(encodeReply(reply, resp))
  const rest = writeAggregate(header, aggregateItems(reply), resp, sink)
  if (rest.length > 0) sink.add(rest)
}

/** The header line of an aggregate reply (`*3\r\n`, `%2\r\n` ...), undefined for other replies. */
const aggregateHeader = (reply: Reply, resp: RespVersion): string | undefined => {
  if (Array.isArray(reply)) return reply.length < SMALL ? ARRAY_HEADERS[reply.length] : "*" + reply.length + CRLF
  if (reply instanceof MapReply) return (resp === 3 ? "%" + reply.entries.length / 2 : "*" + reply.entries.length) + CRLF
  if (reply instanceof SetReply) return (resp === 3 ? "~" : "*") + reply.items.length + CRLF
  if (reply instanceof PushReply) return (resp === 3 ? ">" : "*") + reply.items.length + CRLF
  return undefined
}

const aggregateItems = (reply: Reply): ReadonlyArray<Reply> =>
  Array.isArray(reply) ? (reply as ReadonlyArray<Reply>) : reply instanceof MapReply ? reply.entries : (reply as SetReply | PushReply).items

/**
 * Encodes an aggregate after `out` (bytes built and not yet added), adding to `sink` whenever
 * `REPLY_PIECE_BYTES` are built; returns what is built and not yet added.
 */
const writeAggregate = (out: string, items: ReadonlyArray<Reply>, resp: RespVersion, sink: ReplySink): string => {
  for (let i = 0; i < items.length; i++) {
    const item = items[i]
    if (typeof item === "string" && item.length >= REPLY_PIECE_BYTES) {
      sink.add(out + "$" + item.length + CRLF)
      sink.add(item)
      out = CRLF
      continue
    }
    const header = typeof item === "object" && item !== null ? aggregateHeader(item, resp) : undefined
    if (header !== undefined) out = writeAggregate(out + header, aggregateItems(item), resp, sink)
    else out += encodeReply(item, resp)
    if (out.length >= REPLY_PIECE_BYTES) {
      sink.add(out)
      out = ""
    }
  }
  return out
}
