import * as fs from "node:fs"
import * as path from "node:path"
import { performance } from "node:perf_hooks"
import {
  type PersistenceControl,
  type PersistenceOutcome,
  SHUTDOWN_FORCE,
  SHUTDOWN_NOSAVE,
  SHUTDOWN_SAVE
} from "../contracts/Persistence.js"
import { VALKEY_VERSION } from "../contracts/Version.js"
import { LFU_INIT_VAL } from "../keyspace/Keyspace.js"
import { Snapshot } from "../keyspace/Snapshot.js"
import type { Value } from "../keyspace/Value.js"
import { BackgroundSave, type BackgroundSaveResult } from "./BackgroundSave.js"
import type { PersistenceHost } from "./PersistenceHost.js"
import { RdbError } from "./rdb/RdbError.js"
import { readRdb } from "./rdb/RdbReader.js"
import { RdbWriter } from "./rdb/RdbWriter.js"
import { installSync, openTemp, removeQuietly, SaveFailure, strerror, writeChunksSync } from "./RdbFile.js"

/** server.h `CONFIG_BGSAVE_RETRY_DELAY`: seconds before a failed background save is tried again. */
const CONFIG_BGSAVE_RETRY_DELAY = 5
/** Keys written between two drains of the writer in a synchronous save. */
const KEYS_PER_DRAIN = 1024

/** A load that failed, with the lines Valkey logs for it (in order). */
export class LoadFailure extends Error {
  constructor(readonly lines: ReadonlyArray<string>) {
    super(lines.join("; "))
  }
}

const logFailure = (log: PersistenceHost["log"], e: unknown): void => {
  if (e instanceof LoadFailure) for (const line of e.lines) log("warning", line)
  else log("warning", e instanceof Error ? e.message : String(e))
}

/** What a load reports (rdb.c `rdbLoad`'s counters). */
export interface LoadResult {
  readonly loaded: number
  readonly expired: number
}

/**
 * RDB persistence as Valkey's rdb.c and server.c run it: SAVE, BGSAVE (without fork: a snapshot
 * written in slices, see `BackgroundSave`), save points checked by the cron, the changes since the
 * last save (a mark on the keyspace's `dirty` counter, which itself is never reset), the MISCONF
 * refusal after a failed background save, the save before shutdown and after FLUSHALL, DEBUG
 * RELOAD and the load at start-up.
 */
export class RdbPersistence implements PersistenceControl {
  /** Unix ms of the last successful save (Valkey's `server.lastsave`, the start time until then). */
  private lastSaveMs: number
  private lastBgsaveOk = true
  /** Unix seconds of the last background save attempt (`server.lastbgsave_try`). */
  private lastBgsaveTry = 0
  /** `keyspace.dirty` at the last save: `rdb_changes_since_last_save` is the difference. */
  private dirtyMark: number
  private saves = 0
  private lastBgsaveSeconds = -1
  private job: { readonly save: BackgroundSave; readonly startedAt: number; readonly dirtyAtStart: number } | null = null
  private scheduled = false
  private jobs = 0
  /**
   * Another background job (an AOF rewrite, a replica's full sync) holds the one background slot, as Valkey's other child
   * kinds do: BGSAVE waits for it (SCHEDULE) or is refused, and the save points wait. Every such job
   * walks the keyspace's one snapshot, so a snapshot that is not this save's is another job.
   */
  private otherJobActive(): boolean {
    return this.job === null && Snapshot.running(this.host.keyspace) !== undefined
  }
  /** Loading a file (INFO `loading`). */
  loading = false
  private lastLoadLoaded = 0
  private lastLoadExpired = 0

  constructor(private readonly host: PersistenceHost) {
    this.lastSaveMs = host.startedAt
    this.dirtyMark = host.keyspace.dirty
  }

  private get changesSinceLastSave(): number {
    return this.host.keyspace.dirty - this.dirtyMark
  }

  private rdbPath(): string {
    const settings = this.host.settings()
    return path.resolve(settings.dir, settings.dbfilename)
  }

  private aux(): Array<readonly [string, string]> {
    return [
      ["valkey-ver", VALKEY_VERSION],
      ["redis-bits", "64"],
      ["ctime", String(Math.floor(this.host.now() / 1000))],
      ["used-mem", String(this.host.settings().usedMemory)],
      ["aof-base", "0"]
    ]
  }

