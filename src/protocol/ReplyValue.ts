import * as Data from "effect/Data"
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
import { decodeReplies } from "./RespReplyDecoder.js"

/**
 * An error reply as a value: the failure of an embedded run (or an element of an EXEC result).
 * `message` is the whole error line (`ERR ...`, `WRONGTYPE ...`) decoded as UTF-8.
 */
export class ReplyError extends Data.TaggedError("ReplyError")<{ readonly message: string }> {
  /** The error code: the first word (`ERR`, `WRONGTYPE`, ...). */
  get code(): string {
    const space = this.message.indexOf(" ")
    return space === -1 ? this.message : this.message.slice(0, space)
  }
}

/**
 * A reply as JavaScript values, strings as text: what `run` gives. Bulk, simple and verbatim
 * strings are UTF-8 decoded (bytes that are not UTF-8 become U+FFFD, so use `runBytes` for binary
 * values); integers are numbers (bigints past 2^53); RESP3 doubles are numbers, big numbers
 * bigints, maps `Map`s, sets `Set`s; null bulks and null arrays are `null`. An error inside an
 * aggregate (EXEC's results) is a `ReplyError` value.
 */
export type ReplyValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | ReplyError
  | ReadonlyArray<ReplyValue>
  | Map<ReplyValue, ReplyValue>
  | Set<ReplyValue>

/**
 * A reply as JavaScript values, strings as bytes: what `runBytes` gives. Every string (bulk,
 * simple, verbatim) is a `Buffer` holding exactly the server's bytes; the rest is as in
 * `ReplyValue`. Map keys and set members are `Buffer`s too, compared by identity, so distinct
 * binary keys stay distinct entries (iterate the map, or compare with `Buffer.equals`).
 */
export type BytesReplyValue =
  | Buffer
  | number
  | bigint
  | boolean
  | null
  | ReplyError
  | ReadonlyArray<BytesReplyValue>
  | Map<BytesReplyValue, BytesReplyValue>
  | Set<BytesReplyValue>

const NON_ASCII = /[^\x00-\x7f]/

/** A server byte string (one char per byte) as text: its bytes decoded as UTF-8. */
export const bytesToText = (bytes: string): string =>
  // ASCII is its own UTF-8: most replies need no copy.
  NON_ASCII.test(bytes) ? Buffer.from(bytes, "latin1").toString("utf8") : bytes

/** A server byte string as a Buffer of exactly its bytes. */
export const bytesToBuffer = (bytes: string): Buffer => Buffer.from(bytes, "latin1")

const convert = <V>(reply: Reply, str: (bytes: string) => V): unknown => {
  if (reply === null || typeof reply === "number" || typeof reply === "bigint" || typeof reply === "boolean") return reply
  if (typeof reply === "string") return str(reply)
  if (Array.isArray(reply)) return reply.map((item: Reply) => convert(item, str))
  if (reply instanceof SimpleString) return str(reply.value)
  if (reply instanceof ErrorReply) return new ReplyError({ message: bytesToText(reply.message) })
  if (reply instanceof NullArray) return null
  if (reply instanceof MapReply) {
    const map = new Map<unknown, unknown>()
    for (let i = 0; i + 1 < reply.entries.length; i += 2) map.set(convert(reply.entries[i], str), convert(reply.entries[i + 1], str))
    return map
  }
  if (reply instanceof SetReply) return new Set(reply.items.map((item) => convert(item, str)))
  if (reply instanceof DoubleReply) return reply.value
  if (reply instanceof VerbatimReply) return str(reply.text)
  if (reply instanceof BigNumberReply) return BigInt(reply.digits)
  if (reply instanceof PushReply) return reply.items.map((item) => convert(item, str))
  // Replies encoded ahead (a module's postponed lengths, SUBSCRIBE's pushes inside EXEC): decoded
  // back to values; several replies to one command are given as an array of them.
  if (reply instanceof RawReply) {
    const replies = decodeReplies(reply.bytes)
    if (replies.length === 0) return null
    return replies.length === 1 ? convert(replies[0], str) : replies.map((item) => convert(item, str))
  }
  return null
}

/** `reply` with its strings as UTF-8 text; an error reply becomes a `ReplyError` value. */
export const replyToText = (reply: Reply): ReplyValue => convert(reply, bytesToText) as ReplyValue

/** `reply` with its strings as exact bytes; an error reply becomes a `ReplyError` value. */
export const replyToBytes = (reply: Reply): BytesReplyValue => convert(reply, bytesToBuffer) as BytesReplyValue
