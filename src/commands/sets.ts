import type { Entry } from "../keyspace/Database.js"
import { type SetLimits, SetValue } from "../keyspace/SetValue.js"
import { WRONGTYPE } from "../keyspace/Value.js"
import { ErrorReply, type Reply, SetReply } from "../protocol/Reply.js"
import type { CommandClient } from "./CommandSpec.js"
import { isKeyword, parseInt64, SYNTAX } from "./args.js"
import { defineCommand } from "./CommandSpec.js"
import { EMPTY_SCAN, INVALID_CURSOR, parseElementScanOptions, parseScanCursor, scanElements } from "./ElementScan.js"
import { distinctRandomPositions, parseRandomCount, replyOverLimit } from "./hashes.js"
import { propagateDeletion } from "./propagation.js"
import { NOTIFY, notifyKeyspaceEvent } from "./PubSubState.js"

const WRONG_TYPE = new ErrorReply(WRONGTYPE)
const EMPTY_SET = new SetReply([])

const limitsOf = (client: CommandClient): SetLimits => {
  const config = client.server.config
  return {
    maxIntsetEntries: config.get<number>("set-max-intset-entries"),
    maxListpackEntries: config.get<number>("set-max-listpack-entries"),
    maxListpackValue: config.get<number>("set-max-listpack-value")
  }
}

const readSet = (client: CommandClient, key: string): SetValue | undefined | ErrorReply => {
  const value = client.server.keyspace.read(client.db, key)
  if (value === undefined || value instanceof SetValue) return value
  return WRONG_TYPE
}

const writeEntry = (client: CommandClient, key: string): Entry | undefined | ErrorReply => {
  const entry = client.server.keyspace.lookup(client.db, key)
  if (entry === undefined || entry.value instanceof SetValue) return entry
  return WRONG_TYPE
}

/**
 * `getPositiveLongFromObjectOrReply`: a parse failure and a negative value give the same error
 * (`msg` when the command has its own).
 */
const parsePositive = (arg: string, message = "ERR value is out of range, must be positive"): number | ErrorReply => {
  const n = parseInt64(arg)
  if (n === undefined || n < 0) return new ErrorReply(message)
  return typeof n === "bigint" ? Number.MAX_SAFE_INTEGER : n
}

const randomMember = (set: SetValue): string => set.members.randomMember()!

/**
 * `count` distinct random members, `count` below the size: random picks while the set is much
 * larger than `count` (Valkey's CASE 4), else a shuffle of all the members (CASE 3).
 */
const distinctMembers = (set: SetValue, count: number): Array<string> => {
  if (count * 3 > set.size) {
    const members = Array.from(set.members)
    return distinctRandomPositions(members.length, count).map((i) => members[i])
  }
  const picked = new Set<string>()
  while (picked.size < count) picked.add(randomMember(set))
  return Array.from(picked)
}

