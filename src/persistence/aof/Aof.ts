import * as fs from "node:fs"
import * as path from "node:path"
import type { Log } from "../../contracts/Log.js"
import type { Keyspace } from "../../keyspace/Keyspace.js"
import { Snapshot } from "../../keyspace/Snapshot.js"
import type { ModuleTypeCodecs } from "../rdb/ModuleTypeCodecs.js"
import { dumpPayload } from "../rdb/Dump.js"
import { rdbWriteOptionsFromConfig } from "../rdb/RdbWriter.js"
import { AofCommandsWriter, type AofBaseWriter, AofRdbWriter, CapturedModuleValue } from "./AofBaseWriter.js"
import { type AofLoadResult, type AofReplayer, loadAppendOnlyFiles, strerror } from "./AofLoader.js"
import { AofBuffer } from "./AofBuffer.js"
import { AofManifest } from "./AofManifest.js"

/** aof.c's `aof_state`: off, on, or on but waiting for the first rewrite to create the base. */
export type AofState = "off" | "on" | "wait-rewrite"

/** What the AOF needs of the server. */
export interface AofHost {
  readonly keyspace: Keyspace
  readonly log: Log
  readonly now: () => number
  readonly config: { get<T>(name: string): T }
  /** Start (or stop) feeding propagated commands to `feed`. */
  attach(feed: (db: number, argv: ReadonlyArray<string>) => void): void
  detach(): void
  /** Another background job (BGSAVE) holds the keyspace snapshot. */
  readonly otherJobRunning: () => boolean
  /** Module types, for module values in an RDB preamble (known once the modules are loaded). */
  readonly moduleTypes: () => ModuleTypeCodecs | undefined
  /** The RDB AUX fields of a base file (valkey-ver, redis-bits, ctime, used-mem); `aof-base` is added. */
  readonly rdbAux?: () => ReadonlyArray<readonly [string, string]>
}

/** Keys visited per slice of a background rewrite, between event-loop turns. */
const REWRITE_SLICE_KEYS = 1000

/** The background rewrite under way (Valkey's AOF child). */
interface RewriteJob {
  readonly snapshot: Snapshot
  readonly writer: AofBaseWriter
  readonly tmpFile: string
  readonly fd: number
  readonly rdbPreamble: boolean
  cancelled: boolean
}

/** aofRewriteLimited's thresholds. */
const REWRITE_LIMIT_THRESHOLD = 3
const REWRITE_LIMIT_MAX_MINUTES = 60

/**
 * The append-only file as Valkey 7+ writes it (aof.c): a directory holding a base file, incremental
 * files and the manifest that lists them. Propagated commands are appended to a buffer that is
 * written before any reply of the tick goes out (`flush`), fsynced per `appendfsync`; BGREWRITEAOF
 * writes a new base from a fork-less snapshot while writes go to a new incremental file.
 */
export class Aof {
  state: AofState = "off"
  manifest: AofManifest
  private fd = -1
  /** `aof_buf`: RESP of the commands not yet written. */
  private readonly buffer = new AofBuffer()
  private selectedDb = -1
  private curTimestamp = 0
  /** `aof-timestamp-enabled`, refreshed by the cron (not read from the config per command). */
  private timestamps = false
  /** INFO sizes (`aof_current_size`, `aof_base_size`) and the offsets of the incremental file. */
  currentSize = 0
  baseSize = 0
  private lastIncrSize = 0
  private lastIncrFsyncOffset = 0
  private lastFsync = 0
  private flushPostponedStart = 0
  delayedFsync = 0
  private fsyncsInFlight = 0
  /** `aof_last_write_status` and the error of the last failed write or background fsync. */
  lastWriteOk = true
  private bioFsyncOk = true
  lastWriteError = ""
  private lastWriteErrorLog = 0
  // Rewrites
  private job: RewriteJob | null = null
  rewriteScheduled = false
  lastBgrewriteOk = true
  rewrites = 0
  consecutiveFailures = 0
  private rewriteTimeStart = -1
  private rewriteTimeLast = -1
  private nextDelayMinutes = 0
  private nextRewriteTime = 0

  constructor(private readonly host: AofHost) {
    this.manifest = new AofManifest(this.filename)
  }

  // ---- settings (read from the config each time, so CONFIG SET applies)

  private get filename(): string {
    return this.host.config.get<string>("appendfilename")
  }

  /** The AOF directory: `appenddirname` inside `dir`. */
  get dir(): string {
    return path.resolve(this.host.config.get<string>("dir"), this.host.config.get<string>("appenddirname"))
  }

