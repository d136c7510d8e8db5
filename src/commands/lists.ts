import { BlockRequest } from "../blocking/BlockRequest.js"
import type { Entry } from "../keyspace/Database.js"
import { ListValue } from "../keyspace/ListValue.js"
import { type Value, WRONGTYPE } from "../keyspace/Value.js"
import { ErrorReply, NULL_ARRAY, OK, type Reply } from "../protocol/Reply.js"
import type { CommandClient } from "./CommandSpec.js"
import { isKeyword, NO_SUCH_KEY, NOT_INTEGER, OUT_OF_RANGE, parseInt64, parseInteger, SYNTAX } from "./args.js"
import { parseBlockingTimeout } from "./blockingTimeout.js"
import { defineCommand } from "./CommandSpec.js"
import { NOTIFY, notifyKeyspaceEvent } from "./PubSubState.js"

/** List commands (Valkey's t_list.c), blocking ones included. */

const wrongType = new ErrorReply(WRONGTYPE)
const syntaxError = new ErrorReply(SYNTAX)
const notInteger = new ErrorReply(NOT_INTEGER)
const EMPTY: ReadonlyArray<Reply> = []
const LONG_MAX = 9223372036854775807n

const isList = (value: Value): boolean => value instanceof ListValue

/** Valkey's `getPositiveLongFromObjectOrReply`: a non-integer and a negative value share `message`. */
const parsePositive = (arg: string, message: string): number | ErrorReply => {
  const v = parseInt64(arg)
  if (v === undefined || v < 0) return new ErrorReply("ERR " + message)
  return typeof v === "bigint" ? Number.MAX_SAFE_INTEGER : v
}

/** Valkey's `getRangeLongFromObjectOrReply(..., 1, LONG_MAX, msg)`. */
const parseAtLeastOne = (arg: string, message: string): number | ErrorReply => {
  const v = parseInt64(arg)
  if (v === undefined || v < 1) return new ErrorReply("ERR " + message)
  return typeof v === "bigint" ? Number.MAX_SAFE_INTEGER : v
}

/** `LEFT` or `RIGHT` (Valkey's `getListPositionFromObjectOrReply`): true for LEFT. */
const parseSide = (arg: string): boolean | ErrorReply =>
  isKeyword(arg, "left") ? true : isKeyword(arg, "right") ? false : syntaxError

/** The entry of a list key for a write, undefined when missing, or WRONGTYPE. */
const writeEntry = (client: CommandClient, key: string): Entry | undefined | ErrorReply => {
  const entry = client.server.keyspace.lookup(client.db, key)
  if (entry === undefined) return undefined
  return entry.value instanceof ListValue ? entry : wrongType
}

/** The list at a key for a read (counts hits/misses), undefined when missing, or WRONGTYPE. */
const readList = (client: CommandClient, key: string): ListValue | undefined | ErrorReply => {
  const value = client.server.keyspace.read(client.db, key)
  if (value === undefined) return undefined
  return value instanceof ListValue ? value : wrongType
}

/**
 * After removing `removed` elements: delete an emptied list, else signal the change. The change
 * counts once per element removed (t_list.c `listElementsRemoved`: `server.dirty += count`).
 */
const afterRemove = (client: CommandClient, entry: Entry, removed: number): void => {
  const keyspace = client.server.keyspace
  const dirty = keyspace.dirty
  if ((entry.value as ListValue).length === 0) {
    keyspace.deleteEntry(client.db, entry)
    notifyKeyspaceEvent(client.server, NOTIFY.g, "del", entry.key, client.db)
  } else keyspace.touch(client.db, entry.key)
  keyspace.dirty = dirty + removed
}