const spop = (client: CommandClient, argv: Array<string>): Reply => {
  if (argv.length > 3) return new ErrorReply(SYNTAX)
  const keyspace = client.server.keyspace
  if (argv.length === 2) {
    const entry = writeEntry(client, argv[1])
    if (entry === undefined || entry instanceof ErrorReply) return entry ?? null
    const set = entry.value as SetValue
    const member = randomMember(set)
    set.delete(member)
    notifyKeyspaceEvent(client.server, NOTIFY.s, "spop", argv[1], client.db)
    if (set.size === 0) keyspace.deleteEntry(client.db, entry)
    else keyspace.touch(client.db, argv[1])
    if (set.size === 0) notifyKeyspaceEvent(client.server, NOTIFY.g, "del", argv[1], client.db)
    // Propagated as SREM, also when it emptied the set (t_set.c `spopCommand`).
    if (client.server.propagation.enabled) client.server.propagation.rewrite(["SREM", argv[1], member])
    return member
  }
  const count = parsePositive(argv[2])
  if (count instanceof ErrorReply) return count
  const entry = writeEntry(client, argv[1])
  if (entry === undefined || entry instanceof ErrorReply) return entry ?? EMPTY_SET
  if (count === 0) return EMPTY_SET
  const set = entry.value as SetValue
  if (count >= set.size) {
    const all = Array.from(set.members)
    keyspace.deleteEntry(client.db, entry)
    notifyKeyspaceEvent(client.server, NOTIFY.s, "spop", argv[1], client.db)
    notifyKeyspaceEvent(client.server, NOTIFY.g, "del", argv[1], client.db)
    keyspace.dirty += all.length - 1
    propagateDeletion(client, argv[1], "lazyfree-lazy-server-del")
    return new SetReply(all)
  }
  const remaining = set.size - count
  const popped: Array<string> = []
  if (remaining * 5 > count) {
    for (let i = 0; i < count; i++) {
      const member = randomMember(set)
      popped.push(member)
      set.delete(member)
    }
  } else {
    const members = Array.from(set.members)
    // Valkey's third SPOP strategy: the members that stay form a new set (which may take a more
    // compact encoding), and the rest of the old one is the reply.
    const keep = new Set(distinctRandomPositions(members.length, remaining))
    const limits = limitsOf(client)
    const fresh = set.encoding === "hashtable" ? new SetValue("listpack") : new SetValue(set.encoding)
    for (let i = 0; i < members.length; i++) {
      if (keep.has(i)) fresh.add(members[i], limits)
      else popped.push(members[i])
    }
    keyspace.replaceValue(client.db, entry, fresh)
  }
  keyspace.touch(client.db, argv[1])
  // Valkey counts one change per popped member.
  keyspace.dirty += count - 1
  notifyKeyspaceEvent(client.server, NOTIFY.s, "spop", argv[1], client.db)
  const propagation = client.server.propagation
  if (propagation.enabled) {
    // Propagated as SREMs of at most 1024 members each, never as SPOP (t_set.c `spopWithCountCommand`).
    for (let i = 0; i < popped.length; i += 1024) propagation.also(client.db, ["SREM", argv[1], ...popped.slice(i, i + 1024)])
    propagation.prevent()
  }
  return new SetReply(popped)
}

const srandmember = (client: CommandClient, argv: Array<string>): Reply => {
  if (argv.length > 3) return new ErrorReply(SYNTAX)
  if (argv.length === 2) {
    const set = readSet(client, argv[1])
    if (set === undefined || set instanceof ErrorReply) return set ?? null
    return randomMember(set)
  }
  const count = parseRandomCount(argv[2])
  if (count instanceof ErrorReply) return count
  const set = readSet(client, argv[1])
  if (set === undefined || set instanceof ErrorReply) return set ?? []
  if (count === 0) return []
  if (count < 0 || count === 1) {
    const n = count < 0 ? -count : 1
    const out: Array<Reply> = []
    let bytes = 0
    for (let i = 0; i < n; i++) {
      const member = randomMember(set)
      out.push(member)
      bytes += member.length + 16
      if (replyOverLimit(client, i + 1, bytes)) break
    }
    return out
  }
  if (count >= set.size) return Array.from(set.members)
  return distinctMembers(set, count)
}

/** The sets named by `keys` (undefined for missing keys), or WRONGTYPE. */
const readSets = (client: CommandClient, keys: ReadonlyArray<string>): Array<SetValue | undefined> | ErrorReply => {
  const sets: Array<SetValue | undefined> = []
  for (const key of keys) {
    const set = readSet(client, key)
    if (set instanceof ErrorReply) return set
    sets.push(set)
  }
  return sets
}

/**
 * Stores a SINTERSTORE/SUNIONSTORE/SDIFFSTORE result: replaces the destination (`setKey`), or
 * deletes it when the result is empty.
 */
const storeResult = (client: CommandClient, key: string, result: SetValue, event: string): number => {
  const keyspace = client.server.keyspace
  if (result.size > 0) keyspace.set(client.db, key, result)
  else if (keyspace.delete(client.db, key)) notifyKeyspaceEvent(client.server, NOTIFY.g, "del", key, client.db)
  if (result.size > 0) notifyKeyspaceEvent(client.server, NOTIFY.s, event, key, client.db)
  return result.size
}

