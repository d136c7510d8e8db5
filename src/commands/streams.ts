import { BlockRequest } from "../blocking/BlockRequest.js"
import type { Entry } from "../keyspace/Database.js"
import { INVALID_ENTRIES_READ, StreamConsumer, type StreamGroup, StreamNack } from "../keyspace/StreamGroup.js"
import { formatId, MAX_ID, MIN_ID, parseStreamId, parseXaddId, type StreamId, U64_MAX } from "../keyspace/StreamId.js"
import { type TrimArgs, StreamValue } from "../keyspace/StreamValue.js"
import { type Value, WRONGTYPE } from "../keyspace/Value.js"
import { ErrorReply, MapReply, NULL_ARRAY, OK, type Reply } from "../protocol/Reply.js"
import { isKeyword, NO_SUCH_KEY, NOT_INTEGER, parseInt64, SYNTAX } from "./args.js"
import type { CommandClient } from "./CommandSpec.js"
import { defineCommand } from "./CommandSpec.js"
import { helpReply } from "./help.js"
import { NOTIFY, notifyKeyspaceEvent } from "./PubSubState.js"

/** Stream commands (Valkey's t_stream.c), XREAD/XREADGROUP BLOCK included. */

const wrongType = new ErrorReply(WRONGTYPE)
const syntaxError = new ErrorReply(SYNTAX)
const notInteger = new ErrorReply(NOT_INTEGER)
const invalidId = new ErrorReply("ERR Invalid stream ID specified as stream command argument")
const EMPTY: ReadonlyArray<Reply> = []
const LLONG_MAX = 9223372036854775807n

const isStream = (value: Value): boolean => value instanceof StreamValue

/** `getLongLongFromObjectOrReply`: the value (a bigint beyond 2^53), or the error (`message` replaces the default). */
const parseLongLong = (arg: string, message?: string): number | bigint | ErrorReply => {
  const v = parseInt64(arg)
  if (v === undefined) return message === undefined ? notInteger : new ErrorReply("ERR " + message)
  return v
}

/** A count argument clamped into a JS number (counts past 2^53 mean "everything" anyway). */
const toCount = (v: number | bigint): number => (typeof v === "bigint" ? (v > 0n ? Number.MAX_SAFE_INTEGER : -1) : v)

const parseId = (arg: string, missingSeq: bigint, strict: boolean): StreamId | ErrorReply =>
  parseStreamId(arg, missingSeq, strict) ?? invalidId

/**
 * `streamParseIntervalIDOrReply` plus the `(` exclusive form: the inclusive bound, or the error
 * ("invalid start/end ID for the interval" when the exclusive bound cannot move).
 */
const parseInterval = (arg: string, missingSeq: bigint, start: boolean): StreamId | ErrorReply => {
  const exclusive = arg.length > 1 && arg[0] === "("
  if (!exclusive) return parseId(arg, missingSeq, false)
  const id = parseStreamId(arg.slice(1), missingSeq, true)
  if (id === undefined) return invalidId
  if (start) return id === MAX_ID ? new ErrorReply("ERR invalid start ID for the interval") : id + 1n
  return id === MIN_ID ? new ErrorReply("ERR invalid end ID for the interval") : id - 1n
}

/** The stream at a key for a read (counts hits/misses), undefined when missing, or WRONGTYPE. */
const readStream = (client: CommandClient, key: string): StreamValue | undefined | ErrorReply => {
  const value = client.server.keyspace.read(client.db, key)
  if (value === undefined) return undefined
  return value instanceof StreamValue ? value : wrongType
}

/** The entry of a stream key for a write, undefined when missing, or WRONGTYPE. */
const writeEntry = (client: CommandClient, key: string): Entry | undefined | ErrorReply => {
  const entry = client.server.keyspace.lookup(client.db, key)
  if (entry === undefined) return undefined
  return entry.value instanceof StreamValue ? entry : wrongType
}

/** One entry as replied: `[id, [field, value, ...]]`. */
const entryReply = (id: StreamId, pairs: ReadonlyArray<string>): Reply => [formatId(id), pairs]

/** Valkey's `server.dirty++` for changes that signal no key (consumer groups, PELs). */
const dirty = (client: CommandClient, n = 1): void => {
  client.server.keyspace.dirty += n
}

const subcommandSyntaxError = (argv: ReadonlyArray<string>): ErrorReply =>
  new ErrorReply(`ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`)

// ---- XADD / XTRIM -----------------------------------------------------------------------------

interface AddTrimArgs {
  trim: TrimArgs | null
  /** argv index of the MAXLEN/MINID value, for the propagated rewrite. */
  trimArgIndex: number
  id: StreamId | undefined
  seqGiven: boolean
  noMkstream: boolean
  /** argv index of XADD's ID. */
  idIndex: number
}

/** `streamParseAddOrTrimArgsOrReply`. */
const parseAddOrTrim = (client: CommandClient, argv: Array<string>, xadd: boolean): AddTrimArgs | ErrorReply => {
  let strategy: "maxlen" | "minid" | null = null
  let approx = false
  let maxlen = 0
  let minid: StreamId = MIN_ID
  let limit = 0
  let limitGiven = false
  let trimArgIndex = 0
  let id: StreamId | undefined
  let seqGiven = true
  let noMkstream = false
  let i = 2
  for (; i < argv.length; i++) {
    const moreargs = argv.length - 1 - i
    const opt = argv[i]
    if (xadd && opt === "*") break
    if (isKeyword(opt, "maxlen") && moreargs > 0) {
      if (strategy !== null) return new ErrorReply("ERR syntax error, MAXLEN and MINID options at the same time are not compatible")
      approx = false
      const next = argv[i + 1]
      if (moreargs >= 2 && next === "~") {
        approx = true
        i++
      } else if (moreargs >= 2 && next === "=") i++
      const v = parseLongLong(argv[i + 1])
      if (v instanceof ErrorReply) return v
      if (v < 0) return new ErrorReply("ERR The MAXLEN argument must be >= 0.")
      maxlen = toCount(v)
      i++
      strategy = "maxlen"
      trimArgIndex = i
    } else if (isKeyword(opt, "minid") && moreargs > 0) {
      if (strategy !== null) return new ErrorReply("ERR syntax error, MAXLEN and MINID options at the same time are not compatible")
      approx = false
      const next = argv[i + 1]
      if (moreargs >= 2 && next === "~") {
        approx = true
        i++
      } else if (moreargs >= 2 && next === "=") i++
      const parsed = parseId(argv[i + 1], 0n, true)
      if (parsed instanceof ErrorReply) return parsed
      minid = parsed
      i++
      strategy = "minid"
      trimArgIndex = i
    } else if (isKeyword(opt, "limit") && moreargs > 0) {
      const v = parseLongLong(argv[i + 1])
      if (v instanceof ErrorReply) return v
      if (v < 0) return new ErrorReply("ERR The LIMIT argument must be >= 0.")
      limit = toCount(v)
      limitGiven = true
      i++
    } else if (xadd && isKeyword(opt, "nomkstream")) {
      noMkstream = true
    } else if (xadd) {
      const parsed = parseXaddId(opt)
      if (parsed === undefined) return invalidId
      id = parsed.id
      seqGiven = parsed.seqGiven
      break
    } else {
      return syntaxError
    }
  }
  if (limit !== 0 && strategy === null) return new ErrorReply("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")
  if (!xadd && strategy === null) return new ErrorReply("ERR syntax error, XTRIM must be called with a trimming strategy")
  if (client.mustObey === true) {
    // The AOF trims as propagated (the `~` was rewritten to `=` with the resulting length).
    limit = 0
  } else if (limitGiven) {
    if (!approx) return new ErrorReply("ERR syntax error, LIMIT cannot be used without the special ~ option")
  } else if (approx) {
    // At most 100 nodes' worth of work per call, as Valkey caps it.
    limit = 100 * client.server.config.get<number>("stream-node-max-entries")
    if (limit <= 0) limit = 10000
    if (limit > 1000000) limit = 1000000
  } else limit = 0
  const trim: TrimArgs | null = strategy === null ? null : { strategy, maxlen, minid, approx, limit }
  return { trim, trimArgIndex, id, seqGiven, noMkstream, idIndex: i }
}

