import { globMatch } from "../keyspace/glob.js"
import { ErrorReply, RawReply, type Reply } from "../protocol/Reply.js"
import type { CommandClient } from "./CommandSpec.js"
import { CHANNELS, PATTERNS, SHARD_CHANNELS } from "./PubSubState.js"
import { defineCommand } from "./CommandSpec.js"
import { helpReply } from "./help.js"

/** Commands a RESP2 client may run while subscribed (Valkey's processCommand). */
const ALLOWED_WHILE_SUBSCRIBED = new Set([
  "ping",
  "subscribe",
  "ssubscribe",
  "unsubscribe",
  "sunsubscribe",
  "psubscribe",
  "punsubscribe",
  "quit",
  "reset"
])

const UNSUBSCRIBES = new Set(["unsubscribe", "punsubscribe", "sunsubscribe"])

/**
 * The dispatcher gate (server.c `processCommand`): in RESP2 a subscribed client may only
 * (un)subscribe, PING, QUIT and RESET (RESP3 has no such limit); and a client subscribed to
 * nothing may not unsubscribe (Valkey 8 replies `-NOSUB`, where Redis 7.0 answered with a reply per
 * channel).
 */
export const subscribedModeGate = (client: CommandClient, spec: { readonly fullName: string }): string | undefined => {
  const subs = client.subscriptions
  const subscribed = subs !== null && subs.total > 0
  if (!subscribed) {
    // The length test keeps the set lookup off the path of almost every command.
    return spec.fullName.length >= 11 && UNSUBSCRIBES.has(spec.fullName) ? `NOSUB '${spec.fullName}' command executed not in subscribed mode` : undefined
  }
  if (client.resp !== 2 || ALLOWED_WHILE_SUBSCRIBED.has(spec.fullName)) return undefined
  return `ERR Can't execute '${spec.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`
}

/**
 * Valkey refuses (P|S)SUBSCRIBE from a deny-blocking client outside MULTI (scripts, module calls):
 * they expect one reply per command.
 */
const subscribeInMulti = (client: CommandClient, name: string): Reply | undefined =>
  client.denyBlocking && client.multi === null ? new ErrorReply(`ERR ${name} isn't allowed for a DENY BLOCKING client`) : undefined

/** The (un)subscribe commands reply through pushes of their own. */
const NO_REPLY = new RawReply("")

/**
 * Runs the (un)subscribe calls: their pushes are the replies, written at once, or inside EXEC
 * gathered at the command's place in the EXEC array.
 */
const replyOf = (client: CommandClient, body: () => void): Reply => {
  if (client.multi === null) {
    body()
    return NO_REPLY
  }
  return client.server.pubsub.collect(client, body)
}

const PUBSUB_HELP = [
  "CHANNELS [<pattern>]",
  "    Return the currently active channels matching a <pattern> (default: '*').",
  "NUMPAT",
  "    Return number of subscriptions to patterns.",
  "NUMSUB [<channel> ...]",
  "    Return the number of subscribers for the specified channels, excluding",
  "    pattern subscriptions(default: no channels).",
  "SHARDCHANNELS [<pattern>]",
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  "SHARDNUMSUB [<shardchannel> ...]",
  "    Return the number of subscribers for the specified shard level channel(s)"
]

const channelList = (table: ReadonlyMap<string, unknown>, pattern: string | undefined): Reply => {
  const out: Array<Reply> = []
  for (const name of table.keys()) if (pattern === undefined || globMatch(pattern, name)) out.push(name)
  return out
}

const numsub = (table: ReadonlyMap<string, ReadonlySet<unknown>>, argv: Array<string>): Reply => {
  const out: Array<Reply> = []
  for (let i = 2; i < argv.length; i++) out.push(argv[i], table.get(argv[i])?.size ?? 0)
  return out
}

const subscribeFlags = ["pubsub", "noscript", "loading", "stale"] as const