/** Valkey's `sinterGenericCommand`: walks the smallest set, testing the others. */
const sinterGeneric = (client: CommandClient, keys: ReadonlyArray<string>, destination?: string, cardinalityOnly = false, limit = 0): Reply => {
  const sets = readSets(client, keys)
  if (sets instanceof ErrorReply) return sets
  if (sets.some((s) => s === undefined)) {
    if (destination !== undefined) {
      if (client.server.keyspace.delete(client.db, destination)) notifyKeyspaceEvent(client.server, NOTIFY.g, "del", destination, client.db)
      return 0
    }
    return cardinalityOnly ? 0 : EMPTY_SET
  }
  const sorted = (sets as Array<SetValue>).slice().sort((a, b) => a.size - b.size)
  const [first, ...rest] = sorted
  const limits = destination !== undefined ? limitsOf(client) : undefined
  const result = destination !== undefined ? new SetValue(first.encoding === "intset" ? "intset" : "listpack") : undefined
  const out: Array<Reply> = []
  let cardinality = 0
  let onlyIntegers = true
  for (const member of first.members) {
    if (!rest.every((s) => s === first || s.has(member))) continue
    cardinality++
    if (cardinalityOnly) {
      if (limit !== 0 && cardinality >= limit) break
    } else if (result !== undefined) {
      if (onlyIntegers && parseInt64(member) === undefined) onlyIntegers = false
      result.add(member, limits!)
    } else out.push(member)
  }
  if (cardinalityOnly) return cardinality
  if (result !== undefined) {
    if (onlyIntegers && result.size > 0) result.maybeConvertToIntset(limits!)
    return storeResult(client, destination!, result, "sinterstore")
  }
  return new SetReply(out)
}

/** Valkey's `sunionDiffGenericCommand`: the result is built as a set from an empty intset. */
const sunionDiffGeneric = (client: CommandClient, keys: ReadonlyArray<string>, union: boolean, destination?: string): Reply => {
  const found = readSets(client, keys)
  if (found instanceof ErrorReply) return found
  const limits = limitsOf(client)
  const result = new SetValue("intset")
  if (union) {
    for (const set of found) if (set !== undefined) for (const member of set.members) result.add(member, limits)
  } else {
    const [first, ...others] = found
    const sameSet = first !== undefined && others.some((s) => s === first)
    if (first !== undefined && !sameSet) {
      for (const member of first.members) if (!others.some((s) => s !== undefined && s.has(member))) result.add(member, limits)
    }
  }
  if (destination !== undefined) return storeResult(client, destination, result, union ? "sunionstore" : "sdiffstore")
  return new SetReply(Array.from(result.members))
}

const sscan = (client: CommandClient, argv: Array<string>): Reply => {
  const cursor = parseScanCursor(argv[2])
  if (cursor === undefined) return INVALID_CURSOR
  const set = readSet(client, argv[1])
  if (set === undefined) return EMPTY_SCAN
  if (set instanceof ErrorReply) return set
  const options = parseElementScanOptions(argv, false)
  if (options instanceof ErrorReply) return options
  return scanElements(set.members, set.encoding !== "hashtable", cursor, options)
}

/** SINTERCARD's keys: `numkeys` of them after it. */
const numkeysKeys = (argv: ReadonlyArray<string>): Array<number> => {
  const n = parseInt64(argv[1] ?? "")
  if (typeof n !== "number" || n < 1) return []
  const out: Array<number> = []
  for (let i = 2; i < 2 + n && i < argv.length; i++) out.push(i)
  return out
}