/**
 * After a `~` trim, the propagated command says `=` and the resulting length (MAXLEN) or first ID
 * (MINID), so the AOF trims exactly the same (`streamRewriteTrimArgument`).
 */
const rewriteTrim = (argv: Array<string>, stream: StreamValue, trim: TrimArgs, index: number): void => {
  argv[index - 1] = "="
  argv[index] = trim.strategy === "maxlen" ? String(stream.length) : formatId(stream.firstIdWithTombstones())
}

const xadd = (client: CommandClient, argv: Array<string>): Reply => {
  const args = parseAddOrTrim(client, argv, true)
  if (args instanceof ErrorReply) return args
  const fieldPos = args.idIndex + 1
  if (argv.length - fieldPos < 2 || (argv.length - fieldPos) % 2 === 1) {
    return new ErrorReply("ERR wrong number of arguments for 'xadd' command")
  }
  if (args.id !== undefined && args.seqGiven && args.id === MIN_ID) {
    return new ErrorReply("ERR The ID specified in XADD must be greater than 0-0")
  }
  const server = client.server
  const keyspace = server.keyspace
  const key = argv[1]
  const entry = writeEntry(client, key)
  if (entry instanceof ErrorReply) return entry
  if (entry === undefined && args.noMkstream) return null
  const stream = entry === undefined ? new StreamValue() : (entry.value as StreamValue)
  if (stream.lastId === MAX_ID) return new ErrorReply("ERR The stream has exhausted the last possible ID, unable to add more items")
  const id = stream.nextId(server.now(), args.id, args.seqGiven)
  const failure =
    id === undefined
      ? "EDOM"
      : stream.append(id, argv.slice(fieldPos), server.config.get<number>("stream-node-max-bytes"), server.config.get<number>("stream-node-max-entries"))
  // Valkey creates the key before appending: a failed append to a new stream leaves it empty.
  if (entry === undefined) keyspace.add(client.db, key, stream)
  if (failure !== undefined) {
    return new ErrorReply(
      failure === "EDOM" ? "ERR The ID specified in XADD is equal or smaller than the target stream top item" : "ERR Elements are too large to be stored"
    )
  }
  const reply = formatId(id!)
  notifyKeyspaceEvent(server, NOTIFY.t, "xadd", key, client.db)
  const propagation = server.propagation
  const rewritten = propagation.enabled ? argv.slice() : null
  if (args.trim !== null) {
    if (stream.trim(args.trim) > 0) notifyKeyspaceEvent(server, NOTIFY.t, "xtrim", key, client.db)
    if (args.trim.approx && rewritten !== null) rewriteTrim(rewritten, stream, args.trim, args.trimArgIndex)
  }
  if (entry !== undefined) {
    keyspace.touch(client.db, key)
    // New data for clients blocked on this stream (a new key signalled itself when added).
    server.blocker?.signalKeyAsReady(client.db, key)
  }
  if (rewritten !== null) {
    // The generated ID is propagated, not `*` or `ms-*`.
    if (args.id === undefined || !args.seqGiven) rewritten[args.idIndex] = reply
    propagation.rewrite(rewritten)
  }
  return reply
}

const xtrim = (client: CommandClient, argv: Array<string>): Reply => {
  const args = parseAddOrTrim(client, argv, false)
  if (args instanceof ErrorReply) return args
  const entry = writeEntry(client, argv[1])
  if (entry === undefined) return 0
  if (entry instanceof ErrorReply) return entry
  const stream = entry.value as StreamValue
  const trim = args.trim!
  const deleted = stream.trim(trim)
  if (deleted > 0) {
    const server = client.server
    notifyKeyspaceEvent(server, NOTIFY.t, "xtrim", argv[1], client.db)
    if (trim.approx && server.propagation.enabled) {
      const rewritten = argv.slice()
      rewriteTrim(rewritten, stream, trim, args.trimArgIndex)
      server.propagation.rewrite(rewritten)
    }
    server.keyspace.touch(client.db, argv[1])
    dirty(client, deleted - 1)
  }
  return deleted
}

// ---- XRANGE / XREVRANGE / XLEN / XDEL -----------------------------------------------------------

/** The entries from `start` to `end` (both inclusive), at most `count` (0: all). */
const rangeReply = (stream: StreamValue, start: StreamId, end: StreamId, count: number, rev: boolean): Array<Reply> => {
  const out: Array<Reply> = []
  stream.range(start, end, rev, (id, pairs) => {
    out.push(entryReply(id, pairs))
    return count === 0 || out.length < count
  })
  return out
}

const xrange = (client: CommandClient, argv: Array<string>, rev: boolean): Reply => {
  const start = parseInterval(rev ? argv[3] : argv[2], 0n, true)
  if (start instanceof ErrorReply) return start
  const end = parseInterval(rev ? argv[2] : argv[3], U64_MAX, false)
  if (end instanceof ErrorReply) return end
  let count = -1
  for (let j = 4; j < argv.length; j++) {
    if (isKeyword(argv[j], "count") && j + 1 < argv.length) {
      const v = parseLongLong(argv[++j])
      if (v instanceof ErrorReply) return v
      count = Math.max(0, toCount(v))
    } else return syntaxError
  }
  const stream = readStream(client, argv[1])
  if (stream === undefined) return EMPTY
  if (stream instanceof ErrorReply) return stream
  if (count === 0) return NULL_ARRAY
  return rangeReply(stream, start, end, count === -1 ? 0 : count, rev)
}

const xdel = (client: CommandClient, argv: Array<string>): Reply => {
  const entry = writeEntry(client, argv[1])
  if (entry === undefined) return 0
  if (entry instanceof ErrorReply) return entry
  const stream = entry.value as StreamValue
  const ids: Array<StreamId> = []
  for (let j = 2; j < argv.length; j++) {
    const id = parseId(argv[j], 0n, true)
    if (id instanceof ErrorReply) return id
    ids.push(id)
  }
  let deleted = 0
  let firstDeleted = false
  for (const id of ids) {
    if (!stream.delete(id)) continue
    if (id === stream.firstId) firstDeleted = true
    if (id > stream.maxDeletedId) stream.maxDeletedId = id
    deleted++
  }
  if (deleted > 0) {
    if (stream.length === 0) stream.firstId = MIN_ID
    else if (firstDeleted) stream.firstId = stream.edgeId(true)
    client.server.keyspace.touch(client.db, argv[1])
    notifyKeyspaceEvent(client.server, NOTIFY.t, "xdel", argv[1], client.db)
    dirty(client, deleted - 1)
  }
  return deleted
}