const push = (client: CommandClient, argv: Array<string>, left: boolean, onlyExisting: boolean): Reply => {
  const keyspace = client.server.keyspace
  const entry = writeEntry(client, argv[1])
  if (entry instanceof ErrorReply) return entry
  // One change per element pushed (t_list.c `pushGenericCommand`).
  const dirty = keyspace.dirty + argv.length - 2
  if (entry === undefined) {
    if (onlyExisting) return 0
    const list = new ListValue()
    for (let i = 2; i < argv.length; i++) left ? list.pushLeft(argv[i]) : list.pushRight(argv[i])
    // `dbAdd` marks the key ready for blocked clients; they are served after this command.
    keyspace.add(client.db, argv[1], list)
    keyspace.dirty = dirty
    notifyKeyspaceEvent(client.server, NOTIFY.l, left ? "lpush" : "rpush", argv[1], client.db)
    return list.length
  }
  const list = entry.value as ListValue
  for (let i = 2; i < argv.length; i++) left ? list.pushLeft(argv[i]) : list.pushRight(argv[i])
  keyspace.touch(client.db, argv[1])
  keyspace.dirty = dirty
  notifyKeyspaceEvent(client.server, NOTIFY.l, left ? "lpush" : "rpush", argv[1], client.db)
  return list.length
}

/** Pops up to `count` elements from one end. */
const popRange = (list: ListValue, left: boolean, count: number): Array<Reply> => {
  const n = Math.min(count, list.length)
  const out: Array<Reply> = new Array(n)
  for (let i = 0; i < n; i++) out[i] = (left ? list.popLeft() : list.popRight())!
  return out
}

const pop = (client: CommandClient, argv: Array<string>, left: boolean): Reply => {
  if (argv.length > 3) return new ErrorReply(`ERR wrong number of arguments for '${argv[0].toLowerCase()}' command`)
  const hasCount = argv.length === 3
  let count = 0
  if (hasCount) {
    const parsed = parsePositive(argv[2], "value is out of range, must be positive")
    if (parsed instanceof ErrorReply) return parsed
    count = parsed
  }
  const entry = writeEntry(client, argv[1])
  if (entry instanceof ErrorReply) return entry
  if (entry === undefined) return hasCount ? NULL_ARRAY : null
  if (hasCount && count === 0) return EMPTY
  const list = entry.value as ListValue
  const length = list.length
  const reply: Reply = hasCount ? popRange(list, left, count) : (left ? list.popLeft() : list.popRight())!
  notifyKeyspaceEvent(client.server, NOTIFY.l, left ? "lpop" : "rpop", argv[1], client.db)
  afterRemove(client, entry, length - list.length)
  return reply
}

/**
 * LMOVE's core (`lmoveGenericCommand`): the destination type is checked before popping, so on
 * WRONGTYPE the element stays in the source. Source = destination rotates the list.
 */
const move = (client: CommandClient, srcKey: string, dstKey: string, fromLeft: boolean, toLeft: boolean): Reply => {
  const keyspace = client.server.keyspace
  const src = writeEntry(client, srcKey)
  if (src === undefined || src instanceof ErrorReply) return src ?? null
  const dst = writeEntry(client, dstKey)
  if (dst instanceof ErrorReply) return dst
  const srcList = src.value as ListValue
  const value = (fromLeft ? srcList.popLeft() : srcList.popRight())!
  // Only the pop counts as a change (`lmoveHandlePush` adds none).
  const dirty = keyspace.dirty
  if (dst === undefined) {
    const list = new ListValue()
    list.pushLeft(value)
    keyspace.add(client.db, dstKey, list)
  } else {
    const dstList = dst.value as ListValue
    toLeft ? dstList.pushLeft(value) : dstList.pushRight(value)
    keyspace.touch(client.db, dstKey)
  }
  keyspace.dirty = dirty
  notifyKeyspaceEvent(client.server, NOTIFY.l, toLeft ? "lpush" : "rpush", dstKey, client.db)
  notifyKeyspaceEvent(client.server, NOTIFY.l, fromLeft ? "lpop" : "rpop", srcKey, client.db)
  afterRemove(client, src, 1)
  return value
}

interface MpopArgs {
  readonly keys: Array<string>
  readonly left: boolean
  readonly count: number
}

/** LMPOP/BLMPOP arguments in Valkey's checking order (numkeys, side present, side, COUNT, extras). */
const parseMpop = (argv: Array<string>, numkeysIndex: number): MpopArgs | ErrorReply => {
  const numkeys = parseAtLeastOne(argv[numkeysIndex], "numkeys should be greater than 0")
  if (numkeys instanceof ErrorReply) return numkeys
  const sideIndex = numkeysIndex + numkeys + 1
  if (sideIndex >= argv.length) return syntaxError
  const left = parseSide(argv[sideIndex])
  if (left instanceof ErrorReply) return left
  let count = -1
  for (let j = sideIndex + 1; j < argv.length; j++) {
    if (count === -1 && isKeyword(argv[j], "count") && j + 1 < argv.length) {
      const parsed = parseAtLeastOne(argv[++j], "count should be greater than 0")
      if (parsed instanceof ErrorReply) return parsed
      count = parsed
    } else {
      return syntaxError
    }
  }
  return { keys: argv.slice(numkeysIndex + 1, sideIndex), left, count: count === -1 ? 1 : count }
}

