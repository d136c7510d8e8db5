import { constants } from "node:buffer"
import { splitArgs } from "./splitArgs.js"

/**
 * The longest value the server can hold: values are latin1 JS strings, and V8 strings stop at
 * 2^29-24 chars on 64-bit builds, below the default `proto-max-bulk-len` (512 MB). Longer bulks are
 * refused as over the limit, and commands that grow strings stop here.
 */
export const MAX_STRING_BYTES: number = constants.MAX_STRING_LENGTH

/** A request the server cannot parse; the connection replies `-ERR Protocol error: ...` and closes. */
export class ProtocolError extends Error {
  constructor(readonly reason: string) {
    super("Protocol error: " + reason)
  }
}

/** Valkey's PROTO_INLINE_MAX_SIZE: the longest inline request or count line. */
const INLINE_MAX = 64 * 1024
const INT_MAX = 2147483647
const EMPTY = Buffer.alloc(0)

/**
 * Node's Buffer has `latin1Slice`, the native method behind `toString("latin1", ...)`, without the
 * encoding lookup and argument checks (measured: a large share of the parser's time).
 */
type LatinBuffer = Buffer & { latin1Slice(start: number, end: number): string }

/** Read on every request, so a change (CONFIG SET, AUTH) applies to the next request. */
export interface ParserLimits {
  /** `proto-max-bulk-len` */
  readonly maxBulkLen: number
  /**
   * The client must still authenticate: Valkey then allows at most 10 arguments of at most 16 KB
   * (`unauthenticated multibulk length` / `unauthenticated bulk length`).
   */
  readonly unauthenticated?: boolean
}

/**
 * Incremental RESP request parser (multibulk and inline), following Valkey's
 * `processMultibulkBuffer` / `processInlineBuffer`. Bytes are pushed as they arrive and whole
 * requests are pulled one at a time with `next()`, so a blocked client can leave the rest of its
 * pipeline unparsed. Arguments are latin1 byte strings.
 *
 * A partially received multibulk keeps its parsed arguments, so a request that arrives in many small
 * pieces is parsed once, and bytes are only copied when a bulk needs more than what has arrived.
 */
export class RespParser {
  private buf: Buffer = EMPTY
  /** Where the received bytes of `buf` end: `buf` may be a shared read buffer, longer than them. */
  private end = 0
  private pos = 0
  /** The chunk the last queued entry was cut from (see `keepPending`). */
  private queuedFrom: Buffer | null = null
  /** Chunks received while waiting for `needed` bytes, not yet joined to `buf` (null: none yet). */
  private queued: Array<Buffer> | null = null
  private queuedBytes = 0
  private needed = 0
  /** State of a multibulk request that has not fully arrived: its arguments, `filled` of them read. */
  private argv: Array<string> | null = null
  private expected = 0
  private filled = 0
  /** The value read by `scanLength`. */
  private scanned = 0

  constructor(readonly limits: ParserLimits) {}

  /** Bytes received and not yet consumed by a complete request (the query buffer). */
  get pendingBytes(): number {
    return this.end - this.pos + this.queuedBytes
  }

  /**
   * The first `length` bytes of `chunk` arrived (all of it by default). Taking a length rather than
   * a view saves allocating a Buffer per read when `chunk` is a shared read buffer.
   */
  push(chunk: Buffer, length = chunk.length): void {
    if (this.pos >= this.end && this.queuedBytes === 0) {
      this.buf = chunk
      this.end = length
      this.pos = 0
      return
    }
    this.queued ??= []
    this.queued.push(length === chunk.length ? chunk : chunk.subarray(0, length))
    this.queuedFrom = chunk
    this.queuedBytes += length
  }

  /**
   * The caller is about to reuse the memory of `borrowed`, the chunk last pushed (a view of a
   * shared read buffer): copies out its bytes still pending, so later requests do not see them
   * overwritten. Earlier chunks were kept the same way, so only this one can be borrowed.
   */
  keepPending(borrowed: Buffer): void {
    if (this.buf === borrowed) {
      this.buf = this.pos < this.end ? Buffer.from(borrowed.subarray(this.pos, this.end)) : EMPTY
      this.end = this.buf.length
      this.pos = 0
      return
    }
    const queued = this.queued
    if (queued !== null && this.queuedFrom === borrowed) queued[queued.length - 1] = Buffer.from(queued[queued.length - 1])
    this.queuedFrom = null
  }