/** Pub/Sub: SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UNSUBSCRIBEs, PUBLISH, SPUBLISH, PUBSUB. */
export const pubsubCommands = [
  defineCommand({
    name: "subscribe",
    arity: -2,
    flags: subscribeFlags,
    group: "pubsub",
    summary: "Listens for messages published to channels.",
    since: "2.0.0",
    complexity: "O(N) where N is the number of channels to subscribe to.",
    run: (client, argv) => {
      const denied = subscribeInMulti(client, "SUBSCRIBE")
      if (denied !== undefined) return denied
      return replyOf(client, () => {
        for (let i = 1; i < argv.length; i++) client.server.pubsub.subscribe(client, CHANNELS, argv[i])
      })
    }
  }),
  defineCommand({
    name: "unsubscribe",
    arity: -1,
    flags: subscribeFlags,
    group: "pubsub",
    summary: "Stops listening to messages posted to channels.",
    since: "2.0.0",
    complexity: "O(N) where N is the number of channels to unsubscribe.",
    run: (client, argv) => {
      const pubsub = client.server.pubsub
      return replyOf(client, () => {
        if (argv.length === 1) pubsub.unsubscribeAll(client, CHANNELS, true)
        else for (let i = 1; i < argv.length; i++) pubsub.unsubscribe(client, CHANNELS, argv[i], true)
      })
    }
  }),
  defineCommand({
    name: "psubscribe",
    arity: -2,
    flags: subscribeFlags,
    group: "pubsub",
    summary: "Listens for messages published to channels that match one or more patterns.",
    since: "2.0.0",
    complexity: "O(N) where N is the number of patterns to subscribe to.",
    run: (client, argv) => {
      const denied = subscribeInMulti(client, "PSUBSCRIBE")
      if (denied !== undefined) return denied
      return replyOf(client, () => {
        for (let i = 1; i < argv.length; i++) client.server.pubsub.subscribe(client, PATTERNS, argv[i])
      })
    }
  }),
  defineCommand({
    name: "punsubscribe",
    arity: -1,
    flags: subscribeFlags,
    group: "pubsub",
    summary: "Stops listening to messages published to channels that match one or more patterns.",
    since: "2.0.0",
    complexity: "O(N) where N is the number of patterns to unsubscribe.",
    run: (client, argv) => {
      const pubsub = client.server.pubsub
      return replyOf(client, () => {
        if (argv.length === 1) pubsub.unsubscribeAll(client, PATTERNS, true)
        else for (let i = 1; i < argv.length; i++) pubsub.unsubscribe(client, PATTERNS, argv[i], true)
      })
    }
  }),
  defineCommand({
    name: "ssubscribe",
    arity: -2,
    flags: subscribeFlags,
    keys: [1, -1, 1],
    group: "pubsub",
    summary: "Listens for messages published to shard channels.",
    since: "7.0.0",
    complexity: "O(N) where N is the number of shard channels to subscribe to.",
    run: (client, argv) => {
      const denied = subscribeInMulti(client, "SSUBSCRIBE")
      if (denied !== undefined) return denied
      return replyOf(client, () => {
        for (let i = 1; i < argv.length; i++) client.server.pubsub.subscribe(client, SHARD_CHANNELS, argv[i])
      })
    }
  }),
  defineCommand({
    name: "sunsubscribe",
    arity: -1,
    flags: subscribeFlags,
    keys: [1, -1, 1],
    group: "pubsub",
    summary: "Stops listening to messages posted to shard channels.",
    since: "7.0.0",
    complexity: "O(N) where N is the number of shard channels to unsubscribe.",
    run: (client, argv) => {
      const pubsub = client.server.pubsub
      return replyOf(client, () => {
        if (argv.length === 1) pubsub.unsubscribeAll(client, SHARD_CHANNELS, true)
        else for (let i = 1; i < argv.length; i++) pubsub.unsubscribe(client, SHARD_CHANNELS, argv[i], true)
      })
    }
  }),
  defineCommand({
    name: "publish",
    arity: 3,
    flags: ["pubsub", "loading", "stale", "fast", "may_replicate"],
    group: "pubsub",
    summary: "Posts a message to a channel.",
    since: "2.0.0",
    complexity: "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).",
    run: (client, argv) => {
      // Subscribers of the replicas get the message too (pubsub.c `publishCommand`, outside cluster mode).
      if (client.server.propagation.enabled) client.server.propagation.force("replicas")
      return client.server.pubsub.publish(argv[1], argv[2])
    }
  }),
  defineCommand({
    name: "spublish",
    arity: 3,
    flags: ["pubsub", "loading", "stale", "fast", "may_replicate"],
    keys: [1, 1, 1],
    group: "pubsub",
    summary: "Post a message to a shard channel",
    since: "7.0.0",
    complexity: "O(N) where N is the number of clients subscribed to the receiving shard channel.",
    run: (client, argv) => client.server.pubsub.publishShard(argv[1], argv[2])
  }),
  defineCommand({
    name: "pubsub",
    arity: -2,
    group: "pubsub",
    summary: "A container for Pub/Sub commands.",
    aclCategories: ["@slow"],
    since: "2.8.0",
    subcommands: [
      {
        name: "channels",
        arity: -2,
        flags: ["pubsub", "loading", "stale"],
        group: "pubsub",
        summary: "Returns the active channels.",
        since: "2.8.0",
        complexity: "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)",
        run: (client, argv) => {
          if (argv.length > 3) return pubsubSyntax(argv)
          return channelList(client.server.pubsub.channels, argv[2])
        }
      },
      {
        name: "numsub",
        arity: -2,
        flags: ["pubsub", "loading", "stale"],
        group: "pubsub",
        summary: "Returns a count of subscribers to channels.",
        since: "2.8.0",
        complexity: "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
        run: (client, argv) => numsub(client.server.pubsub.channels, argv)
      },
      {
        name: "numpat",
        arity: 2,
        flags: ["pubsub", "loading", "stale"],
        group: "pubsub",
        summary: "Returns a count of unique pattern subscriptions.",
        since: "2.8.0",
        complexity: "O(1)",
        run: (client) => client.server.pubsub.patterns.size
      },
      {
        name: "shardchannels",
        arity: -2,
        flags: ["pubsub", "loading", "stale"],
        group: "pubsub",
        summary: "Returns the active shard channels.",
        since: "7.0.0",
        complexity: "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).",
        run: (client, argv) => {
          if (argv.length > 3) return pubsubSyntax(argv)
          return channelList(client.server.pubsub.shardChannels, argv[2])
        }
      },
      {
        name: "shardnumsub",
        arity: -2,
        flags: ["pubsub", "loading", "stale"],
        group: "pubsub",
        summary: "Returns the count of subscribers of shard channels.",
        since: "7.0.0",
        complexity: "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
        run: (client, argv) => numsub(client.server.pubsub.shardChannels, argv)
      },
      {
        name: "help",
        arity: 2,
        flags: ["loading", "stale"],
        group: "pubsub",
        summary: "Returns helpful text about the different subcommands.",
        aclCategories: ["@slow"],
        since: "6.2.0",
        complexity: "O(1)",
        run: () => helpReply("pubsub", PUBSUB_HELP)
      }
    ]
  })
]

const pubsubSyntax = (argv: Array<string>): Reply =>
  new ErrorReply(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try PUBSUB HELP.`)
