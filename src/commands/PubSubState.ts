import { KEYSPACE_EVENT_FLAGS } from "../config/ConfigSchemas.js"
import { globMatch } from "../keyspace/glob.js"
import { PushReply, RawReply, type Reply } from "../protocol/Reply.js"
import { encodeReply, type RespVersion } from "../protocol/RespWriter.js"

/** A client as Pub/Sub sees it: where messages go and what it is subscribed to. */
export interface Subscriber {
  readonly resp: RespVersion
  subscriptions: ClientSubscriptions | null
  reply(reply: Reply): void
}

/** One client's subscriptions (Valkey's `c->pubsub_channels`, `pubsub_patterns`, `pubsubshard_channels`). */
export class ClientSubscriptions {
  readonly channels = new Set<string>()
  readonly patterns = new Set<string>()
  readonly shardChannels = new Set<string>()

  /** Valkey's `clientSubscriptionsCount`: channels and patterns. */
  get count(): number {
    return this.channels.size + this.patterns.size
  }

  get total(): number {
    return this.channels.size + this.patterns.size + this.shardChannels.size
  }
}

/** A kind of subscription: which global table and per-client set, and the reply words. */
interface Kind {
  readonly global: (p: PubSub) => Map<string, Set<Subscriber>>
  readonly own: (s: ClientSubscriptions) => Set<string>
  readonly subscribe: string
  readonly unsubscribe: string
  /** The count in subscribe replies: shard subscriptions count apart. */
  readonly count: (s: ClientSubscriptions) => number
}

export const CHANNELS: Kind = {
  global: (p) => p.channels,
  own: (s) => s.channels,
  subscribe: "subscribe",
  unsubscribe: "unsubscribe",
  count: (s) => s.count
}
export const PATTERNS: Kind = {
  global: (p) => p.patterns,
  own: (s) => s.patterns,
  subscribe: "psubscribe",
  unsubscribe: "punsubscribe",
  count: (s) => s.count
}
export const SHARD_CHANNELS: Kind = {
  global: (p) => p.shardChannels,
  own: (s) => s.shardChannels,
  subscribe: "ssubscribe",
  unsubscribe: "sunsubscribe",
  count: (s) => s.shardChannels.size
}

/** Valkey's `addReplyPubsub*`: an array in RESP2, a push in RESP3. */
const push = (client: Subscriber, items: Array<Reply>): void => {
  const reply = client.resp === 2 ? items : new PushReply(items)
  if (collecting !== null && collecting.client === client) collecting.bytes += encodeReply(reply, client.resp)
  else client.reply(reply)
}

/** Inside EXEC, a (un)subscribe command's pushes become its reply (see `PubSub.collect`). */
let collecting: { readonly client: Subscriber; bytes: string } | null = null

/**
 * The server's Pub/Sub state (Valkey's `server.pubsub_channels`, `pubsub_patterns`,
 * `pubsubshard_channels`): who listens to what, and keyspace notifications (`notify-keyspace-events`).
 */
export class PubSub {
  readonly channels = new Map<string, Set<Subscriber>>()
  readonly patterns = new Map<string, Set<Subscriber>>()
  readonly shardChannels = new Map<string, Set<Subscriber>>()
  /** Clients with at least one subscription (INFO `pubsub_clients`). */
  clientCount = 0
  /** `notify-keyspace-events` as flags (the config keeps it current). */
  notifyFlags = 0
  /**
   * Modules' keyspace subscribers (module.c `moduleNotifyKeyspaceEvent`), told of every event
   * whatever `notify-keyspace-events` says; null while no module subscribes.
   */
  moduleNotify: ((type: number, event: string, key: string, db: number) => void) | null = null

  subscribe(client: Subscriber, kind: Kind, name: string): void {
    let subs = client.subscriptions
    if (subs === null) subs = client.subscriptions = new ClientSubscriptions()
    if (subs.total === 0) this.clientCount++
    const own = kind.own(subs)
    if (!own.has(name)) {
      own.add(name)
      const table = kind.global(this)
      let clients = table.get(name)
      if (clients === undefined) table.set(name, (clients = new Set()))
      clients.add(client)
    }
    push(client, [kind.subscribe, name, kind.count(subs)])
  }