  /** The next complete request, `undefined` when more bytes are needed. Throws `ProtocolError`. */
  next(): Array<string> | undefined {
    for (;;) {
      if (this.queuedBytes > 0) {
        // Join queued chunks only once enough bytes arrived for the request in progress.
        if (this.end - this.pos + this.queuedBytes < this.needed) return undefined
        this.join()
      }
      if (this.pos >= this.end) {
        // All consumed: let the read buffer go (an idle or blocked client should not keep it).
        this.buf = EMPTY
        this.end = 0
        this.pos = 0
        return undefined
      }
      const result = this.argv !== null || this.buf[this.pos] === 42 /* * */ ? this.multibulk() : this.inline()
      if (result === undefined) return undefined
      if (result.length > 0) return result
      // An empty request (`*0`, `*-1`, a blank inline line) is skipped.
    }
  }

  private join(): void {
    const rest = this.buf.subarray(this.pos, this.end)
    const queued = this.queued ?? []
    queued.unshift(rest)
    this.buf = Buffer.concat(queued, rest.length + this.queuedBytes)
    this.end = this.buf.length
    this.pos = 0
    this.queued = null
    this.queuedFrom = null
    this.queuedBytes = 0
    this.needed = 0
  }

  private inline(): Array<string> | undefined {
    const buf = this.buf
    const received = this.end
    let newline = buf.indexOf(10, this.pos)
    if (newline >= received) newline = -1
    if (newline === -1) {
      if (received - this.pos > INLINE_MAX) throw new ProtocolError("too big inline request")
      this.needed = received - this.pos + 1
      return undefined
    }
    let end = newline
    if (end > this.pos && buf[end - 1] === 13) end--
    const line = buf.toString("latin1", this.pos, end)
    this.pos = newline + 1
    const argv = splitArgs(line)
    if (argv === undefined) throw new ProtocolError("unbalanced quotes in request")
    return argv
  }

  private multibulk(): Array<string> | undefined {
    const buf = this.buf
    const end = this.end
    let pos = this.pos
    if (this.argv === null) {
      let cr = this.scanLength(buf, pos)
      let count: number | undefined = this.scanned
      if (cr === -1) {
        cr = buf.indexOf(13, pos)
        if (cr === -1 || cr + 1 >= end) {
          if (end - pos > INLINE_MAX) throw new ProtocolError("too big mbulk count string")
          this.needed = end - pos + 1
          return undefined
        }
        count = parseLength(buf, pos + 1, cr)
      }
      if (count === undefined || count > INT_MAX) throw new ProtocolError("invalid multibulk length")
      // Current Valkey releases check every terminator (older ones skipped two bytes).
      if (buf[cr + 1] !== 10) throw new ProtocolError("invalid CRLF in request")
      if (count > 10 && this.limits.unauthenticated) throw new ProtocolError("unauthenticated multibulk length")
      pos = cr + 2
      this.pos = pos
      if (count <= 0) return []
      // Sized up front (filling by index is cheaper than growing), but like Valkey's argv_len only
      // up to 1024: the count is the client's claim, not memory it has sent.
      this.argv = count <= 1024 ? new Array<string>(count) : []
      this.expected = count
      this.filled = 0
    }
    const argv = this.argv
    // The loop works on locals and saves its progress only when it runs out of bytes.
    const expected = this.expected
    const maxBulkLen = Math.min(this.limits.maxBulkLen, MAX_STRING_BYTES)
    const unauthenticated = this.limits.unauthenticated === true
    let filled = this.filled
    while (filled < expected) {
      if (pos >= end) {
        this.filled = filled
        this.pos = pos
        this.needed = 1
        return undefined
      }
      if (buf[pos] !== 36 /* $ */) {
        throw new ProtocolError(`expected '$', got '${String.fromCharCode(buf[pos])}'`)
      }
      // `$N\r\n` with one or two digits inline (most arguments), else `scanLength`.
      let cr = -1
      let len: number | undefined = 0
      const d1 = buf[pos + 1] - 48
      if (d1 >= 1 && d1 <= 9 && pos + 4 < end) {
        const c2 = buf[pos + 2]
        if (c2 === 13) {
          cr = pos + 2
          len = d1
        } else if (c2 >= 48 && c2 <= 57 && buf[pos + 3] === 13) {
          cr = pos + 3
          len = d1 * 10 + c2 - 48
        }
      }
      if (cr === -1) {
        cr = this.scanLength(buf, pos)
        len = this.scanned
      }
      if (cr === -1) {
        cr = buf.indexOf(13, pos)
        if (cr === -1 || cr + 1 >= end) {
          if (end - pos > INLINE_MAX) throw new ProtocolError("too big bulk count string")
          this.filled = filled
          this.pos = pos
          this.needed = end - pos + 1
          return undefined
        }
        len = parseLength(buf, pos + 1, cr)
      }
      if (len === undefined || len < 0 || len > maxBulkLen) throw new ProtocolError("invalid bulk length")
      if (len > 16384 && unauthenticated) throw new ProtocolError("unauthenticated bulk length")
      if (buf[cr + 1] !== 10) throw new ProtocolError("invalid CRLF in request")
      const start = cr + 2
      if (start + len + 2 > end) {
        this.filled = filled
        this.pos = pos
        this.needed = start + len + 2 - pos
        return undefined
      }
      if (buf[start + len] !== 13 || buf[start + len + 1] !== 10) throw new ProtocolError("invalid CRLF in request")
      argv[filled] =
        len === 0
          ? ""
          : len <= SHARED_MAX_LENGTH
            ? sharedString(filled === 0 ? names : shortValues, buf, start, len)
            : len <= SMALL_MAX_LENGTH
              ? smallString(buf, start, len)
              : (buf as LatinBuffer).latin1Slice(start, start + len)
      filled++
      pos = start + len + 2
    }
    this.pos = pos
    this.argv = null
    return argv
  }