/** Set commands (Valkey's t_set.c). */
export const setCommands = [
  defineCommand({
    name: "sadd",
    arity: -3,
    flags: ["write", "denyoom", "fast"],
    keys: [1, 1, 1],
    group: "set",
    summary: "Adds one or more members to a set. Creates the key if it doesn't exist.",
    run: (client, argv) => {
      const entry = writeEntry(client, argv[1])
      if (entry instanceof ErrorReply) return entry
      const limits = limitsOf(client)
      const keyspace = client.server.keyspace
      let set: SetValue
      if (entry === undefined) {
        set = SetValue.create(argv[2], argv.length - 2, limits)
        keyspace.add(client.db, argv[1], set)
      } else {
        set = entry.value as SetValue
        set.maybeConvert(argv.length - 2, limits)
      }
      let added = 0
      for (let i = 2; i < argv.length; i++) if (set.add(argv[i], limits)) added++
      if (added > 0 && entry !== undefined) keyspace.touch(client.db, argv[1])
      if (added > 0) notifyKeyspaceEvent(client.server, NOTIFY.s, "sadd", argv[1], client.db)
      return added
    }
  }),
  defineCommand({
    name: "srem",
    arity: -3,
    flags: ["write", "fast"],
    keys: [1, 1, 1],
    group: "set",
    summary: "Removes one or more members from a set. Deletes the set if the last member was removed.",
    run: (client, argv) => {
      const entry = writeEntry(client, argv[1])
      if (entry === undefined || entry instanceof ErrorReply) return entry ?? 0
      const set = entry.value as SetValue
      let deleted = 0
      for (let i = 2; i < argv.length; i++) {
        if (set.delete(argv[i])) {
          deleted++
          if (set.size === 0) break
        }
      }
      if (deleted > 0) {
        notifyKeyspaceEvent(client.server, NOTIFY.s, "srem", argv[1], client.db)
        if (set.size === 0) client.server.keyspace.deleteEntry(client.db, entry)
        else client.server.keyspace.touch(client.db, argv[1])
        if (set.size === 0) notifyKeyspaceEvent(client.server, NOTIFY.g, "del", argv[1], client.db)
      }
      return deleted
    }
  }),
  defineCommand({
    name: "smove",
    arity: 4,
    flags: ["write", "fast"],
    keys: [1, 2, 1],
    group: "set",
    summary: "Moves a member from one set to another.",
    run: (client, argv) => {
      const keyspace = client.server.keyspace
      const source = keyspace.lookup(client.db, argv[1])
      const target = keyspace.lookup(client.db, argv[2])
      if (source === undefined) return 0
      if (!(source.value instanceof SetValue) || (target !== undefined && !(target.value instanceof SetValue))) return WRONG_TYPE
      const member = argv[3]
      if (source === target) return source.value.has(member) ? 1 : 0
      if (!source.value.delete(member)) return 0
      notifyKeyspaceEvent(client.server, NOTIFY.s, "srem", argv[1], client.db)
      if (source.value.size === 0) keyspace.deleteEntry(client.db, source)
      else keyspace.touch(client.db, argv[1])
      if (source.value.size === 0) notifyKeyspaceEvent(client.server, NOTIFY.g, "del", argv[1], client.db)
      const limits = limitsOf(client)
      if (target === undefined) {
        const set = SetValue.create(member, 1, limits)
        set.add(member, limits)
        keyspace.add(client.db, argv[2], set)
      } else if ((target.value as SetValue).add(member, limits)) keyspace.touch(client.db, argv[2])
      else return 1
      notifyKeyspaceEvent(client.server, NOTIFY.s, "sadd", argv[2], client.db)
      return 1
    }
  }),
  defineCommand({
    name: "scard",
    arity: 2,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    group: "set",
    summary: "Returns the number of members in a set.",
    run: (client, argv) => {
      const set = readSet(client, argv[1])
      if (set === undefined || set instanceof ErrorReply) return set ?? 0
      return set.size
    }
  }),
  defineCommand({
    name: "sismember",
    arity: 3,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    group: "set",
    summary: "Determines whether a member belongs to a set.",
    run: (client, argv) => {
      const set = readSet(client, argv[1])
      if (set === undefined || set instanceof ErrorReply) return set ?? 0
      return set.has(argv[2]) ? 1 : 0
    }
  }),
  defineCommand({
    name: "smismember",
    arity: -3,
    flags: ["readonly", "fast"],
    keys: [1, 1, 1],
    group: "set",
    summary: "Determines whether multiple members belong to a set.",
    since: "6.2.0",
    run: (client, argv) => {
      const set = readSet(client, argv[1])
      if (set instanceof ErrorReply) return set
      const out: Array<Reply> = []
      for (let i = 2; i < argv.length; i++) out.push(set?.has(argv[i]) ? 1 : 0)
      return out
    }
  }),
  defineCommand({
    name: "smembers",
    arity: 2,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "set",
    summary: "Returns all members of a set.",
    run: (client, argv) => {
      const set = readSet(client, argv[1])
      if (set === undefined || set instanceof ErrorReply) return set ?? EMPTY_SET
      return new SetReply(Array.from(set.members))
    }
  }),
  defineCommand({
    name: "spop",
    arity: -2,
    flags: ["write", "fast"],
    keys: [1, 1, 1],
    group: "set",
    summary: "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.",
    run: spop
  }),
  defineCommand({
    name: "srandmember",
    arity: -2,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "set",
    summary: "Get one or multiple random members from a set",
    run: srandmember
  }),
  defineCommand({
    name: "sinter",
    arity: -2,
    flags: ["readonly"],
    keys: [1, -1, 1],
    group: "set",
    summary: "Returns the intersect of multiple sets.",
    run: (client, argv) => sinterGeneric(client, argv.slice(1))
  }),
  defineCommand({
    name: "sintercard",
    arity: -3,
    flags: ["readonly", "movablekeys"],
    getKeys: numkeysKeys,
    group: "set",
    summary: "Returns the number of members of the intersect of multiple sets.",
    since: "7.0.0",
    run: (client, argv) => {
      const n = parseInt64(argv[1])
      if (n === undefined || n < 1) return new ErrorReply("ERR numkeys should be greater than 0")
      if (n > argv.length - 2) return new ErrorReply("ERR Number of keys can't be greater than number of args")
      const numkeys = Number(n)
      let limit = 0
      for (let j = 2 + numkeys; j < argv.length; j++) {
        if (isKeyword(argv[j], "limit") && j < argv.length - 1) {
          const parsed = parsePositive(argv[++j], "ERR LIMIT can't be negative")
          if (parsed instanceof ErrorReply) return parsed
          limit = parsed
        } else return new ErrorReply(SYNTAX)
      }
      return sinterGeneric(client, argv.slice(2, 2 + numkeys), undefined, true, limit)
    }
  }),
  defineCommand({
    name: "sinterstore",
    arity: -3,
    flags: ["write", "denyoom"],
    keys: [1, -1, 1],
    group: "set",
    summary: "Stores the intersect of multiple sets in a key.",
    run: (client, argv) => sinterGeneric(client, argv.slice(2), argv[1])
  }),
  defineCommand({
    name: "sunion",
    arity: -2,
    flags: ["readonly"],
    keys: [1, -1, 1],
    group: "set",
    summary: "Returns the union of multiple sets.",
    run: (client, argv) => sunionDiffGeneric(client, argv.slice(1), true)
  }),
  defineCommand({
    name: "sunionstore",
    arity: -3,
    flags: ["write", "denyoom"],
    keys: [1, -1, 1],
    group: "set",
    summary: "Stores the union of multiple sets in a key.",
    run: (client, argv) => sunionDiffGeneric(client, argv.slice(2), true, argv[1])
  }),
  defineCommand({
    name: "sdiff",
    arity: -2,
    flags: ["readonly"],
    keys: [1, -1, 1],
    group: "set",
    summary: "Returns the difference of multiple sets.",
    run: (client, argv) => sunionDiffGeneric(client, argv.slice(1), false)
  }),
  defineCommand({
    name: "sdiffstore",
    arity: -3,
    flags: ["write", "denyoom"],
    keys: [1, -1, 1],
    group: "set",
    summary: "Stores the difference of multiple sets in a key.",
    run: (client, argv) => sunionDiffGeneric(client, argv.slice(2), false, argv[1])
  }),
  defineCommand({
    name: "sscan",
    arity: -3,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "set",
    summary: "Iterates over members of a set.",
    since: "2.8.0",
    run: sscan
  })
]