// ---- XREAD / XREADGROUP ---------------------------------------------------------------------------

/** Names and IDs a group read propagates (`streamPropInfo`). */
interface GroupRead {
  readonly key: string
  readonly groupName: string
  readonly group: StreamGroup
  readonly consumer: StreamConsumer
  readonly noack: boolean
}

/**
 * `streamPropagateXCLAIM`: the idempotent XCLAIM that gives the replica or the AOF the same PEL
 * entry (`XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID LASTID id`).
 */
const propagateXclaim = (client: CommandClient, key: string, groupName: string, group: StreamGroup, id: string, nack: StreamNack): void => {
  const propagation = client.server.propagation
  if (!propagation.enabled) return
  propagation.also(client.db, [
    "XCLAIM",
    key,
    groupName,
    nack.consumer!.name,
    "0",
    id,
    "TIME",
    String(nack.deliveryTime),
    "RETRYCOUNT",
    String(nack.deliveryCount),
    "FORCE",
    "JUSTID",
    "LASTID",
    formatId(group.lastId)
  ])
}

/** `streamPropagateGroupID`: `XGROUP SETID key group id ENTRIESREAD n`. */
const propagateGroupId = (client: CommandClient, key: string, groupName: string, group: StreamGroup): void => {
  const propagation = client.server.propagation
  if (!propagation.enabled) return
  propagation.also(client.db, ["XGROUP", "SETID", key, groupName, formatId(group.lastId), "ENTRIESREAD", String(group.entriesRead)])
}

/**
 * `streamReplyWithRange` for a group read of new entries: each entry delivered moves the group's
 * last ID and read counter, and (without NOACK) becomes pending for the consumer, taken from
 * another consumer if it was already pending there.
 */
const deliverNew = (client: CommandClient, stream: StreamValue, start: StreamId, count: number, read: GroupRead): Array<Reply> => {
  const out: Array<Reply> = []
  const { group, consumer } = read
  const now = client.server.now()
  let movedLastId = false
  stream.prepareWrite()
  stream.range(start, MAX_ID, false, (id, pairs) => {
    if (id > group.lastId) {
      if (group.entriesRead !== INVALID_ENTRIES_READ && !stream.rangeHasTombstones(id)) group.entriesRead++
      else if (stream.entriesAdded > 0) group.entriesRead = stream.estimateDistance(id)
      group.lastId = id
      movedLastId = true
    }
    out.push(entryReply(id, pairs))
    if (!read.noack) {
      let nack = group.pel.get(id)
      if (nack === undefined) {
        nack = new StreamNack(consumer, now, 1)
        group.pel.set(id, nack)
        consumer.pel.set(id, nack)
      } else {
        nack.consumer!.pel.delete(id)
        nack.consumer = consumer
        nack.deliveryTime = now
        nack.deliveryCount = 1
        consumer.pel.set(id, nack)
      }
      consumer.activeTime = now
      propagateXclaim(client, read.key, read.groupName, group, formatId(id), nack)
    }
    return count === 0 || out.length < count
  })
  if (movedLastId) propagateGroupId(client, read.key, read.groupName, group)
  return out
}

/**
 * `streamReplyWithRangeFromConsumerPEL`: the consumer's own pending entries from `start`; an entry
 * deleted from the stream since shows as `[id, nil]`. Each counts as delivered again.
 */
const deliverHistory = (client: CommandClient, stream: StreamValue, start: StreamId, count: number, consumer: StreamConsumer): Array<Reply> => {
  const out: Array<Reply> = []
  const now = client.server.now()
  stream.prepareWrite()
  for (const [id, nack] of consumer.pel.from(start, -1n, count === 0 ? Infinity : count)) {
    const pairs = stream.get(id)
    if (pairs === undefined) out.push([formatId(id), NULL_ARRAY])
    else {
      out.push(entryReply(id, pairs))
      nack.deliveryTime = now
      nack.deliveryCount++
    }
  }
  return out
}

/** XREAD/XREADGROUP's `getKeys`: the first half of the arguments after STREAMS. */
const xreadKeys = (argv: ReadonlyArray<string>): Array<number> => {
  const group = argv[0].length === 10
  let i = group ? 4 : 1
  for (; i < argv.length; i++) if (isKeyword(argv[i], "streams")) break
  const first = i + 1
  const n = Math.floor((argv.length - first) / 2)
  const out: Array<number> = []
  for (let k = 0; k < n; k++) out.push(first + k)
  return out
}

/** `getTimeoutFromObjectOrReply` in milliseconds: the absolute deadline (0 = forever), or the error. */
const parseMsTimeout = (arg: string, now: number): number | ErrorReply => {
  const v = parseInt64(arg)
  if (v === undefined) return new ErrorReply("ERR timeout is not an integer or out of range")
  if (v < 0) return new ErrorReply("ERR timeout is negative")
  if (v === 0) return 0
  if (BigInt(v) > LLONG_MAX - BigInt(now)) return new ErrorReply("ERR timeout is out of range")
  return now + Number(v)
}

/** XREADGROUP's `>`: new entries only (Valkey marks it with the greatest ID). */
const NEW_ENTRIES = MAX_ID

