import type { Config } from "../config/Config.js"
import type { Entry } from "../keyspace/Database.js"
import type { Keyspace } from "../keyspace/Keyspace.js"
import { type Value } from "../keyspace/Value.js"
import { dumpPayload, type RestoreOptions, RestoreFailure, restorePayload } from "../persistence/rdb/Dump.js"
import type { EncodingLimits } from "../persistence/rdb/RdbReader.js"
import { type RdbWriteOptions, rdbWriteOptionsFromConfig } from "../persistence/rdb/RdbWriter.js"
import { ErrorReply, OK, type Reply } from "../protocol/Reply.js"
import { isKeyword, NOT_INTEGER, parseInt64, SYNTAX } from "./args.js"
import type { CommandClient, CommandHost } from "./CommandSpec.js"
import { defineCommand } from "./CommandSpec.js"
import { propagateDeletion } from "./propagation.js"
import { NOTIFY, notifyKeyspaceEvent } from "./PubSubState.js"

const SYNTAX_ERROR = new ErrorReply(SYNTAX)
const NOT_AN_INTEGER = new ErrorReply(NOT_INTEGER)
const BUSYKEY = new ErrorReply("BUSYKEY Target key name already exists.")
const INVALID_TTL = new ErrorReply("ERR Invalid TTL value, must be >= 0")
const INVALID_IDLETIME = new ErrorReply("ERR Invalid IDLETIME value, must be >= 0")
const INVALID_FREQ = new ErrorReply("ERR Invalid FREQ value, must be >= 0 and <= 255")

/** How values are serialized here (DUMP, DEBUG OBJECT): the configuration and the module types. */
export const rdbWriteOptions = (server: Pick<CommandHost, "config" | "moduleTypes">): RdbWriteOptions =>
  rdbWriteOptionsFromConfig(server.config, server.moduleTypes ?? undefined)

/** The encoding configs a loaded value is converted by. */
export const encodingLimits = (config: Config): EncodingLimits => ({
  hashMaxListpackEntries: config.get<number>("hash-max-listpack-entries"),
  hashMaxListpackValue: config.get<number>("hash-max-listpack-value"),
  setMaxIntsetEntries: config.get<number>("set-max-intset-entries"),
  setMaxListpackEntries: config.get<number>("set-max-listpack-entries"),
  setMaxListpackValue: config.get<number>("set-max-listpack-value"),
  zsetMaxListpackEntries: config.get<number>("zset-max-listpack-entries"),
  zsetMaxListpackValue: config.get<number>("zset-max-listpack-value")
})

/** `getLongLongFromObjectOrReply`. */
const longLong = (arg: string): number | ErrorReply => {
  const n = parseInt64(arg)
  return n === undefined ? NOT_AN_INTEGER : Number(n)
}

/** object.c `objectSetLRUOrLFU`: FREQ under an LFU policy, else IDLETIME (seconds). */
const setLruOrLfu = (keyspace: Keyspace, entry: Entry, freq: number, idle: number): void => {
  if (keyspace.lfu) {
    if (freq >= 0) entry.lru = (keyspace.lfuMinutes() << 8) | freq
  } else if (idle >= 0) {
    entry.lru = keyspace.lruClock - idle
  }
}

/** RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency] (cluster.c `restoreCommand`). */
const restore = (client: CommandClient, argv: Array<string>): Reply => {
  let replace = false
  let absttl = false
  let idle = -1
  let freq = -1
  for (let j = 4; j < argv.length; j++) {
    const additional = argv.length - j - 1
    if (isKeyword(argv[j], "replace")) replace = true
    else if (isKeyword(argv[j], "absttl")) absttl = true
    else if (isKeyword(argv[j], "idletime") && additional >= 1 && freq === -1) {
      const n = longLong(argv[j + 1])
      if (n instanceof ErrorReply) return n
      if (n < 0) return INVALID_IDLETIME
      idle = n
      j++
    } else if (isKeyword(argv[j], "freq") && additional >= 1 && idle === -1) {
      const n = longLong(argv[j + 1])
      if (n instanceof ErrorReply) return n
      if (n < 0 || n > 255) return INVALID_FREQ
      freq = n
      j++
    } else return SYNTAX_ERROR
  }
  const server = client.server
  const keyspace = server.keyspace
  const key = argv[1]
  const db = client.db
  if (!replace && keyspace.lookup(db, key) !== undefined) return BUSYKEY
  const ttlArg = longLong(argv[2])
  if (ttlArg instanceof ErrorReply) return ttlArg
  if (ttlArg < 0) return INVALID_TTL
  const options: RestoreOptions = {
    moduleTypes: server.moduleTypes ?? undefined,
    limits: encodingLimits(server.config),
    key,
    db
  }
  const value: Value | RestoreFailure = restorePayload(argv[3], options)
  if (value instanceof RestoreFailure) return new ErrorReply(value.message)
  const dirty = keyspace.dirty
  const deleted = replace && keyspace.delete(db, key)
  let ttl = ttlArg
  const now = server.now()
  if (ttl !== 0 && !absttl) ttl += now
  if (ttl !== 0 && keyspace.alreadyExpired(ttl)) {
    // Already expired: nothing is created; a replaced key is gone (a "del" event, one change).
    if (deleted) {
      notifyKeyspaceEvent(server, NOTIFY.g, "del", key, db)
      keyspace.dirty = dirty + 1
      // Propagated as the deletion it amounts to (cluster.c `restoreCommand`).
      propagateDeletion(client, key, "lazyfree-lazy-server-del")
    }
    return OK
  }
  const entry = keyspace.add(db, key, value, ttl)
  setLruOrLfu(keyspace, entry, freq, idle)
  notifyKeyspaceEvent(server, NOTIFY.g, "restore", key, db)
  // A relative TTL is propagated as the absolute time, with ABSTTL added.
  if (ttl !== 0 && !absttl && server.propagation.enabled) {
    const rewritten = argv.slice()
    rewritten[2] = String(ttl)
    rewritten.push("ABSTTL")
    server.propagation.rewrite(rewritten)
  }
  // Valkey counts a RESTORE as one change, replacing or not.
  keyspace.dirty = dirty + 1
  return OK
}

export const dumpCommands = [
  defineCommand({
    name: "dump",
    arity: 2,
    flags: ["readonly"],
    keys: [1, 1, 1],
    group: "generic",
    summary: "Returns a serialized representation of the value stored at a key.",
    since: "2.6.0",
    complexity:
      "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Valkey objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).",
    aclCategories: ["@keyspace", "@read", "@slow"],
    run: (client, argv) => {
      const keyspace = client.server.keyspace
      const entry = keyspace.lookup(client.db, argv[1])
      if (entry === undefined) {
        keyspace.miss(client.db, argv[1])
        return null
      }
      keyspace.stats.hits++
      try {
        return dumpPayload(entry.value, rdbWriteOptions(client.server), argv[1], client.db)
      } catch (e) {
        // A module value whose type cannot be saved: Valkey would not have let it be created.
        return new ErrorReply(`ERR ${e instanceof Error ? e.message : String(e)}`)
      }
    }
  }),
  defineCommand({
    name: "restore",
    arity: -4,
    flags: ["write", "denyoom"],
    keys: [1, 1, 1],
    group: "generic",
    summary: "Creates a key from the serialized representation of a value.",
    since: "2.6.0",
    complexity:
      "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Valkey objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).",
    aclCategories: ["@keyspace", "@write", "@slow", "@dangerous"],
    run: restore
  })
]