  /** Removes one subscription; `notify` sends the unsubscribe reply. Returns whether it existed. */
  unsubscribe(client: Subscriber, kind: Kind, name: string, notify: boolean): boolean {
    const subs = client.subscriptions
    let removed = false
    if (subs !== null && kind.own(subs).delete(name)) {
      removed = true
      const table = kind.global(this)
      const clients = table.get(name)
      if (clients !== undefined) {
        clients.delete(client)
        if (clients.size === 0) table.delete(name)
      }
      if (subs.total === 0) this.clientCount--
    }
    if (notify) push(client, [kind.unsubscribe, name, subs === null ? 0 : kind.count(subs)])
    return removed
  }

  /** Unsubscribes from every name of `kind`; with none and `notify`, one reply with a null name. */
  unsubscribeAll(client: Subscriber, kind: Kind, notify: boolean): number {
    const subs = client.subscriptions
    const names = subs === null ? [] : Array.from(kind.own(subs))
    for (const name of names) this.unsubscribe(client, kind, name, notify)
    if (notify && names.length === 0) push(client, [kind.unsubscribe, null, subs === null ? 0 : kind.count(subs)])
    return names.length
  }

  /** Disconnect and RESET: drop everything without replies. */
  clear(client: Subscriber): void {
    if (client.subscriptions === null) return
    this.unsubscribeAll(client, CHANNELS, false)
    this.unsubscribeAll(client, PATTERNS, false)
    this.unsubscribeAll(client, SHARD_CHANNELS, false)
    client.subscriptions = null
  }

  /**
   * Runs `body` (subscribe or unsubscribe calls) with `client`'s pushes gathered into one reply:
   * inside EXEC they must sit at the command's place in the EXEC array, as Valkey writes them.
   */
  collect(client: Subscriber, body: () => void): Reply {
    const previous = collecting
    const state = { client, bytes: "" }
    collecting = state
    try {
      body()
    } finally {
      collecting = previous
    }
    return new RawReply(state.bytes)
  }

  /** Valkey's `pubsubPublishMessage`: the number of receivers. */
  publish(channel: string, message: string): number {
    let receivers = 0
    const clients = this.channels.get(channel)
    if (clients !== undefined) {
      for (const client of clients) push(client, ["message", channel, message])
      receivers += clients.size
    }
    if (this.patterns.size > 0) {
      for (const [pattern, clients] of this.patterns) {
        if (!globMatch(pattern, channel)) continue
        for (const client of clients) push(client, ["pmessage", pattern, channel, message])
        receivers += clients.size
      }
    }
    return receivers
  }

  /** SPUBLISH: shard channels only, `smessage`. */
  publishShard(channel: string, message: string): number {
    const clients = this.shardChannels.get(channel)
    if (clients === undefined) return 0
    for (const client of clients) push(client, ["smessage", channel, message])
    return clients.size
  }
}

export const NOTIFY = KEYSPACE_EVENT_FLAGS

/**
 * Valkey's `notifyKeyspaceEvent`: publish `event` for `key` on `__keyspace@<db>__:<key>` and
 * `__keyevent@<db>__:<event>` as `notify-keyspace-events` asks, after telling modules' subscribers.
 * Two checks when both are off.
 */
export const notifyKeyspaceEvent = (server: { readonly pubsub: PubSub }, type: number, event: string, key: string, db: number): void => {
  const pubsub = server.pubsub
  if (pubsub.moduleNotify !== null) pubsub.moduleNotify(type, event, key, db)
  const flags = pubsub.notifyFlags
  if ((flags & type) === 0) return
  if (flags & NOTIFY.K) pubsub.publish(`__keyspace@${db}__:${key}`, event)
  if (flags & NOTIFY.E) pubsub.publish(`__keyevent@${db}__:${event}`, key)
}
