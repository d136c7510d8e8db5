import { BlockRequest } from "../blocking/BlockRequest.js"
import { err, error, NULL_ARRAY, OK, RawReply, type Reply } from "../protocol/Reply.js"
import type { CommandClient } from "./CommandSpec.js"
import { defineCommand } from "./CommandSpec.js"

const EXECABORT = "EXECABORT Transaction discarded because of previous errors."

/** EXEC's reply when it was written as it came (a monitor's transaction). */
const WRITTEN = new RawReply("")

/**
 * Leaves MULTI state: drops the queue, clears the dirty flag and unwatches every key (Valkey's
 * `discardTransaction`, also used by RESET).
 */
export const discardTransaction = (client: CommandClient): void => {
  client.multi = null
  client.dirtyCas = false
  client.server.watchedKeys.unwatchAll(client)
}

/**
 * Runs the queued commands one after the other, with blocking denied (a blocking command acts as
 * if its timeout had passed). Ready keys are served after EXEC returns, not per command.
 */
const exec = (client: CommandClient): Reply => {
  const multi = client.multi
  if (multi === null) return err("EXEC without MULTI")
  const server = client.server
  if (server.watchedKeys.isWatchedKeyExpired(client)) client.dirtyCas = true
  if (client.dirtyCas || multi.aborted) {
    const reply = multi.aborted ? error(EXECABORT) : NULL_ARRAY
    discardTransaction(client)
    return reply
  }
  // Unwatch first: the transaction's own writes must not mark this client dirty.
  server.watchedKeys.unwatchAll(client)
  const denied = client.denyBlocking
  client.denyBlocking = true
  const queue = multi.queue
  const replies: Array<Reply> = new Array(queue.length)
  // A monitor sees its own commands' lines among its replies: they are written as they come, as
  // Valkey does (only a monitor can tell).
  const streaming = client.monitor && client.socket !== null
  if (streaming) client.reply(new RawReply(`*${queue.length}\r\n`))
  try {
    for (let i = 0; i < queue.length; i++) {
      const { argv, spec } = queue[i]
      if (streaming) server.monitors.hold(client)
      const result = server.dispatcher.call(client, spec, argv)
      if (result instanceof BlockRequest) {
        // Commands check `denyBlocking` themselves; this only guards a command that did not.
        server.dispatcher.count(spec, 0, result.timeoutReply, client, argv)
        replies[i] = result.timeoutReply
      } else {
        replies[i] = result
      }
      if (streaming) {
        client.reply(replies[i])
        server.monitors.release()
      }
    }
  } finally {
    if (streaming) server.monitors.release()
    client.denyBlocking = denied
    discardTransaction(client)
  }
  return streaming ? WRITTEN : replies
}

/** Transaction commands: MULTI, EXEC, DISCARD, WATCH, UNWATCH (Valkey's multi.c). */
export const transactionCommands = [
  defineCommand({
    name: "multi",
    arity: 1,
    flags: ["noscript", "loading", "stale", "fast", "no_multi", "allow_busy"],
    group: "transactions",
    summary: "Starts a transaction.",
    since: "1.2.0",
    complexity: "O(1)",
    run: (client) => {
      if (client.multi !== null) return err("MULTI calls can not be nested")
      client.multi = { queue: [], aborted: false }
      return OK
    }
  }),
  defineCommand({
    name: "exec",
    arity: 1,
    flags: ["noscript", "loading", "stale", "skip_slowlog"],
    group: "transactions",
    summary: "Executes all commands in a transaction.",
    since: "1.2.0",
    complexity: "Depends on commands in the transaction",
    run: exec
  }),
  defineCommand({
    name: "discard",
    arity: 1,
    flags: ["noscript", "loading", "stale", "fast", "allow_busy"],
    group: "transactions",
    summary: "Discards a transaction.",
    since: "2.0.0",
    complexity: "O(N), when N is the number of queued commands",
    run: (client) => {
      if (client.multi === null) return err("DISCARD without MULTI")
      discardTransaction(client)
      return OK
    }
  }),
  defineCommand({
    name: "watch",
    arity: -2,
    flags: ["noscript", "loading", "stale", "fast", "no_multi", "allow_busy"],
    keys: [1, -1, 1],
    group: "transactions",
    summary: "Monitors changes to keys to determine the execution of a transaction.",
    since: "2.2.0",
    complexity: "O(1) for every key.",
    run: (client, argv) => {
      if (client.multi !== null) return err("WATCH inside MULTI is not allowed")
      // No point in watching when the client is already dirty.
      if (client.dirtyCas) return OK
      const watchedKeys = client.server.watchedKeys
      for (let i = 1; i < argv.length; i++) watchedKeys.watch(client, argv[i])
      return OK
    }
  }),
  defineCommand({
    name: "unwatch",
    arity: 1,
    flags: ["noscript", "loading", "stale", "fast", "allow_busy"],
    group: "transactions",
    summary: "Forgets about all watched keys of a transaction.",
    since: "2.2.0",
    complexity: "O(1)",
    run: (client) => {
      client.server.watchedKeys.unwatchAll(client)
      client.dirtyCas = false
      return OK
    }
  })
]
