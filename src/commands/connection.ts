import { ErrorReply, MapReply, OK, PONG, type Reply, SimpleString } from "../protocol/Reply.js"
import type { CommandClient } from "./CommandSpec.js"
import { REDIS_VERSION, SERVER_NAME, VALKEY_VERSION } from "../contracts/Version.js"
import { isValidClientAttr, parseInt64, parseInteger, SYNTAX } from "./args.js"
import { defineCommand } from "./CommandSpec.js"
import { discardTransaction } from "./transactions.js"

const WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."

/**
 * Valkey's `ACLAuthenticateUser` for the one user keyfiber has, `default`: without `requirepass`
 * it is `nopass` (any password works), otherwise the password must match.
 */
const authenticate = (client: CommandClient, username: string, password: string): boolean => {
  const required = client.server.requirepass
  if (username !== "default" || (required !== "" && password !== required)) return false
  client.authenticated = true
  return true
}

export const INVALID_CLIENT_NAME = "ERR Client names cannot contain spaces, newlines or special characters."

/**
 * Valkey's `clearClientConnectionState` (RESET): leave monitor mode, MULTI (and unwatch) and every
 * subscription, back to db 0, RESP2, no name, the default user's authentication, and no
 * NO-EVICT/NO-TOUCH. A blocked client cannot send RESET, so nothing is unblocked.
 * `lib-name`/`lib-ver` stay: they describe the library. (No client tracking here to turn off.)
 */
const resetClient = (client: CommandClient): void => {
  client.server.monitors.remove(client)
  discardTransaction(client)
  client.server.pubsub.clear(client)
  client.db = 0
  client.resp = 2
  client.name = ""
  client.authenticated = client.server.requirepass === ""
  client.noEvict = false
  client.noTouch = false
}

/**
 * HELLO's reply map (`helloCommand`): seven fields outside sentinel mode. With
 * `extended-redis-compatibility yes` the server calls itself redis 7.2.4, as Valkey 8 does.
 */
const helloReply = (client: CommandClient): Reply => {
  const redis = client.server.config.get<boolean>("extended-redis-compatibility")
  return new MapReply([
    "server",
    redis ? "redis" : SERVER_NAME,
    "version",
    redis ? REDIS_VERSION : VALKEY_VERSION,
    "proto",
    client.resp,
    "id",
    client.id,
    "mode",
    "standalone",
    "role",
    "master",
    "modules",
    client.server.moduleList()
  ])
}

/** Connection commands: PING, ECHO, SELECT, QUIT, HELLO, AUTH, RESET. */
export const connectionCommands = [
  defineCommand({
    name: "ping",
    arity: -1,
    flags: ["fast"],
    group: "connection",
    summary: "Returns the server's liveliness response.",
    complexity: "O(1)",
    run: (client, argv): Reply => {
      if (argv.length > 2) return new ErrorReply("ERR wrong number of arguments for 'ping' command")
      // A RESP2 subscribed client gets PING as a message-shaped array (Valkey's pingCommand).
      const subs = client.subscriptions
      if (client.resp === 2 && subs !== null && subs.total > 0) return ["pong", argv.length === 2 ? argv[1] : ""]
      return argv.length === 2 ? argv[1] : PONG
    }
  }),
  defineCommand({
    name: "echo",
    arity: 2,
    flags: ["fast"],
    group: "connection",
    summary: "Returns the given string.",
    complexity: "O(1)",
    run: (_client, argv) => argv[1]
  }),
  defineCommand({
    name: "select",
    arity: 2,
    flags: ["loading", "stale", "fast"],
    group: "connection",
    summary: "Changes the selected database.",
    since: "1.0.0",
    complexity: "O(1)",
    run: (client, argv) => {
      const index = parseInteger(argv[1])
      if (index === undefined) return new ErrorReply("ERR value is not an integer or out of range")
      if (index < 0 || index >= client.server.keyspace.dbs.length) return new ErrorReply("ERR DB index is out of range")
      client.db = index
      return OK
    }
  }),
  defineCommand({
    name: "quit",
    arity: -1,
    flags: ["allow_busy", "noscript", "loading", "stale", "fast", "no_auth"],
    group: "connection",
    summary: "Closes the connection.",
    complexity: "O(1)",
    run: (client) => {
      client.server.closeClient(client, true)
      return OK
    }
  }),
  defineCommand({
    name: "hello",
    arity: -1,
    flags: ["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"],
    group: "connection",
    summary: "Handshakes with the Redis server.",
    since: "6.0.0",
    complexity: "O(1)",
    run: (client, argv): Reply => {
      let version = 0
      let next = 1
      if (argv.length >= 2) {
        const parsed = parseInt64(argv[next++])
        if (parsed === undefined) return new ErrorReply("ERR Protocol version is not an integer or out of range")
        if (parsed < 2 || parsed > 3) return new ErrorReply("NOPROTO unsupported protocol version")
        version = Number(parsed)
      }
      let username: string | undefined
      let password: string | undefined
      let clientName: string | undefined
      for (let j = next; j < argv.length; j++) {
        const more = argv.length - 1 - j
        const option = argv[j].toLowerCase()
        if (option === "auth" && more >= 2) {
          username = argv[j + 1]
          password = argv[j + 2]
          j += 2
        } else if (option === "setname" && more >= 1) {
          clientName = argv[j + 1]
          if (!isValidClientAttr(clientName)) return new ErrorReply(INVALID_CLIENT_NAME)
          j++
        } else {
          return new ErrorReply(`ERR Syntax error in HELLO option '${argv[j]}'`)
        }
      }
      if (username !== undefined && password !== undefined && !authenticate(client, username, password)) {
        return new ErrorReply(WRONGPASS)
      }
      if (!client.authenticated) {
        return new ErrorReply(
          "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH " +
            "<user> <pass> option can be used to authenticate the client and select the RESP protocol version at " +
            "the same time"
        )
      }
      if (clientName !== undefined) client.name = clientName
      // The reply is already encoded in the new protocol, as in Valkey.
      if (version !== 0) client.resp = version as 2 | 3
      return helloReply(client)
    }
  }),
  defineCommand({
    name: "auth",
    arity: -2,
    flags: ["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"],
    group: "connection",
    summary: "Authenticates the connection.",
    complexity: "O(N) where N is the number of passwords defined for the user",
    run: (client, argv): Reply => {
      if (argv.length > 3) return new ErrorReply(SYNTAX)
      if (argv.length === 2) {
        if (client.server.requirepass === "") {
          return new ErrorReply(
            "ERR AUTH <password> called without any password configured for the default user. " +
              "Are you sure your configuration is correct?"
          )
        }
        return authenticate(client, "default", argv[1]) ? OK : new ErrorReply(WRONGPASS)
      }
      return authenticate(client, argv[1], argv[2]) ? OK : new ErrorReply(WRONGPASS)
    }
  }),
  defineCommand({
    name: "reset",
    arity: 1,
    flags: ["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"],
    group: "connection",
    summary: "Resets the connection.",
    since: "6.2.0",
    complexity: "O(1)",
    run: (client) => {
      // networking.c `resetCommand`: a monitor may reset, a module's RM_Call client may not.
      if (client.moduleCaller) return new ErrorReply("ERR can only reset normal client connections")
      resetClient(client)
      return RESET
    }
  })
]

const RESET = new SimpleString("RESET")
