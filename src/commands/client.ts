import { ErrorReply, OK, type Reply, VerbatimReply } from "../protocol/Reply.js"
import type { CommandClient } from "./CommandSpec.js"
import { isKeyword, isValidClientAttr, parseInt64, SYNTAX } from "./args.js"
import { type CommandDefinition, defineCommand } from "./CommandSpec.js"
import { clientUnblockSubcommand } from "./clientUnblock.js"
import { INVALID_CLIENT_NAME } from "./connection.js"
import { helpReply } from "./help.js"

/** Valkey's `clientCommand` help text (networking.c). */
const HELP = [
  "CACHING (YES|NO)",
  "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
  "GETREDIR",
  "    Return the client ID we are redirecting to when tracking is enabled.",
  "GETNAME",
  "    Return the name of the current connection.",
  "ID",
  "    Return the ID of the current connection.",
  "INFO",
  "    Return information about the current client connection.",
  "KILL <ip:port>",
  "    Kill connection made from <ip:port>.",
  "KILL <option> <value> [<option> <value> [...]]",
  "    Kill connections. Options are:",
  "    * ADDR (<ip:port>|<unixsocket>:0)",
  "      Kill connections made from the specified address",
  "    * LADDR (<ip:port>|<unixsocket>:0)",
  "      Kill connections made to specified local address",
  "    * TYPE (NORMAL|PRIMARY|REPLICA|PUBSUB)",
  "      Kill connections by type.",
  "    * USER <username>",
  "      Kill connections authenticated by <username>.",
  "    * SKIPME (YES|NO)",
  "      Skip killing current connection (default: yes).",
  "    * ID <client-id>",
  "      Kill connections by client id.",
  "    * MAXAGE <maxage>",
  "      Kill connections older than the specified age.",
  "LIST [options ...]",
  "    Return information about client connections. Options:",
  "    * TYPE (NORMAL|PRIMARY|REPLICA|PUBSUB)",
  "      Return clients of specified type.",
  "UNPAUSE",
  "    Stop the current client pause, resuming traffic.",
  "PAUSE <timeout> [WRITE|ALL]",
  "    Suspend all, or just write, clients for <timeout> milliseconds.",
  "REPLY (ON|OFF|SKIP)",
  "    Control the replies sent to the current connection.",
  "SETNAME <name>",
  "    Assign the name <name> to the current connection.",
  "SETINFO <option> <value>",
  "    Set client meta attr. Options are:",
  "    * LIB-NAME: the client lib name.",
  "    * LIB-VER: the client lib version.",
  "UNBLOCK <clientid> [TIMEOUT|ERROR]",
  "    Unblock the specified blocked client.",
  "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
  "         [OPTIN] [OPTOUT] [NOLOOP]",
  "    Control server assisted client side caching.",
  "TRACKINGINFO",
  "    Report tracking status for the current connection.",
  "NO-EVICT (ON|OFF)",
  "    Protect current client connection from eviction.",
  "NO-TOUCH (ON|OFF)",
  "    Will not touch LRU/LFU stats when this mode is on."
]

/** `getClientTypeByName`: each name and the type it means ("replica" is "slave", "primary" is "master"). */
const CLIENT_TYPES = new Map([
  ["normal", "normal"],
  ["slave", "slave"],
  ["replica", "slave"],
  ["pubsub", "pubsub"],
  ["master", "master"],
  ["primary", "master"]
])

/** Valkey's `getClientType`: the primary client, a replica, a client with subscriptions, the rest normal. */
const clientType = (client: CommandClient): string =>
  client.replicationRole === "primary"
    ? "master"
    : client.replicationRole === "replica"
      ? "slave"
      : client.subscriptions !== null && client.subscriptions.total > 0
        ? "pubsub"
        : "normal"

const argvBytes = (argv: ReadonlyArray<string>): number => {
  let n = 0
  for (const arg of argv) n += arg.length
  return n
}

/**
 * Valkey's `catClientInfoString`, field for field. Memory figures are estimates shaped like
 * Valkey's. `current` is the
 * argv of the command being run when `client` is the caller (`argv-mem`).
 */