  private get fsyncPolicy(): "always" | "everysec" | "no" {
    return this.host.config.get<"always" | "everysec" | "no">("appendfsync")
  }

  private get log(): Log {
    return this.host.log
  }

  /** Seconds since the epoch of the server clock (Valkey's `server.unixtime`). */
  private unixtime(): number {
    return Math.floor(this.host.now() / 1000)
  }

  get rewriteInProgress(): boolean {
    return this.job !== null
  }

  /** Writes are refused (Valkey's `writeCommandsDeniedByDiskError` for the AOF): the MISCONF text, else undefined. */
  writeDeniedError(): string | undefined {
    if (this.state === "off" || (this.lastWriteOk && this.bioFsyncOk)) return undefined
    return `MISCONF Errors writing to the AOF file: ${this.lastWriteError}`
  }

  // ---- propagation in

  /** Appends a propagated command (aof.c `feedAppendOnlyFile`); `db` -1 emits no SELECT. */
  readonly feed = (db: number, argv: ReadonlyArray<string>): void => {
    if (!(this.state === "on" || (this.state === "wait-rewrite" && this.job !== null))) return
    if (this.timestamps) {
      const now = this.unixtime()
      if (this.curTimestamp < now) {
        this.curTimestamp = now
        this.buffer.text(`#TS:${now}\r\n`)
      }
    }
    if (db !== -1 && db !== this.selectedDb) {
      this.buffer.command(["SELECT", String(db)])
      this.selectedDb = db
    }
    this.buffer.command(argv)
  }

  get bufferLength(): number {
    return this.buffer.length
  }

  // ---- writing out (aof.c `flushAppendOnlyFile`)

  /**
   * Writes the buffer, then fsyncs per `appendfsync`: `always` here and now, `everysec` in the
   * background once a second. With `force` false, `everysec` postpones the write (up to two seconds)
   * while a background fsync runs.
   */
  flush(force: boolean): void {
    // Nothing to write or sync: the common case, reached before every client's write.
    if (this.fd === -1 || (this.buffer.length === 0 && this.lastIncrFsyncOffset === this.lastIncrSize)) return
    const policy = this.fsyncPolicy
    const now = this.host.now()
    if (this.buffer.length === 0) {
      // Data written but not yet synced: everysec syncs it within the second even with no new writes.
      if (policy === "everysec" && this.lastIncrFsyncOffset !== this.lastIncrSize && now - this.lastFsync >= 1000 && this.fsyncsInFlight === 0) {
        this.backgroundFsync(now)
      } else if (policy === "always" && this.lastIncrFsyncOffset !== this.lastIncrSize) {
        this.fsyncNow(now)
      }
      return
    }
    const syncInProgress = policy === "everysec" && this.fsyncsInFlight > 0
    if (policy === "everysec" && !force && syncInProgress) {
      if (this.flushPostponedStart === 0) {
        this.flushPostponedStart = now
        return
      }
      if (now - this.flushPostponedStart < 2000) return
      this.delayedFsync++
      this.log(
        "notice",
        "Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down the server."
      )
    }
    this.flushPostponedStart = 0
    const bytes = this.buffer.view()
    const length = bytes.length
    let written = 0
    let error: unknown = null
    while (written < length) {
      try {
        const n = fs.writeSync(this.fd, bytes, written, length - written, null)
        if (n <= 0) break
        written += n
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EINTR" || (e as NodeJS.ErrnoException).code === "EAGAIN") continue
        error = e
        break
      }
    }
    if (written !== length) {
      const canLog = this.unixtime() - this.lastWriteErrorLog > 30
      if (canLog) this.lastWriteErrorLog = this.unixtime()
      if (written === 0) {
        if (canLog) this.log("warning", `Error writing to the AOF file: ${strerror(error)}`)
        this.lastWriteError = strerror(error)
      } else {
        if (canLog) this.log("warning", `Short write while writing to the AOF file: (nwritten=${written}, expected=${length})`)
        try {
          fs.ftruncateSync(this.fd, this.lastIncrSize)
          written = 0
        } catch (e) {
          if (canLog) {
            this.log(
              "warning",
              `Could not remove short write from the append-only file. The server may refuse to load the AOF the next time it starts.  ftruncate: ${strerror(e)}`
            )
          }
        }
        this.lastWriteError = strerror(error ?? Object.assign(new Error(), { code: "ENOSPC" }))
      }
      if (policy === "always") {
        // The replies are already in the clients' buffers and the data set cannot be rolled back.
        this.log("warning", "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...")
        process.exit(1)
      }
      this.lastWriteOk = false
      if (written > 0) {
        this.currentSize += written
        this.lastIncrSize += written
        this.buffer.consume(written)
      }
      return
    }
    if (!this.lastWriteOk) {
      this.log("notice", "AOF write error looks solved. The server can write again.")
      this.lastWriteOk = true
    }
    this.currentSize += written
    this.lastIncrSize += written
    this.buffer.clear()
    if (this.host.config.get<boolean>("no-appendfsync-on-rewrite") && this.job !== null) return
    if (policy === "always") this.fsyncNow(now)
    else if (policy === "everysec" && now - this.lastFsync >= 1000) {
      if (this.fsyncsInFlight === 0) this.backgroundFsync(now)
      this.lastFsync = now
    }
  }

