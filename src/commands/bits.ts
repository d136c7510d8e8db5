import type { Entry } from "../keyspace/Database.js"
import { WRONGTYPE } from "../keyspace/Value.js"
import { ErrorReply, type Reply } from "../protocol/Reply.js"
import { MAX_STRING_BYTES } from "../protocol/RespParser.js"
import { isKeyword, NOT_INTEGER, parseInt64, SYNTAX } from "./args.js"
import type { CommandClient } from "./CommandSpec.js"
import { defineCommand } from "./CommandSpec.js"
import { BitmapRope } from "./BitmapRope.js"
import { setStringHint } from "./ObjectEncoding.js"
import { NOTIFY, notifyKeyspaceEvent } from "./PubSubState.js"

/**
 * Bit commands on string values (Valkey's bitops.c). A string is a latin1 byte string (one char
 * per byte), immutable in JS: a write builds the new value from slices of the old one around the
 * changed bytes (see `BitmapPatch`), never byte by byte.
 */

const WRONG_TYPE = new ErrorReply(WRONGTYPE)
const SYNTAX_ERROR = new ErrorReply(SYNTAX)
const NOT_AN_INTEGER = new ErrorReply(NOT_INTEGER)
const BAD_OFFSET = new ErrorReply("ERR bit offset is not an integer or out of range")
const BAD_BIT = new ErrorReply("ERR bit is not an integer or out of range")
const BAD_BITPOS_BIT = new ErrorReply("ERR The bit argument must be 1 or 0.")
const BAD_BITFIELD_TYPE = new ErrorReply(
  "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
)
const BAD_OVERFLOW = new ErrorReply("ERR Invalid OVERFLOW type specified")
const BITFIELD_RO_WRITE = new ErrorReply("ERR BITFIELD_RO only supports the GET subcommand")
const BITOP_NOT_ARGS = new ErrorReply("ERR BITOP NOT must be called with a single source key.")

/** Set bits per byte value (`serverPopcount` does it 8 bytes at a time; same result). */
const POPCOUNT = new Uint8Array(256)
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1]

/** A reused buffer that long ranges are copied through, to count bits 32 at a time. */
const SCRATCH_BYTES = 64 * 1024
let scratch: { bytes: Buffer; words: Uint32Array } | undefined

/** Set bits in `value[start..end]` (Valkey's `serverPopcount`). */
const popcount = (value: string, start: number, end: number): number => {
  let count = 0
  if (end - start < 1024) {
    for (let i = start; i <= end; i++) count += POPCOUNT[value.charCodeAt(i)]
    return count
  }
  if (scratch === undefined) {
    const bytes = Buffer.allocUnsafeSlow(SCRATCH_BYTES)
    scratch = { bytes, words: new Uint32Array(bytes.buffer, bytes.byteOffset, SCRATCH_BYTES / 4) }
  }
  const { bytes, words } = scratch
  for (let from = start; from <= end; from += SCRATCH_BYTES) {
    const length = Math.min(SCRATCH_BYTES, end + 1 - from)
    bytes.write(value.slice(from, from + length), 0, length, "latin1")
    const n = length >>> 2
    for (let i = 0; i < n; i++) {
      let v = words[i]
      v = v - ((v >>> 1) & 0x55555555)
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333)
      count += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24
    }
    for (let i = n * 4; i < length; i++) count += POPCOUNT[bytes[i]]
  }
  return count
}

/** Leading zero bits of a byte (0-8). */
const clz8 = (b: number): number => Math.clz32(b) - 24

/**
 * Valkey's `getBitOffsetFromArgument`: a non-negative integer whose byte is below
 * proto-max-bulk-len (not checked while loading, where Valkey's `mustObeyClient` holds). With
 * `bits` (BITFIELD), `#n` means `n * bits`.
 */
const bitOffset = (client: CommandClient, arg: string, bits = 0): number | ErrorReply => {
  const hash = bits > 0 && arg.charCodeAt(0) === 35 /* # */
  const parsed = parseInt64(hash ? arg.slice(1) : arg)
  if (parsed === undefined) return BAD_OFFSET
  let offset = hash ? BigInt(parsed) * BigInt(bits) : parsed
  if (offset < 0) return BAD_OFFSET
  if (!client.server.keyspace.loading && BigInt(offset) >> 3n >= BigInt(client.server.limits.protoMaxBulkLen)) return BAD_OFFSET
  // Beyond 2^53 no string can reach it; Number keeps the arithmetic below plain.
  if (typeof offset === "bigint") offset = Number(offset)
  return offset
}