export const clientInfoString = (client: CommandClient, current?: ReadonlyArray<string>): string => {
  const now = client.server.now()
  let flags = client.monitor ? "O" : client.replicationRole === "replica" ? "S" : client.replicationRole === "primary" ? "M" : ""
  const subs = client.subscriptions
  if (subs !== null && subs.total > 0) flags += "P"
  if (client.multi !== null) flags += "x"
  if (client.isBlocked) flags += "b"
  if (client.dirtyCas) flags += "d"
  if (client.closeAfterReply) flags += "c"
  if (client.unixSocket) flags += "U"
  if (client.noEvict) flags += "e"
  if (client.noTouch) flags += "T"
  if (flags === "") flags = "N"
  const qbuf = client.parser.pendingBytes
  const argvMem = current === undefined ? 0 : argvBytes(current)
  let multiMem = 0
  if (client.multi !== null) for (const queued of client.multi.queue) multiMem += argvBytes(queued.argv)
  // Replies not handed to the kernel yet: the first 16 KB count as Valkey's static reply buffer
  // (`obl`), the rest as its reply list (`omem`, what the output buffer limits measure).
  const pending = client.outputBytes
  const obl = Math.min(pending, 16384)
  const omem = pending - obl
  const oll = omem === 0 ? 0 : Math.max(1, client.queued?.length ?? 0)
  const totMem = 1024 + 16384 + qbuf + argvMem + multiMem + omem
  return (
    `id=${client.id} addr=${client.addr} laddr=${client.laddr} fd=${client.socket?.fd ?? -1} name=${client.name}` +
    ` age=${Math.floor(now / 1000) - Math.floor(client.createdAt / 1000)}` +
    ` idle=${Math.floor(now / 1000) - Math.floor(client.lastInteraction / 1000)}` +
    ` flags=${flags} db=${client.db} sub=${subs?.channels.size ?? 0} psub=${subs?.patterns.size ?? 0} ssub=${subs?.shardChannels.size ?? 0}` +
    ` multi=${client.multi === null ? -1 : client.multi.queue.length} watch=${client.watched.length}` +
    ` qbuf=${qbuf} qbuf-free=${qbuf === 0 ? 0 : Math.max(0, 20474 - qbuf)} argv-mem=${argvMem} multi-mem=${multiMem}` +
    ` rbs=16384 rbp=16384 obl=${obl} oll=${oll} omem=${omem} tot-mem=${totMem} events=${pending > 0 ? "rw" : "r"} cmd=${client.lastCommand}` +
    ` user=default redir=-1 resp=${client.resp} lib-name=${client.libName} lib-ver=${client.libVer}` +
    ` tot-net-in=${client.netInputBytes} tot-net-out=${client.netOutputBytes} tot-cmds=${client.commandsProcessed}`
  )
}

const onOff = (value: string, set: (on: boolean) => void): Reply => {
  if (isKeyword(value, "on")) set(true)
  else if (isKeyword(value, "off")) set(false)
  else return new ErrorReply(SYNTAX)
  return OK
}

/** CLIENT LIST [TYPE type] | [ID id [id ...]] */
const clientList = (client: CommandClient, argv: Array<string>): Reply => {
  const server = client.server
  let out = ""
  let type: string | undefined
  if (argv.length === 4 && isKeyword(argv[2], "type")) {
    type = CLIENT_TYPES.get(argv[3].toLowerCase())
    if (type === undefined) return new ErrorReply(`ERR Unknown client type '${argv[3]}'`)
  } else if (argv.length > 3 && isKeyword(argv[2], "id")) {
    for (let j = 3; j < argv.length; j++) {
      const id = parseInt64(argv[j])
      if (id === undefined) return new ErrorReply("ERR Invalid client ID")
      const target = server.clients.get(Number(id))
      if (target !== undefined) out += clientInfoString(target, target === client ? argv : undefined) + "\n"
    }
    return new VerbatimReply(out)
  } else if (argv.length !== 2) {
    return new ErrorReply(SYNTAX)
  }
  for (const target of server.clients.values()) {
    if (type !== undefined && clientType(target) !== type) continue
    out += clientInfoString(target, target === client ? argv : undefined) + "\n"
  }
  return new VerbatimReply(out)
}

/** CLIENT KILL addr | CLIENT KILL <filter> <value> ... (`clientKillCommand`). */
const clientKill = (client: CommandClient, argv: Array<string>): Reply => {
  const server = client.server
  let addr: string | undefined
  let laddr: string | undefined
  let type: string | undefined
  let id = 0
  let maxAge = 0
  let skipMe = true
  if (argv.length === 3) {
    // The old form: CLIENT KILL ip:port, which may kill the caller.
    addr = argv[2]
    skipMe = false
  } else if (argv.length > 3) {
    for (let i = 2; i < argv.length; i += 2) {
      const option = argv[i].toLowerCase()
      const more = i + 1 < argv.length
      if (!more) return new ErrorReply(SYNTAX)
      const value = argv[i + 1]
      if (option === "id") {
        const parsed = parseInt64(value)
        if (parsed === undefined || parsed < 1) return new ErrorReply("ERR client-id should be greater than 0")
        id = Number(parsed)
      } else if (option === "maxage") {
        const parsed = parseInt64(value)
        if (parsed === undefined) return new ErrorReply("ERR maxage is not an integer or out of range")
        if (parsed <= 0) return new ErrorReply("ERR maxage should be greater than 0")
        maxAge = Number(parsed)
      } else if (option === "type") {
        type = CLIENT_TYPES.get(value.toLowerCase())
        if (type === undefined) return new ErrorReply(`ERR Unknown client type '${value}'`)
      } else if (option === "addr") {
        addr = value
      } else if (option === "laddr") {
        laddr = value
      } else if (option === "user") {
        if (value !== "default") return new ErrorReply(`ERR No such user '${value}'`)
      } else if (option === "skipme") {
        if (isKeyword(value, "yes")) skipMe = true
        else if (isKeyword(value, "no")) skipMe = false
        else return new ErrorReply(SYNTAX)
      } else {
        return new ErrorReply(SYNTAX)
      }
    }
  } else {
    return new ErrorReply(SYNTAX)
  }
  const nowSeconds = Math.floor(server.now() / 1000)
  let killed = 0
  let killSelf = false
  for (const target of Array.from(server.clients.values())) {
    if (addr !== undefined && target.addr !== addr) continue
    if (laddr !== undefined && target.laddr !== laddr) continue
    if (type !== undefined && type !== clientType(target)) continue
    if (id !== 0 && target.id !== id) continue
    if (target === client && skipMe) continue
    if (maxAge !== 0 && nowSeconds - Math.floor(target.createdAt / 1000) < maxAge) continue
    if (target === client) killSelf = true
    else server.closeClient(target, false)
    killed++
  }
  // The caller is closed only after this reply is written.
  if (killSelf) server.closeClient(client, true)
  if (argv.length === 3) return killed === 0 ? new ErrorReply("ERR No such client") : OK
  return killed
}

