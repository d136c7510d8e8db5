/**
 * What commands and the server reach of persistence (`src/persistence/`): SAVE, BGSAVE, LASTSAVE,
 * FLUSHALL's save, SHUTDOWN's save and DEBUG RELOAD. Replies are built by the commands; these
 * return Valkey's texts.
 */

/** SHUTDOWN's flags (server.h `SHUTDOWN_*`), also the `shutdown-on-sigterm`/`-sigint` bits. */
export const SHUTDOWN_NOFLAGS = 0
export const SHUTDOWN_SAVE = 1
export const SHUTDOWN_NOSAVE = 2
export const SHUTDOWN_NOW = 4
export const SHUTDOWN_FORCE = 8

/** A command's outcome: a status line to reply, or an error text (with its code, "ERR ..."). */
export type PersistenceOutcome = { readonly status: string } | { readonly error: string }

export interface PersistenceControl {
  /** SAVE (rdb.c `saveCommand`): null when saved, else the error text. */
  save(): string | null
  /** BGSAVE [SCHEDULE] (rdb.c `bgsaveCommand`). `inExec`: run from EXEC (it is then scheduled). */
  bgsave(schedule: boolean, inExec: boolean): PersistenceOutcome
  /** BGSAVE CANCEL. */
  bgsaveCancel(): PersistenceOutcome
  /** LASTSAVE: unix seconds of the last successful save. */
  lastSave(): number
  /** After FLUSHALL emptied every database (db.c `flushAllDataAndResetRDB`): stop a BGSAVE, save when save points exist. */
  flushedAll(): void
  /**
   * The save step of a shutdown (server.c `finishShutdown`): stops a BGSAVE, saves when save points
   * exist or SAVE is given (not with NOSAVE). False when the save failed and FORCE was not given:
   * the shutdown is refused.
   */
  beforeShutdown(flags: number): boolean
  /** DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE] (debug.c): null when done, else the error text. */
  debugReload(options: { readonly save: boolean; readonly flush: boolean; readonly merge: boolean }): string | null
  /**
   * Valkey's `writeCommandsDeniedByDiskError` for the RDB: the MISCONF error text when writes are
   * refused after a failed background save, else undefined.
   */
  writeDenied(): string | undefined
}
