import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Duration from "effect/Duration"
import { BlockOutcome, type BlockedClient, type BlockHandler } from "../blocking/BlockedClient.js"
import { Blocking } from "../blocking/Blocking.js"
import { isKeyword, NOT_INTEGER, parseInt64 } from "../commands/args.js"
import { clientInfoString } from "../commands/client.js"
import { type Admission, type CommandClient, type CommandSpec, defineCommand } from "../commands/CommandSpec.js"
import { subscribedModeGate } from "../commands/pubsub.js"
import { encodeCommand } from "../persistence/aof/encodeCommand.js"
import { rdbWriteOptionsFromConfig } from "../persistence/rdb/RdbWriter.js"
import { ProtocolError } from "../protocol/RespParser.js"
import { ErrorReply, OK, RawReply, type Reply, SimpleString } from "../protocol/Reply.js"
import { type ReplicaConnection, Replication, type ReplicationHost } from "../replication/Replication.js"
import type { Client } from "../server/Client.js"
import { setInfoHooks } from "../server/Info.js"
import type { Server } from "../server/Server.js"
import { VALKEY_VERSION } from "../server/Version.js"
import { propagateDeletions } from "./propagateDeletions.js"
import { registered } from "./registered.js"
import { ServerCore } from "./ServerCore.js"

const NO_REPLY = new RawReply("")
const READONLY = "READONLY You can't write against a read only replica."
const WAIT_ON_REPLICA =
  "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated."

/** A client as the primary writes the replication stream to it. */
const replicaConnection = (server: Server, client: Client): ReplicaConnection => ({
  id: client.id,
  get peerIp() {
    const addr = client.addr
    const colon = addr.lastIndexOf(":")
    return (colon === -1 ? addr : addr.slice(0, colon)).replace(/^\[(.*)\]$/, "$1")
  },
  write: (bytes) => {
    if (client.closed) return
    client.add(bytes)
    if (!client.pendingWrite) server.markPendingWrite(client)
    server.scheduleEndOfTick()
  },
  close: () => server.closeClient(client, false)
})

/** What a blocked WAIT waits for: `numreplicas` acknowledgements of `offset`. */
interface WaitTarget {
  readonly offset: number
  readonly numreplicas: number
}

/**
 * Replication wired into the server: the propagator feeds the stream while a backlog exists, the
 * replication commands (REPLICAOF/SLAVEOF, SYNC, PSYNC, REPLCONF, WAIT, ROLE), the READONLY gate of
 * a replica, the primary client that runs the primary's stream, INFO replication, and the once a
 * second replication cron.
 */