const fast = ["noscript", "loading", "stale", "fast"] as const
const admin = ["admin", "noscript", "loading", "stale"] as const

/**
 * CLIENT's subcommands. Other families add theirs here (CLIENT UNBLOCK comes with blocking), so
 * the container below is built from this list.
 */
const clientSubcommands: Array<CommandDefinition> = [
  {
    name: "help",
    arity: 2,
    flags: ["loading", "stale"],
    group: "connection",
    summary: "Returns helpful text about the different subcommands.",
    since: "5.0.0",
    complexity: "O(1)",
    run: () => helpReply("client", HELP)
  },
  {
    name: "id",
    arity: 2,
    flags: ["noscript", "loading", "stale"],
    group: "connection",
    summary: "Returns the unique client ID of the connection.",
    since: "5.0.0",
    complexity: "O(1)",
    run: (client) => client.id
  },
  {
    name: "info",
    arity: 2,
    flags: ["noscript", "loading", "stale"],
    group: "connection",
    summary: "Returns information about the connection.",
    since: "6.2.0",
    complexity: "O(1)",
    run: (client, argv) => new VerbatimReply(clientInfoString(client, argv) + "\n")
  },
  {
    name: "list",
    arity: -2,
    flags: admin,
    group: "connection",
    summary: "Lists open connections.",
    since: "2.4.0",
    complexity: "O(N) where N is the number of client connections",
    run: clientList
  },
  {
    name: "kill",
    arity: -3,
    flags: admin,
    group: "connection",
    summary: "Terminates open connections.",
    since: "2.4.0",
    complexity: "O(N) where N is the number of client connections",
    run: clientKill
  },
  {
    name: "setname",
    arity: 3,
    flags: ["noscript", "loading", "stale"],
    group: "connection",
    summary: "Sets the connection name.",
    since: "2.6.9",
    complexity: "O(1)",
    run: (client, argv) => {
      if (!isValidClientAttr(argv[2])) return new ErrorReply(INVALID_CLIENT_NAME)
      client.name = argv[2]
      return OK
    }
  },
  {
    name: "getname",
    arity: 2,
    flags: ["noscript", "loading", "stale"],
    group: "connection",
    summary: "Returns the name of the connection.",
    since: "2.6.9",
    complexity: "O(1)",
    run: (client) => (client.name === "" ? null : client.name)
  },
  {
    name: "setinfo",
    arity: 4,
    flags: ["noscript", "loading", "stale"],
    group: "connection",
    summary: "Sets information specific to the client or connection.",
    since: "7.2.0",
    complexity: "O(1)",
    run: (client, argv) => {
      const attribute = argv[2].toLowerCase()
      if (attribute !== "lib-name" && attribute !== "lib-ver") {
        return new ErrorReply(`ERR Unrecognized option '${argv[2]}'`)
      }
      if (!isValidClientAttr(argv[3])) {
        return new ErrorReply(`ERR ${argv[2]} cannot contain spaces, newlines or special characters.`)
      }
      if (attribute === "lib-name") client.libName = argv[3]
      else client.libVer = argv[3]
      return OK
    }
  },
  {
    name: "no-evict",
    arity: 3,
    flags: admin,
    group: "connection",
    summary: "Sets the client eviction mode of the connection.",
    since: "7.0.0",
    complexity: "O(1)",
    run: (client, argv) => onOff(argv[2], (on) => (client.noEvict = on))
  },
  {
    name: "no-touch",
    arity: 3,
    flags: fast,
    group: "connection",
    summary: "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.",
    since: "7.2.0",
    complexity: "O(1)",
    run: (client, argv) => onOff(argv[2], (on) => (client.noTouch = on))
  },
  clientUnblockSubcommand
]

/** CLIENT and its subcommands. */
export const clientCommands = [
  defineCommand({
    name: "client",
    arity: -2,
    group: "connection",
    summary: "A container for client connection commands.",
    since: "2.4.0",
    complexity: "Depends on subcommand.",
    subcommands: clientSubcommands
  })
]
