import type { Log } from "../contracts/Log.js"
import type { Keyspace } from "../keyspace/Keyspace.js"
import type { ModuleTypeCodecs } from "./rdb/ModuleTypeCodecs.js"

/** The settings persistence reads, current at each use (CONFIG SET applies at once). */
export interface PersistenceSettings {
  /** `dir`: where the RDB file and its temp files go. */
  readonly dir: string
  readonly dbfilename: string
  readonly rdbcompression: boolean
  readonly rdbchecksum: boolean
  /** `rdb-version`: 11 (Valkey 8) or 10 (readable by Redis 7.0). */
  readonly rdbVersion: 10 | 11
  /** `save`: (seconds, changes) pairs; empty for `save ""`. */
  readonly savePoints: ReadonlyArray<readonly [number, number]>
  readonly stopWritesOnBgsaveError: boolean
  /** `rdb-key-save-delay`: microseconds to wait per key saved in the background (tests stretch a BGSAVE with it). */
  readonly rdbKeySaveDelay: number
  /** `extended-redis-compatibility`: "Redis" instead of "Valkey" in MISCONF. */
  readonly redisName: boolean
  /** `used-mem` for the RDB's AUX field. */
  readonly usedMemory: number
}

/** What persistence needs of the server: the keyspace, its settings, the log and the clock. */
export interface PersistenceHost {
  readonly keyspace: Keyspace
  readonly log: Log
  /** Unix ms (the server's clock). */
  readonly now: () => number
  /** When the server started: the "last save" until one happens (Valkey's `initServer`). */
  readonly startedAt: number
  settings(): PersistenceSettings
  /** The module data types that can be saved and loaded, when modules are loaded. */
  moduleTypes(): ModuleTypeCodecs | undefined
}
