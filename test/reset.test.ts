import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runSequence, transcript } from "./support/differential.js"
import { type RedisServer, startRedisServer } from "./support/redisServer.js"
import { type RunningServer, startServer } from "./support/server.js"

/** The connection state CLIENT INFO shows, without what differs between two servers (ids, addresses, memory). */
const STATE_FIELDS = ["name", "db", "flags", "sub", "psub", "ssub", "multi", "resp"]
const clientState = (reply: string): string => {
  const fields = new Map(reply.split(/\s+/).map((kv) => kv.split("=") as [string, string]))
  return STATE_FIELDS.map((f) => `${f}=${fields.get(f)}`).join(" ")
}

/** RESET (networking.c `resetCommand`, `clearClientConnectionState`), compared with redis-server 7.0.15. */
describe("RESET compared with redis-server 7.0.15", () => {
  let redis: RedisServer
  let s: RunningServer
  beforeAll(async () => {
    ;[redis, s] = await Promise.all([startRedisServer(), startServer()])
  })
  afterAll(async () => {
    await Promise.all([redis.stop(), s.close()])
  })

  const compare = async (commands: ReadonlyArray<ReadonlyArray<string>>) => {
    const normalize = (replies: Array<string>) =>
      replies.map((reply, i) => (commands[i][0] === "CLIENT" && commands[i][1] === "INFO" ? clientState(reply) : reply))
    const expected = normalize(await runSequence(redis.port, commands))
    const actual = normalize(await runSequence(s.port, commands))
    expect(transcript(commands, actual)).toEqual(transcript(commands, expected))
    return actual
  }

  it("leaves MULTI, unwatches, back to db 0, no name", async () => {
    const replies = await compare([
      ["SELECT", "5"],
      ["CLIENT", "SETNAME", "someone"],
      ["WATCH", "k"],
      ["MULTI"],
      ["SET", "k", "v"],
      ["RESET"],
      ["CLIENT", "INFO"],
      ["EXEC"],
      ["GET", "k"]
    ])
    expect(replies[6]).toBe("name= db=0 flags=N sub=0 psub=0 ssub=0 multi=-1 resp=2")
  })

  it("NO-EVICT and NO-TOUCH are turned off and WATCHes are gone (Valkey; redis 7.0 kept NO-EVICT and has no NO-TOUCH)", async () => {
    const replies = await runSequence(s.port, [["CLIENT", "NO-EVICT", "on"], ["CLIENT", "NO-TOUCH", "on"], ["WATCH", "k"], ["CLIENT", "INFO"], ["RESET"], ["CLIENT", "INFO"]])
    expect(replies[3]).toMatch(/ flags=eT .* watch=1 /)
    expect(replies[5]).toMatch(/ flags=N .* watch=0 /)
  })

  it("unsubscribes from every channel, pattern and shard channel", async () => {
    const replies = await compare([
      ["SUBSCRIBE", "a"],
      ["PSUBSCRIBE", "p*"],
      ["SSUBSCRIBE", "s"],
      ["RESET"],
      ["CLIENT", "INFO"],
      ["PUBSUB", "NUMSUB", "a"],
      ["PUBSUB", "NUMPAT"],
      ["GET", "k"]
    ])
    expect(replies[3]).toBe("+RESET\r\n")
  })

  it("back to RESP2", async () => {
    const commands = [["HELLO", "3"], ["RESET"], ["CLIENT", "INFO"], ["HGETALL", "none"], ["GET", "none"]]
    // HELLO's reply names the server: compared from the RESET on.
    const expected = (await runSequence(redis.port, commands)).slice(1).map((r, i) => (i === 1 ? clientState(r) : r))
    const actual = (await runSequence(s.port, commands)).slice(1).map((r, i) => (i === 1 ? clientState(r) : r))
    expect(actual).toEqual(expected)
    expect(actual[2]).toBe("*0\r\n")
  })

  it("leaves monitor mode", async () => {
    await compare([["MONITOR"], ["GET", "k"], ["RESET"], ["CLIENT", "INFO"], ["GET", "k"]])
    expect(s.server.monitors.size).toBe(0)
  })

  it("authenticates as the default user again: with requirepass, that is not authenticated", async () => {
    const commands = [["CONFIG", "SET", "requirepass", "pw"], ["AUTH", "pw"], ["GET", "k"], ["RESET"], ["GET", "k"], ["AUTH", "pw"], ["CONFIG", "SET", "requirepass", ""]]
    const replies = await compare(commands)
    expect(replies[4]).toBe("-NOAUTH Authentication required.\r\n")
  })

  it("wrong arity", async () => {
    await compare([["RESET", "x"]])
  })
})