/**
 * Pops from the first non-empty list among `keys` (argument order; WRONGTYPE only if reached
 * first). `count` -1 is BLPOP's `[key, element]`, else LMPOP's `[key, [elements]]`. Undefined when
 * every key is missing.
 */
const popFirst = (client: CommandClient, keys: ReadonlyArray<string>, left: boolean, count: number): Reply | undefined => {
  for (const key of keys) {
    const entry = writeEntry(client, key)
    if (entry === undefined) continue
    if (entry instanceof ErrorReply) return entry
    const list = entry.value as ListValue
    if (list.length === 0) continue
    const length = list.length
    const reply: Reply =
      count === -1 ? [key, (left ? list.popLeft() : list.popRight())!] : [key, popRange(list, left, count)]
    notifyKeyspaceEvent(client.server, NOTIFY.l, left ? "lpop" : "rpop", key, client.db)
    afterRemove(client, entry, length - list.length)
    // Propagated as LPOP/RPOP key [count] (t_list.c `blockingPopGenericCommand`, `mpopGenericCommand`).
    const propagation = client.server.propagation
    if (propagation.enabled) {
      const pop = left ? "LPOP" : "RPOP"
      propagation.rewrite(count === -1 ? [pop, key] : [pop, key, String(Math.min(count, length))])
    }
    return reply
  }
  return undefined
}

/** BLPOP/BRPOP/BLMPOP after argument parsing (`blockingPopGenericCommand`). */
const blockingPop = (client: CommandClient, keys: ReadonlyArray<string>, left: boolean, count: number, deadline: number) => {
  const served = popFirst(client, keys, left, count)
  if (served !== undefined) return served
  // Not allowed to block (EXEC, scripts): behave as if the timeout passed at once.
  if (client.denyBlocking) return NULL_ARRAY
  return new BlockRequest(keys, deadline, NULL_ARRAY, isList)
}

/** BLMOVE/BRPOPLPUSH after argument parsing (`blmoveGenericCommand`): blocks on the source only. */
const blockingMove = (client: CommandClient, argv: Array<string>, fromLeft: boolean, toLeft: boolean, deadline: number) => {
  const src = writeEntry(client, argv[1])
  if (src instanceof ErrorReply) return src
  if (src === undefined) {
    if (client.denyBlocking) return null
    return new BlockRequest([argv[1]], deadline, NULL_ARRAY, isList)
  }
  const reply = move(client, argv[1], argv[2], fromLeft, toLeft)
  // Propagated as LMOVE / RPOPLPUSH (t_list.c `lmoveGenericCommand`).
  const propagation = client.server.propagation
  if (propagation.enabled) {
    propagation.rewrite(argv.length === 6 ? ["LMOVE", argv[1], argv[2], argv[3], argv[4]] : ["RPOPLPUSH", argv[1], argv[2]])
  }
  return reply
}

const mpopKeys = (numkeysIndex: number) => (argv: ReadonlyArray<string>): Array<number> => {
  const n = parseInteger(argv[numkeysIndex] ?? "")
  if (n === undefined || n < 1) return []
  const out: Array<number> = []
  for (let i = 0; i < n && numkeysIndex + 1 + i < argv.length; i++) out.push(numkeysIndex + 1 + i)
  return out
}

/** LRANGE/LTRIM index normalisation: [start, end] within the list, or undefined when empty. */
const clampRange = (start: number, end: number, length: number): readonly [number, number] | undefined => {
  if (start < 0) start += length
  if (end < 0) end += length
  if (start < 0) start = 0
  if (start > end || start >= length) return undefined
  if (end >= length) end = length - 1
  return [start, end]
}