  /** A background save is running. */
  get inProgress(): boolean {
    return this.job !== null
  }

  // ---- saving ---------------------------------------------------------------------------------

  /**
   * rdb.c `rdbSave`: the whole keyspace written at once to `temp-<pid>.rdb`, fsynced, renamed over
   * the RDB file. Logs and returns false on failure.
   */
  saveSync(): boolean {
    const target = this.rdbPath()
    const tmpfile = path.join(path.dirname(target), `temp-${process.pid}.rdb`)
    try {
      const fd = openTemp(tmpfile)
      try {
        this.writeAll(fd)
        fs.fsyncSync(fd)
      } catch (e) {
        fs.closeSync(fd)
        removeQuietly(tmpfile)
        throw e instanceof SaveFailure ? e : new SaveFailure(`Write error while saving DB to the disk(rdbSaveRio): ${strerror(e)}`)
      }
      fs.closeSync(fd)
      installSync(tmpfile, target)
    } catch (e) {
      this.host.log("warning", e instanceof SaveFailure ? e.message : String(e))
      return false
    }
    this.host.log("notice", "DB saved on disk")
    this.dirtyMark = this.host.keyspace.dirty
    this.lastSaveMs = this.host.now()
    this.lastBgsaveOk = true
    return true
  }

  /** rdb.c `rdbSaveRio` over the live keyspace (nothing runs meanwhile: no snapshot needed). */
  private writeAll(fd: number): void {
    const settings = this.host.settings()
    const writer = new RdbWriter({
      compression: settings.rdbcompression,
      checksum: settings.rdbchecksum,
      rdbVersion: settings.rdbVersion,
      moduleTypes: this.host.moduleTypes()
    })
    writer.header(this.aux())
    for (const database of this.host.keyspace.dbs) {
      if (database.size === 0) continue
      writer.selectDb(database.id, database.size, database.volatileCount)
      const slots = database.slots
      for (let i = 0; i < slots.length; i++) {
        const entry = slots[i]
        writer.entry(entry.key, entry.value, entry.expireAt)
        if ((i + 1) % KEYS_PER_DRAIN === 0) writeChunksSync(fd, writer.drain())
      }
    }
    writer.footer()
    writeChunksSync(fd, writer.drain())
  }

  save(): string | null {
    if (this.job !== null) return "ERR Background save already in progress"
    this.saves++
    return this.saveSync() ? null : "ERR"
  }

  bgsave(schedule: boolean, inExec: boolean): PersistenceOutcome {
    if (this.job !== null) return { error: "ERR Background save already in progress" }
    if (this.otherJobActive() && !inExec) {
      if (!schedule)
        return {
          error:
            "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."
        }
      this.scheduled = true
      this.host.log("notice", "Background saving scheduled due to user request")
      return { status: "Background saving scheduled" }
    }
    if (inExec) {
      // Valkey cannot fork inside EXEC; it schedules the save for after the transaction.
      this.scheduled = true
      this.host.log("notice", "Background saving scheduled to run after transaction execution")
      return { status: "Background saving scheduled" }
    }
    return this.startBackgroundSave() ? { status: "Background saving started" } : { error: "ERR" }
  }

  bgsaveCancel(): PersistenceOutcome {
    if (this.job !== null) {
      this.host.log("notice", "Background saving will be aborted due to user request")
      this.killBackgroundSave()
      return { status: "Background saving cancelled" }
    }
    if (this.scheduled) {
      this.host.log("notice", "Scheduled background saving will be cancelled due to user request")
      this.scheduled = false
      return { status: "Scheduled background saving cancelled" }
    }
    return { error: "ERR Background saving is currently not in progress or scheduled" }
  }

  /** rdb.c `rdbSaveBackground`. */
  startBackgroundSave(): boolean {
    if (this.job !== null || this.otherJobActive()) return false
    this.saves++
    const dirtyAtStart = this.host.keyspace.dirty
    this.lastBgsaveTry = Math.floor(this.host.now() / 1000)
    const target = this.rdbPath()
    const tmpfile = path.join(path.dirname(target), `temp-${process.pid}-${++this.jobs}.rdb`)
    let save: BackgroundSave
    try {
      save = new BackgroundSave(this.host, tmpfile, target, this.aux(), (result) => this.backgroundSaveDone(result))
    } catch (e) {
      this.lastBgsaveOk = false
      this.host.log("warning", `Can't save in background: ${e instanceof Error ? e.message : String(e)}`)
      return false
    }
    this.job = { save, startedAt: this.host.now(), dirtyAtStart }
    this.host.log("notice", `Background saving started by pid ${process.pid}`)
    return true
  }

