import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runSequence, transcript } from "./support/differential.js"
import { type RedisServer, startRedisServer } from "./support/redisServer.js"
import { type RunningServer, startServer } from "./support/server.js"

/**
 * RESP3 replies of the string, key, list and transaction families compared with redis-server 7.0
 * byte for byte. Each sequence starts with HELLO 3, whose reply (server name and version) is not
 * compared.
 */
const sequences: Record<string, ReadonlyArray<ReadonlyArray<string>>> = {
  "nulls and doubles": [
    ["GET", "nokey"],
    ["MGET", "nokey", "a"],
    ["SET", "a", "1"],
    ["SET", "a", "2", "GET"],
    ["SET", "a", "3", "NX", "GET"],
    ["SET", "a", "3", "XX"],
    ["SET", "n", "1", "XX"],
    ["GETEX", "nokey"],
    ["GETDEL", "nokey"],
    ["INCRBYFLOAT", "f", "1.5"],
    ["LPOP", "nokey"],
    ["LPOP", "nokey", "2"],
    ["LINDEX", "nokey", "0"],
    ["LPOS", "nokey", "x"],
    ["RPOPLPUSH", "nokey", "x"],
    ["LMPOP", "1", "nokey", "LEFT"],
    ["BLPOP", "nokey", "0.01"],
    ["BLMPOP", "0.01", "1", "nokey", "LEFT"],
    ["BRPOPLPUSH", "nokey", "x", "0.01"]
  ],
  "maps and arrays": [
    ["SET", "a", "ohmytext"],
    ["SET", "b", "mynewtext"],
    ["LCS", "a", "b", "IDX"],
    ["LCS", "a", "b", "IDX", "WITHMATCHLEN"],
    ["RPUSH", "l", "a", "b", "c"],
    ["LMPOP", "1", "l", "LEFT", "COUNT", "2"],
    ["BLMPOP", "0", "1", "l", "RIGHT"],
    ["RPUSH", "l", "x"],
    ["BLPOP", "l", "0"],
    ["LRANGE", "l", "0", "-1"],
    ["SCAN", "0", "MATCH", "a"],
    ["EXISTS", "a"],
    ["CONFIG", "GET", "maxmemory"]
  ],
  transactions: [
    ["MULTI"],
    ["GET", "nokey"],
    ["INCRBYFLOAT", "g", "2.5"],
    ["LPOP", "nokey", "1"],
    ["BLPOP", "nokey", "0"],
    ["EXEC"],
    ["WATCH", "w"],
    ["SET", "w", "1"],
    ["MULTI"],
    ["PING"],
    ["EXEC"]
  ]
}

describe("differential RESP3: keyfiber vs redis-server 7.0", () => {
  let redis: RedisServer
  let keyfiber: RunningServer
  beforeAll(async () => {
    ;[redis, keyfiber] = await Promise.all([startRedisServer(), startServer()])
  })
  afterAll(async () => {
    await Promise.all([redis?.stop(), keyfiber?.close()])
  })
  for (const [name, body] of Object.entries(sequences)) {
    it(name, async () => {
      const commands = [["HELLO", "3"], ...body]
      await runSequence(redis.port, [["FLUSHALL"]])
      keyfiber.server.keyspace.flushAll()
      const expected = (await runSequence(redis.port, commands)).slice(1)
      const actual = (await runSequence(keyfiber.port, commands)).slice(1)
      expect(transcript(body, actual)).toEqual(transcript(body, expected))
    })
  }
})