  /**
   * The common case of a count line (`*3\r\n`, `$5\r\n`) without `indexOf` or `parseLength`: up
   * to 15 digits without a leading zero, then CR and one more byte. Returns the position of the CR
   * with the value in `scanned`, or -1 to let the general path (and its errors) handle the line.
   */
  private scanLength(buf: Buffer, pos: number): number {
    const end = this.end
    let i = pos + 1
    if (i >= end) return -1
    let c = buf[i]
    if (c === 48 /* 0 */) {
      if (i + 2 < end && buf[i + 1] === 13) {
        this.scanned = 0
        return i + 1
      }
      return -1
    }
    if (c < 49 || c > 57) return -1
    let value = c - 48
    const limit = Math.min(end, i + 15)
    for (i++; i < limit; i++) {
      c = buf[i]
      if (c < 48 || c > 57) break
      value = value * 10 + (c - 48)
    }
    if (i + 1 >= end || buf[i] !== 13) return -1
    this.scanned = value
    return i
  }
}

/** Arguments up to this many bytes are shared through a `SharedStrings` table. */
const SHARED_MAX_LENGTH = 8
const SHARED_SLOTS = 4096

/**
 * A direct-mapped table of recently seen short strings, found by their bytes: a request that repeats
 * a short argument gets the same string again instead of a new one. Like Valkey's shared objects,
 * this saves allocating (and later collecting) the small strings every request carries: command
 * names, flags, counts, small values. A slot holds the last string that hashed to it, so random
 * arguments cannot fill memory.
 */
type SharedStrings = Array<string>
const newTable = (): SharedStrings => new Array<string>(SHARED_SLOTS).fill("")
/** Command names (the first argument), kept apart so values do not evict them. */
const names = newTable()
const shortValues = newTable()

const sharedString = (table: SharedStrings, buf: Buffer, start: number, len: number): string => {
  let hash = len
  for (let i = 0; i < len; i++) hash = (hash * 31 + buf[start + i]) | 0
  const slot = hash & (SHARED_SLOTS - 1)
  const cached = table[slot]
  if (cached.length === len) {
    let same = true
    for (let i = 0; i < len; i++) {
      if (cached.charCodeAt(i) !== buf[start + i]) {
        same = false
        break
      }
    }
    if (same) return cached
  }
  const fresh = smallString(buf, start, len)
  table[slot] = fresh
  return fresh
}

const fromCharCode = String.fromCharCode

/** Arguments up to this many bytes are built in JavaScript (`smallString`). */
const SMALL_MAX_LENGTH = 16

