import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { defineCommand } from "../commands/CommandSpec.js"
import { subscribedModeGate } from "../commands/pubsub.js"
import { Snapshot } from "../keyspace/Snapshot.js"
import type { Value } from "../keyspace/Value.js"
import { Aof } from "../persistence/aof/Aof.js"
import type { AofReplayer } from "../persistence/aof/AofLoader.js"
import { ErrorReply, SimpleString } from "../protocol/Reply.js"
import { setInfoHooks } from "../server/Info.js"
import type { Server } from "../server/Server.js"
import { VALKEY_VERSION } from "../server/Version.js"
import { registered } from "./registered.js"
import { ServerCore } from "./ServerCore.js"

/** Start-up stopped on the AOF (Valkey logs why and exits with status 1). */
export class AofStartupError extends Data.TaggedError("AofStartupError")<{ readonly message: string }> {}

/**
 * Valkey's fake AOF client (aof.c `createAOFClient`): runs the file's commands with no reply and
 * no blocking; MULTI queues until EXEC, as `loadSingleAppendOnlyFile` does.
 */
const aofReplayer = (server: Server): { readonly replayer: AofReplayer; readonly close: () => void } => {
  const client = server.createClient(null)
  client.denyBlocking = true
  const replayer: AofReplayer = {
    run: (argv) => {
      const spec = server.dispatcher.find(argv)
      if (typeof spec === "string") return false
      if (client.multi !== null && spec.name !== "exec") client.multi.queue.push({ spec, argv })
      else {
        server.nesting++
        try {
          spec.run(client, argv)
        } finally {
          server.nesting--
        }
      }
      client.discardOutput()
      return true
    },
    get inMulti() {
      return client.multi !== null
    },
    discardMulti: () => {
      client.multi = null
    },
    restore: (db: number, key: string, value: Value, expireAt: number) => {
      const keyspace = server.keyspace
      const entry = keyspace.dbs[db].raw(key)
      if (entry !== undefined) keyspace.dbs[db].remove(entry)
      keyspace.add(db, key, value, expireAt)
    }
  }
  return { replayer, close: () => server.freeClient(client) }
}

/**
 * The append-only file: propagated commands written per `appendfsync` before the tick's replies,
 * loaded at start with `appendonly yes` (Valkey's `loadDataFromDisk` AOF branch), turned on and off
 * by CONFIG SET, rewritten by BGREWRITEAOF and automatically on growth, in INFO persistence.
 */
export class AppendOnlyFile extends Context.Service<AppendOnlyFile, Aof>()("keyfiber/AppendOnlyFile") {
  static readonly make = Effect.gen(function* () {
    const server = yield* ServerCore
    const keyspace = server.keyspace
    const propagation = server.propagation
    let aof: Aof | null = null
    const flushBeforeReplies = () => aof!.flush(false)
    let unregisterFlush: (() => void) | null = null
    aof = new Aof({
      keyspace,
      log: server.log,
      now: server.now,
      config: server.config,
      attach: (feed) => {
        propagation.attach(feed)
        unregisterFlush = server.hooks.beforeReplies.fillSlot(flushBeforeReplies)
        // Keys removed by expiry or eviction are logged as DEL/UNLINK per `lazyfree-lazy-*`
        // (db.c `propagateDeletion`); outside a command each is a unit of its own (the keyspace's
        // `deletionDone` ends it, after the post-unit jobs).
        keyspace.propagateDeletion = (db, key, cause) => {
          const lazy = server.config.get<boolean>(cause === "expired" ? "lazyfree-lazy-expire" : "lazyfree-lazy-eviction")
          propagation.also(db, [lazy ? "UNLINK" : "DEL", key])
        }
      },
      detach: () => {
        propagation.detach()
        unregisterFlush?.()
        unregisterFlush = null
        keyspace.propagateDeletion = null
      },
      moduleTypes: () => server.moduleTypes ?? undefined,
      otherJobRunning: () => Snapshot.running(keyspace) !== undefined && !aof!.rewriteInProgress,
      rdbAux: () => [
        ["valkey-ver", VALKEY_VERSION],
        ["redis-bits", "64"],
        ["ctime", String(Math.floor(Date.now() / 1000))],
        ["used-mem", String(keyspace.eviction.usedMemory)]
      ]
    })
    const file = aof

    // Start-up, as Valkey's main: the manifest, the data (AOF branch of loadDataFromDisk), then the
    // incremental file opened for appending, history files removed.
    if (!file.loadManifestFromDisk()) return yield* Effect.fail(new AofStartupError({ message: "Bad AOF manifest" }))
    if (server.config.get<boolean>("appendonly")) {
      const { replayer, close } = aofReplayer(server)
      let loaded: boolean
      try {
        loaded = file.load(replayer)
      } finally {
        close()
      }
      if (!loaded) return yield* Effect.fail(new AofStartupError({ message: "Bad AOF" }))
    }
    if (!file.openOnServerStart()) return yield* Effect.fail(new AofStartupError({ message: "Can't open the AOF" }))
    file.delHistoryFiles()
    yield* Effect.addFinalizer(() => Effect.sync(() => file.shutdown()))

    // CONFIG SET appendonly (config.c `updateAppendonly`).
    yield* registered(server.hooks.appendonlyApply.fillSlot(() => {
      const enabled = server.config.get<boolean>("appendonly")
      if (!enabled && file.state !== "off") file.stop()
      else if (enabled && file.state === "off" && !file.start(server.nesting > 1)) return "Unable to turn on AOF. Check server logs."
      return undefined
    }))
    // Writes (and PING) are refused while the AOF cannot be written (server.c `processCommand`).
    // Valkey checks it after OOM and before the Pub/Sub-context check.
    yield* registered(
      server.hooks.admissions.addHook(
        (_client, spec) => (file.state !== "off" && (spec.flags.includes("write") || spec.name === "ping") ? file.writeDeniedError() : undefined),
        subscribedModeGate
      )
    )
    server.commands.register(
      defineCommand({
        name: "bgrewriteaof",
        arity: 1,
        flags: ["admin", "noscript", "no_async_loading"],
        group: "server",
        summary: "Asynchronously rewrites the append-only file to disk.",
        complexity: "O(1)",
        aclCategories: ["@admin", "@slow", "@dangerous"],
        run: () => {
          const result = file.bgrewriteaof(server.nesting > 1)
          return result.ok ? new SimpleString(result.text) : new ErrorReply(result.text)
        }
      })
    )
    setInfoHooks(server, { aofInfo: () => file.info(), aofInfoEnabled: () => file.infoEnabled() })
    // serverCron's AOF work, `hz` times per second; the writes themselves happen before replies.
    yield* Effect.sync(() => {
      file.cron()
      file.flush(false)
    }).pipe(
      Effect.andThen(Effect.suspend(() => Effect.sleep(Duration.millis(1000 / server.config.get<number>("hz"))))),
      Effect.forever,
      Effect.forkScoped
    )
    return file
  })

  static readonly layer = Layer.effect(AppendOnlyFile, AppendOnlyFile.make)
}
