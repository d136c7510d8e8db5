import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Admission } from "../commands/CommandSpec.js"
import { subscribedModeGate } from "../commands/pubsub.js"
import { Persistence, PersistenceLoadError } from "../persistence/Persistence.js"
import type { PersistenceHost, PersistenceSettings } from "../persistence/PersistenceHost.js"
import { LoadFailure, RdbPersistence } from "../persistence/RdbPersistence.js"
import { setInfoHooks } from "../server/Info.js"
import type { Server } from "../server/Server.js"
import { registered } from "./registered.js"
import { ServerCore } from "./ServerCore.js"

export interface PersistenceOptions {
  /** Load `dir/dbfilename` before the server starts listening (default true). */
  readonly load?: boolean
}

/** What persistence reads of the server: the keyspace, the log, the clock and the config. */
const hostOf = (server: Server): PersistenceHost => {
  const config = server.config
  return {
    keyspace: server.keyspace,
    log: server.log,
    now: server.now,
    startedAt: server.startedAt,
    settings: (): PersistenceSettings => ({
      dir: config.get<string>("dir"),
      dbfilename: config.get<string>("dbfilename"),
      rdbcompression: config.get<boolean>("rdbcompression"),
      rdbchecksum: config.get<boolean>("rdbchecksum"),
      rdbVersion: config.get<number>("rdb-version") === 10 ? 10 : 11,
      savePoints: config.get<ReadonlyArray<readonly [number, number]>>("save"),
      stopWritesOnBgsaveError: config.get<boolean>("stop-writes-on-bgsave-error"),
      rdbKeySaveDelay: config.get<number>("rdb-key-save-delay"),
      redisName: config.get<boolean>("extended-redis-compatibility"),
      usedMemory: server.keyspace.eviction.usedMemory
    }),
    // Module data types' rdb_save/rdb_load (set by the modules layer, which is built first).
    moduleTypes: () => server.moduleTypes ?? undefined
  }
}

/**
 * server.c `processCommand`'s disk-error check: after a failed background save (with save points
 * and `stop-writes-on-bgsave-error yes`), write commands, EXEC of a transaction holding one, and
 * PING are refused with MISCONF.
 */
const diskErrorGate =
  (persistence: RdbPersistence): Admission =>
  (client, spec) => {
    const denied = persistence.writeDenied()
    if (denied === undefined) return undefined
    if (spec.flags.includes("write") || spec.name === "ping") return denied
    if (spec.name === "exec" && client.multi !== null) {
      for (const queued of client.multi.queue) if (queued.spec.flags.includes("write")) return denied
    }
    return undefined
  }

/**
 * RDB persistence wired into the server: the file loaded before the listener starts (a bad file
 * fails the layer), SAVE/BGSAVE/... reaching it through the command host, the MISCONF gate, INFO
 * persistence, and the save points checked `hz` times per second like serverCron. A running
 * background save is stopped when the layer's scope closes.
 */
export const persistenceLayer = (options: PersistenceOptions = {}) =>
  Layer.effect(
    Persistence,
    Effect.gen(function* () {
      const server = yield* ServerCore
      const persistence = new RdbPersistence(hostOf(server))
      // Valkey's loadDataFromDisk: with `appendonly yes` the AOF is the data (its layer loads it).
      if (options.load !== false && !server.config.get<boolean>("appendonly")) {
        yield* Effect.try({
          try: () => persistence.loadAtStartup(),
          catch: (e) => new PersistenceLoadError({ message: e instanceof LoadFailure ? e.lines.join("\n") : String(e) })
        })
      }
      yield* registered(server.hooks.persistence.fillSlot(persistence))
      // Valkey's processCommand refuses writes on a disk error before the Pub/Sub-context check.
      yield* registered(server.hooks.admissions.addHook(diskErrorGate(persistence), subscribedModeGate))
      setInfoHooks(server, { persistence: () => persistence.infoFields() })
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          persistence.close()
        })
      )
      yield* Effect.sync(() => persistence.cron()).pipe(
        Effect.andThen(Effect.suspend(() => Effect.sleep(Duration.millis(1000 / server.config.get<number>("hz"))))),
        Effect.forever,
        Effect.forkScoped
      )
      return persistence
    })
  )
