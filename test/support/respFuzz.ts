import * as net from "node:net"
import { cmd } from "./resp.js"

/**
 * A RESP fuzzer: random and mutated request streams (valid commands, huge declared lengths,
 * inline commands, garbage, pipelined bursts, disconnects mid-frame) sent over real connections.
 * Seeded, so a failure replays with the same seed. Used by `test/protocol.fuzz.test.ts` and
 * `npm run soak`.
 */

/** mulberry32: a small seeded PRNG. */
export const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
export type Rand = () => number

/** Valkey's protocol error texts (networking.c `setProtocolError` callers) and current Valkey's CRLF check. */
export const PROTOCOL_ERRORS = new Set([
  "too big inline request",
  "too big mbulk count string",
  "invalid multibulk length",
  "unauthenticated multibulk length",
  "unauthenticated bulk length",
  "too big bulk count string",
  "invalid bulk length",
  "unbalanced quotes in request",
  "invalid CRLF in request"
])
const EXPECTED_DOLLAR = /^expected '\$', got '[\s\S]'$/

const int = (rand: Rand, n: number) => Math.floor(rand() * n)
const pick = <T>(rand: Rand, xs: ReadonlyArray<T>): T => xs[int(rand, xs.length)]!

const KEYS = ["fz:a", "fz:b", "fz:c", "fz:list", "fz:n"]
const VALUES = ["", "0", "1", "-1", "x", "hello", "9223372036854775807", "a b", "\r\n", "\x00\xff"]

/** One valid command's argv (keys under `fz:` so they never meet the witness's keys). */
const command = (rand: Rand): Array<string> => {
  const k = () => pick(rand, KEYS)
  const v = () => pick(rand, VALUES)
  return pick(rand, [
    () => ["PING"],
    () => ["SET", k(), v()],
    () => ["GET", k()],
    () => ["INCR", "fz:n"],
    () => ["APPEND", k(), v()],
    () => ["DEL", k(), k()],
    () => ["LPUSH", "fz:list", v(), v()],
    () => ["RPOP", "fz:list"],
    () => ["LRANGE", "fz:list", "0", String(int(rand, 5) - 1)],
    () => ["HSET", "fz:h", v(), v()],
    () => ["EXISTS", k()],
    () => ["MULTI"],
    () => ["EXEC"],
    () => ["DISCARD"],
    () => ["HELLO", pick(rand, ["2", "3"])],
    () => ["CLIENT", "SETNAME", pick(rand, ["fz", "fz-x"])],
    () => ["SELECT", pick(rand, ["0", "1", "99"])],
    () => ["NOSUCHCOMMAND", v()],
    () => ["GET"]
  ])()
}

const inline = (rand: Rand, argv: ReadonlyArray<string>): string =>
  argv.map((a) => (/^[A-Za-z0-9:_-]+$/.test(a) ? a : `"${a.replace(/[\\"]/g, "\\$&").replace(/\r/g, "\\r").replace(/\n/g, "\\n").replace(/\x00/g, "\\x00").replace(/\xff/g, "\\xff")}"`)).join(" ") + pick(rand, ["\r\n", "\n"])

const garbage = (rand: Rand, n: number): string => {
  let s = ""
  for (let i = 0; i < n; i++) s += String.fromCharCode(int(rand, 256))
  return s
}

const HUGE = ["2147483647", "2147483648", "4294967296", "99999999999999999999", "-2", "-1", "536870912", "536870913", "1048577", "00000000000000000000003", " 3", "3x", ""]

/** Flips, inserts, deletes or duplicates a few bytes. */
const mutate = (rand: Rand, s: string): string => {
  const times = 1 + int(rand, 3)
  for (let i = 0; i < times && s.length > 0; i++) {
    const at = int(rand, s.length)
    switch (int(rand, 5)) {
      case 0:
        s = s.slice(0, at) + String.fromCharCode(int(rand, 256)) + s.slice(at + 1)
        break
      case 1:
        s = s.slice(0, at) + pick(rand, ["\r", "\n", "*", "$", "-", "0", "\x00", "\r\n", "*-1\r\n"]) + s.slice(at)
        break
      case 2:
        s = s.slice(0, at) + s.slice(at + 1 + int(rand, 4))
        break
      case 3:
        s = s.slice(0, at) + s.slice(at, at + 8) + s.slice(at)
        break
      default:
        s = s.slice(0, at)
    }
  }
  return s
}