const xread = (client: CommandClient, argv: Array<string>): Reply | BlockRequest => {
  const xreadgroup = argv[0].length === 10
  const server = client.server
  let deadline = -1
  let count = 0
  let streamsArg = 0
  let streamsCount = 0
  let groupName: string | undefined
  let consumerName = ""
  let noack = false
  for (let i = 1; i < argv.length; i++) {
    const moreargs = argv.length - i - 1
    const o = argv[i]
    if (isKeyword(o, "block") && moreargs > 0) {
      const parsed = parseMsTimeout(argv[++i], server.now())
      if (parsed instanceof ErrorReply) return parsed
      deadline = parsed
    } else if (isKeyword(o, "count") && moreargs > 0) {
      const v = parseLongLong(argv[++i])
      if (v instanceof ErrorReply) return v
      count = Math.max(0, toCount(v))
    } else if (isKeyword(o, "streams") && moreargs > 0) {
      streamsArg = i + 1
      streamsCount = argv.length - streamsArg
      if (streamsCount % 2 !== 0) {
        const symbol = xreadgroup ? ">" : "$"
        return new ErrorReply(
          `ERR Unbalanced '${xreadgroup ? "xreadgroup" : "xread"}' list of streams: for each stream key an ID or '${symbol}' must be specified.`
        )
      }
      streamsCount /= 2
      break
    } else if (isKeyword(o, "group") && moreargs >= 2) {
      if (!xreadgroup) return new ErrorReply("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.")
      groupName = argv[i + 1]
      consumerName = argv[i + 2]
      i += 2
    } else if (isKeyword(o, "noack")) {
      if (!xreadgroup) return new ErrorReply("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.")
      noack = true
    } else return syntaxError
  }
  if (streamsArg === 0) return syntaxError
  if (xreadgroup && groupName === undefined) return new ErrorReply("ERR Missing GROUP option for XREADGROUP")
  // Group reads are propagated as the XCLAIMs and SETIDs they cause, never as themselves.
  if (xreadgroup) server.propagation.prevent()

  const keyspace = server.keyspace
  const ids: Array<StreamId> = new Array(streamsCount)
  const groups: Array<StreamGroup> = []
  for (let k = 0; k < streamsCount; k++) {
    const key = argv[streamsArg + k]
    const arg = argv[streamsArg + streamsCount + k]
    const value = keyspace.read(client.db, key)
    if (value !== undefined && !(value instanceof StreamValue)) return wrongType
    const stream = value as StreamValue | undefined
    if (groupName !== undefined) {
      const group = stream?.group(groupName)
      if (group === undefined) {
        return new ErrorReply(`NOGROUP No such key '${key}' or consumer group '${groupName}' in XREADGROUP with GROUP option`)
      }
      groups.push(group)
    }
    if (arg === "$") {
      if (xreadgroup) {
        return new ErrorReply(
          "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."
        )
      }
      ids[k] = stream === undefined ? MIN_ID : stream.lastId
    } else if (arg === "+") {
      if (xreadgroup) {
        return new ErrorReply(
          "ERR The + ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The + ID would just return an empty result set."
        )
      }
      if (stream === undefined) ids[k] = MIN_ID
      else {
        if (stream.lastId === MIN_ID) return new ErrorReply("ERR the stream last element ID is 0-0")
        ids[k] = stream.lastId - 1n
      }
    } else if (arg === ">") {
      if (!xreadgroup) return new ErrorReply("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.")
      ids[k] = NEW_ENTRIES
    } else {
      const id = parseStreamId(arg, 0n, true)
      if (id === undefined) return invalidId
      ids[k] = id
    }
  }

  // Serve what can be served now.
  const served: Array<Reply> = []
  const now = server.now()
  for (let k = 0; k < streamsCount; k++) {
    const key = argv[streamsArg + k]
    const stream = keyspace.lookup(client.db, key)?.value as StreamValue | undefined
    if (stream === undefined) continue
    let gt = ids[k]
    let serve = false
    let history = false
    let read: GroupRead | undefined
    if (groupName !== undefined) {
      const group = groups[k]
      if (gt !== NEW_ENTRIES) {
        serve = true
        history = true
      } else if (stream.length > 0 && stream.lastValidId() > group.lastId) {
        serve = true
        gt = group.lastId
      }
      // The consumer's seen-time changes whatever is served: a running snapshot copies first.
      stream.prepareWrite()
      let consumer = group.consumers.get(consumerName)
      if (consumer === undefined) {
        consumer = new StreamConsumer(consumerName, now)
        group.consumers.set(consumerName, consumer)
        dirty(client)
        notifyKeyspaceEvent(server, NOTIFY.t, "xgroup-createconsumer", key, client.db)
        if (noack && server.propagation.enabled) server.propagation.also(client.db, ["XGROUP", "CREATECONSUMER", key, groupName, consumerName])
      }
      consumer.seenTime = now
      read = { key, groupName, group, consumer, noack }
    } else if (stream.length > 0 && stream.lastValidId() > gt) serve = true
    if (!serve) continue
    const start = gt === MAX_ID ? MAX_ID : gt + 1n
    const entries =
      read === undefined
        ? rangeReply(stream, start, MAX_ID, count, false)
        : history
          ? deliverHistory(client, stream, start, count, read.consumer)
          : deliverNew(client, stream, start, count, read)
    if (read !== undefined) dirty(client)
    served.push(key, entries)
  }
  if (served.length > 0) {
    if (client.resp === 3) return new MapReply(served)
    const out: Array<Reply> = []
    for (let i = 0; i < served.length; i += 2) out.push([served[i], served[i + 1]])
    return out
  }
  if (deadline !== -1) {
    // Not allowed to block (EXEC, scripts, module calls): as if the timeout passed at once.
    if (client.denyBlocking) return NULL_ARRAY
    // `$` becomes the last ID now, so the re-run after new data does not wait for yet newer data.
    for (let k = 0; k < streamsCount; k++) {
      const at = streamsArg + streamsCount + k
      if (argv[at] === "$") argv[at] = formatId(ids[k])
    }
    return new BlockRequest(argv.slice(streamsArg, streamsArg + streamsCount), deadline, NULL_ARRAY, isStream, xreadgroup)
  }
  return NULL_ARRAY
}

// ---- consumer groups ------------------------------------------------------------------------------

const XGROUP_HELP = [
  "CREATE <key> <groupname> <id|$> [option]",
  "    Create a new consumer group. Options are:",
  "    * MKSTREAM",
  "      Create the empty stream if it does not exist.",
  "    * ENTRIESREAD entries_read",
  "      Set the group's entries_read counter (internal use).",
  "CREATECONSUMER <key> <groupname> <consumer>",
  "    Create a new consumer in the specified group.",
  "DELCONSUMER <key> <groupname> <consumer>",
  "    Remove the specified consumer.",
  "DESTROY <key> <groupname>",
  "    Remove the specified group.",
  "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
  "    Set the current group ID and entries_read counter."
]