  private fsyncNow(now: number): void {
    try {
      fs.fdatasyncSync(this.fd)
    } catch (e) {
      this.log("warning", `Can't persist AOF for fsync error when the AOF fsync policy is 'always': ${strerror(e)}. Exiting...`)
      process.exit(1)
    }
    this.lastIncrFsyncOffset = this.lastIncrSize
    this.lastFsync = now
  }

  /** Valkey's bio fsync job: the thread pool syncs while the event loop goes on. */
  private backgroundFsync(now: number): void {
    const fd = this.fd
    this.fsyncsInFlight++
    this.lastIncrFsyncOffset = this.lastIncrSize
    this.lastFsync = now
    fs.fdatasync(fd, (error) => {
      this.fsyncsInFlight--
      if (error === null) {
        this.bioFsyncOk = true
      } else if (fd === this.fd) {
        this.log("warning", `Fail to fsync the AOF file: ${strerror(error)}`)
        this.bioFsyncOk = false
        this.lastWriteError = strerror(error)
      }
    })
  }

  get pendingFsyncs(): number {
    return this.fsyncsInFlight
  }

  /** Waits for the background fsyncs in flight (tests, shutdown). */
  fsyncsDrained(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => (this.fsyncsInFlight === 0 ? resolve() : setTimeout(check, 1))
      check()
    })
  }

  // ---- the manifest and files

  /** Reads the manifest at start (aof.c `aofLoadManifestFromDisk`); a bad one is fatal (returns the log lines' error). */
  loadManifestFromDisk(): boolean {
    this.manifest = new AofManifest(this.filename)
    const file = path.join(this.dir, this.manifest.manifestName)
    if (!fs.existsSync(this.dir)) {
      this.log("debug", `The AOF directory ${this.dir} doesn't exist`)
      return true
    }
    let text: string
    try {
      text = fs.readFileSync(file, "latin1")
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") {
        this.log("debug", `The AOF manifest file ${this.manifest.manifestName} doesn't exist`)
        return true
      }
      this.log("warning", `Fatal error: can't open the AOF manifest file ${file} for reading: ${strerror(e)}`)
      return false
    }
    const parsed = AofManifest.parse(this.filename, text)
    if (parsed instanceof AofManifest) {
      this.manifest = parsed
      return true
    }
    this.log("warning", "\n*** FATAL AOF MANIFEST FILE ERROR ***\n")
    if (parsed.line !== undefined) {
      this.log("warning", `Reading the manifest file, at line ${parsed.line.number}\n`)
      this.log("warning", `>>> '${parsed.line.text}'\n`)
    }
    this.log("warning", `${parsed.message}\n`)
    return false
  }

  /** Writes the manifest with temp + fsync + rename + directory fsync (aof.c `writeAofManifestFile`). */
  private persistManifest(manifest: AofManifest): boolean {
    if (!manifest.dirty) return true
    const dir = this.dir
    const tmpName = manifest.tempManifestName
    const tmp = path.join(dir, tmpName)
    let fd = -1
    try {
      fd = fs.openSync(tmp, "w", 0o644)
    } catch (e) {
      this.log("warning", `Can't open the AOF manifest file ${tmpName}: ${strerror(e)}`)
      return false
    }
    try {
      try {
        fs.writeSync(fd, manifest.format(), null, "latin1")
      } catch (e) {
        this.log("warning", `Error trying to write the temporary AOF manifest file ${tmpName}: ${strerror(e)}`)
        return false
      }
      try {
        fs.fsyncSync(fd)
      } catch (e) {
        this.log("warning", `Fail to fsync the temp AOF file ${tmpName}: ${strerror(e)}.`)
        return false
      }
      try {
        fs.renameSync(tmp, path.join(dir, manifest.manifestName))
      } catch (e) {
        this.log("warning", `Error trying to rename the temporary AOF manifest file ${tmpName} into ${manifest.manifestName}: ${strerror(e)}`)
        return false
      }
      if (!fsyncDir(dir)) {
        this.log("warning", `Fail to fsync AOF directory ${path.join(dir, manifest.manifestName)}.`)
        return false
      }
    } finally {
      fs.closeSync(fd)
    }
    manifest.dirty = false
    return true
  }

  private ensureDir(): boolean {
    try {
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o755 })
      return true
    } catch (e) {
      this.log("warning", `Can't open or create append-only dir ${this.host.config.get<string>("appenddirname")}: ${strerror(e)}`)
      return false
    }
  }

  private fileSize(name: string): number {
    try {
      return fs.statSync(path.join(this.dir, name)).size
    } catch (e) {
      this.log("warning", `Unable to obtain the AOF file ${name} length. stat: ${strerror(e)}`)
      return 0
    }
  }

  /** Deletes the history files and drops them from the manifest (aof.c `aofDelHistoryFiles`). */
  delHistoryFiles(): boolean {
    if (this.manifest.history.length === 0) return true
    for (const info of this.manifest.history) {
      this.log("notice", `Removing the history file ${info.name} in the background`)
      fs.rm(path.join(this.dir, info.name), { force: true }, () => {})
    }
    this.manifest.history = []
    this.manifest.dirty = true
    return this.persistManifest(this.manifest)
  }

  // ---- start-up (aof.c `loadAppendOnlyFiles`, `aofOpenIfNeededOnServerStart`)

  /**
   * Loads the AOF into the keyspace through `replayer` (with `appendonly yes` at start). Returns
   * false when start-up must stop (Valkey exits with status 1).
   */
  load(replayer: AofReplayer): boolean {
    const sizes = { total: 0, base: 0 }
    const start = performance.now()
    const result: AofLoadResult = loadAppendOnlyFiles(
      this.manifest,
      replayer,
      { dir: this.dir, loadTruncated: this.host.config.get<boolean>("aof-load-truncated"), log: this.log },
      sizes
    )
    if (result === "failed" || result === "open-error") return false
    if (result !== "not-exist") {
      this.log("notice", `DB loaded from append only file: ${((performance.now() - start) / 1000).toFixed(3)} seconds`)
    }
    this.currentSize = sizes.total
    this.baseSize = sizes.base
    return true
  }

  /**
   * With `appendonly yes` at start: a base file when the AOF is new, the last incremental file
   * opened for appending, the manifest written. False when start-up must stop.
   */
  openOnServerStart(): boolean {
    this.timestamps = this.host.config.get<boolean>("aof-timestamp-enabled")
    this.state = this.host.config.get<boolean>("appendonly") ? "on" : "off"
    if (this.state !== "on") return true
    if (!this.ensureDir()) return false
    const incrCount = this.manifest.incr.length
    if (this.manifest.base === null && incrCount === 0) {
      const baseName = this.manifest.newBase(this.host.config.get<boolean>("aof-use-rdb-preamble"))
      if (!this.rewriteSync(path.join(this.dir, baseName))) return false
      this.log("notice", `Creating AOF base file ${baseName} on server start`)
    }
    const name = this.manifest.lastIncr()
    try {
      this.fd = fs.openSync(path.join(this.dir, name), "a", 0o644)
    } catch (e) {
      this.log("warning", `Can't open the append-only file ${name}: ${strerror(e)}`)
      return false
    }
    if (!this.persistManifest(this.manifest)) return false
    this.lastIncrSize = this.fileSize(name)
    this.lastIncrFsyncOffset = this.lastIncrSize
    this.log("notice", `${incrCount > 0 ? "Opening" : "Creating"} AOF incr file ${name} on server start`)
    this.host.attach(this.feed)
    return true
  }

  // ---- on and off at run time (CONFIG SET appendonly)

  /** `appendonly yes` at run time (aof.c `startAppendOnly`); false when the rewrite cannot start. */
  start(inExec: boolean): boolean {
    if (this.state !== "off") return true
    this.state = "wait-rewrite"
    this.host.attach(this.feed)
    if (this.host.otherJobRunning()) {
      this.rewriteScheduled = true
      this.log("notice", "AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.")
    } else if (inExec) {
      this.rewriteScheduled = true
      this.log("notice", "AOF was enabled during a transaction. An AOF background was scheduled to start when possible.")
    } else {
      if (this.job !== null) {
        this.log("notice", "AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.")
        this.killRewrite()
      }
      if (!this.rewriteBackground()) {
        this.state = "off"
        this.host.detach()
        this.log(
          "warning",
          "The server needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error."
        )
        return false
      }
    }
    this.lastFsync = this.host.now()
    if (!this.bioFsyncOk) {
      this.log("warning", "AOF reopen, just ignore the AOF fsync error in bio job")
      this.bioFsyncOk = true
    }
    if (!this.lastWriteOk) {
      this.log("warning", "AOF reopen, just ignore the last error.")
      this.lastWriteOk = true
    }
    return true
  }

  /** `appendonly no` at run time (aof.c `stopAppendOnly`), and shutdown. */
  stop(): void {
    if (this.state === "off") return
    if (this.fd !== -1) {
      this.flush(true)
      try {
        fs.fdatasyncSync(this.fd)
        this.lastFsync = this.host.now()
      } catch (e) {
        this.log("warning", `Fail to fsync the AOF file: ${strerror(e)}`)
      }
      fs.closeSync(this.fd)
    }
    this.fd = -1
    this.selectedDb = -1
    this.state = "off"
    this.host.detach()
    if (this.rewriteScheduled) {
      this.rewriteScheduled = false
      this.log("notice", "AOF was disabled but there is a scheduled AOF background, cancel it.")
    }
    this.lastIncrSize = 0
    this.lastIncrFsyncOffset = 0
    this.killRewrite()
    this.buffer.clear()
  }

  /** Shutdown (server.c `prepareForShutdown`): everything written and synced. */
  shutdown(): void {
    if (this.state === "off" || this.fd === -1) return
    this.log("notice", "Calling fsync() on the AOF file.")
    this.flush(true)
    try {
      fs.fdatasyncSync(this.fd)
    } catch {
      // Valkey ignores it here too.
    }
  }

  // ---- rewrites

  /**
   * Opens the next incremental file when a rewrite starts (aof.c `openNewIncrAofForAppend`): a new
   * `appendonly.aof.<n>.incr.aof` in the manifest when the AOF is on, the temporary incremental file
   * while it waits for its first base.
   */
  private openNewIncr(): boolean {
    if (this.state === "off") return true
    let manifest: AofManifest | null = null
    let name: string
    if (this.state === "wait-rewrite") name = this.manifest.tempIncrName
    else {
      manifest = this.manifest.copy()
      name = manifest.newIncr()
    }
    let fd: number
    try {
      fd = fs.openSync(path.join(this.dir, name), "w", 0o644)
    } catch (e) {
      this.log("warning", `Can't open the append-only file ${name}: ${strerror(e)}`)
      return false
    }
    if (manifest !== null && !this.persistManifest(manifest)) {
      fs.closeSync(fd)
      return false
    }
    this.log("notice", `Creating AOF incr file ${name} on background rewrite`)
    if (this.fd !== -1) {
      // The old file is synced and closed in the background (`aof_background_fsync_and_close`).
      // Not a pending fsync of the current file: writes to the new one need not wait for it.
      const old = this.fd
      fs.fdatasync(old, () => fs.close(old, () => {}))
      this.lastFsync = this.host.now()
    }
    this.fd = fd
    this.lastIncrSize = 0
    this.lastIncrFsyncOffset = 0
    if (manifest !== null) this.manifest = manifest
    return true
  }

  /** aof.c `aofRewriteLimited`: after three failures in a row, wait 1, 2, 4 ... 60 minutes between automatic tries. */
  private rewriteLimited(): boolean {
    if (this.consecutiveFailures < REWRITE_LIMIT_THRESHOLD) {
      this.nextDelayMinutes = 0
      this.nextRewriteTime = 0
      return false
    }
    if (this.nextRewriteTime !== 0) {
      if (this.unixtime() < this.nextRewriteTime) return true
      this.nextRewriteTime = 0
      return false
    }
    this.nextDelayMinutes = Math.min(this.nextDelayMinutes === 0 ? 1 : this.nextDelayMinutes * 2, REWRITE_LIMIT_MAX_MINUTES)
    this.nextRewriteTime = this.unixtime() + this.nextDelayMinutes * 60
    this.log("warning", `Background AOF rewrite has repeatedly failed and triggered the limit, will retry in ${this.nextDelayMinutes} minutes`)
    return true
  }

  /** The base writer for a rewrite, per `aof-use-rdb-preamble`. */
  private baseWriter(rdbPreamble: boolean): AofBaseWriter {
    if (!rdbPreamble) {
      return new AofCommandsWriter(this.host.config.get<boolean>("aof-timestamp-enabled") ? Math.floor(Date.now() / 1000) : null)
    }
    const aux = [...(this.host.rdbAux?.() ?? []), ["aof-base", "1"] as const]
    return new AofRdbWriter(rdbWriteOptionsFromConfig(this.host.config, this.host.moduleTypes()), aux)
  }

  /** A snapshot of the keyspace; module values are taken in their DUMP form at its start. */
  private startSnapshot(): Snapshot {
    const options = rdbWriteOptionsFromConfig(this.host.config, this.host.moduleTypes())
    return Snapshot.start(this.host.keyspace, { captureModule: (value) => new CapturedModuleValue(dumpPayload(value, options)) })
  }

  /** Writes a whole base file at once (aof.c `rewriteAppendOnlyFile`, used at start-up on an empty data set). */
  private rewriteSync(target: string): boolean {
    const tmp = path.join(this.host.config.get<string>("dir"), `temp-rewriteaof-${process.pid}.aof`)
    try {
      const writer = this.baseWriter(this.host.config.get<boolean>("aof-use-rdb-preamble"))
      const snapshot = this.startSnapshot()
      while (!snapshot.finished) {
        const db = snapshot.currentDb
        snapshot.next(REWRITE_SLICE_KEYS, (_db, key, value, expireAt) => writer.key(snapshot.currentDb ?? db!, key, value, expireAt))
      }
      writer.end()
      const fd = fs.openSync(tmp, "w", 0o644)
      try {
        for (const chunk of writer.drain()) fs.writeSync(fd, chunk)
        fs.fsyncSync(fd)
      } finally {
        fs.closeSync(fd)
      }
      fs.renameSync(tmp, target)
      return true
    } catch (e) {
      this.log("warning", `Write error writing append only file on disk: ${strerror(e)}`)
      fs.rmSync(tmp, { force: true })
      return false
    }
  }

  /**
   * BGREWRITEAOF's work without fork (aof.c `rewriteAppendOnlyFileBackground`): the buffer is
   * flushed, writes go on in a new incremental file, and the base is written from a point-in-time
   * snapshot in slices between event-loop turns.
   */
  rewriteBackground(): boolean {
    if (this.job !== null || this.host.otherJobRunning()) return false
    if (!this.ensureDir()) {
      this.lastBgrewriteOk = false
      return false
    }
    this.selectedDb = -1
    this.flush(true)
    if (!this.openNewIncr()) {
      this.lastBgrewriteOk = false
      return false
    }
    this.rewrites++
    const rdbPreamble = this.host.config.get<boolean>("aof-use-rdb-preamble")
    const tmpFile = path.join(this.host.config.get<string>("dir"), `temp-rewriteaof-bg-${process.pid}.aof`)
    let fd: number
    let writer: AofBaseWriter
    try {
      writer = this.baseWriter(rdbPreamble)
      fd = fs.openSync(tmpFile, "w", 0o644)
    } catch (e) {
      this.lastBgrewriteOk = false
      this.log("warning", `Can't rewrite append only file in background: ${strerror(e)}`)
      return false
    }
    let snapshot: Snapshot
    try {
      snapshot = this.startSnapshot()
    } catch (e) {
      fs.closeSync(fd)
      fs.rmSync(tmpFile, { force: true })
      this.lastBgrewriteOk = false
      this.log("warning", `Can't rewrite append only file in background: ${e instanceof Error ? e.message : String(e)}`)
      return false
    }
    const job: RewriteJob = { snapshot, writer, tmpFile, fd, rdbPreamble, cancelled: false }
    this.job = job
    this.log("notice", `Background append only file rewriting started by pid ${process.pid}`)
    this.rewriteScheduled = false
    this.rewriteTimeStart = this.unixtime()
    setImmediate(() => this.rewriteStep(job))
    return true
  }

  /** One slice of the background rewrite: some keys encoded, written, then the next slice. */
  private rewriteStep(job: RewriteJob): void {
    if (job.cancelled) return
    let done: boolean
    // rdb-key-save-delay stretches a rewrite as it does a BGSAVE (Valkey's rewrite child sleeps per
    // key): one key per step, then a timer, so clients are served meanwhile.
    const delayUs = this.host.config.get<number>("rdb-key-save-delay")
    try {
      const db = job.snapshot.currentDb
      done = job.snapshot.next(delayUs > 0 ? 1 : REWRITE_SLICE_KEYS, (_db, key, value, expireAt) =>
        job.writer.key(job.snapshot.currentDb ?? db!, key, value, expireAt)
      )
      if (done) job.writer.end()
    } catch (e) {
      this.log("warning", `Write error writing append only file on disk: ${e instanceof Error ? e.message : String(e)}`)
      return this.rewriteDone(job, false)
    }
    const chunks = job.writer.drain()
    const next = (error: NodeJS.ErrnoException | null) => {
      if (job.cancelled) return
      if (error !== null) {
        this.log("warning", `Write error writing append only file on disk: ${strerror(error)}`)
        return this.rewriteDone(job, false)
      }
      if (!done) {
        if (delayUs > 0) setTimeout(() => this.rewriteStep(job), Math.max(1, delayUs / 1000))
        else setImmediate(() => this.rewriteStep(job))
        return
      }
      fs.fsync(job.fd, (syncError) => {
        if (job.cancelled) return
        if (syncError !== null) {
          this.log("warning", `Write error writing append only file on disk: ${strerror(syncError)}`)
          return this.rewriteDone(job, false)
        }
        this.log("notice", `Successfully created the temporary AOF base file ${path.basename(job.tmpFile)}`)
        this.rewriteDone(job, true)
      })
    }
    if (chunks.length === 0) next(null)
    else fs.writev(job.fd, chunks, (error) => next(error))
  }

  /** The rewrite finished (aof.c `backgroundRewriteDoneHandler`). */
  private rewriteDone(job: RewriteJob, ok: boolean): void {
    this.job = null
    job.snapshot.cancel()
    fs.closeSync(job.fd)
    if (ok) this.installRewrite(job)
    else {
      this.lastBgrewriteOk = false
      this.consecutiveFailures++
      this.log("warning", "Background AOF rewrite terminated with error")
    }
    fs.rmSync(job.tmpFile, { force: true })
    if (this.state === "wait-rewrite") {
      this.buffer.clear()
      this.log("notice", `Removing the temp incr aof file ${this.manifest.tempIncrName} in the background`)
      fs.rm(path.join(this.dir, this.manifest.tempIncrName), { force: true }, () => {})
    }
    this.rewriteTimeLast = this.unixtime() - this.rewriteTimeStart
    this.rewriteTimeStart = -1
    if (this.state === "wait-rewrite") this.rewriteScheduled = true
  }

  private installRewrite(job: RewriteJob): void {
    this.log("notice", "Background AOF rewrite terminated with success")
    const manifest = this.manifest.copy()
    const baseName = manifest.newBase(job.rdbPreamble)
    const basePath = path.join(this.dir, baseName)
    const fail = () => {
      this.lastBgrewriteOk = false
      this.consecutiveFailures++
    }
    try {
      fs.renameSync(job.tmpFile, basePath)
    } catch (e) {
      this.log("warning", `Error trying to rename the temporary AOF base file ${path.basename(job.tmpFile)} into ${basePath}: ${strerror(e)}`)
      return fail()
    }
    this.log("notice", `Successfully renamed the temporary AOF base file ${path.basename(job.tmpFile)} into ${baseName}`)
    let incrPath: string | null = null
    if (this.state === "wait-rewrite") {
      const tempIncr = path.join(this.dir, manifest.tempIncrName)
      const incrName = manifest.newIncr()
      incrPath = path.join(this.dir, incrName)
      try {
        // The temporary incremental file has taken every write since the rewrite started.
        this.flush(true)
        fs.renameSync(tempIncr, incrPath)
      } catch (e) {
        this.log("warning", `Error trying to rename the temporary AOF incr file ${tempIncr} into ${incrPath}: ${strerror(e)}`)
        fs.rm(basePath, { force: true }, () => {})
        return fail()
      }
      this.log("notice", `Successfully renamed the temporary AOF incr file ${manifest.tempIncrName} into ${incrName}`)
    }
    manifest.markRewrittenIncrAsHistory(this.fd !== -1)
    if (!this.persistManifest(manifest)) {
      fs.rm(basePath, { force: true }, () => {})
      if (incrPath !== null) fs.rm(incrPath, { force: true }, () => {})
      return fail()
    }
    this.manifest = manifest
    if (this.state !== "off") {
      this.currentSize = this.fileSize(baseName) + this.lastIncrSize
      this.baseSize = this.currentSize
    }
    this.delHistoryFiles()
    this.lastBgrewriteOk = true
    this.consecutiveFailures = 0
    this.log("notice", "Background AOF rewrite finished successfully")
    if (this.state === "wait-rewrite") this.state = "on"
  }

  /** Stops a rewrite under way (aof.c `killAppendOnlyChild`): its temporary file is removed. */
  private killRewrite(): void {
    const job = this.job
    if (job === null) return
    this.log("notice", `Killing running AOF rewrite child: ${process.pid}`)
    job.cancelled = true
    job.snapshot.cancel()
    this.job = null
    fs.close(job.fd, () => fs.rm(job.tmpFile, { force: true }, () => {}))
    this.rewriteTimeStart = -1
  }

  /** Re-reads the settings cached for the write path (`aof-timestamp-enabled`). */
  refreshSettings(): void {
    this.timestamps = this.host.config.get<boolean>("aof-timestamp-enabled")
  }

  /** BGREWRITEAOF (aof.c `bgrewriteaofCommand`): the status or error text. */
  bgrewriteaof(inExec: boolean): { readonly ok: boolean; readonly text: string } {
    if (this.job !== null) return { ok: false, text: "ERR Background append only file rewriting already in progress" }
    if (this.host.otherJobRunning() || inExec) {
      this.rewriteScheduled = true
      this.consecutiveFailures = 0
      this.log("notice", "Background append only file rewriting scheduled.")
      return { ok: true, text: "Background append only file rewriting scheduled" }
    }
    if (this.rewriteBackground()) return { ok: true, text: "Background append only file rewriting started" }
    return { ok: false, text: "ERR Can't execute an AOF background rewriting. Please check the server logs for more information." }
  }

  /**
   * The AOF part of serverCron: a scheduled rewrite, the automatic rewrite on growth
   * (`auto-aof-rewrite-percentage`/`-min-size`), and a retry of a postponed or failed write.
   */
  cron(): void {
    this.refreshSettings()
    const busy = this.job !== null || this.host.otherJobRunning()
    if (!busy && this.rewriteScheduled && !this.rewriteLimited()) this.rewriteBackground()
    const percentage = this.host.config.get<number>("auto-aof-rewrite-percentage")
    if (this.state === "on" && this.job === null && !this.host.otherJobRunning() && percentage > 0) {
      if (this.currentSize > this.host.config.get<number>("auto-aof-rewrite-min-size")) {
        const base = this.baseSize > 0 ? this.baseSize : 1
        const growth = Math.floor((this.currentSize * 100) / base) - 100
        if (growth >= percentage && !this.rewriteLimited()) {
          this.log("notice", `Starting automatic rewriting of AOF on ${growth}% growth`)
          this.rewriteBackground()
        }
      }
    }
    if (this.state === "on" && (this.flushPostponedStart !== 0 || !this.lastWriteOk)) this.flush(false)
  }

  // ---- INFO persistence

  /** The `aof_*` fields of INFO persistence that are always shown, in Valkey's order. */
  info(): ReadonlyArray<[string, string | number]> {
    return [
      ["aof_enabled", this.state !== "off" ? 1 : 0],
      ["aof_rewrite_in_progress", this.job !== null ? 1 : 0],
      ["aof_rewrite_scheduled", this.rewriteScheduled ? 1 : 0],
      ["aof_last_rewrite_time_sec", this.rewriteTimeLast],
      ["aof_current_rewrite_time_sec", this.job === null ? -1 : this.unixtime() - this.rewriteTimeStart],
      ["aof_last_bgrewrite_status", this.lastBgrewriteOk ? "ok" : "err"],
      ["aof_rewrites", this.rewrites],
      ["aof_rewrites_consecutive_failures", this.consecutiveFailures],
      ["aof_last_write_status", this.lastWriteOk && this.bioFsyncOk ? "ok" : "err"],
      ["aof_last_cow_size", 0]
    ]
  }

  /** The fields shown after `module_fork_last_cow_size` when `appendonly` is yes. */
  infoEnabled(): ReadonlyArray<[string, string | number]> {
    if (!this.host.config.get<boolean>("appendonly")) return []
    return [
      ["aof_current_size", this.currentSize],
      ["aof_base_size", this.baseSize],
      ["aof_pending_rewrite", this.rewriteScheduled ? 1 : 0],
      ["aof_buffer_length", this.buffer.length],
      ["aof_pending_bio_fsync", this.fsyncsInFlight],
      ["aof_delayed_fsync", this.delayedFsync]
    ]
  }
}

/** fsync of a directory, so a rename in it is durable. */
const fsyncDir = (dir: string): boolean => {
  try {
    const fd = fs.openSync(dir, "r")
    try {
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    return true
  } catch {
    return false
  }
}
