import { differentialSuite, type Sequence } from "./support/differential.js"

/**
 * Pub/Sub on one connection, compared byte for byte with redis-server 7.0. Each command here has
 * exactly one reply (one channel per (UN)SUBSCRIBE), so the sequences stay deterministic. RESP3
 * (HELLO replies differ by server name) is covered byte for byte in pubsub.test.ts.
 */
const pubsub: ReadonlyArray<Sequence> = [
  {
    name: "subscribed RESP2 connection: replies, restrictions, PING, RESET",
    commands: [
      ["SUBSCRIBE", "a"],
      ["SUBSCRIBE", "a"],
      ["PSUBSCRIBE", "a*"],
      ["SSUBSCRIBE", "s"],
      ["GET", "k"],
      ["SET", "k", "v"],
      ["PUBSUB", "NUMSUB", "a"],
      ["CLIENT", "ID"],
      ["PING"],
      ["PING", "x"],
      ["UNSUBSCRIBE", "b"],
      ["UNSUBSCRIBE", "a"],
      ["PUNSUBSCRIBE", "a*"],
      ["SUNSUBSCRIBE", "s"],
      ["PING"],
      // (UN)SUBSCRIBE while subscribed to nothing: Valkey 8 replies -NOSUB where Redis 7.0 replies
      // with an empty unsubscribe; pubsub.test.ts checks Valkey's bytes.
      ["SUBSCRIBE", "z"],
      ["RESET"],
      ["PING"]
    ]
  },
  {
    name: "PUBLISH and PUBSUB introspection without subscribers, arity and subcommand errors",
    commands: [
      ["PUBLISH", "ch", "m"],
      ["SPUBLISH", "ch", "m"],
      ["PUBSUB", "CHANNELS"],
      ["PUBSUB", "CHANNELS", "*"],
      ["PUBSUB", "CHANNELS", "a", "b"],
      ["PUBSUB", "SHARDCHANNELS", "a", "b"],
      ["PUBSUB", "NUMSUB"],
      ["PUBSUB", "NUMSUB", "x", "y"],
      ["PUBSUB", "SHARDNUMSUB", "x"],
      ["PUBSUB", "NUMPAT"],
      ["PUBSUB", "NUMPAT", "x"],
      ["PUBSUB", "NOPE"],
      ["PUBSUB"],
      ["SUBSCRIBE"],
      ["PSUBSCRIBE"],
      ["SSUBSCRIBE"],
      ["PUBLISH", "a"],
      ["SPUBLISH", "a", "b", "c"]
    ]
  }
]

differentialSuite("differential: pubsub", { pubsub })