export const listCommands = [
  defineCommand({
    name: "lpush",
    arity: -3,
    flags: ["write", "denyoom", "fast"],
    keys: [1, 1, 1],
    group: "list",
    summary: "Prepends one or more elements to a list. Creates the key if it doesn't exist.",
    run: (client, argv) => push(client, argv, true, false)
  }),
  defineCommand({
    name: "rpush",
    arity: -3,
    flags: ["write", "denyoom", "fast"],
    keys: [1, 1, 1],
    group: "list",
    summary: "Appends one or more elements to a list. Creates the key if it doesn't exist.",
    run: (client, argv) => push(client, argv, false, false)
  }),
  defineCommand({
    name: "lpushx",
    arity: -3,
    flags: ["write", "denyoom", "fast"],
    keys: [1, 1, 1],
    group: "list",
    since: "2.2.0",
    summary: "Prepends one or more elements to a list only when the list exists.",
    run: (client, argv) => push(client, argv, true, true)
  }),
  defineCommand({
    name: "rpushx",
    arity: -3,
    flags: ["write", "denyoom", "fast"],
    keys: [1, 1, 1],
    group: "list",
    since: "2.2.0",
    summary: "Appends an element to a list only when the list exists.",
    run: (client, argv) => push(client, argv, false, true)
  }),
  defineCommand({
    name: "lpop",
    arity: -2,
    flags: ["write", "fast"],
    keys: [1, 1, 1],
    group: "list",
    summary: "Returns the first elements in a list after removing it. Deletes the list if the last element was popped.",
    run: (client, argv) => pop(client, argv, true)
  }),
  defineCommand({
    name: "rpop",
    arity: -2,
    flags: ["write", "fast"],
    keys: [1, 1, 1],
    group: "list",
    summary: "Returns and removes the last elements of a list. Deletes the list if the last element was popped.",
    run: (client, argv) => pop(client, argv, false)
  }),
  defineCommand({
    name: "llen",
    arity: 2,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    group: "list",
    summary: "Returns the length of a list.",
    run: (client, argv) => {
      const list = readList(client, argv[1])
      return list instanceof ErrorReply ? list : (list?.length ?? 0)
    }
  }),
  defineCommand({
    name: "lrange",
    arity: 4,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "list",
    summary: "Returns a range of elements from a list.",
    run: (client, argv) => {
      const start = parseInteger(argv[2])
      const end = parseInteger(argv[3])
      if (start === undefined || end === undefined) return notInteger
      const list = readList(client, argv[1])
      if (list === undefined) return EMPTY
      if (list instanceof ErrorReply) return list
      const range = clampRange(start, end, list.length)
      return range === undefined ? EMPTY : list.range(range[0], range[1])
    }
  }),
  defineCommand({
    name: "lindex",
    arity: 3,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "list",
    summary: "Returns an element from a list by its index.",
    run: (client, argv) => {
      const list = readList(client, argv[1])
      if (list === undefined) return null
      if (list instanceof ErrorReply) return list
      const index = parseInteger(argv[2])
      if (index === undefined) return notInteger
      return list.at(index) ?? null
    }
  }),
  defineCommand({
    name: "lset",
    arity: 4,
    flags: ["write", "denyoom"],
    keys: [1, 1, 1],
    group: "list",
    summary: "Sets the value of an element in a list by its index.",
    run: (client, argv) => {
      const entry = writeEntry(client, argv[1])
      if (entry === undefined) return new ErrorReply(NO_SUCH_KEY)
      if (entry instanceof ErrorReply) return entry
      const index = parseInteger(argv[2])
      if (index === undefined) return notInteger
      if (!(entry.value as ListValue).set(index, argv[3])) return new ErrorReply(OUT_OF_RANGE)
      client.server.keyspace.touch(client.db, argv[1])
      notifyKeyspaceEvent(client.server, NOTIFY.l, "lset", argv[1], client.db)
      return OK
    }
  }),
  defineCommand({
    name: "lrem",
    arity: 4,
    flags: ["write"],
    keys: [1, 1, 1],
    group: "list",
    summary: "Removes elements from a list. Deletes the list if the last element was removed.",
    run: (client, argv) => {
      const toRemove = parseInteger(argv[2])
      if (toRemove === undefined) return notInteger
      const entry = writeEntry(client, argv[1])
      if (entry === undefined) return 0
      if (entry instanceof ErrorReply) return entry
      const list = entry.value as ListValue
      const items = list.toArray()
      const element = argv[3]
      let removed = 0
      const limit = toRemove === 0 ? Infinity : Math.abs(toRemove)
      if (toRemove >= 0) {
        const kept: Array<string> = []
        for (const item of items) {
          if (removed < limit && item === element) removed++
          else kept.push(item)
        }
        if (removed > 0) list.replaceAll(kept)
      } else {
        const kept: Array<string> = []
        for (let i = items.length - 1; i >= 0; i--) {
          if (removed < limit && items[i] === element) removed++
          else kept.push(items[i])
        }
        if (removed > 0) list.replaceAll(kept.reverse())
      }
      if (removed > 0) notifyKeyspaceEvent(client.server, NOTIFY.l, "lrem", argv[1], client.db)
      if (removed > 0) afterRemove(client, entry, removed)
      return removed
    }
  }),
  defineCommand({
    name: "ltrim",
    arity: 4,
    flags: ["write"],
    keys: [1, 1, 1],
    group: "list",
    summary: "Removes elements from both ends a list. Deletes the list if all elements were trimmed.",
    run: (client, argv) => {
      const start = parseInteger(argv[2])
      const end = parseInteger(argv[3])
      if (start === undefined || end === undefined) return notInteger
      const entry = writeEntry(client, argv[1])
      if (entry === undefined) return OK
      if (entry instanceof ErrorReply) return entry
      const list = entry.value as ListValue
      const length = list.length
      const range = clampRange(start, end, length)
      if (range === undefined) list.replaceAll([])
      else if (range[0] !== 0 || range[1] !== list.length - 1) list.replaceAll(list.range(range[0], range[1]))
      notifyKeyspaceEvent(client.server, NOTIFY.l, "ltrim", argv[1], client.db)
      afterRemove(client, entry, length - list.length)
      return OK
    }
  }),
  defineCommand({
    name: "linsert",
    arity: 5,
    flags: ["write", "denyoom"],
    keys: [1, 1, 1],
    group: "list",
    since: "2.2.0",
    summary: "Inserts an element before or after another element in a list.",
    run: (client, argv) => {
      const after = isKeyword(argv[2], "after")
      if (!after && !isKeyword(argv[2], "before")) return syntaxError
      const entry = writeEntry(client, argv[1])
      if (entry === undefined) return 0
      if (entry instanceof ErrorReply) return entry
      const list = entry.value as ListValue
      for (let i = 0; i < list.length; i++) {
        if (list.at(i) === argv[3]) {
          list.insertAt(after ? i + 1 : i, argv[4])
          client.server.keyspace.touch(client.db, argv[1])
          notifyKeyspaceEvent(client.server, NOTIFY.l, "linsert", argv[1], client.db)
          return list.length
        }
      }
      return -1
    }
  }),
  defineCommand({
    name: "lpos",
    arity: -3,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "list",
    since: "6.0.6",
    summary: "Returns the index of matching elements in a list.",
    run: (client, argv) => {
      let rank = 1
      let count = -1
      let maxlen = 0
      for (let j = 3; j < argv.length; j++) {
        const more = j < argv.length - 1
        if (isKeyword(argv[j], "rank") && more) {
          const v = parseInt64(argv[++j])
          if (v === undefined) return notInteger
          if (v < -LONG_MAX) {
            return new ErrorReply(
              "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
            )
          }
          if (v === 0 || v === 0n) {
            return new ErrorReply(
              "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
            )
          }
          rank = typeof v === "bigint" ? (v > 0n ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER) : v
        } else if (isKeyword(argv[j], "count") && more) {
          const v = parsePositive(argv[++j], "COUNT can't be negative")
          if (v instanceof ErrorReply) return v
          count = v
        } else if (isKeyword(argv[j], "maxlen") && more) {
          const v = parsePositive(argv[++j], "MAXLEN can't be negative")
          if (v instanceof ErrorReply) return v
          maxlen = v
        } else {
          return syntaxError
        }
      }
      const list = readList(client, argv[1])
      if (list === undefined) return count !== -1 ? EMPTY : null
      if (list instanceof ErrorReply) return list
      const fromHead = rank > 0
      if (!fromHead) rank = -rank
      const length = list.length
      const found: Array<Reply> = []
      let matches = 0
      for (let index = 0; index < length && (maxlen === 0 || index < maxlen); index++) {
        const position = fromHead ? index : length - index - 1
        if (list.at(position) !== argv[2]) continue
        matches++
        if (matches < rank) continue
        if (count === -1) return position
        found.push(position)
        if (count !== 0 && matches - rank + 1 >= count) break
      }
      return count === -1 ? null : found
    }
  }),
  defineCommand({
    name: "lmove",
    arity: 5,
    flags: ["write", "denyoom"],
    keys: [1, 2, 1],
    group: "list",
    since: "6.2.0",
    summary: "Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.",
    run: (client, argv) => {
      const from = parseSide(argv[3])
      if (from instanceof ErrorReply) return from
      const to = parseSide(argv[4])
      if (to instanceof ErrorReply) return to
      return move(client, argv[1], argv[2], from, to)
    }
  }),
  defineCommand({
    name: "rpoplpush",
    arity: 3,
    flags: ["write", "denyoom"],
    keys: [1, 2, 1],
    group: "list",
    since: "1.2.0",
    summary: "Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.",
    run: (client, argv) => move(client, argv[1], argv[2], false, true)
  }),
  defineCommand({
    name: "lmpop",
    arity: -4,
    flags: ["write", "movablekeys"],
    getKeys: mpopKeys(1),
    group: "list",
    since: "7.0.0",
    summary: "Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.",
    run: (client, argv) => {
      const args = parseMpop(argv, 1)
      if (args instanceof ErrorReply) return args
      return popFirst(client, args.keys, args.left, args.count) ?? NULL_ARRAY
    }
  }),
  defineCommand({
    name: "blpop",
    arity: -3,
    flags: ["write", "blocking"],
    keys: [1, -2, 1],
    group: "list",
    since: "2.0.0",
    summary: "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
    run: (client, argv) => {
      const deadline = parseBlockingTimeout(argv[argv.length - 1], client.server.now())
      if (deadline instanceof ErrorReply) return deadline
      return blockingPop(client, argv.slice(1, -1), true, -1, deadline)
    }
  }),
  defineCommand({
    name: "brpop",
    arity: -3,
    flags: ["write", "blocking"],
    keys: [1, -2, 1],
    group: "list",
    since: "2.0.0",
    summary: "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
    run: (client, argv) => {
      const deadline = parseBlockingTimeout(argv[argv.length - 1], client.server.now())
      if (deadline instanceof ErrorReply) return deadline
      return blockingPop(client, argv.slice(1, -1), false, -1, deadline)
    }
  }),
  defineCommand({
    name: "blmpop",
    arity: -5,
    flags: ["write", "blocking", "movablekeys"],
    getKeys: mpopKeys(2),
    group: "list",
    since: "7.0.0",
    summary: "Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
    run: (client, argv) => {
      const args = parseMpop(argv, 2)
      if (args instanceof ErrorReply) return args
      const deadline = parseBlockingTimeout(argv[1], client.server.now())
      if (deadline instanceof ErrorReply) return deadline
      return blockingPop(client, args.keys, args.left, args.count, deadline)
    }
  }),
  defineCommand({
    name: "blmove",
    arity: 6,
    flags: ["write", "denyoom", "blocking"],
    keys: [1, 2, 1],
    group: "list",
    since: "6.2.0",
    summary: "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.",
    run: (client, argv) => {
      const from = parseSide(argv[3])
      if (from instanceof ErrorReply) return from
      const to = parseSide(argv[4])
      if (to instanceof ErrorReply) return to
      const deadline = parseBlockingTimeout(argv[5], client.server.now())
      if (deadline instanceof ErrorReply) return deadline
      return blockingMove(client, argv, from, to, deadline)
    }
  }),
  defineCommand({
    name: "brpoplpush",
    arity: 4,
    flags: ["write", "denyoom", "blocking"],
    keys: [1, 2, 1],
    group: "list",
    since: "2.2.0",
    summary: "Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.",
    run: (client, argv) => {
      const deadline = parseBlockingTimeout(argv[3], client.server.now())
      if (deadline instanceof ErrorReply) return deadline
      return blockingMove(client, argv, false, true, deadline)
    }
  })
]