  /** rdb.c `backgroundSaveDoneHandlerDisk`. */
  private backgroundSaveDone(result: BackgroundSaveResult): void {
    const job = this.job
    if (job === null) return
    this.job = null
    const now = this.host.now()
    this.lastBgsaveSeconds = Math.floor((now - job.startedAt) / 1000)
    if (result._tag === "Done") {
      this.host.log("notice", "Background saving terminated with success")
      // Changes made while it ran are still unsaved (a DEBUG RELOAD's save meanwhile may have
      // moved the mark further already).
      this.dirtyMark = Math.max(this.dirtyMark, job.dirtyAtStart)
      this.lastSaveMs = now
      this.lastBgsaveOk = true
    } else if (result._tag === "Failed") {
      this.host.log("warning", result.message)
      this.host.log("warning", "Background saving error")
      this.lastBgsaveOk = false
    } else if (!this.killedQuietly) {
      // killRDBChild sends SIGUSR1, which does not count as an error.
      this.host.log("warning", "Background saving terminated by signal 10")
    }
  }

  /** Set while stopping a save at shutdown, when Valkey exits before its done handler runs. */
  private killedQuietly = false

  /** rdb.c `killRDBChild`. */
  private killBackgroundSave(quiet = false): void {
    this.killedQuietly = quiet
    try {
      this.job?.save.cancel()
    } finally {
      this.killedQuietly = false
    }
  }

  /**
   * serverCron's persistence part: a scheduled BGSAVE, then the save points (`save <seconds>
   * <changes>`): enough changes and enough time since the last save, and the last background save
   * went well or was tried more than CONFIG_BGSAVE_RETRY_DELAY seconds ago.
   */
  cron(): void {
    if (this.job !== null || this.otherJobActive()) return
    const now = this.host.now()
    const unixtime = Math.floor(now / 1000)
    const lastsave = Math.floor(this.lastSaveMs / 1000)
    const retryAllowed = unixtime - this.lastBgsaveTry > CONFIG_BGSAVE_RETRY_DELAY || this.lastBgsaveOk
    const dirty = this.changesSinceLastSave
    for (const [seconds, changes] of this.host.settings().savePoints) {
      if (dirty >= changes && unixtime - lastsave > seconds && retryAllowed) {
        this.host.log("notice", `${changes} changes in ${seconds} seconds. Saving...`)
        this.startBackgroundSave()
        return
      }
    }
    if (this.scheduled && retryAllowed && this.startBackgroundSave()) this.scheduled = false
  }

  /** A BGSAVE scheduled inside EXEC starts once the transaction is over (Valkey: at the next cron). */
  get hasScheduled(): boolean {
    return this.scheduled
  }

  lastSave(): number {
    return Math.floor(this.lastSaveMs / 1000)
  }

  flushedAll(): void {
    if (this.job !== null) this.killBackgroundSave()
    if (this.host.settings().savePoints.length > 0) this.saveSync()
  }

  beforeShutdown(flags: number): boolean {
    if (this.job !== null) {
      this.host.log("warning", "There is a child saving an .rdb. Killing it!")
      this.killBackgroundSave(true)
    }
    const save = (flags & SHUTDOWN_SAVE) !== 0
    const nosave = (flags & SHUTDOWN_NOSAVE) !== 0
    if ((this.host.settings().savePoints.length > 0 && !nosave) || save) {
      this.host.log("notice", "Saving the final RDB snapshot before exiting.")
      if (!this.saveSync()) {
        if ((flags & SHUTDOWN_FORCE) !== 0) {
          this.host.log("warning", "Error trying to save the DB. Exit anyway.")
        } else {
          this.host.log("warning", "Error trying to save the DB, can't exit.")
          this.host.log("warning", "Errors trying to shut down the server. Check the logs for more information.")
          return false
        }
      }
    }
    return true
  }

  writeDenied(): string | undefined {
    if (this.lastBgsaveOk) return undefined
    const settings = this.host.settings()
    if (!settings.stopWritesOnBgsaveError || settings.savePoints.length === 0) return undefined
    const name = settings.redisName ? "Redis" : "Valkey"
    return `MISCONF ${name} is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the ${name} logs for details about the RDB error.`
  }

