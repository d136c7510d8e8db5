import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RawClient } from "./raw.js"
import { type RedisServer, startRedisServer } from "./redisServer.js"
import { type RunningServer, startServer } from "./server.js"
import { cmd } from "./resp.js"

/**
 * Differential testing: run the same command sequence against redis-server and keyfiber over raw
 * RESP and compare the replies byte for byte.
 *
 * To add cases, append `Sequence`s to a table (see `test/differential.test.ts`): a name and the
 * commands, each an argv array of latin1 strings. Each sequence runs on a fresh connection after
 * both servers are emptied, so keys need not be unique across sequences. Mark a sequence `skip`
 * with the reason when Valkey is known to differ from Redis 7.0 there. A sequence that uses a
 * command keyfiber does not have yet is skipped until that command family lands.
 *
 * A new family can live in its own file:
 *
 *     differentialSuite("differential: lists", { lists: [{ name: "...", commands: [[...]] }] })
 */
export interface Sequence {
  readonly name: string
  readonly commands: ReadonlyArray<ReadonlyArray<string>>
  /** Why this case is not compared (Valkey 8+ differs from Redis 7.0). */
  readonly skip?: string
}

/**
 * The end offset of the complete RESP2/RESP3 reply starting at `start`, or -1 if more bytes are
 * needed.
 */
export const replyEnd = (text: string, start: number): number => {
  if (start >= text.length) return -1
  const lineEnd = text.indexOf("\r\n", start)
  if (lineEnd === -1) return -1
  const type = text[start]
  const header = text.slice(start + 1, lineEnd)
  const afterLine = lineEnd + 2
  switch (type) {
    case "+":
    case "-":
    case ":":
    case "_":
    case "#":
    case ",":
    case "(":
      return afterLine
    case "$":
    case "=":
    case "!": {
      const n = Number(header)
      if (n < 0) return afterLine
      const end = afterLine + n + 2
      return end <= text.length ? end : -1
    }
    case "*":
    case "~":
    case ">":
    case "%":
    case "|": {
      let n = Number(header)
      if (n < 0) return afterLine
      if (type === "%" || type === "|") n *= 2
      let offset = afterLine
      for (let i = 0; i < n; i++) {
        offset = replyEnd(text, offset)
        if (offset === -1) return -1
      }
      // An attribute is followed by the reply it annotates.
      return type === "|" ? replyEnd(text, offset) : offset
    }
    default:
      throw new Error(`not a RESP reply at offset ${start}: ${JSON.stringify(text.slice(start, start + 40))}`)
  }
}

/** Splits received bytes into complete replies; returns them and the unparsed remainder offset. */
export const splitReplies = (text: string): { replies: Array<string>; rest: number } => {
  const replies: Array<string> = []
  let offset = 0
  for (;;) {
    const end = replyEnd(text, offset)
    if (end === -1) break
    replies.push(text.slice(offset, end))
    offset = end
  }
  return { replies, rest: offset }
}

/**
 * Sends each command in turn on a new connection and returns each raw reply. Commands go one at a
 * time (not pipelined) so time-dependent steps behave the same on both servers.
 */
export const runSequence = async (port: number, commands: ReadonlyArray<ReadonlyArray<string>>): Promise<Array<string>> => {
  const client = await RawClient.connect(port)
  try {
    const out: Array<string> = []
    for (const argv of commands) {
      client.take()
      client.write(Buffer.from(cmd(...argv), "latin1"))
      const text = await client.until((t) => splitReplies(t).replies.length >= 1)
      const { replies } = splitReplies(text)
      if (replies.length === 0) throw new Error(`connection closed before replying to ${argv.join(" ")}`)
      out.push(replies[0])
    }
    return out
  } finally {
    client.close()
  }
}

/** A transcript for readable failures: `> SET k v` then the reply, per command. */
export const transcript = (commands: ReadonlyArray<ReadonlyArray<string>>, replies: ReadonlyArray<string>): Array<string> =>
  commands.map((argv, i) => `${argv.map((a) => JSON.stringify(a)).join(" ")} => ${JSON.stringify(replies[i])}`)

/**
 * Starts one redis-server and one keyfiber for the file and registers one test per sequence,
 * grouped by table name. Each test empties both servers (FLUSHALL there, `flushAll` here) first.
 */
export const differentialSuite = (title: string, tables: Readonly<Record<string, ReadonlyArray<Sequence>>>): void => {
  describe(title, () => {
    let redis: RedisServer
    let keyfiber: RunningServer
    beforeAll(async () => {
      ;[redis, keyfiber] = await Promise.all([startRedisServer(), startServer()])
    })
    afterAll(async () => {
      await Promise.all([redis?.stop(), keyfiber?.close()])
    })
    for (const [family, table] of Object.entries(tables)) {
      describe(family, () => {
        for (const sequence of table) {
          const test = sequence.skip !== undefined || sequence.commands.length === 0 ? it.skip : it
          test(sequence.name, async (ctx) => {
            const missing = sequence.commands.find((argv) => !keyfiber.server.commands.has(argv[0]))
            if (missing !== undefined) ctx.skip()
            await runSequence(redis.port, [["FLUSHALL"]])
            keyfiber.server.keyspace.flushAll()
            const expected = await runSequence(redis.port, sequence.commands)
            const actual = await runSequence(keyfiber.port, sequence.commands)
            expect(transcript(sequence.commands, actual)).toEqual(transcript(sequence.commands, expected))
          })
        }
      })
    }
  })
}