/** What one connection sends, and whether it then disconnects abruptly or waits for the server. */
export interface FuzzCase {
  readonly kind: string
  readonly chunks: ReadonlyArray<string>
  /** Reset right after writing (mid-frame, usually), instead of a half-close and reading to the end. */
  readonly abrupt: boolean
}

/** Splits `s` into a few random chunks (one `write` each, so frames cross reads). */
const split = (rand: Rand, s: string): Array<string> => {
  const out: Array<string> = []
  let rest = s
  while (rest.length > 0) {
    const n = rand() < 0.5 ? rest.length : 1 + int(rand, Math.min(rest.length, 64))
    out.push(rest.slice(0, n))
    rest = rest.slice(n)
  }
  return out
}

const pipeline = (rand: Rand, n: number) => {
  let s = ""
  for (let i = 0; i < n; i++) s += rand() < 0.8 ? cmd(...command(rand)) : inline(rand, command(rand))
  return s
}

export const fuzzCase = (rand: Rand): FuzzCase => {
  const kinds: Array<() => { kind: string; data: string }> = [
    () => ({ kind: "valid burst", data: pipeline(rand, 1 + int(rand, 200)) }),
    () => ({ kind: "mutated burst", data: mutate(rand, pipeline(rand, 1 + int(rand, 20))) }),
    () => ({ kind: "huge multibulk count", data: pipeline(rand, int(rand, 3)) + `*${pick(rand, HUGE)}\r\n` + (rand() < 0.5 ? "$3\r\nGET\r\n" : "") }),
    () => ({ kind: "huge bulk length", data: pipeline(rand, int(rand, 3)) + `*2\r\n$3\r\nGET\r\n$${pick(rand, HUGE)}\r\n` + (rand() < 0.5 ? "abc" : "") }),
    () => ({ kind: "inline", data: Array.from({ length: 1 + int(rand, 10) }, () => inline(rand, command(rand))).join("") + (rand() < 0.3 ? `SET "unbalanced\r\n` : "") }),
    () => ({ kind: "long line", data: (rand() < 0.5 ? "*" : rand() < 0.5 ? "*1\r\n$" : "") + "1".repeat(65 * 1024 + int(rand, 4096)) }),
    () => ({ kind: "garbage", data: garbage(rand, 1 + int(rand, 2000)) }),
    () => ({ kind: "truncated", data: (() => { const s = pipeline(rand, 1 + int(rand, 10)); return s.slice(0, int(rand, s.length)) })() })
  ]
  const { kind, data } = pick(rand, kinds)()
  return { kind, chunks: split(rand, data), abrupt: rand() < 0.25 }
}

/** What a connection got back. */
export interface FuzzResult {
  readonly kind: string
  readonly received: string
  /** Empty when the replies are consistent; otherwise why not. */
  readonly problem: string
}

/**
 * Runs one case on a new connection to `port`. A non-abrupt case half-closes after writing and
 * reads until the server closes (within `ms`); the check is that a protocol error, if any, carries
 * one of Valkey's texts and is the last thing sent before the close.
 */
export const runCase = (port: number, c: FuzzCase, ms = 10_000): Promise<FuzzResult> =>
  new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" })
    const parts: Array<Buffer> = []
    let done = false
    const finish = (problem: string) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      const received = Buffer.concat(parts).toString("latin1")
      resolve({ kind: c.kind, received, problem: problem === "" && !c.abrupt ? checkReplies(received) : problem })
    }
    const timer = setTimeout(() => finish(`the server did not close the connection within ${ms} ms`), ms)
    socket.on("data", (d) => parts.push(d))
    socket.on("error", () => {})
    socket.on("close", () => finish(""))
    socket.on("connect", () => {
      for (const chunk of c.chunks) socket.write(Buffer.from(chunk, "latin1"))
      if (c.abrupt) socket.resetAndDestroy()
      else socket.end()
    })
  })

const checkReplies = (received: string): string => {
  const at = received.indexOf("-ERR Protocol error: ")
  if (at === -1) return ""
  const end = received.indexOf("\r\n", at)
  if (end === -1) return `an incomplete protocol error: ${JSON.stringify(received.slice(at, at + 200))}`
  const reason = received.slice(at + "-ERR Protocol error: ".length, end)
  if (!PROTOCOL_ERRORS.has(reason) && !EXPECTED_DOLLAR.test(reason)) return `not one of Valkey's protocol error texts: ${JSON.stringify(reason)}`
  if (end + 2 !== received.length) return `bytes after the protocol error: ${JSON.stringify(received.slice(end + 2, end + 202))}`
  return ""
}