/**
 * Short arguments built in JavaScript: about twice as fast as a native `latin1Slice` call, whose
 * fixed cost dominates at these lengths (most keys and values of a typical request are short).
 */
const smallString = (buf: Buffer, start: number, len: number): string => {
  switch (len) {
    case 1:
      return fromCharCode(buf[start])
    case 2:
      return fromCharCode(buf[start], buf[start + 1])
    case 3:
      return fromCharCode(buf[start], buf[start + 1], buf[start + 2])
    case 4:
      return fromCharCode(buf[start], buf[start + 1], buf[start + 2], buf[start + 3])
    case 5:
      return fromCharCode(buf[start], buf[start + 1], buf[start + 2], buf[start + 3], buf[start + 4])
    case 6:
      return fromCharCode(buf[start], buf[start + 1], buf[start + 2], buf[start + 3], buf[start + 4], buf[start + 5])
    case 7:
      return fromCharCode(buf[start], buf[start + 1], buf[start + 2], buf[start + 3], buf[start + 4], buf[start + 5], buf[start + 6])
    case 8:
      return fromCharCode(buf[start], buf[start + 1], buf[start + 2], buf[start + 3], buf[start + 4], buf[start + 5], buf[start + 6], buf[start + 7])
    case 9:
      return fromCharCode(buf[start], buf[start + 1], buf[start + 2], buf[start + 3], buf[start + 4], buf[start + 5], buf[start + 6], buf[start + 7], buf[start + 8])
    case 10:
      return fromCharCode(buf[start], buf[start + 1], buf[start + 2], buf[start + 3], buf[start + 4], buf[start + 5], buf[start + 6], buf[start + 7], buf[start + 8], buf[start + 9])
    case 11:
      return fromCharCode(buf[start], buf[start + 1], buf[start + 2], buf[start + 3], buf[start + 4], buf[start + 5], buf[start + 6], buf[start + 7], buf[start + 8], buf[start + 9], buf[start + 10])
    case 12:
      return fromCharCode(buf[start], buf[start + 1], buf[start + 2], buf[start + 3], buf[start + 4], buf[start + 5], buf[start + 6], buf[start + 7], buf[start + 8], buf[start + 9], buf[start + 10], buf[start + 11])
    case 13:
      return fromCharCode(buf[start], buf[start + 1], buf[start + 2], buf[start + 3], buf[start + 4], buf[start + 5], buf[start + 6], buf[start + 7], buf[start + 8], buf[start + 9], buf[start + 10], buf[start + 11], buf[start + 12])
    case 14:
      return fromCharCode(buf[start], buf[start + 1], buf[start + 2], buf[start + 3], buf[start + 4], buf[start + 5], buf[start + 6], buf[start + 7], buf[start + 8], buf[start + 9], buf[start + 10], buf[start + 11], buf[start + 12], buf[start + 13])
    case 15:
      return fromCharCode(buf[start], buf[start + 1], buf[start + 2], buf[start + 3], buf[start + 4], buf[start + 5], buf[start + 6], buf[start + 7], buf[start + 8], buf[start + 9], buf[start + 10], buf[start + 11], buf[start + 12], buf[start + 13], buf[start + 14])
    case 16:
      return fromCharCode(buf[start], buf[start + 1], buf[start + 2], buf[start + 3], buf[start + 4], buf[start + 5], buf[start + 6], buf[start + 7], buf[start + 8], buf[start + 9], buf[start + 10], buf[start + 11], buf[start + 12], buf[start + 13], buf[start + 14], buf[start + 15])
    default:
      return ""
  }
}

/** Valkey's `string2ll` on a count line: an optional `-`, digits, no leading zeros or `+`. */
const parseLength = (buf: Buffer, start: number, end: number): number | undefined => {
  if (start >= end || end - start > 20) return undefined
  let i = start
  let negative = false
  if (buf[i] === 45 /* - */) {
    negative = true
    i++
    if (i === end) return undefined
  }
  if (buf[i] === 48 /* 0 */) return i + 1 === end && !negative ? 0 : undefined
  let value = 0
  for (; i < end; i++) {
    const d = buf[i] - 48
    if (d < 0 || d > 9) return undefined
    value = value * 10 + d
  }
  return negative ? -value : value
}