/** `xgroupCommand`: every XGROUP subcommand but HELP. */
const xgroup = (client: CommandClient, argv: Array<string>): Reply => {
  const server = client.server
  const opt = argv[1]
  const create = isKeyword(opt, "create")
  const setid = isKeyword(opt, "setid")
  let mkstream = false
  let entriesRead = INVALID_ENTRIES_READ
  let i = 5
  while (i < argv.length) {
    if (create && isKeyword(argv[i], "mkstream")) {
      mkstream = true
      i++
    } else if ((create || setid) && isKeyword(argv[i], "entriesread") && i + 1 < argv.length) {
      const v = parseLongLong(argv[i + 1])
      if (v instanceof ErrorReply) return v
      if (v < 0 && v !== -1) return new ErrorReply("ERR value for ENTRIESREAD must be positive or -1")
      entriesRead = toCount(v)
      i += 2
    } else return subcommandSyntaxError(argv)
  }
  const key = argv[2]
  const entry = writeEntry(client, key)
  if (entry instanceof ErrorReply) return entry
  let stream = entry?.value as StreamValue | undefined
  const groupName = argv[3]
  let group: StreamGroup | undefined
  if (!mkstream) {
    if (stream === undefined) {
      return new ErrorReply(
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."
      )
    }
    group = stream.group(groupName)
    if (group === undefined && (setid || isKeyword(opt, "createconsumer") || isKeyword(opt, "delconsumer"))) {
      return new ErrorReply(`NOGROUP No such consumer group '${groupName}' for key name '${key}'`)
    }
  }
  if (create) {
    if (argv.length > 8) return subcommandSyntaxError(argv)
    let id: StreamId
    if (argv[4] === "$") id = stream === undefined ? MIN_ID : stream.lastId
    else {
      const parsed = parseId(argv[4], 0n, true)
      if (parsed instanceof ErrorReply) return parsed
      id = parsed
    }
    if (stream === undefined) {
      stream = new StreamValue()
      server.keyspace.add(client.db, key, stream)
    }
    if (stream.createGroup(groupName, id, entriesRead) === undefined) return new ErrorReply("BUSYGROUP Consumer Group name already exists")
    dirty(client)
    notifyKeyspaceEvent(server, NOTIFY.t, "xgroup-create", key, client.db)
    return OK
  }
  if (setid) {
    if (argv.length !== 5 && argv.length !== 7) return subcommandSyntaxError(argv)
    let id: StreamId
    if (argv[4] === "$") id = stream!.lastId
    else {
      const parsed = parseId(argv[4], 0n, false)
      if (parsed instanceof ErrorReply) return parsed
      id = parsed
    }
    stream!.prepareWrite()
    group!.lastId = id
    group!.entriesRead = entriesRead
    dirty(client)
    notifyKeyspaceEvent(server, NOTIFY.t, "xgroup-setid", key, client.db)
    return OK
  }
  if (isKeyword(opt, "destroy")) {
    if (argv.length !== 4) return subcommandSyntaxError(argv)
    if (group === undefined) return 0
    stream!.destroyGroup(groupName)
    dirty(client)
    notifyKeyspaceEvent(server, NOTIFY.t, "xgroup-destroy", key, client.db)
    // XREADGROUP clients blocked on it get -NOGROUP.
    server.blocker?.signalKeyAsReady(client.db, key)
    return 1
  }
  if (isKeyword(opt, "createconsumer")) {
    if (argv.length !== 5) return subcommandSyntaxError(argv)
    if (group!.consumers.has(argv[4])) return 0
    stream!.prepareWrite()
    group!.consumers.set(argv[4], new StreamConsumer(argv[4], server.now()))
    dirty(client)
    notifyKeyspaceEvent(server, NOTIFY.t, "xgroup-createconsumer", key, client.db)
    return 1
  }
  if (isKeyword(opt, "delconsumer")) {
    if (argv.length !== 5) return subcommandSyntaxError(argv)
    const consumer = group!.consumers.get(argv[4])
    if (consumer === undefined) return 0
    stream!.prepareWrite()
    const pending = group!.deleteConsumer(consumer)
    dirty(client)
    notifyKeyspaceEvent(server, NOTIFY.t, "xgroup-delconsumer", key, client.db)
    return pending
  }
  return subcommandSyntaxError(argv)
}