/**
 * A write can only grow a string as far as this server can hold one: V8's longest string, 24 bytes
 * below the default 512 MB proto-max-bulk-len. Valkey never hits this; here it is the error SETRANGE
 * and APPEND give for growth past that length.
 */
const TOO_LONG = new ErrorReply("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
const beyondCapacity = (maxBit: number): boolean => Math.floor(maxBit / 8) + 1 > MAX_STRING_BYTES

/** `getLongLongFromObjectOrReply` into a bigint (BITFIELD values, BITCOUNT/BITPOS ranges). */
const int64Arg = (arg: string): bigint | undefined => {
  const v = parseInt64(arg)
  return v === undefined ? undefined : BigInt(v)
}

/** An int64 as a reply: a number while it is exact. */
const int64Reply = (v: bigint): Reply => {
  const n = Number(v)
  return Number.isSafeInteger(n) ? n : v
}

/** Ropes of the large bitmaps being written (see `BitmapRope`), valid while the key holds their root. */
const ropes = new WeakMap<Entry, BitmapRope>()
/**
 * The ropes kept, least recently written first, at most `MAX_ROPES`: once another command replaces
 * a key's value, its rope would otherwise hold the old leaves for as long as the key lives. A
 * bitmap whose rope was dropped is split again on its next write (one copy, as without ropes).
 */
const ropeOwners = new Map<BitmapRope, WeakRef<Entry>>()
const MAX_ROPES = 16
/** Below this a write copies the string (cheaper than a tree of leaves). */
const ROPE_MIN_BYTES = 64 * 1024

const dropRope = (entry: Entry | undefined, rope: BitmapRope): void => {
  if (entry !== undefined && ropes.get(entry) === rope) ropes.delete(entry)
  ropeOwners.delete(rope)
}

const ropeOf = (entry: Entry | undefined): BitmapRope | undefined => {
  if (entry === undefined) return undefined
  const rope = ropes.get(entry)
  if (rope === undefined) return undefined
  if (rope.root === entry.value) return rope
  dropRope(entry, rope)
  return undefined
}

const keepRope = (entry: Entry, rope: BitmapRope): void => {
  const owner = ropeOwners.get(rope)
  if (owner !== undefined && owner.deref() === entry) {
    // Most recently written goes last.
    ropeOwners.delete(rope)
    ropeOwners.set(rope, owner)
    return
  }
  const previous = ropes.get(entry)
  if (previous !== undefined) dropRope(entry, previous)
  ropes.set(entry, rope)
  ropeOwners.set(rope, new WeakRef(entry))
  for (const [oldest, ref] of ropeOwners) {
    if (ropeOwners.size <= MAX_ROPES) break
    dropRope(ref.deref(), oldest)
  }
}

/**
 * The bytes of a string being written: reads see the writes made so far; `commit` builds the new
 * string once, from slices of the base around the changed bytes (or through its rope).
 */
class BitmapPatch {
  readonly changed = new Map<number, number>()

  constructor(
    readonly base: string,
    readonly rope: BitmapRope | undefined,
    /** The length after growth (zero-padded past `base`). */
    readonly length: number
  ) {}

  byte(i: number): number {
    const v = this.changed.get(i)
    if (v !== undefined) return v
    if (this.rope !== undefined) return this.rope.byte(i)
    return i < this.base.length ? this.base.charCodeAt(i) : 0
  }

  setByte(i: number, v: number): void {
    this.changed.set(i, v)
  }

  /** The flat way: slices of the base around runs of changed bytes. */
  commit(): string {
    const base = this.base
    const indexes = [...this.changed.keys()].sort((a, b) => a - b)
    let out = ""
    let from = 0
    for (let k = 0; k < indexes.length; ) {
      const start = indexes[k]
      let end = start
      while (k + 1 < indexes.length && indexes[k + 1] === end + 1) end = indexes[++k]
      k++
      out += slicePadded(base, from, start)
      let run = ""
      for (let i = start; i <= end; i++) run += String.fromCharCode(this.changed.get(i)!)
      out += run
      from = end + 1
    }
    return out + slicePadded(base, from, this.length)
  }
}

/** `base[from, to)` with zero bytes past its end. */
const slicePadded = (base: string, from: number, to: number): string => {
  if (to <= from) return ""
  if (to <= base.length) return from === 0 && to === base.length ? base : base.slice(from, to)
  const head = from < base.length ? base.slice(from) : ""
  return head + "\0".repeat(to - Math.max(from, base.length))
}

/**
 * Valkey's `lookupStringForBitCommand`: the string to write bit `maxBit` of, grown with zero
 * bytes to reach it. `dirty` is Valkey's: the key is new or grew, so the command counts as a
 * change even when no bit flips.
 */
interface BitTarget {
  readonly entry: Entry | undefined
  readonly patch: BitmapPatch
  readonly dirty: boolean
}

const bitTarget = (client: CommandClient, key: string, maxBit: number): BitTarget | ErrorReply => {
  const entry = client.server.keyspace.lookup(client.db, key)
  if (entry !== undefined && typeof entry.value !== "string") return WRONG_TYPE
  // `dbUnshareStringValue`: the value is a raw string from now on, written or not.
  if (entry !== undefined) setStringHint(entry, "raw")
  const need = Math.floor(maxBit / 8) + 1
  const base = entry === undefined ? "" : (entry.value as string)
  const length = Math.max(base.length, need)
  return { entry, patch: new BitmapPatch(base, ropeOf(entry), length), dirty: entry === undefined || length !== base.length }
}

/** Stores a written bitmap: creates the key or replaces the value in place (TTL kept), as `raw`. */
const storeBitmap = (client: CommandClient, key: string, target: BitTarget): void => {
  const keyspace = client.server.keyspace
  const patch = target.patch
  let rope = patch.rope
  let value: string
  if (patch.changed.size === 0 && patch.length === patch.base.length) value = patch.base
  else if (rope !== undefined || patch.length >= ROPE_MIN_BYTES) {
    rope ??= BitmapRope.from(patch.base)
    value = rope.write(patch.changed, patch.length)
  } else value = patch.commit()
  let entry = target.entry
  if (entry === undefined) {
    entry = keyspace.add(client.db, key, value)
  } else {
    keyspace.replaceValue(client.db, entry, value)
    keyspace.touch(client.db, key)
  }
  setStringHint(entry, "raw")
  if (rope !== undefined) keepRope(entry, rope)
}

/** SETBIT key offset value */
const setbit = (client: CommandClient, argv: Array<string>): Reply => {
  const offset = bitOffset(client, argv[2])
  if (offset instanceof ErrorReply) return offset
  const on = parseInt64(argv[3])
  if (on === undefined || (on !== 0 && on !== 1)) return BAD_BIT
  if (beyondCapacity(offset)) return TOO_LONG
  const target = bitTarget(client, argv[1], offset)
  if (target instanceof ErrorReply) return target
  const byte = Math.floor(offset / 8)
  const mask = 1 << (7 - (offset % 8))
  const current = target.patch.byte(byte)
  const old = (current & mask) !== 0 ? 1 : 0
  if (target.dirty || old !== on) {
    target.patch.setByte(byte, on ? current | mask : current & ~mask)
    storeBitmap(client, argv[1], target)
    notifyKeyspaceEvent(client.server, NOTIFY.$, "setbit", argv[1], client.db)
  }
  return old
}

/** GETBIT key offset */
const getbit = (client: CommandClient, argv: Array<string>): Reply => {
  const offset = bitOffset(client, argv[2])
  if (offset instanceof ErrorReply) return offset
  const keyspace = client.server.keyspace
  const entry = keyspace.lookup(client.db, argv[1])
  if (entry === undefined) {
    keyspace.stats.misses++
    return 0
  }
  keyspace.stats.hits++
  const value = entry.value
  if (typeof value !== "string") return WRONG_TYPE
  const byte = Math.floor(offset / 8)
  if (byte >= value.length) return 0
  // A bitmap being written holds an unflattened root: read its leaf instead of flattening it.
  const rope = ropeOf(entry)
  const b = rope !== undefined ? rope.byte(byte) : value.charCodeAt(byte)
  return (b >> (7 - (offset % 8))) & 1
}

/** The string at `key` for a bit read: undefined when missing, or WRONGTYPE. */
const readString = (client: CommandClient, key: string): string | undefined | ErrorReply => {
  const value = client.server.keyspace.read(client.db, key)
  if (value === undefined || typeof value === "string") return value
  return WRONG_TYPE
}

/**
 * A BITCOUNT/BITPOS range resolved to bytes (Valkey's conversion of negative indexes and of BIT
 * ranges): bytes `start..end`, and the masks of the bits outside the range in the edge bytes.
 */
interface ByteRange {
  start: number
  end: number
  firstMask: number
  lastMask: number
}

const resolveRange = (length: number, startArg: bigint, endArg: bigint, isBit: boolean): ByteRange => {
  const total = isBit ? BigInt(length) * 8n : BigInt(length)
  let start = startArg
  let end = endArg
  if (start < 0n) start += total
  if (end < 0n) end += total
  if (start < 0n) start = 0n
  if (end < 0n) end = 0n
  if (end >= total) end = total - 1n
  let firstMask = 0
  let lastMask = 0
  if (isBit && start <= end) {
    const s = Number(start & 7n)
    const e = Number(end & 7n)
    firstMask = ~((1 << (8 - s)) - 1) & 0xff
    lastMask = (1 << (7 - e)) - 1
    start >>= 3n
    end >>= 3n
  }
  // Past the string, the range is empty (start > end) or clamped: plain numbers from here.
  return { start: start > end ? 1 : Number(start), end: start > end ? 0 : Number(end), firstMask, lastMask }
}

/** BITCOUNT key [start end [BYTE|BIT]] */
const bitcount = (client: CommandClient, argv: Array<string>): Reply => {
  let range: { start: bigint; end: bigint | undefined; isBit: boolean } | undefined
  if (argv.length >= 3 && argv.length <= 5) {
    const start = int64Arg(argv[2])
    if (start === undefined) return NOT_AN_INTEGER
    let isBit = false
    if (argv.length === 5) {
      if (isKeyword(argv[4], "bit")) isBit = true
      else if (!isKeyword(argv[4], "byte")) return SYNTAX_ERROR
    }
    let end: bigint | undefined
    if (argv.length >= 4) {
      end = int64Arg(argv[3])
      if (end === undefined) return NOT_AN_INTEGER
    }
    range = { start, end, isBit }
  } else if (argv.length !== 2) return SYNTAX_ERROR
  const value = readString(client, argv[1])
  if (value instanceof ErrorReply) return value
  if (value === undefined) return 0
  let r: ByteRange
  if (range === undefined) r = { start: 0, end: value.length - 1, firstMask: 0, lastMask: 0 }
  else {
    const end = range.end ?? BigInt(value.length - 1)
    if (range.start < 0n && end < 0n && range.start > end) return 0
    r = resolveRange(value.length, range.start, end, range.isBit)
  }
  if (r.start > r.end) return 0
  let count = popcount(value, r.start, r.end)
  if (r.firstMask !== 0) count -= POPCOUNT[value.charCodeAt(r.start) & r.firstMask]
  if (r.lastMask !== 0) count -= POPCOUNT[value.charCodeAt(r.end) & r.lastMask]
  return count
}

/** BITPOS key bit [start [end [BYTE|BIT]]] */
const bitpos = (client: CommandClient, argv: Array<string>): Reply => {
  const bitArg = parseInt64(argv[2])
  if (bitArg === undefined) return NOT_AN_INTEGER
  if (bitArg !== 0 && bitArg !== 1) return BAD_BITPOS_BIT
  const bit = bitArg
  let range: { start: bigint; end: bigint | undefined; isBit: boolean } | undefined
  if (argv.length >= 4 && argv.length <= 6) {
    const start = int64Arg(argv[3])
    if (start === undefined) return NOT_AN_INTEGER
    let isBit = false
    if (argv.length === 6) {
      if (isKeyword(argv[5], "bit")) isBit = true
      else if (!isKeyword(argv[5], "byte")) return SYNTAX_ERROR
    }
    let end: bigint | undefined
    if (argv.length >= 5) {
      end = int64Arg(argv[4])
      if (end === undefined) return NOT_AN_INTEGER
    }
    range = { start, end, isBit }
  } else if (argv.length !== 3) return SYNTAX_ERROR
  const value = readString(client, argv[1])
  if (value instanceof ErrorReply) return value
  // A missing key is an endless run of zero bits.
  if (value === undefined) return bit ? -1 : 0
  const endGiven = range?.end !== undefined
  const r =
    range === undefined
      ? { start: 0, end: value.length - 1, firstMask: 0, lastMask: 0 }
      : resolveRange(value.length, range.start, range.end ?? BigInt(value.length - 1), range.isBit)
  if (r.start > r.end) return -1
  for (let i = r.start; i <= r.end; i++) {
    let b = value.charCodeAt(i)
    if (i === r.start && r.firstMask !== 0) b = bit ? b & ~r.firstMask : b | r.firstMask
    if (i === r.end && r.lastMask !== 0) b = bit ? b & ~r.lastMask : b | r.lastMask
    if (!bit) b = ~b & 0xff
    if (b !== 0) return i * 8 + clz8(b)
  }
  // No clear bit: without an explicit end the string counts as padded with zeros to the right.
  if (bit || endGiven) return -1
  return (r.end + 1) * 8
}

/** BITOP AND|OR|XOR|NOT destkey key [key ...] */
const bitop = (client: CommandClient, argv: Array<string>): Reply => {
  const op = argv[1].toLowerCase()
  if (op !== "and" && op !== "or" && op !== "xor" && op !== "not") return SYNTAX_ERROR
  if (op === "not" && argv.length !== 4) return BITOP_NOT_ARGS
  const keyspace = client.server.keyspace
  const sources: Array<string> = []
  let maxLength = 0
  let minLength = 0
  for (let j = 3; j < argv.length; j++) {
    const value = keyspace.read(client.db, argv[j])
    if (value === undefined) {
      sources.push("")
      minLength = 0
      continue
    }
    if (typeof value !== "string") return WRONG_TYPE
    sources.push(value)
    if (value.length > maxLength) maxLength = value.length
    if (j === 3 || value.length < minLength) minLength = value.length
  }
  const destination = argv[2]
  if (maxLength === 0) {
    if (keyspace.delete(client.db, destination)) notifyKeyspaceEvent(client.server, NOTIFY.g, "del", destination, client.db)
    return 0
  }
  const out = Buffer.allocUnsafe(maxLength)
  const first = sources[0]
  for (let i = 0; i < maxLength; i++) {
    let acc = i < first.length ? first.charCodeAt(i) : 0
    if (op === "not") acc = ~acc & 0xff
    else if (op === "and") {
      for (let k = 1; k < sources.length && acc !== 0; k++) acc &= i < sources[k].length ? sources[k].charCodeAt(i) : 0
    } else if (op === "or") {
      for (let k = 1; k < sources.length && acc !== 0xff; k++) acc |= i < sources[k].length ? sources[k].charCodeAt(i) : 0
    } else {
      for (let k = 1; k < sources.length; k++) acc ^= i < sources[k].length ? sources[k].charCodeAt(i) : 0
    }
    out[i] = acc
  }
  setStringHint(keyspace.set(client.db, destination, out.toString("latin1")), "raw")
  notifyKeyspaceEvent(client.server, NOTIFY.$, "set", destination, client.db)
  return maxLength
}

// BITFIELD (Valkey's `bitfieldGeneric`).

const GET = 0
const SET = 1
const INCRBY = 2

const WRAP = 0
const SAT = 1
const FAIL = 2

interface BitfieldOp {
  readonly opcode: number
  readonly offset: number
  readonly value: bigint
  readonly overflow: number
  readonly bits: number
  readonly signed: boolean
}

/** `getBitfieldTypeFromArgument`: `i1`..`i64` or `u1`..`u63`. */
const bitfieldType = (arg: string): { signed: boolean; bits: number } | undefined => {
  const sign = arg.charCodeAt(0)
  if (sign !== 105 /* i */ && sign !== 117 /* u */) return undefined
  const bits = parseInt64(arg.slice(1))
  if (bits === undefined || bits < 1) return undefined
  const signed = sign === 105
  if (bits > (signed ? 64 : 63)) return undefined
  return { signed, bits: Number(bits) }
}

/** Reads `bits` bits at `offset`, most significant first (`getUnsignedBitfield`). */
const readField = (patch: { byte(i: number): number }, offset: number, bits: number): bigint => {
  let value = 0n
  let small = 0
  // Up to 32 bits in a plain number, the rest through bigint.
  for (let i = 0; i < bits; i++) {
    const pos = offset + i
    const bit = (patch.byte(Math.floor(pos / 8)) >> (7 - (pos % 8))) & 1
    if (bits <= 32) small = small * 2 + bit
    else value = (value << 1n) | BigInt(bit)
  }
  return bits <= 32 ? BigInt(small) : value
}

const writeField = (patch: BitmapPatch, offset: number, bits: number, value: bigint): void => {
  const v = BigInt.asUintN(bits, value)
  for (let i = 0; i < bits; i++) {
    const pos = offset + i
    const byte = Math.floor(pos / 8)
    const mask = 1 << (7 - (pos % 8))
    const on = ((v >> BigInt(bits - 1 - i)) & 1n) === 1n
    const current = patch.byte(byte)
    patch.setByte(byte, on ? current | mask : current & ~mask)
  }
}

/**
 * `checkSignedBitfieldOverflow`/`checkUnsignedBitfieldOverflow` with exact arithmetic: whether
 * `value + incr` leaves the type's range (1 above, -1 below), and the value to store instead for
 * WRAP and SAT. An unsigned SET of a negative number is the int64 read as uint64 (above the max).
 */
const overflowOf = (value: bigint, incr: bigint, bits: number, signed: boolean, overflow: number): { dir: number; limit: bigint } => {
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n
  const min = signed ? -max - 1n : 0n
  const sum = value + incr
  const dir = sum > max ? 1 : sum < min ? -1 : 0
  if (dir === 0) return { dir, limit: sum }
  if (overflow === SAT) return { dir, limit: dir > 0 ? max : min }
  return { dir, limit: signed ? BigInt.asIntN(bits, sum) : BigInt.asUintN(bits, sum) }
}

const bitfieldGeneric = (client: CommandClient, argv: Array<string>, readOnly: boolean): Reply => {
  const ops: Array<BitfieldOp> = []
  let overflow = WRAP
  let writes = false
  let highestWriteBit = 0
  for (let j = 2; j < argv.length; j++) {
    const remaining = argv.length - j - 1
    const sub = argv[j].toLowerCase()
    let opcode: number
    if (sub === "get" && remaining >= 2) opcode = GET
    else if (sub === "set" && remaining >= 3) opcode = SET
    else if (sub === "incrby" && remaining >= 3) opcode = INCRBY
    else if (sub === "overflow" && remaining >= 1) {
      const kind = argv[++j].toLowerCase()
      if (kind === "wrap") overflow = WRAP
      else if (kind === "sat") overflow = SAT
      else if (kind === "fail") overflow = FAIL
      else return BAD_OVERFLOW
      continue
    } else return SYNTAX_ERROR
    const type = bitfieldType(argv[j + 1])
    if (type === undefined) return BAD_BITFIELD_TYPE
    const offset = bitOffset(client, argv[j + 2], type.bits)
    if (offset instanceof ErrorReply) return offset
    let value = 0n
    if (opcode !== GET) {
      writes = true
      if (highestWriteBit < offset + type.bits - 1) highestWriteBit = offset + type.bits - 1
      const parsed = int64Arg(argv[j + 3])
      if (parsed === undefined) return NOT_AN_INTEGER
      value = parsed
    }
    ops.push({ opcode, offset, value, overflow, bits: type.bits, signed: type.signed })
    j += opcode === GET ? 2 : 3
  }

  const keyspace = client.server.keyspace
  let target: BitTarget | undefined
  let source: { byte(i: number): number }
  if (!writes) {
    const entry = keyspace.lookup(client.db, argv[1])
    if (entry === undefined) keyspace.stats.misses++
    else keyspace.stats.hits++
    if (entry !== undefined && typeof entry.value !== "string") return WRONG_TYPE
    const s = entry === undefined ? "" : (entry.value as string)
    source = ropeOf(entry) ?? { byte: (i) => (i < s.length ? s.charCodeAt(i) : 0) }
  } else {
    if (readOnly) return BITFIELD_RO_WRITE
    if (beyondCapacity(highestWriteBit)) return TOO_LONG
    const t = bitTarget(client, argv[1], highestWriteBit)
    if (t instanceof ErrorReply) return t
    target = t
    source = t.patch
  }

  const replies: Array<Reply> = []
  let changes = 0
  for (const op of ops) {
    const raw = readField(source, op.offset, op.bits)
    const old = op.signed ? BigInt.asIntN(op.bits, raw) : raw
    if (op.opcode === GET) {
      replies.push(int64Reply(old))
      continue
    }
    // SET of an unsigned field takes the int64 as Valkey's uint64 would.
    const given = op.opcode === SET && !op.signed ? BigInt.asUintN(64, op.value) : op.value
    const check = op.opcode === INCRBY ? overflowOf(old, given, op.bits, op.signed, op.overflow) : overflowOf(given, 0n, op.bits, op.signed, op.overflow)
    if (check.dir !== 0 && op.overflow === FAIL) {
      replies.push(null)
      continue
    }
    const next = check.limit
    replies.push(int64Reply(op.opcode === INCRBY ? next : old))
    writeField(target!.patch, op.offset, op.bits, next)
    if (target!.dirty || next !== old) changes++
  }

  if (target !== undefined) {
    const before = keyspace.dirty
    // A new key exists even when nothing was written (OVERFLOW FAIL), as in Valkey; the change
    // count is Valkey's: one per write that changed a value or the string's length.
    if (target.entry === undefined || target.dirty || changes > 0) storeBitmap(client, argv[1], target)
    keyspace.dirty = before + changes
    if (changes > 0) notifyKeyspaceEvent(client.server, NOTIFY.$, "setbit", argv[1], client.db)
  }
  return replies
}

/** Bitmap commands (Valkey's bitops.c). */
export const bitCommands = [
  defineCommand({
    name: "setbit",
    arity: 4,
    flags: ["write", "denyoom"],
    keys: [1, 1, 1],
    group: "bitmap",
    summary: "Sets or clears the bit at offset of the string value. Creates the key if it doesn't exist.",
    since: "2.2.0",
    complexity: "O(1)",
    aclCategories: ["@write", "@bitmap", "@slow"],
    run: setbit
  }),
  defineCommand({
    name: "getbit",
    arity: 3,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    group: "bitmap",
    summary: "Returns a bit value by offset.",
    since: "2.2.0",
    complexity: "O(1)",
    aclCategories: ["@read", "@bitmap", "@fast"],
    run: getbit
  }),
  defineCommand({
    name: "bitcount",
    arity: -2,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "bitmap",
    summary: "Counts the number of set bits (population counting) in a string.",
    since: "2.6.0",
    complexity: "O(N)",
    aclCategories: ["@read", "@bitmap", "@slow"],
    run: bitcount
  }),
  defineCommand({
    name: "bitpos",
    arity: -3,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "bitmap",
    summary: "Finds the first set (1) or clear (0) bit in a string.",
    since: "2.8.7",
    complexity: "O(N)",
    aclCategories: ["@read", "@bitmap", "@slow"],
    run: bitpos
  }),
  defineCommand({
    name: "bitop",
    arity: -4,
    flags: ["write", "denyoom"],
    keys: [2, -1, 1],
    group: "bitmap",
    summary: "Performs bitwise operations on multiple strings, and stores the result.",
    since: "2.6.0",
    complexity: "O(N)",
    aclCategories: ["@write", "@bitmap", "@slow"],
    run: bitop
  }),
  defineCommand({
    name: "bitfield",
    arity: -2,
    flags: ["write", "denyoom"],
    keys: [1, 1, 1],
    group: "bitmap",
    summary: "Performs arbitrary bitfield integer operations on strings.",
    since: "3.2.0",
    complexity: "O(1) for each subcommand specified",
    aclCategories: ["@write", "@bitmap", "@slow"],
    run: (client, argv) => bitfieldGeneric(client, argv, false)
  }),
  defineCommand({
    name: "bitfield_ro",
    arity: -2,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    group: "bitmap",
    summary: "Performs arbitrary read-only bitfield integer operations on strings.",
    since: "6.0.0",
    complexity: "O(1) for each subcommand specified",
    aclCategories: ["@read", "@bitmap", "@fast"],
    run: (client, argv) => bitfieldGeneric(client, argv, true)
  })
]
