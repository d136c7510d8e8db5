import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { differentialSuite, runSequence, type Sequence, splitReplies, transcript } from "./support/differential.js"
import { RawClient } from "./support/raw.js"
import { type RedisServer, startRedisServer } from "./support/redisServer.js"
import { type RunningServer, startServer } from "./support/server.js"
import { cmd } from "./support/resp.js"

/**
 * Sorted set sequences compared byte for byte with redis-server 7.0. Scores are chosen so that
 * Redis 7.0's `%.17g` and Valkey's shortest round-trip form print alike (integers, halves, inf).
 */
const zsets: ReadonlyArray<Sequence> = [
  {
    name: "ZADD options and errors",
    commands: [
      ["ZADD", "z", "1", "a", "2", "b", "3", "c"],
      ["ZADD", "z", "NX", "XX", "1", "a"],
      ["ZADD", "z", "GT", "LT", "1", "a"],
      ["ZADD", "z", "GT", "NX", "1", "a"],
      ["ZADD", "z", "INCR", "1", "a", "2", "b"],
      ["ZADD", "z", "1"],
      ["ZADD", "z", "1", "a", "2"],
      ["ZADD", "z", "x", "a"],
      ["ZADD", "z", "nan", "a"],
      ["ZADD", "z", " 1", "a"],
      ["ZADD", "z", "1e400", "a"],
      ["ZADD", "z", "-1e400", "a"],
      ["ZADD", "z", "1e-400", "a"],
      ["ZADD", "z", "0e5", "zero", "0.0", "zero2", "-0", "negzero", "0x10", "hex", "1e-320", "tiny"],
      ["ZSCORE", "z", "hex"],
      ["ZSCORE", "z", "negzero"],
      ["ZADD", "q", "-0", "n", "1e20", "a", "1180591620717411303424", "b", "0.00000095367431640625", "c", "1e17", "d"],
      ["ZRANGE", "q", "0", "-1", "WITHSCORES"],
      ["ZINCRBY", "q", "-1e20", "a"],
      ["ZINCRBY", "q", "-0", "a"],
      ["ZINCRBY", "q", "-0", "new"],
      ["ZADD", "q", "INCR", "-0", "new2"],
      ["ZRANGEBYSCORE", "z", "(1e400", "+inf"],
      ["ZUNIONSTORE", "u", "1", "z", "WEIGHTS", "1e400"],
      ["ZREM", "z", "zero", "zero2", "negzero", "hex", "tiny"],
      ["ZADD", "z", "CH", "5", "a", "2", "b", "9", "d"],
      ["ZADD", "z", "NX", "50", "a", "7", "e"],
      ["ZADD", "z", "XX", "CH", "50", "a", "7", "f"],
      ["ZADD", "z", "GT", "CH", "10", "a", "100", "b"],
      ["ZADD", "z", "LT", "CH", "10", "a", "1000", "b"],
      ["ZADD", "z", "INCR", "2.5", "a"],
      ["ZADD", "z", "INCR", "XX", "1", "nope"],
      ["ZADD", "z", "INCR", "GT", "-1", "a"],
      ["ZADD", "z", "INCR", "NX", "1", "a"],
      ["ZADD", "z", "inf", "i", "-inf", "j", "+inf", "k"],
      ["ZINCRBY", "z", "-inf", "i"],
      ["ZINCRBY", "z", "1", "i"],
      ["ZINCRBY", "z", "x", "i"],
      ["ZRANGE", "z", "0", "-1", "WITHSCORES"],
      ["ZADD", "nokey", "XX", "1", "a"],
      ["ZADD", "nokey", "XX", "INCR", "1", "a"],
      ["EXISTS", "nokey"],
      ["SET", "s", "x"],
      ["ZADD", "s", "1", "a"],
      ["ZCARD", "s"],
      ["ZCARD", "z"],
      ["ZCARD", "nokey"],
      ["TYPE", "z"],
      ["OBJECT", "ENCODING", "z"]
    ]
  },
  {
    name: "ZSCORE ZMSCORE ZRANK ZREVRANK ZREM",
    commands: [
      ["ZADD", "z", "1", "a", "2", "b", "2", "c", "-5", "d"],
      ["ZSCORE", "z", "a"],
      ["ZSCORE", "z", "x"],
      ["ZSCORE", "nokey", "x"],
      ["ZMSCORE", "z", "a", "x", "d"],
      ["ZMSCORE", "nokey", "a"],
      ["ZRANK", "z", "c"],
      ["ZREVRANK", "z", "c"],
      ["ZRANK", "z", "x"],
      ["ZREM", "z", "a", "x", "a"],
      ["ZREM", "z", "b", "c", "d"],
      ["EXISTS", "z"],
      ["ZREM", "nokey", "a"]
    ]
  },
  {
    name: "ZRANGE by rank, REV, WITHSCORES, errors",
    commands: [
      ["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"],
      ["ZRANGE", "z", "0", "-1"],
      ["ZRANGE", "z", "1", "2", "WITHSCORES"],
      ["ZRANGE", "z", "-2", "100"],
      ["ZRANGE", "z", "3", "1"],
      ["ZRANGE", "z", "-100", "0"],
      ["ZRANGE", "z", "0", "1", "REV"],
      ["ZREVRANGE", "z", "0", "1", "WITHSCORES"],
      ["ZREVRANGE", "z", "-1", "-1"],
      ["ZRANGE", "z", "0", "1", "LIMIT", "0", "1"],
      ["ZRANGE", "z", "a", "1"],
      ["ZRANGE", "z", "0", "1", "FOO"],
      ["ZRANGE", "z", "(1", "5", "BYLEX", "WITHSCORES"],
      ["ZRANGE", "z", "0", "1", "LIMIT", "x", "1", "BYSCORE"],
      ["ZRANGE", "nokey", "0", "-1"],
      ["ZREVRANGE", "z", "0", "1", "REV"]
    ]
  },
  {
    name: "ZRANGE BYSCORE and ZRANGEBYSCORE family",
    commands: [
      ["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "-inf", "m", "inf", "p"],
      ["ZRANGE", "z", "2", "4", "BYSCORE"],
      ["ZRANGE", "z", "(2", "(4", "BYSCORE", "WITHSCORES"],
      ["ZRANGE", "z", "4", "2", "BYSCORE", "REV"],
      ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "3"],
      ["ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "1", "-1", "WITHSCORES"],
      ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "-1", "3"],
      ["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "0", "0"],
      ["ZRANGEBYSCORE", "z", "1", "3", "WITHSCORES", "LIMIT", "1", "5"],
      ["ZRANGEBYSCORE", "z", "3", "1"],
      ["ZRANGEBYSCORE", "z", "(3", "3"],
      ["ZRANGEBYSCORE", "z", "x", "3"],
      ["ZRANGEBYSCORE", "z", "1", "(x"],
      ["ZRANGEBYSCORE", "z", "1", "nan"],
      ["ZRANGEBYSCORE", "z", "1", "3", "REV"],
      ["ZREVRANGEBYSCORE", "z", "3", "1", "WITHSCORES"],
      ["ZREVRANGEBYSCORE", "z", "+inf", "(4", "LIMIT", "0", "1"],
      ["ZCOUNT", "z", "-inf", "+inf"],
      ["ZCOUNT", "z", "(1", "3"],
      ["ZCOUNT", "z", "3", "1"],
      ["ZCOUNT", "z", "x", "1"],
      ["ZCOUNT", "nokey", "1", "2"]
    ]
  },
  {
    name: "BYLEX ranges",
    commands: [
      ["ZADD", "z", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "aa"],
      ["ZRANGEBYLEX", "z", "-", "+"],
      ["ZRANGEBYLEX", "z", "[a", "(c"],
      ["ZRANGEBYLEX", "z", "(a", "[c", "LIMIT", "1", "2"],
      ["ZRANGEBYLEX", "z", "+", "-"],
      ["ZRANGEBYLEX", "z", "a", "c"],
      ["ZREVRANGEBYLEX", "z", "+", "-"],
      ["ZREVRANGEBYLEX", "z", "[c", "(a"],
      ["ZRANGE", "z", "[e", "[b", "BYLEX", "REV", "LIMIT", "0", "2"],
      ["ZLEXCOUNT", "z", "-", "+"],
      ["ZLEXCOUNT", "z", "[b", "(d"],
      ["ZLEXCOUNT", "z", "b", "(d"],
      ["ZREMRANGEBYLEX", "z", "[aa", "[c"],
      ["ZRANGE", "z", "0", "-1"]
    ]
  },
  {
    name: "ZPOPMIN ZPOPMAX ZMPOP",
    commands: [
      ["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"],
      ["ZPOPMIN", "z"],
      ["ZPOPMAX", "z", "2"],
      ["ZPOPMIN", "z", "0"],
      ["ZPOPMIN", "z", "-1"],
      ["ZPOPMIN", "z", "1", "2"],
      ["ZPOPMIN", "z", "10"],
      ["EXISTS", "z"],
      ["ZPOPMIN", "nokey"],
      ["ZADD", "z", "1", "a", "2", "b", "3", "c"],
      ["ZMPOP", "2", "nokey", "z", "MIN"],
      ["ZMPOP", "1", "z", "MAX", "COUNT", "10"],
      ["ZMPOP", "1", "z", "MAX"],
      ["ZMPOP", "0", "z", "MAX"],
      ["ZMPOP", "1", "z", "FOO"],
      ["ZMPOP", "1", "z", "MIN", "COUNT", "0"],
      ["ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "1"],
      ["ZMPOP", "3", "z", "MIN"],
      ["SET", "s", "x"],
      ["ZMPOP", "2", "s", "z", "MIN"],
      ["ZPOPMIN", "s"]
    ]
  },
  {
    name: "ZREMRANGEBYRANK and ZREMRANGEBYSCORE",
    commands: [
      ["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"],
      ["ZREMRANGEBYRANK", "z", "1", "2"],
      ["ZRANGE", "z", "0", "-1"],
      ["ZREMRANGEBYRANK", "z", "5", "10"],
      ["ZREMRANGEBYRANK", "z", "x", "10"],
      ["ZREMRANGEBYSCORE", "z", "(1", "4"],
      ["ZRANGE", "z", "0", "-1", "WITHSCORES"],
      ["ZREMRANGEBYSCORE", "z", "-inf", "+inf"],
      ["EXISTS", "z"],
      ["ZREMRANGEBYSCORE", "nokey", "1", "2"]
    ]
  },
  {
    name: "ZUNION/ZINTER/ZDIFF and their STORE forms, ZINTERCARD",
    commands: [
      ["ZADD", "a", "1", "x", "2", "y", "inf", "w"],
      ["ZADD", "b", "1", "y", "5", "z", "-inf", "w"],
      ["SADD", "s", "y", "q"],
      ["ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2", "AGGREGATE", "MAX"],
      ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
      ["ZUNION", "2", "a", "b", "WITHSCORES"],
      ["ZUNION", "3", "a", "b", "s", "WITHSCORES", "AGGREGATE", "MIN"],
      ["ZUNION", "2", "a", "b", "WEIGHTS", "0", "1", "WITHSCORES"],
      ["ZINTER", "2", "a", "b", "WITHSCORES"],
      ["ZINTER", "3", "a", "b", "s", "WITHSCORES"],
      ["ZINTER", "2", "a", "nokey"],
      ["ZINTERSTORE", "d", "2", "a", "b", "WEIGHTS", "2", "3"],
      ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
      ["ZDIFF", "2", "a", "b", "WITHSCORES"],
      ["ZDIFF", "2", "a", "s"],
      ["ZDIFFSTORE", "d", "2", "a", "a"],
      ["EXISTS", "d"],
      ["ZDIFFSTORE", "d", "1", "a"],
      ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
      ["ZINTERCARD", "2", "a", "b"],
      ["ZINTERCARD", "2", "a", "b", "LIMIT", "1"],
      ["ZINTERCARD", "2", "a", "b", "LIMIT", "0"],
      ["ZINTERCARD", "2", "a", "b", "LIMIT", "-1"],
      ["ZINTERCARD", "0", "a"],
      ["ZINTERCARD", "2", "a", "b", "WITHSCORES"],
      ["ZUNIONSTORE", "d", "0", "a"],
      ["ZUNIONSTORE", "d", "x", "a"],
      ["ZUNIONSTORE", "d", "1", "a", "WEIGHTS", "x"],
      ["ZUNIONSTORE", "d", "1", "a", "AGGREGATE", "foo"],
      ["ZUNIONSTORE", "d", "1", "a", "WITHSCORES"],
      ["ZINTER", "2", "a", "b", "WEIGHTS", "1"],
      ["ZDIFF", "1", "a", "WEIGHTS", "1"],
      ["ZUNION", "3", "a", "b"],
      ["SET", "str", "v"],
      ["ZUNION", "2", "a", "str", "BADOPT"],
      ["ZUNIONSTORE", "nokey2", "1", "nokey"],
      ["EXISTS", "nokey2"]
    ]
  },
  {
    name: "duplicates in one ZADD, store over other types, wrong types everywhere",
    commands: [
      ["ZADD", "z", "CH", "1", "a", "2", "a", "3", "b"],
      ["ZRANGE", "z", "0", "-1", "WITHSCORES"],
      ["SET", "str", "v"],
      ["ZRANGESTORE", "str", "z", "0", "-1"],
      ["TYPE", "str"],
      ["ZRANGESTORE", "d", "str2", "0", "-1"],
      ["RPUSH", "l", "x"],
      ["ZRANGESTORE", "d", "l", "0", "-1"],
      ["ZRANGE", "l", "0", "-1"],
      ["ZMSCORE", "l", "a"],
      ["ZSCORE", "l", "a"],
      ["ZINCRBY", "l", "1", "a"],
      ["ZREM", "l", "a"],
      ["ZCOUNT", "l", "0", "1"],
      ["ZLEXCOUNT", "l", "-", "+"],
      ["ZRANK", "l", "a"],
      ["ZREMRANGEBYRANK", "l", "0", "1"],
      ["ZRANDMEMBER", "l"],
      ["ZSCAN", "l", "0"],
      ["ZUNIONSTORE", "l", "1", "z"],
      ["TYPE", "l"],
      ["ZINCRBY", "new", "2.5", "m"],
      ["ZREVRANGEBYLEX", "z", "+", "-", "LIMIT", "1", "1"],
      ["ZRANGE", "z", "+", "-", "BYLEX", "REV", "LIMIT", "0", "-1"],
      ["ZRANGE", "z", "-", "+", "BYLEX", "LIMIT", "5", "1"],
      ["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "0"],
      ["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "0", "1", "WITHSCORES", "WITHSCORES"],
      ["ZRANGEBYLEX", "z", "-", "+", "WITHSCORES"],
      ["ZRANGE", "z", "0", "-1", "BYSCORE", "BYLEX"],
      ["ZRANGE", "z", "[a", "[b", "BYSCORE", "BYLEX"],
      ["ZRANGE", "z", "0", "-1", "REV", "REV"],
      ["ZRANGE", "z", "0", "-1", "BYSCORE", "LIMIT", "0", "1", "LIMIT", "1", "1"],
      ["ZRANGE", "z", "-inf", "inf", "BYSCORE", "LIMIT", "0", "1", "LIMIT", "1", "1"],
      ["ZRANDMEMBER", "z", "-9223372036854775808"],
      ["ZRANDMEMBER", "z", "-9223372036854775807", "WITHSCORES"],
      ["ZPOPMIN", "z", "x"]
    ]
  },
  {
    name: "ZRANGESTORE",
    commands: [
      ["ZADD", "z", "1", "a", "2", "b", "3", "c"],
      ["ZRANGESTORE", "d", "z", "0", "1"],
      ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
      ["ZRANGESTORE", "d", "z", "(1", "+inf", "BYSCORE", "LIMIT", "0", "1"],
      ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
      ["ZRANGESTORE", "d", "z", "0", "1", "WITHSCORES"],
      ["ZRANGESTORE", "d", "nokey", "0", "1"],
      ["EXISTS", "d"],
      ["OBJECT", "ENCODING", "z"]
    ]
  },
  {
    name: "blocking pops with data, timeouts and errors",
    commands: [
      ["ZADD", "z", "1", "a", "2", "b", "3", "c"],
      ["BZPOPMIN", "nokey", "z", "0"],
      ["BZPOPMAX", "z", "0"],
      ["BZMPOP", "0", "1", "z", "MAX", "COUNT", "5"],
      ["BZPOPMIN", "z", "0.01"],
      ["BZMPOP", "0.01", "1", "z", "MIN"],
      ["BZPOPMIN", "z", "-1"],
      ["BZPOPMIN", "z", "x"],
      ["BZMPOP", "x", "1", "z", "MIN"],
      ["BZMPOP", "0", "0", "z", "MIN"],
      ["BZMPOP", "x", "0", "z", "MIN"],
      ["SET", "s", "x"],
      ["BZPOPMIN", "s", "0"],
      ["MULTI"],
      ["BZPOPMIN", "z", "0"],
      ["BZMPOP", "0", "1", "z", "MIN"],
      ["EXEC"]
    ]
  },
  {
    name: "ZSCAN listpack, ZRANDMEMBER errors, encodings",
    commands: [
      ["ZADD", "z", "3", "c", "1", "a", "2", "b"],
      ["ZSCAN", "z", "0"],
      ["ZSCAN", "z", "0", "MATCH", "a*"],
      ["ZSCAN", "z", "x"],
      ["ZSCAN", "nokey", "0"],
      ["ZRANDMEMBER", "nokey"],
      ["ZRANDMEMBER", "nokey", "5"],
      ["ZRANDMEMBER", "z", "x"],
      ["ZRANDMEMBER", "z", "1", "FOO"],
      ["ZRANDMEMBER", "z", "0"],
      ["ZRANDMEMBER", "z", "5", "WITHSCORES"],
      ["ZRANDMEMBER", "z", "3"],
      ["ZADD", "big", "1", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],
      ["OBJECT", "ENCODING", "big"],
      ["OBJECT", "ENCODING", "z"],
      ["COPY", "z", "z2"],
      ["ZRANGE", "z2", "0", "-1", "WITHSCORES"],
      ["SCAN", "0", "TYPE", "zset", "MATCH", "z2"]
    ]
  }
]

differentialSuite("differential: sorted sets", { zsets })

/** RESP3 replies (doubles, nested pairs) after HELLO 3, whose reply is not compared. */
const resp3: ReadonlyArray<ReadonlyArray<string>> = [
      ["ZADD", "z", "1", "a", "2.5", "b", "inf", "c"],
      ["ZSCORE", "z", "b"],
      ["ZMSCORE", "z", "a", "x"],
      ["ZINCRBY", "z", "1", "a"],
      ["ZADD", "z", "INCR", "1", "a"],
      ["ZRANGE", "z", "0", "-1", "WITHSCORES"],
      ["ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES"],
      ["ZPOPMIN", "z"],
      ["ZPOPMIN", "z", "1"],
      ["ZADD", "z", "1", "a", "2", "b"],
      ["ZMPOP", "1", "z", "MAX", "COUNT", "2"],
      ["ZADD", "a", "1", "x", "2", "y"],
      ["ZUNION", "1", "a", "WITHSCORES"],
      ["ZINTER", "1", "a"],
      ["ZADD", "z", "1", "a"],
      ["BZPOPMIN", "z", "0"],
      ["BZPOPMIN", "z", "0.01"],
      ["ZADD", "z", "1", "a"],
      ["BZMPOP", "0", "1", "z", "MIN"]
  ]

describe("differential RESP3: sorted sets", () => {
  let redis: RedisServer
  let keyfiber: RunningServer
  beforeAll(async () => {
    ;[redis, keyfiber] = await Promise.all([startRedisServer(), startServer()])
  })
  afterAll(async () => {
    await Promise.all([redis?.stop(), keyfiber?.close()])
  })
  it("scores are doubles, pairs are nested", async () => {
    const commands = [["HELLO", "3"], ...resp3]
    await runSequence(redis.port, [["FLUSHALL"]])
    keyfiber.server.keyspace.flushAll()
    const expected = (await runSequence(redis.port, commands)).slice(1)
    const actual = (await runSequence(keyfiber.port, commands)).slice(1)
    expect(transcript(resp3, actual)).toEqual(transcript(resp3, expected))
  })
})

/** Decodes a RESP2 `pmessage` array of bulks into `channel payload`, else undefined. */
const pmessage = (reply: string): string | undefined => {
  const parts: Array<string> = []
  let i = reply.indexOf("\r\n") + 2
  while (i < reply.length) {
    const end = reply.indexOf("\r\n", i)
    const n = Number(reply.slice(i + 1, end))
    if (reply[i] === ":") {
      parts.push(String(n))
      i = end + 2
    } else {
      parts.push(reply.slice(end + 2, end + 2 + n))
      i = end + 2 + n + 2
    }
  }
  return parts[0] === "pmessage" ? parts.slice(2).join(" ") : undefined
}

/** Runs `commands` and returns the keyspace/keyevent notifications they published. */
const notificationsFor = async (port: number, commands: ReadonlyArray<ReadonlyArray<string>>): Promise<Array<string>> => {
  const sub = await RawClient.connect(port)
  const run = await RawClient.connect(port)
  try {
    sub.write(cmd("PSUBSCRIBE", "__key*__:*") + cmd("SUBSCRIBE", "end-of-sequence"))
    await sub.until((t) => splitReplies(t).replies.length === 2)
    sub.take()
    let text = ""
    for (const c of commands) text += cmd(...c)
    text += cmd("PUBLISH", "end-of-sequence", "x")
    run.write(text)
    const received = await sub.until((t) => t.includes("end-of-sequence"))
    return splitReplies(received).replies.flatMap((r) => pmessage(r) ?? [])
  } finally {
    sub.close()
    run.close()
  }
}

const NOTIFY_SEQUENCE: ReadonlyArray<ReadonlyArray<string>> = [
  ["FLUSHALL"],
  ["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"],
  ["ZADD", "z", "NX", "1", "a"],
  ["ZADD", "z", "XX", "CH", "9", "a"],
  ["ZADD", "z", "INCR", "1", "a"],
  ["ZINCRBY", "z", "1", "b"],
  ["ZREM", "z", "nope"],
  ["ZREM", "z", "b"],
  ["ZPOPMIN", "z"],
  ["ZPOPMAX", "z", "1"],
  ["ZMPOP", "1", "z", "MIN"],
  ["BZPOPMIN", "z", "0"],
  ["ZADD", "y", "1", "a", "2", "b", "3", "c", "4", "d"],
  ["ZREMRANGEBYRANK", "y", "0", "0"],
  ["ZREMRANGEBYSCORE", "y", "2", "2"],
  ["ZREMRANGEBYLEX", "y", "-", "+"],
  ["ZADD", "y", "1", "a", "2", "b"],
  ["ZRANGESTORE", "r", "y", "0", "0"],
  ["ZRANGESTORE", "r", "y", "5", "6"],
  ["ZUNIONSTORE", "u", "1", "y"],
  ["ZINTERSTORE", "i", "1", "y"],
  ["ZDIFFSTORE", "d", "1", "y"],
  ["ZDIFFSTORE", "u", "2", "y", "y"],
  ["BZMPOP", "0", "1", "y", "MAX", "COUNT", "5"],
  ["ZADD", "z", "1", "a"],
  ["ZREM", "z", "a"]
]

describe("sorted set keyspace notifications: keyfiber vs redis-server 7.0", () => {
  let redis: RedisServer
  let keyfiber: RunningServer
  beforeAll(async () => {
    ;[redis, keyfiber] = await Promise.all([startRedisServer(), startServer()])
  })
  afterAll(async () => {
    await Promise.all([redis?.stop(), keyfiber?.close()])
  })
  it("publish the same events in the same order", async () => {
    for (const port of [redis.port, keyfiber.port]) await runSequence(port, [["CONFIG", "SET", "notify-keyspace-events", "KEA"]])
    const [ours, theirs] = await Promise.all([notificationsFor(keyfiber.port, NOTIFY_SEQUENCE), notificationsFor(redis.port, NOTIFY_SEQUENCE)])
    expect(ours.length).toBeGreaterThan(30)
    expect(ours).toEqual(theirs)
  })
})