const xsetid = (client: CommandClient, argv: Array<string>): Reply => {
  const id = parseId(argv[2], 0n, true)
  if (id instanceof ErrorReply) return id
  let entriesAdded = -1
  let maxDeleted = MIN_ID
  let i = 3
  while (i < argv.length) {
    const moreargs = argv.length - 1 - i
    const opt = argv[i]
    if (isKeyword(opt, "entriesadded") && moreargs > 0) {
      const v = parseLongLong(argv[i + 1])
      if (v instanceof ErrorReply) return v
      if (v < 0) return new ErrorReply("ERR entries_added must be positive")
      entriesAdded = toCount(v)
      i += 2
    } else if (isKeyword(opt, "maxdeletedid") && moreargs > 0) {
      const parsed = parseId(argv[i + 1], 0n, true)
      if (parsed instanceof ErrorReply) return parsed
      if (id < parsed) return new ErrorReply("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
      maxDeleted = parsed
      i += 2
    } else return syntaxError
  }
  const entry = writeEntry(client, argv[1])
  if (entry === undefined) return new ErrorReply(NO_SUCH_KEY)
  if (entry instanceof ErrorReply) return entry
  const stream = entry.value as StreamValue
  if (id < stream.maxDeletedId) return new ErrorReply("ERR The ID specified in XSETID is smaller than current max_deleted_entry_id")
  if (stream.length > 0) {
    if (id < stream.lastValidId()) return new ErrorReply("ERR The ID specified in XSETID is smaller than the target stream top item")
    if (entriesAdded !== -1 && stream.length > entriesAdded) {
      return new ErrorReply("ERR The entries_added specified in XSETID is smaller than the target stream length")
    }
  }
  stream.prepareWrite()
  stream.lastId = id
  if (entriesAdded !== -1) stream.entriesAdded = entriesAdded
  if (maxDeleted !== MIN_ID) stream.maxDeletedId = maxDeleted
  dirty(client)
  notifyKeyspaceEvent(client.server, NOTIFY.t, "xsetid", argv[1], client.db)
  return OK
}

const xack = (client: CommandClient, argv: Array<string>): Reply => {
  const stream = readStream(client, argv[1])
  if (stream instanceof ErrorReply) return stream
  const group = stream?.group(argv[2])
  if (stream === undefined || group === undefined) return 0
  const ids: Array<StreamId> = []
  for (let j = 3; j < argv.length; j++) {
    const id = parseId(argv[j], 0n, true)
    if (id instanceof ErrorReply) return id
    ids.push(id)
  }
  let acknowledged = 0
  for (const id of ids) {
    const nack = group.pel.get(id)
    if (nack === undefined) continue
    if (acknowledged === 0) stream.prepareWrite()
    group.pel.delete(id)
    nack.consumer?.pel.delete(id)
    acknowledged++
  }
  dirty(client, acknowledged)
  return acknowledged
}

const xpending = (client: CommandClient, argv: Array<string>): Reply => {
  const justInfo = argv.length === 3
  if (argv.length !== 3 && (argv.length < 6 || argv.length > 9)) return syntaxError
  let start = MIN_ID
  let end = MAX_ID
  let count = 0
  let minIdle = 0
  let consumerName: string | undefined
  if (argv.length >= 6) {
    let startIdx = 3
    if (isKeyword(argv[3], "idle")) {
      const v = parseLongLong(argv[4])
      if (v instanceof ErrorReply) return v
      minIdle = Number(v)
      if (argv.length < 8) return syntaxError
      startIdx += 2
    }
    const c = parseLongLong(argv[startIdx + 2])
    if (c instanceof ErrorReply) return c
    count = Math.max(0, toCount(c))
    const s = parseInterval(argv[startIdx], 0n, true)
    if (s instanceof ErrorReply) return s
    start = s
    const e = parseInterval(argv[startIdx + 1], U64_MAX, false)
    if (e instanceof ErrorReply) return e
    end = e
    if (startIdx + 3 < argv.length) consumerName = argv[startIdx + 3]
  }
  const stream = readStream(client, argv[1])
  if (stream instanceof ErrorReply) return stream
  const group = stream?.group(argv[2])
  if (group === undefined) return new ErrorReply(`NOGROUP No such key '${argv[1]}' or consumer group '${argv[2]}'`)
  if (justInfo) {
    if (group.pel.size === 0) return [0, null, null, NULL_ARRAY]
    const consumers: Array<Reply> = []
    for (const consumer of group.sortedConsumers()) {
      if (consumer.pel.size > 0) consumers.push([consumer.name, String(consumer.pel.size)])
    }
    return [group.pel.size, formatId(group.pel.first()!), formatId(group.pel.last()!), consumers]
  }
  let pel = group.pel
  if (consumerName !== undefined) {
    const consumer = group.consumers.get(consumerName)
    if (consumer === undefined) return EMPTY
    pel = consumer.pel
  }
  const now = client.server.now()
  const out: Array<Reply> = []
  if (count === 0) return out
  for (const [id, nack] of pel.entries()) {
    if (id < start) continue
    if (id > end || count === 0) break
    if (minIdle !== 0 && now - nack.deliveryTime < minIdle) continue
    count--
    out.push([formatId(id), nack.consumer!.name, Math.max(0, now - nack.deliveryTime), nack.deliveryCount])
  }
  return out
}

/** The group of a key for XCLAIM/XAUTOCLAIM, or their errors. */
const claimGroup = (client: CommandClient, argv: ReadonlyArray<string>, stream: StreamValue | undefined | ErrorReply): StreamGroup | ErrorReply => {
  if (stream instanceof ErrorReply) return stream
  const group = stream?.group(argv[2])
  if (group === undefined) return new ErrorReply(`NOGROUP No such key '${argv[1]}' or consumer group '${argv[2]}'`)
  return group
}

/** The claiming consumer, created if needed (`streamCreateConsumer` with notification). */
const claimingConsumer = (client: CommandClient, stream: StreamValue, group: StreamGroup, name: string, key: string): StreamConsumer => {
  stream.prepareWrite()
  let consumer = group.consumers.get(name)
  if (consumer === undefined) {
    consumer = new StreamConsumer(name, client.server.now())
    group.consumers.set(name, consumer)
    dirty(client)
    notifyKeyspaceEvent(client.server, NOTIFY.t, "xgroup-createconsumer", key, client.db)
  }
  consumer.seenTime = client.server.now()
  return consumer
}

const xclaim = (client: CommandClient, argv: Array<string>): Reply => {
  const stream = readStream(client, argv[1])
  const group = claimGroup(client, argv, stream)
  if (group instanceof ErrorReply) return group
  const s = stream as StreamValue
  const minIdleArg = parseLongLong(argv[4], "Invalid min-idle-time argument for XCLAIM")
  if (minIdleArg instanceof ErrorReply) return minIdleArg
  const minIdle = Math.max(0, Number(minIdleArg))
  const ids: Array<StreamId> = []
  let j = 5
  for (; j < argv.length; j++) {
    const id = parseStreamId(argv[j], 0n, true)
    if (id === undefined) break
    ids.push(id)
  }
  const lastIdArg = j - 1
  const now = client.server.now()
  let force = false
  let justId = false
  let deliveryTime = -1
  let retryCount = -1
  let lastId = MIN_ID
  for (; j < argv.length; j++) {
    const moreargs = argv.length - 1 - j
    const opt = argv[j]
    if (isKeyword(opt, "force")) force = true
    else if (isKeyword(opt, "justid")) justId = true
    else if (isKeyword(opt, "idle") && moreargs > 0) {
      const v = parseLongLong(argv[++j], "Invalid IDLE option argument for XCLAIM")
      if (v instanceof ErrorReply) return v
      deliveryTime = now - Number(v)
    } else if (isKeyword(opt, "time") && moreargs > 0) {
      const v = parseLongLong(argv[++j], "Invalid TIME option argument for XCLAIM")
      if (v instanceof ErrorReply) return v
      deliveryTime = Number(v)
    } else if (isKeyword(opt, "retrycount") && moreargs > 0) {
      const v = parseLongLong(argv[++j], "Invalid RETRYCOUNT option argument for XCLAIM")
      if (v instanceof ErrorReply) return v
      retryCount = Number(v)
    } else if (isKeyword(opt, "lastid") && moreargs > 0) {
      const parsed = parseId(argv[++j], 0n, true)
      if (parsed instanceof ErrorReply) return parsed
      lastId = parsed
    } else return new ErrorReply(`ERR Unrecognized XCLAIM option '${opt}'`)
  }
  const key = argv[1]
  const groupName = argv[2]
  // Every claim is propagated as an XCLAIM of its own (below); the command itself never is.
  client.server.propagation.prevent()
  s.prepareWrite()
  let propagateLastId = false
  if (lastId > group.lastId) {
    group.lastId = lastId
    propagateLastId = true
  }
  if (deliveryTime !== -1) {
    if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now
  } else deliveryTime = now
  const consumer = claimingConsumer(client, s, group, argv[3], key)
  const out: Array<Reply> = []
  for (let k = 5; k <= lastIdArg; k++) {
    const id = ids[k - 5]
    let nack = group.pel.get(id)
    const pairs = s.get(id)
    if (pairs === undefined) {
      // Gone from the stream: drop it from the PEL too.
      if (nack !== undefined) {
        propagateXclaim(client, key, groupName, group, argv[k], nack)
        propagateLastId = false
        dirty(client)
        group.pel.delete(id)
        nack.consumer?.pel.delete(id)
      }
      continue
    }
    if (force && nack === undefined) {
      nack = new StreamNack(null, now, 0)
      group.pel.set(id, nack)
    }
    if (nack === undefined) continue
    if (nack.consumer !== null && minIdle !== 0 && now - nack.deliveryTime < minIdle) continue
    if (nack.consumer !== consumer) nack.consumer?.pel.delete(id)
    nack.deliveryTime = deliveryTime
    if (retryCount >= 0) nack.deliveryCount = retryCount
    else if (!justId) nack.deliveryCount++
    if (nack.consumer !== consumer) {
      consumer.pel.set(id, nack)
      nack.consumer = consumer
    }
    out.push(justId ? formatId(id) : entryReply(id, pairs))
    consumer.activeTime = now
    propagateXclaim(client, key, groupName, group, argv[k], nack)
    propagateLastId = false
    dirty(client)
  }
  if (propagateLastId) {
    propagateGroupId(client, key, groupName, group)
    dirty(client)
  }
  return out
}

/** LONG_MAX / max(sizeof(streamID), attempts factor): XAUTOCLAIM's largest COUNT. */
const XAUTOCLAIM_MAX_COUNT = 9223372036854775807n / 16n

const xautoclaim = (client: CommandClient, argv: Array<string>): Reply => {
  const minIdleArg = parseLongLong(argv[4], "Invalid min-idle-time argument for XAUTOCLAIM")
  if (minIdleArg instanceof ErrorReply) return minIdleArg
  const minIdle = Math.max(0, Number(minIdleArg))
  const start = parseInterval(argv[5], 0n, true)
  if (start instanceof ErrorReply) return start
  let count = 100
  let justId = false
  for (let j = 6; j < argv.length; j++) {
    const moreargs = argv.length - 1 - j
    if (isKeyword(argv[j], "count") && moreargs > 0) {
      const v = parseInt64(argv[j + 1])
      if (v === undefined) return notInteger
      if (BigInt(v) < 1n || BigInt(v) > XAUTOCLAIM_MAX_COUNT) return new ErrorReply("ERR COUNT must be > 0")
      count = toCount(v)
      j++
    } else if (isKeyword(argv[j], "justid")) justId = true
    else return syntaxError
  }
  const stream = readStream(client, argv[1])
  const group = claimGroup(client, argv, stream)
  if (group instanceof ErrorReply) return group
  const s = stream as StreamValue
  const key = argv[1]
  const groupName = argv[2]
  client.server.propagation.prevent()
  const consumer = claimingConsumer(client, s, group, argv[3], key)
  let attempts = count * 10
  const now = client.server.now()
  const claimed: Array<Reply> = []
  const deleted: Array<Reply> = []
  let next = MIN_ID
  const pending = group.pel.from(start)
  let k = 0
  for (; k < pending.length && attempts > 0 && count > 0; k++) {
    attempts--
    const [id, nack] = pending[k]
    const pairs = s.get(id)
    if (pairs === undefined) {
      propagateXclaim(client, key, groupName, group, formatId(id), nack)
      dirty(client)
      group.pel.delete(id)
      nack.consumer?.pel.delete(id)
      deleted.push(formatId(id))
      count--
      continue
    }
    if (minIdle !== 0 && now - nack.deliveryTime < minIdle) continue
    if (nack.consumer !== consumer) nack.consumer?.pel.delete(id)
    nack.deliveryTime = now
    if (!justId) nack.deliveryCount++
    if (nack.consumer !== consumer) {
      consumer.pel.set(id, nack)
      nack.consumer = consumer
    }
    claimed.push(justId ? formatId(id) : entryReply(id, pairs))
    count--
    consumer.activeTime = now
    propagateXclaim(client, key, groupName, group, formatId(id), nack)
    dirty(client)
  }
  if (k < pending.length) next = pending[k][0]
  return [formatId(next), claimed, deleted]
}

// ---- XINFO ----------------------------------------------------------------------------------------

const XINFO_HELP = [
  "CONSUMERS <key> <groupname>",
  "    Show consumers of <groupname>.",
  "GROUPS <key>",
  "    Show the stream consumer groups.",
  "STREAM <key> [FULL [COUNT <count>]",
  "    Show information about the stream."
]

/** Radix-tree nodes Valkey would report for `keys` 16-byte keys (an estimate: its inner layout is not modelled). */
const raxNodes = (keys: number): number => (keys === 0 ? 1 : keys + Math.max(0, keys - 1) + 1)

const infoStream = (client: CommandClient, argv: Array<string>, stream: StreamValue): Reply => {
  let full = true
  let count = 10
  const optc = argv.length - 3
  if (optc === 0) full = false
  else {
    if (optc !== 1 && optc !== 3) return subcommandSyntaxError(argv)
    if (!isKeyword(argv[3], "full")) return subcommandSyntaxError(argv)
    if (optc === 3) {
      if (!isKeyword(argv[4], "count")) return subcommandSyntaxError(argv)
      const v = parseLongLong(argv[5])
      if (v instanceof ErrorReply) return v
      count = toCount(v)
      if (count < 0) count = 10
    }
  }
  const out: Array<Reply> = [
    "length",
    stream.length,
    "radix-tree-keys",
    stream.nodes.length,
    "radix-tree-nodes",
    raxNodes(stream.nodes.length),
    "last-generated-id",
    formatId(stream.lastId),
    "max-deleted-entry-id",
    formatId(stream.maxDeletedId),
    "entries-added",
    stream.entriesAdded,
    "recorded-first-entry-id",
    formatId(stream.firstId)
  ]
  if (!full) {
    const first = rangeReply(stream, MIN_ID, MAX_ID, 1, false)
    const last = rangeReply(stream, MIN_ID, MAX_ID, 1, true)
    out.push("groups", stream.groups?.size ?? 0, "first-entry", first[0] ?? null, "last-entry", last[0] ?? null)
    return new MapReply(out)
  }
  out.push("entries", rangeReply(stream, MIN_ID, MAX_ID, count, false))
  const groups: Array<Reply> = []
  for (const [name, group] of stream.sortedGroups()) {
    const pel: Array<Reply> = []
    for (const [id, nack] of group.pel.entries()) {
      if (count !== 0 && pel.length >= count) break
      pel.push([formatId(id), nack.consumer!.name, nack.deliveryTime, nack.deliveryCount])
    }
    const consumers: Array<Reply> = []
    for (const consumer of group.sortedConsumers()) {
      const cpel: Array<Reply> = []
      for (const [id, nack] of consumer.pel.entries()) {
        if (count !== 0 && cpel.length >= count) break
        cpel.push([formatId(id), nack.deliveryTime, nack.deliveryCount])
      }
      consumers.push(
        new MapReply([
          "name",
          consumer.name,
          "seen-time",
          consumer.seenTime,
          "active-time",
          consumer.activeTime,
          "pel-count",
          consumer.pel.size,
          "pending",
          cpel
        ])
      )
    }
    groups.push(
      new MapReply([
        "name",
        name,
        "last-delivered-id",
        formatId(group.lastId),
        "entries-read",
        group.entriesRead === INVALID_ENTRIES_READ ? null : group.entriesRead,
        "lag",
        stream.lag(group),
        "pel-count",
        group.pel.size,
        "pending",
        pel,
        "consumers",
        consumers
      ])
    )
  }
  out.push("groups", groups)
  return new MapReply(out)
}

/** XINFO STREAM/GROUPS/CONSUMERS: the stream at argv[2], or `-ERR no such key` / WRONGTYPE. */
const infoTarget = (client: CommandClient, argv: Array<string>): StreamValue | ErrorReply => {
  const stream = readStream(client, argv[2])
  return stream === undefined ? new ErrorReply(NO_SUCH_KEY) : stream
}

const infoGroups = (client: CommandClient, argv: Array<string>): Reply => {
  const stream = infoTarget(client, argv)
  if (stream instanceof ErrorReply) return stream
  return stream.sortedGroups().map(
    ([name, group]) =>
      new MapReply([
        "name",
        name,
        "consumers",
        group.consumers.size,
        "pending",
        group.pel.size,
        "last-delivered-id",
        formatId(group.lastId),
        "entries-read",
        group.entriesRead === INVALID_ENTRIES_READ ? null : group.entriesRead,
        "lag",
        stream.lag(group)
      ])
  )
}

const infoConsumers = (client: CommandClient, argv: Array<string>): Reply => {
  const stream = infoTarget(client, argv)
  if (stream instanceof ErrorReply) return stream
  const group = stream.group(argv[3])
  if (group === undefined) return new ErrorReply(`NOGROUP No such consumer group '${argv[3]}' for key name '${argv[2]}'`)
  const now = client.server.now()
  return group.sortedConsumers().map((consumer) => {
    const inactive = consumer.activeTime !== -1 ? now - consumer.activeTime : -1
    return new MapReply([
      "name",
      consumer.name,
      "pending",
      consumer.pel.size,
      "idle",
      Math.max(0, now - consumer.seenTime),
      "inactive",
      inactive
    ])
  })
}

// ---- the command table ----------------------------------------------------------------------------

const key2 = [2, 2, 1] as const

export const streamCommands = [
  defineCommand({
    name: "xadd",
    arity: -5,
    flags: ["write", "denyoom", "fast"],
    keys: [1, 1, 1],
    group: "stream",
    summary: "Appends a new message to a stream. Creates the key if it doesn't exist.",
    since: "5.0.0",
    complexity: "O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.",
    run: xadd
  }),
  defineCommand({
    name: "xrange",
    arity: -4,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "stream",
    summary: "Returns the messages from a stream within a range of IDs.",
    since: "5.0.0",
    complexity:
      "O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).",
    run: (client, argv) => xrange(client, argv, false)
  }),
  defineCommand({
    name: "xrevrange",
    arity: -4,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "stream",
    summary: "Returns the messages from a stream within a range of IDs in reverse order.",
    since: "5.0.0",
    complexity:
      "O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).",
    run: (client, argv) => xrange(client, argv, true)
  }),
  defineCommand({
    name: "xlen",
    arity: 2,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    group: "stream",
    summary: "Return the number of messages in a stream.",
    since: "5.0.0",
    complexity: "O(1)",
    run: (client, argv) => {
      const stream = readStream(client, argv[1])
      return stream === undefined ? 0 : stream instanceof ErrorReply ? stream : stream.length
    }
  }),
  defineCommand({
    name: "xdel",
    arity: -3,
    flags: ["write", "fast"],
    keys: [1, 1, 1],
    group: "stream",
    summary: "Returns the number of messages after removing them from a stream.",
    since: "5.0.0",
    complexity: "O(1) for each single item to delete in the stream, regardless of the stream size.",
    run: xdel
  }),
  defineCommand({
    name: "xtrim",
    arity: -4,
    flags: ["write"],
    keys: [1, 1, 1],
    group: "stream",
    summary: "Deletes messages from the beginning of a stream.",
    since: "5.0.0",
    complexity:
      "O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation.",
    run: xtrim
  }),
  defineCommand({
    name: "xread",
    arity: -4,
    flags: ["blocking", "readonly"],
    getKeys: xreadKeys,
    group: "stream",
    summary: "Returns messages from multiple streams with IDs greater than the ones requested. Blocks until a message is available otherwise.",
    since: "5.0.0",
    run: xread
  }),
  defineCommand({
    name: "xreadgroup",
    arity: -7,
    flags: ["blocking", "write"],
    getKeys: xreadKeys,
    group: "stream",
    summary: "Returns new or historical messages from a stream for a consumer in a group. Blocks until a message is available otherwise.",
    since: "5.0.0",
    complexity:
      "For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data.",
    run: xread
  }),
  defineCommand({
    name: "xgroup",
    arity: -2,
    group: "stream",
    // Containers carry no category of their own group, as in Valkey.
    aclCategories: ["@slow"],
    summary: "A container for consumer groups commands.",
    since: "5.0.0",
    complexity: "Depends on subcommand.",
    subcommands: [
      {
        name: "create",
        arity: -5,
        flags: ["write", "denyoom"],
        keys: key2,
        group: "stream",
        summary: "Creates a consumer group.",
        since: "5.0.0",
        complexity: "O(1)",
        run: xgroup
      },
      {
        name: "setid",
        arity: -5,
        flags: ["write"],
        keys: key2,
        group: "stream",
        summary: "Sets the last-delivered ID of a consumer group.",
        since: "5.0.0",
        complexity: "O(1)",
        run: xgroup
      },
      {
        name: "destroy",
        arity: 4,
        flags: ["write"],
        keys: key2,
        group: "stream",
        summary: "Destroys a consumer group.",
        since: "5.0.0",
        complexity: "O(N) where N is the number of entries in the group's pending entries list (PEL).",
        run: xgroup
      },
      {
        name: "createconsumer",
        arity: 5,
        flags: ["write", "denyoom"],
        keys: key2,
        group: "stream",
        summary: "Creates a consumer in a consumer group.",
        since: "6.2.0",
        complexity: "O(1)",
        run: xgroup
      },
      {
        name: "delconsumer",
        arity: 5,
        flags: ["write"],
        keys: key2,
        group: "stream",
        summary: "Deletes a consumer from a consumer group.",
        since: "5.0.0",
        complexity: "O(1)",
        run: xgroup
      },
      {
        name: "help",
        arity: 2,
        flags: ["loading", "stale"],
        group: "stream",
        summary: "Returns helpful text about the different subcommands.",
        since: "5.0.0",
        complexity: "O(1)",
        run: () => helpReply("XGROUP", XGROUP_HELP)
      }
    ]
  }),
  defineCommand({
    name: "xack",
    arity: -4,
    flags: ["write", "fast"],
    keys: [1, 1, 1],
    group: "stream",
    summary: "Returns the number of messages that were successfully acknowledged by the consumer group member of a stream.",
    since: "5.0.0",
    complexity: "O(1) for each message ID processed.",
    run: xack
  }),
  defineCommand({
    name: "xpending",
    arity: -3,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "stream",
    summary: "Returns the information and entries from a stream consumer group's pending entries list.",
    since: "5.0.0",
    complexity:
      "O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.",
    run: xpending
  }),
  defineCommand({
    name: "xclaim",
    arity: -6,
    flags: ["write", "fast"],
    keys: [1, 1, 1],
    group: "stream",
    summary: "Changes, or acquires, ownership of a message in a consumer group, as if the message was delivered a consumer group member.",
    since: "5.0.0",
    complexity: "O(log N) with N being the number of messages in the PEL of the consumer group.",
    run: xclaim
  }),
  defineCommand({
    name: "xautoclaim",
    arity: -6,
    flags: ["write", "fast"],
    keys: [1, 1, 1],
    group: "stream",
    summary: "Changes, or acquires, ownership of messages in a consumer group, as if the messages were delivered to as consumer group member.",
    since: "6.2.0",
    complexity: "O(1) if COUNT is small.",
    run: xautoclaim
  }),
  defineCommand({
    name: "xinfo",
    arity: -2,
    group: "stream",
    // Containers carry no category of their own group, as in Valkey.
    aclCategories: ["@slow"],
    summary: "A container for stream introspection commands.",
    since: "5.0.0",
    complexity: "Depends on subcommand.",
    subcommands: [
      {
        name: "stream",
        arity: -3,
        flags: ["readonly"],
        keys: key2,
        group: "stream",
        summary: "Returns information about a stream.",
        since: "5.0.0",
        complexity: "O(1)",
        run: (client, argv) => {
          const stream = infoTarget(client, argv)
          return stream instanceof ErrorReply ? stream : infoStream(client, argv, stream)
        }
      },
      {
        name: "groups",
        arity: 3,
        flags: ["readonly"],
        keys: key2,
        group: "stream",
        summary: "Returns a list of the consumer groups of a stream.",
        since: "5.0.0",
        complexity: "O(1)",
        run: infoGroups
      },
      {
        name: "consumers",
        arity: 4,
        flags: ["readonly"],
        keys: key2,
        group: "stream",
        summary: "Returns a list of the consumers in a consumer group.",
        since: "5.0.0",
        complexity: "O(1)",
        run: infoConsumers
      },
      {
        name: "help",
        arity: 2,
        flags: ["loading", "stale"],
        group: "stream",
        summary: "Returns helpful text about the different subcommands.",
        since: "5.0.0",
        complexity: "O(1)",
        run: () => helpReply("XINFO", XINFO_HELP)
      }
    ]
  }),
  defineCommand({
    name: "xsetid",
    arity: -3,
    flags: ["write", "denyoom", "fast"],
    keys: [1, 1, 1],
    group: "stream",
    summary: "An internal command for replicating stream values.",
    since: "5.0.0",
    complexity: "O(1)",
    run: xsetid
  })
]