  debugReload(options: { readonly save: boolean; readonly flush: boolean; readonly merge: boolean }): string | null {
    const keyspace = this.host.keyspace
    const dirtyBefore = keyspace.dirty
    if (options.save && !this.saveSync()) return "ERR"
    const marked = this.dirtyMark
    // Read the whole file before touching the data set, so a bad file leaves it as it was.
    const entries = new LoadedEntries()
    try {
      this.readFile(this.rdbPath(), (db, key, value, expireAt) => entries.push(db, key, value, expireAt))
    } catch (e) {
      logFailure(this.host.log, e)
      return "ERR Error trying to load the RDB dump, check server logs."
    }
    if (options.flush) keyspace.flushAll()
    // The keys go in as a load (Valkey's rdbLoad under `server.loading`): nothing expires meanwhile.
    keyspace.loading = true
    try {
      const install = this.installer(options.merge)
      for (let i = 0; i < entries.length; i++) install(entries.dbs[i], entries.keys[i], entries.values[i], entries.expireAts[i])
      this.installed()
    } catch (e) {
      logFailure(this.host.log, e)
      return "ERR Error trying to load the RDB dump, check server logs."
    } finally {
      keyspace.loading = false
      // Neither the flush nor the load is a change to save (Valkey's emptyData and rdbLoad leave
      // `server.dirty` alone; the save zeroed it).
      this.dirtyMark = options.save ? keyspace.dirty : marked + (keyspace.dirty - dirtyBefore)
    }
    this.host.log("notice", "DB reloaded by DEBUG RELOAD")
    return null
  }

  // ---- loading --------------------------------------------------------------------------------

  /**
   * The start-up load (server.c `loadDataFromDisk`, RDB branch): a missing file is an empty data
   * set; a bad one logs Valkey's lines and fails (the caller exits with status 1).
   */
  loadAtStartup(): LoadResult | undefined {
    const start = performance.now()
    const file = this.rdbPath()
    try {
      // Keys go in as they are read: a bad file stops the server, so nothing half-loaded survives.
      if (!this.readFile(file, this.installer(false))) return undefined
      this.installed()
    } catch (e) {
      logFailure(this.host.log, e)
      this.host.log("warning", "Fatal error loading the DB, check server logs. Exiting.")
      throw new LoadFailure(["Fatal error loading the DB, check server logs. Exiting."])
    }
    this.host.log("notice", `DB loaded from disk: ${((performance.now() - start) / 1000).toFixed(3)} seconds`)
    this.dirtyMark = this.host.keyspace.dirty
    return { loaded: this.lastLoadLoaded, expired: this.lastLoadExpired }
  }

  /** Reads and checks the whole file, handing each key to `entry`; false when it does not exist. Throws with Valkey's log text. */
  private readFile(file: string, entry: (db: number, key: string, value: Value, expireAt: number) => void): boolean {
    let bytes: Uint8Array
    try {
      bytes = fs.readFileSync(file)
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") return false
      throw new LoadFailure([`Fatal error: can't open the RDB file ${path.basename(file)} for reading: ${strerror(e)}`])
    }
    this.loading = true
    this.host.keyspace.loading = true
    try {
      readRdb(
        bytes,
        {
          aux: (name, value) => this.logAux(name, value),
          entry
        },
        { moduleTypes: this.host.moduleTypes() }
      )
    } catch (e) {
      if (e instanceof RdbError) throw new LoadFailure(e.log.length > 0 ? e.log : [e.message])
      throw e
    } finally {
      this.loading = false
      this.host.keyspace.loading = false
    }
    return true
  }

  /** rdb.c's AUX handling: the lines Valkey logs for the fields it knows. */
  private logAux(name: string, value: string): void {
    const log = this.host.log
    if (name === "redis-ver") log("notice", `Loading RDB produced by Redis version ${value}`)
    else if (name === "valkey-ver") log("notice", `Loading RDB produced by Valkey version ${value}`)
    else if (name === "ctime") {
      const age = Math.max(0, Math.floor(this.host.now() / 1000) - Number.parseInt(value, 10))
      log("notice", `RDB age ${Number.isFinite(age) ? age : 0} seconds`)
    } else if (name === "used-mem") {
      log("notice", `RDB memory usage when created ${(Number(value) / (1024 * 1024)).toFixed(2)} Mb`)
    } else if (name === "aof-preamble" && Number(value) !== 0) log("notice", "RDB has an AOF tail")
  }