export class Replicating extends Context.Service<Replicating, Replication>()("keyfiber/Replication") {
  static readonly make = Effect.gen(function* () {
    const server = yield* ServerCore
    const engine = yield* Blocking
    const config = server.config
    const keyspace = server.keyspace
    const propagation = server.propagation
    /** The client running the primary's stream (Valkey's `server.primary`), while the link is up. */
    let primary: Client | null = null
    /** True while the primary client runs a command of the stream. */
    let applying = false
    /** The database of the last primary client, for a stream that continues (+CONTINUE). */
    let cachedDb = 0
    /** The client whose command runs now, for its WAIT offset (Valkey's `c->woff`). */
    let current: object | null = null
    const writeOffsets = new WeakMap<object, number>()
    /** Adds or removes the READONLY gate as the role and backlog change. */
    let syncGate = (): void => {}
    const waiting = new Set<BlockedClient>()
    let replication: Replication

    const host: ReplicationHost = {
      keyspace,
      log: server.log,
      now: server.now,
      config,
      rdbOptions: () => rdbWriteOptionsFromConfig(config, server.moduleTypes ?? undefined),
      rdbAux: () => [
        ["valkey-ver", VALKEY_VERSION],
        ["redis-bits", "64"],
        ["ctime", String(Math.floor(Date.now() / 1000))],
        ["used-mem", String(keyspace.eviction.usedMemory)],
        ["repl-stream-db", "0"],
        ["repl-id", replication.replid],
        ["repl-offset", String(replication.offset)],
        ["aof-base", "0"]
      ],
      setFeeding: (on) => {
        if (on) {
          propagation.attach(sink, "replicas")
          propagateDeletions(server)
        } else {
          propagation.detach(sink)
          if (!propagation.enabled) keyspace.propagateDeletion = null
        }
        syncGate()
      },
      disconnectAllBlockedClients: () => {
        for (const client of engine.disconnectAllBlockedClients()) (client as Client).closeAfterReply = true
      },
      createPrimaryClient: (fullSync) => {
        const client = server.createClient(null)
        client.authenticated = true
        client.denyBlocking = true
        client.replicationRole = "primary"
        // Valkey's `mustObeyClient`: the primary's XADD/XTRIM trim exactly as it propagated them.
        client.mustObey = true
        // A continued stream goes on in the database the lost link was in (Valkey keeps the
        // primary client itself as `cached_primary`); after a full sync it starts with a SELECT.
        client.db = fullSync ? 0 : cachedDb
        primary = client
      },
      freePrimaryClient: () => {
        const client = primary
        primary = null
        if (client !== null) {
          cachedDb = client.db
          server.freeClient(client)
        }
      },
      applyStream: (chunk) => {
        const client = primary
        if (client === null) return
        client.parser.push(chunk, chunk.length)
        applyPending(client)
      },
      acksChanged: () => {
        for (const record of Array.from(waiting)) {
          const target = record.data as WaitTarget
          if (replication.countAcks(target.offset) >= target.numreplicas) engine.complete(record, BlockOutcome.Served)
        }
      }
    }
    replication = new Replication(host)
    const sink = (db: number, argv: ReadonlyArray<string>): void => {
      replication.feed(db, argv)
      if (current !== null) writeOffsets.set(current, replication.offset)
    }

    /** Runs the complete commands the primary sent (Valkey's primary client: no replies, no blocking). */
    const applyPending = (client: Client): void => {
      const dispatcher = server.dispatcher
      applying = true
      try {
        while (!client.closed && primary === client) {
          const before = client.parser.pendingBytes
          let argv: Array<string> | undefined
          try {
            argv = client.parser.next()
          } catch (e) {
            if (!(e instanceof ProtocolError)) throw e
            server.log("warning", `Protocol error from the primary: ${e.message}`)
            break
          }
          if (argv === undefined) break
          const consumed = before - client.parser.pendingBytes
          const spec = dispatcher.lookup(argv)
          if (typeof spec === "string") {
            server.log("warning", `Command from the primary failed: ${spec}`)
          } else if (client.multi !== null && spec.name !== "exec" && spec.name !== "discard" && spec.name !== "multi") {
            client.multi.queue.push({ spec, argv })
          } else {
            client.lastCommand = spec.fullName
            client.commandsProcessed++
            dispatcher.call(client, spec, argv)
            server.blocker?.serveReadyKeys()
          }
          client.replies!.length = 0
          client.lastInteraction = server.now()
          // The stream is Valkey's canonical multibulk: re-encoding gives the bytes read.
          replication.applied(consumed === 0 ? "" : encodeCommand(argv))
        }
      } finally {
        applying = false
      }
      server.scheduleEndOfTick()
    }

    const becameReplica = () => {
      keyspace.replicaExpiry = () => applying
      syncGate()
    }

    // A blocked WAIT: replies how many replicas acknowledged, when enough did or at its timeout.
    let waitSpec: CommandSpec | undefined
    const waitHandler: BlockHandler = {
      mayTimeout: true,
      completed: (record, outcome) => {
        waiting.delete(record)
        if (outcome === BlockOutcome.Disconnected || outcome === BlockOutcome.UnblockedError) return
        const target = record.data as WaitTarget
        const reply = replication.countAcks(target.offset)
        const client = record.client as Client
        client.reply(reply)
        if (waitSpec !== undefined) server.countCompleted(waitSpec, reply, client, ["wait"])
      }
    }

    const clientOf = (c: CommandClient): Client => c as Client

    const replicaofCommand = (name: string) =>
      defineCommand({
        name,
        arity: 3,
        flags: ["admin", "noscript", "stale", "no_async_loading"],
        group: "server",
        summary: "Configures a server as replica of another, or promotes it to a primary.",
        since: name === "slaveof" ? "1.0.0" : "5.0.0",
        aclCategories: ["@admin", "@slow", "@dangerous"],
        run: (c, argv): Reply => {
          const client = clientOf(c)
          if (isKeyword(argv[1], "no") && isKeyword(argv[2], "one")) {
            if (replication.isReplica) {
              replication.unsetPrimary()
              keyspace.replicaExpiry = null
              syncGate()
              server.log("notice", `PRIMARY MODE enabled (user request from '${clientInfoString(client, argv)}')`)
            }
            return OK
          }
          if (replication.replicas.get(client.id)?.state != null) return new ErrorReply("ERR Command is not valid when client is a replica.")
          const port = parseInt64(argv[2])
          if (typeof port !== "number" || port < 0 || port > 65535) return new ErrorReply("ERR Invalid master port")
          if (replication.primaryHost !== null && replication.primaryHost.toLowerCase() === argv[1].toLowerCase() && replication.primaryPort === port) {
            server.log("notice", "REPLICAOF would result into synchronization with the primary we are already connected with. No operation performed.")
            return new SimpleString("OK Already connected to specified master")
          }
          replication.setPrimary(argv[1], port)
          becameReplica()
          server.log("notice", `REPLICAOF ${argv[1]}:${port} enabled (user request from '${clientInfoString(client, argv)}')`)
          return OK
        }
      })

    const syncCommand = (name: "sync" | "psync", arity: number) =>
      defineCommand({
        name,
        arity,
        flags: ["admin", "noscript", "no_async_loading", "no_multi"],
        group: "server",
        summary: "An internal command used in replication.",
        since: name === "sync" ? "1.0.0" : "2.8.0",
        aclCategories: ["@admin", "@slow", "@dangerous"],
        run: (c, argv): Reply => {
          const client = clientOf(c)
          if (client.socket === null) return new ErrorReply("ERR Replica can't be an in-process client")
          if (primary === client) return NO_REPLY
          const error = replication.sync(replicaConnection(server, client), argv)
          if (error !== null) return new ErrorReply(error)
          client.replicationRole = "replica"
          return NO_REPLY
        }
      })

    const parseWaitTimeout = (arg: string): number | ErrorReply => {
      const ms = parseInt64(arg)
      if (typeof ms !== "number") return new ErrorReply("ERR timeout is not an integer or out of range")
      if (ms < 0) return new ErrorReply("ERR timeout is negative")
      return ms
    }

    server.commands.registerAll([
      replicaofCommand("replicaof"),
      replicaofCommand("slaveof"),
      syncCommand("sync", 1),
      syncCommand("psync", -3),
      defineCommand({
        name: "replconf",
        arity: -1,
        flags: ["admin", "noscript", "loading", "stale", "allow_busy"],
        group: "server",
        summary: "An internal command for configuring the replication stream.",
        since: "3.0.0",
        aclCategories: ["@admin", "@slow", "@dangerous"],
        run: (c, argv): Reply => {
          const client = clientOf(c)
          const answer = replication.replconf(replicaConnection(server, client), argv.slice(1))
          if (answer === null || client === primary) return NO_REPLY
          return answer === "ok" ? OK : new ErrorReply(answer)
        }
      }),
      defineCommand({
        name: "wait",
        arity: 3,
        flags: ["blocking"],
        group: "generic",
        summary: "Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.",
        since: "3.0.0",
        aclCategories: ["@slow", "@connection"],
        run: (c, argv): Reply => {
          const client = clientOf(c)
          if (replication.isReplica) return new ErrorReply(WAIT_ON_REPLICA)
          const numreplicas = parseInt64(argv[1])
          if (typeof numreplicas !== "number") return new ErrorReply(NOT_INTEGER)
          const timeout = parseWaitTimeout(argv[2])
          if (timeout instanceof ErrorReply) return timeout
          const offset = writeOffsets.get(client) ?? 0
          const acked = replication.countAcks(offset)
          if (acked >= numreplicas || client.denyBlocking || client.multi !== null) return acked
          const record = engine.blockClient(client, {
            deadline: timeout === 0 ? 0 : server.now() + timeout,
            handler: waitHandler,
            data: { offset, numreplicas } satisfies WaitTarget
          })
          waiting.add(record)
          replication.requestAcks()
          return NO_REPLY
        }
      }),
      defineCommand({
        name: "role",
        arity: 1,
        flags: ["noscript", "loading", "stale", "fast"],
        group: "server",
        summary: "Returns the replication role.",
        since: "2.8.12",
        aclCategories: ["@admin", "@fast", "@dangerous"],
        run: (): Reply => replication.role() as Reply
      })
    ])
    waitSpec = server.commands.lookup("wait")
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        for (const name of ["replicaof", "slaveof", "sync", "psync", "replconf", "wait", "role"]) server.commands.unregister(name)
      })
    )

    // A read-only replica refuses writes from its clients (server.c `processCommand`), before the
    // Pub/Sub-context check; the primary's stream is not gated.
    const readOnlyGate: Admission = (c, spec) => {
      if (replication.backlog !== null) current = c
      if (!replication.isReplica || c === primary || !config.get<boolean>("replica-read-only")) return undefined
      if (spec.flags.includes("write")) return READONLY
      if (spec.name === "exec" && c.multi !== null) for (const queued of c.multi.queue) if (queued.spec.flags.includes("write")) return READONLY
      return undefined
    }
    // `replica-serve-stale-data no`: while the link is down only commands flagged `stale` run (after
    // the Pub/Sub-context check in processCommand).
    const staleGate: Admission = (c, spec) => {
      if (!replication.isReplica || replication.linkState === "connected" || config.get<boolean>("replica-serve-stale-data")) return undefined
      const stale = spec.flags.includes("stale") && !(spec.name === "exec" && c.multi !== null && c.multi.queue.some((q) => !q.spec.flags.includes("stale")))
      return stale ? undefined : "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
    }
    // `min-replicas-to-write`: a primary without enough replicas that acknowledged within
    // `min-replicas-max-lag` seconds refuses writes (server.c `checkGoodReplicasStatus`), after the
    // disk-error check and before READONLY.
    const goodReplicasGate: Admission = (c, spec) => {
      if (replication.isReplica) return undefined
      const toWrite = config.get<number>("min-replicas-to-write")
      if (toWrite === 0 || config.get<number>("min-replicas-max-lag") === 0 || replication.goodReplicas() >= toWrite) return undefined
      const write = spec.flags.includes("write") || (spec.name === "exec" && c.multi !== null && c.multi.queue.some((q) => q.spec.flags.includes("write")))
      return write ? "NOREPLICAS Not enough good replicas to write." : undefined
    }
    // Registered only while this server is a replica, feeds a backlog or wants replicas to write:
    // otherwise commands do not pay for them.
    let unregisterGate: (() => void) | null = null
    syncGate = () => {
      const needed = replication.isReplica || replication.backlog !== null || config.get<number>("min-replicas-to-write") > 0
      if (needed && unregisterGate === null) {
        const a = server.hooks.admissions.addHook(readOnlyGate, subscribedModeGate)
        const b = server.hooks.admissions.addHook(goodReplicasGate, readOnlyGate)
        const d = server.hooks.admissions.addHook(staleGate)
        unregisterGate = () => {
          a()
          b()
          d()
        }
      } else if (!needed && unregisterGate !== null) {
        unregisterGate()
        unregisterGate = null
        current = null
      }
    }
    syncGate()
    yield* registered(() => unregisterGate?.())
    yield* registered(
      config.changeListeners.addHook((names) => {
        if (names.includes("min-replicas-to-write")) syncGate()
        if (names.includes("repl-backlog-size")) replication.resizeBacklog()
      })
    )
    yield* registered(server.hooks.disconnect.addHook((client) => {
      if (client === primary) {
        // CLIENT KILL of the primary client: the link is lost and comes back with PSYNC.
        cachedDb = client.db
        primary = null
        replication.primaryClientKilled()
      }
      replication.connectionClosed(client.id)
    }))
    setInfoHooks(server, { replication: () => replication.infoFields() })

    // `replicaof <host> <port>` in the config file.
    const configured = config.get<string>("replicaof")
    if (configured !== "") {
      const [h, p] = configured.split(/\s+/)
      if (h !== undefined && p !== undefined && Number.isInteger(Number(p))) {
        replication.setPrimary(h, Number(p))
        becameReplica()
      }
    }

    yield* Effect.addFinalizer(() => Effect.sync(() => replication.close()))
    yield* Effect.sync(() => {
      replication.cron()
      server.endOfTick()
    }).pipe(Effect.andThen(Effect.sleep(Duration.seconds(1))), Effect.forever, Effect.forkScoped)
    return replication
  })

  static readonly layer = Layer.effect(Replicating, Replicating.make)
}
