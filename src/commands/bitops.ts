import { WRONGTYPE } from "../keyspace/Value.js"
import { ErrorReply, type Reply } from "../protocol/Reply.js"
import { MAX_STRING_BYTES } from "../protocol/RespParser.js"
import type { CommandClient } from "./CommandSpec.js"
import { parseInt64 } from "./args.js"
import { defineCommand } from "./CommandSpec.js"
import { setStringHint } from "./ObjectEncoding.js"
import { NOTIFY, notifyKeyspaceEvent } from "./PubSubState.js"

const WRONG_TYPE = new ErrorReply(WRONGTYPE)
const BAD_OFFSET = new ErrorReply("ERR bit offset is not an integer or out of range")
const BAD_BIT = new ErrorReply("ERR bit is not an integer or out of range")

/**
 * bitops.c `getBitOffsetFromArgument`: a non-negative integer whose byte is below
 * `proto-max-bulk-len` (and below the longest string keyfiber can hold).
 */
const bitOffset = (client: CommandClient, arg: string): number | undefined => {
  const offset = parseInt64(arg)
  if (offset === undefined || offset < 0 || typeof offset === "bigint") return undefined
  const byte = Math.floor(offset / 8)
  return byte >= client.server.limits.protoMaxBulkLen || byte >= MAX_STRING_BYTES ? undefined : offset
}

/** The bit at `offset` of a byte string (0 past its end), counting from each byte's high bit. */
const bitAt = (value: string, offset: number): number => {
  const byte = offset >> 3
  return byte < value.length ? (value.charCodeAt(byte) >> (7 - (offset & 7))) & 1 : 0
}

/**
 * SETBIT key offset 0|1 (`setbitCommand`): the string grows with zero bytes to hold the bit; the
 * reply is the bit's old value. Nothing changes (no event, no write counted) when the bit already
 * had that value and the string did not grow.
 */
const setbit = (client: CommandClient, argv: Array<string>): Reply => {
  const offset = bitOffset(client, argv[2])
  if (offset === undefined) return BAD_OFFSET
  const on = parseInt64(argv[3])
  if (on !== 0 && on !== 1) return BAD_BIT
  const keyspace = client.server.keyspace
  const entry = keyspace.lookup(client.db, argv[1])
  if (entry !== undefined && typeof entry.value !== "string") return WRONG_TYPE
  const byte = offset >> 3
  const current = entry === undefined ? "" : (entry.value as string)
  const old = bitAt(current, offset)
  const grows = current.length <= byte
  if (entry !== undefined && !grows && old === on) return old
  const padded = grows ? current + "\0".repeat(byte + 1 - current.length) : current
  const mask = 1 << (7 - (offset & 7))
  const byteValue = on === 1 ? padded.charCodeAt(byte) | mask : padded.charCodeAt(byte) & ~mask
  const next = padded.slice(0, byte) + String.fromCharCode(byteValue) + padded.slice(byte + 1)
  if (entry === undefined) setStringHint(keyspace.add(client.db, argv[1], next), "raw")
  else {
    keyspace.replaceValue(client.db, entry, next)
    setStringHint(entry, "raw")
    keyspace.touch(client.db, argv[1])
  }
  notifyKeyspaceEvent(client.server, NOTIFY.$, "setbit", argv[1], client.db)
  return old
}

/** GETBIT key offset (`getbitCommand`): 0 past the end of the string or for a missing key. */
const getbit = (client: CommandClient, argv: Array<string>): Reply => {
  const offset = bitOffset(client, argv[2])
  if (offset === undefined) return BAD_OFFSET
  const value = client.server.keyspace.read(client.db, argv[1])
  if (value === undefined) return 0
  if (typeof value !== "string") return WRONG_TYPE
  return bitAt(value, offset)
}

/** Bitmap commands (Valkey's bitops.c): SETBIT, GETBIT. */
export const bitopsCommands = [
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
  })
]
