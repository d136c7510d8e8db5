/**
 * Reply values produced by commands and encoded by `RespWriter` for RESP2 or RESP3.
 *
 * Byte strings are JS strings in latin1 form: one char per byte, so `s.length` is the byte length
 * and any binary value round-trips. The common shapes are plain JS values so the hot path allocates
 * little:
 * - `string`  bulk string (latin1 bytes)
 * - `number`  integer (a safe integer); `bigint` for the rest of the signed 64-bit range
 * - `null`    null bulk (`$-1` / `_`)
 * - `Reply[]` array
 * The rarer shapes are small classes below.
 */
export type Reply =
  | string
  | number
  | bigint
  | null
  | boolean
  | ReadonlyArray<Reply>
  | SimpleString
  | ErrorReply
  | NullArray
  | MapReply
  | SetReply
  | DoubleReply
  | VerbatimReply
  | BigNumberReply
  | PushReply
  | RawReply

/** `+text` */
export class SimpleString {
  /** `+value\r\n`, the same in RESP2 and RESP3 (built once: OK and QUEUED are sent very often). */
  readonly encoded: string
  constructor(readonly value: string) {
    this.encoded = "+" + value + "\r\n"
  }
}

/** `-CODE message`; `message` holds the whole line without the leading `-`. */
export class ErrorReply {
  constructor(readonly message: string) {}
  /** The error code: the first word (`ERR`, `WRONGTYPE`, ...). */
  get code(): string {
    const space = this.message.indexOf(" ")
    return space === -1 ? this.message : this.message.slice(0, space)
  }
}

/** `*-1` in RESP2, `_` in RESP3. */
export class NullArray {
  private constructor() {}
  static readonly instance = new NullArray()
}

/** A map (`%` in RESP3); a flat array of key, value, key, value... in RESP2. */
export class MapReply {
  constructor(readonly entries: ReadonlyArray<Reply>) {}
}

/** A set (`~` in RESP3); an array in RESP2. */
export class SetReply {
  constructor(readonly items: ReadonlyArray<Reply>) {}
}

/** A double (`,` in RESP3); a bulk string in RESP2. */
export class DoubleReply {
  constructor(readonly value: number) {}
}

/** Verbatim text (`=` in RESP3); a bulk string in RESP2. */
export class VerbatimReply {
  constructor(
    readonly text: string,
    readonly format = "txt"
  ) {}
}

/** A big number (`(` in RESP3); a bulk string in RESP2. */
export class BigNumberReply {
  constructor(readonly digits: string) {}
}

/** An out-of-band push (`>` in RESP3); an array in RESP2. */
export class PushReply {
  constructor(readonly items: ReadonlyArray<Reply>) {}
}

/** Bytes already encoded by the caller (EXEC, modules' postponed arrays). */
export class RawReply {
  constructor(readonly bytes: string) {}
}

export const OK = new SimpleString("OK")
export const PONG = new SimpleString("PONG")
export const QUEUED = new SimpleString("QUEUED")
export const NULL_ARRAY = NullArray.instance

export const error = (message: string): ErrorReply => new ErrorReply(message)
/** Valkey's `addReplyError`: a message without a code gets `ERR ` in front. */
export const err = (message: string): ErrorReply => new ErrorReply("ERR " + message)

export const isError = (reply: Reply): reply is ErrorReply => reply instanceof ErrorReply
