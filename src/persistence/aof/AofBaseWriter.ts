import { HashValue } from "../../keyspace/HashValue.js"
import { ListValue } from "../../keyspace/ListValue.js"
import { SetValue } from "../../keyspace/SetValue.js"
import type { SnapshotDb } from "../../keyspace/Snapshot.js"
import { formatId, MAX_ID, MIN_ID } from "../../keyspace/StreamId.js"
import { StreamValue } from "../../keyspace/StreamValue.js"
import { ModuleValue, type Value } from "../../keyspace/Value.js"
import { ZSetValue } from "../../keyspace/ZSetValue.js"
import { formatDouble } from "../../protocol/RespWriter.js"
import { RestoreFailure, restorePayload } from "../rdb/Dump.js"
import { RdbWriter, type RdbWriteOptions } from "../rdb/RdbWriter.js"
import { encodeCommand } from "./encodeCommand.js"

/** Valkey's AOF_REWRITE_ITEMS_PER_CMD: a collection is rebuilt with variadic commands of at most this many items. */
const ITEMS_PER_COMMAND = 64

/**
 * Writes the base file of an AOF rewrite from a snapshot's keys: Valkey's RDB preamble
 * (`aof-use-rdb-preamble yes`, through the RDB writer) or commands
 * (aof.c `rewriteAppendOnlyFileRio`). Keys arrive database by database.
 */
export interface AofBaseWriter {
  /** The next key; `db` tells where the database changes (with its key and TTL counts). */
  key(db: SnapshotDb, key: string, value: Value | unknown, expireAt: number): void
  end(): void
  /** The bytes produced since the last call. */
  drain(): Array<Uint8Array>
}

/** The commands form: SELECT, then SET/RPUSH/SADD/ZADD/HMSET per key and PEXPIREAT for its TTL. */
export class AofCommandsWriter implements AofBaseWriter {
  private db = -1
  private out: Array<string> = []
  private pending = ""

  constructor(timestamp: number | null) {
    if (timestamp !== null) this.pending = `#TS:${timestamp}\r\n`
  }

  key(db: SnapshotDb, key: string, value: Value | unknown, expireAt: number): void {
    if (db.db !== this.db) {
      this.db = db.db
      this.emit(["SELECT", String(db.db)])
    }
    if (typeof value === "string") this.emit(["SET", key, value])
    else if (value instanceof ListValue) this.batches("RPUSH", key, value.toArray(), 1)
    else if (value instanceof SetValue) this.batches("SADD", key, Array.from(value.members), 1)
    else if (value instanceof ZSetValue) {
      const items: Array<string> = []
      for (let n = value.list.first; n !== null; n = n.forward[0]) items.push(formatDouble(n.score), n.member)
      this.batches("ZADD", key, items, 2)
    } else if (value instanceof HashValue) {
      const items: Array<string> = []
      for (const [field, v] of value.fields) items.push(field, v)
      this.batches("HMSET", key, items, 2)
    } else if (value instanceof StreamValue) {
      this.stream(key, value)
    } else if (value instanceof ModuleValue || value instanceof CapturedModuleValue) {
      // Valkey asks the module type's aof_rewrite callback; keyfiber's module API has none, so a
      // module value needs the RDB preamble (`aof-use-rdb-preamble yes`).
      throw new Error("A module value can only be rewritten with aof-use-rdb-preamble yes (no aof_rewrite callback)")
    } else {
      throw new Error("Unknown object type")
    }
    if (expireAt !== 0) this.emit(["PEXPIREAT", key, String(expireAt)])
  }

  end(): void {}

  drain(): Array<Uint8Array> {
    if (this.pending.length > 0) {
      this.out.push(this.pending)
      this.pending = ""
    }
    const chunks = this.out.map((s) => Buffer.from(s, "latin1"))
    this.out = []
    return chunks
  }

  private emit(argv: ReadonlyArray<string>): void {
    this.pending += encodeCommand(argv)
    if (this.pending.length >= 64 * 1024) {
      this.out.push(this.pending)
      this.pending = ""
    }
  }

  /**
   * aof.c `rewriteStreamObject`: an XADD per entry (or `XADD key MAXLEN 0 0-1 x y` for an empty
   * stream), XSETID for the counters, then per group XGROUP CREATE, an XCLAIM per pending entry and
   * XGROUP CREATECONSUMER for consumers with nothing pending.
   */
  private stream(key: string, stream: StreamValue): void {
    if (stream.length > 0) {
      stream.range(MIN_ID, MAX_ID, false, (id, pairs) => {
        this.emit(["XADD", key, formatId(id), ...pairs])
        return true
      })
    } else this.emit(["XADD", key, "MAXLEN", "0", "0-1", "x", "y"])
    this.emit(["XSETID", key, formatId(stream.lastId), "ENTRIESADDED", String(stream.entriesAdded), "MAXDELETEDID", formatId(stream.maxDeletedId)])
    for (const [name, group] of stream.sortedGroups()) {
      this.emit(["XGROUP", "CREATE", key, name, formatId(group.lastId), "ENTRIESREAD", String(group.entriesRead)])
      for (const consumer of group.sortedConsumers()) {
        if (consumer.pel.size === 0) {
          this.emit(["XGROUP", "CREATECONSUMER", key, name, consumer.name])
          continue
        }
        for (const [id, nack] of consumer.pel.entries()) {
          this.emit(["XCLAIM", key, name, consumer.name, "0", formatId(id), "TIME", String(nack.deliveryTime), "RETRYCOUNT", String(nack.deliveryCount), "JUSTID", "FORCE"])
        }
      }
    }
  }

  /** `items` (`width` strings per item) in commands of at most ITEMS_PER_COMMAND items. */
  private batches(command: string, key: string, items: ReadonlyArray<string>, width: number): void {
    const per = ITEMS_PER_COMMAND * width
    for (let i = 0; i < items.length; i += per) this.emit([command, key, ...items.slice(i, i + per)])
  }
}

/** A module value taken at the snapshot's start in its DUMP form (modules change their data freely). */
export class CapturedModuleValue {
  constructor(readonly payload: string) {}
}

/** The RDB preamble form: a whole RDB file with the `aof-base` AUX field set. */
export class AofRdbWriter implements AofBaseWriter {
  private readonly writer: RdbWriter
  private db = -1

  constructor(
    private readonly options: RdbWriteOptions,
    aux: ReadonlyArray<readonly [string, string]>
  ) {
    this.writer = new RdbWriter(options)
    this.writer.header(aux)
  }

  key(db: SnapshotDb, key: string, value: Value | unknown, expireAt: number): void {
    if (db.db !== this.db) {
      this.db = db.db
      this.writer.selectDb(db.db, db.end - db.start, db.expires)
    }
    let saved = value as Value
    if (value instanceof CapturedModuleValue) {
      const restored = restorePayload(value.payload, { moduleTypes: this.options.moduleTypes })
      if (restored instanceof RestoreFailure) throw new Error(`Error saving a module value: ${restored.message}`)
      saved = restored
    }
    this.writer.entry(key, saved, expireAt)
  }

  end(): void {
    this.writer.footer()
  }

  drain(): Array<Uint8Array> {
    return this.writer.drain()
  }
}