  /**
   * What adds the keys a file holds (rdb.c `rdbLoadRioWithLoadingCtx`): keys already past their
   * TTL are skipped on a primary; `merge` (DEBUG RELOAD MERGE) replaces a key that exists, otherwise
   * a duplicate is an error. Keys go straight into the databases: loading is no command, so no
   * notifications (only modules hear `loaded`, as in Valkey), no wake-ups and no change counted.
   * `installed` logs the counts.
   */
  private installer(merge: boolean): (db: number, key: string, value: Value, expireAt: number) => void {
    const keyspace = this.host.keyspace
    const now = this.host.now()
    const lru = keyspace.lfu ? (keyspace.lfuMinutes() << 8) | LFU_INIT_VAL : keyspace.lruClock
    this.lastLoadLoaded = 0
    this.lastLoadExpired = 0
    return (db, key, value, expireAt) => {
      if (db >= keyspace.dbs.length)
        throw new LoadFailure([`FATAL: Data file was created with a Valkey server configured to handle more than ${keyspace.dbs.length} databases. Exiting`])
      if (expireAt !== 0 && expireAt < now) {
        this.lastLoadExpired++
        return
      }
      const database = keyspace.dbs[db]
      const existing = database.raw(key)
      if (existing !== undefined) {
        if (!merge) throw new LoadFailure([`RDB has duplicated key '${key}' in DB ${db}`])
        database.remove(existing)
      }
      database.insert(key, value, expireAt, lru)
      keyspace.onKeyLoaded?.(db, key)
      this.lastLoadLoaded++
    }
  }

  private installed(): void {
    this.host.log("notice", `Done loading RDB, keys loaded: ${this.lastLoadLoaded}, keys expired: ${this.lastLoadExpired}.`)
  }

  // ---- INFO -----------------------------------------------------------------------------------

  /** INFO persistence's RDB fields, in Valkey 8's order (server.c `genValkeyInfoString`). */
  infoFields(): Array<readonly [string, string | number]> {
    const job = this.job
    const now = this.host.now()
    const processed = job?.save.snapshot.processed ?? 0
    const total = job?.save.snapshot.total ?? 0
    return [
      ["loading", this.loading ? 1 : 0],
      ["async_loading", 0],
      // A snapshot copies values instead of pages: these describe a fork's copy-on-write.
      ["current_cow_peak", 0],
      ["current_cow_size", 0],
      ["current_cow_size_age", 0],
      ["current_fork_perc", (total === 0 ? 0 : (processed / total) * 100).toFixed(2)],
      ["current_save_keys_processed", processed],
      ["current_save_keys_total", total],
      ["rdb_changes_since_last_save", this.changesSinceLastSave],
      ["rdb_bgsave_in_progress", job === null ? 0 : 1],
      ["rdb_last_save_time", Math.floor(this.lastSaveMs / 1000)],
      ["rdb_last_bgsave_status", this.lastBgsaveOk ? "ok" : "err"],
      ["rdb_last_bgsave_time_sec", this.lastBgsaveSeconds],
      ["rdb_current_bgsave_time_sec", job === null ? -1 : Math.floor(now / 1000) - Math.floor(job.startedAt / 1000)],
      ["rdb_saves", this.saves],
      ["rdb_last_cow_size", 0],
      ["rdb_last_load_keys_expired", this.lastLoadExpired],
      ["rdb_last_load_keys_loaded", this.lastLoadLoaded]
    ]
  }

  /** Stops a running background save (the server is stopping). */
  close(): void {
    this.killBackgroundSave(true)
  }
}

/** A file's keys held before they are installed (DEBUG RELOAD), as parallel arrays. */
class LoadedEntries {
  readonly dbs: Array<number> = []
  readonly keys: Array<string> = []
  readonly values: Array<Value> = []
  readonly expireAts: Array<number> = []

  get length(): number {
    return this.keys.length
  }

  push(db: number, key: string, value: Value, expireAt: number): void {
    this.dbs.push(db)
    this.keys.push(key)
    this.values.push(value)
    this.expireAts.push(expireAt)
  }
}
