import { performance } from "node:perf_hooks"
import type { Keyspace } from "../keyspace/Keyspace.js"
import { Snapshot } from "../keyspace/Snapshot.js"
import type { Value } from "../keyspace/Value.js"
import { dumpPayload, RestoreFailure, restorePayload } from "../persistence/rdb/Dump.js"
import { RdbWriter, type RdbWriteOptions } from "../persistence/rdb/RdbWriter.js"

/** A module value taken at the snapshot's start in its DUMP form (modules change their data freely). */
class CapturedModuleValue {
  constructor(readonly payload: string) {}
}

const SLICE_MS = 1
const KEYS_PER_CHECK = 32
const PAUSE_MS = 1

/**
 * The RDB a full resynchronization sends (replication.c `startBgsaveForReplication`): Valkey forks a
 * child that writes the data set as of the FULLRESYNC offset; here a copy-on-write `Snapshot` of the
 * keyspace is written with `RdbWriter` into memory in slices between event-loop turns, so clients
 * are served while it is made. `done` gets the whole payload, or the reason it failed.
 */
export class SyncSnapshot {
  private readonly snapshot: Snapshot
  private readonly writer: RdbWriter
  private readonly chunks: Array<Uint8Array> = []
  private currentDb = -1
  private timer: ReturnType<typeof setTimeout> | null = null
  private finished = false

  constructor(
    keyspace: Keyspace,
    private readonly options: RdbWriteOptions,
    aux: ReadonlyArray<readonly [string, string]>,
    private readonly done: (result: Buffer | Error) => void
  ) {
    this.writer = new RdbWriter(options)
    this.snapshot = Snapshot.start(keyspace, {
      captureModule: (value) => new CapturedModuleValue(dumpPayload(value, options))
    })
    this.writer.header(aux)
    this.timer = setTimeout(this.step, 0)
  }

  cancel(): void {
    if (this.finished) return
    this.finished = true
    if (this.timer !== null) clearTimeout(this.timer)
    this.snapshot.cancel()
  }

  private readonly visit = (db: number, key: string, value: unknown, expireAt: number): void => {
    if (db !== this.currentDb) {
      this.currentDb = db
      const part = this.snapshot.currentDb!
      this.writer.selectDb(db, part.end - part.start, part.expires)
    }
    let saved = value as Value
    if (value instanceof CapturedModuleValue) {
      const restored = restorePayload(value.payload, { moduleTypes: this.options.moduleTypes })
      if (restored instanceof RestoreFailure) throw new Error(`Error saving a module value: ${restored.message}`)
      saved = restored
    }
    this.writer.entry(key, saved, expireAt)
  }

  private readonly step = (): void => {
    this.timer = null
    if (this.finished) return
    try {
      const start = performance.now()
      let complete: boolean
      do complete = this.snapshot.next(KEYS_PER_CHECK, this.visit)
      while (!complete && performance.now() - start < SLICE_MS)
      if (complete) this.writer.footer()
      for (const chunk of this.writer.drain()) this.chunks.push(chunk)
      if (!complete) {
        this.timer = setTimeout(this.step, PAUSE_MS)
        return
      }
      this.finished = true
      this.done(Buffer.concat(this.chunks))
    } catch (e) {
      this.finished = true
      this.snapshot.cancel()
      this.done(e instanceof Error ? e : new Error(String(e)))
    }
  }
}
