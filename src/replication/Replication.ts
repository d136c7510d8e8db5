import { randomBytes } from "node:crypto"
import type { Log } from "../contracts/Log.js"
import type { Keyspace } from "../keyspace/Keyspace.js"
import { Snapshot } from "../keyspace/Snapshot.js"
import { encodeCommand } from "../persistence/aof/encodeCommand.js"
import type { RdbWriteOptions } from "../persistence/rdb/RdbWriter.js"
import { readRdb } from "../persistence/rdb/RdbReader.js"
import { RdbError } from "../persistence/rdb/RdbError.js"
import { PrimaryLink } from "./PrimaryLink.js"
import { ReplicationBacklog } from "./ReplicationBacklog.js"
import { SyncSnapshot } from "./SyncSnapshot.js"

/** A connection that asked for SYNC/PSYNC, as the primary writes to it. */
export interface ReplicaConnection {
  readonly id: number
  /** The peer's address, for INFO `slaveN:ip=` when the replica announced none. */
  readonly peerIp: string
  /** Queues bytes (a latin1 byte string) for the replica. */
  write(bytes: string): void
  /** Closes the connection (the server frees its client). */
  close(): void
}

/** What replication needs of the server; the replication layer implements it. */
export interface ReplicationHost {
  readonly keyspace: Keyspace
  readonly log: Log
  readonly now: () => number
  readonly config: { get<T>(name: string): T }
  rdbOptions(): RdbWriteOptions
  rdbAux(): ReadonlyArray<readonly [string, string]>
  /** Commands must reach `feed` (a backlog exists) or need not (propagation back to idle). */
  setFeeding(on: boolean): void
  /** Valkey's `disconnectAllBlockedClients`: this instance turns into a replica. */
  disconnectAllBlockedClients(): void
  /** The link to the primary is up: a fresh primary client runs what `applyStream` gets. */
  createPrimaryClient(fullSync: boolean): void
  /** The primary client goes away (link lost, REPLICAOF NO ONE, a new primary). */
  freePrimaryClient(): void
  /** Bytes of the primary's stream for the primary client to run; it calls `applied` per command. */
  applyStream(chunk: Buffer): void
  /** Tells blocked WAIT clients that a replica acknowledged an offset. */
  acksChanged(): void
}

/** Where a replica is in its synchronization (INFO `slaveN:state=`). */
type ReplicaState = "wait_bgsave_start" | "wait_bgsave_end" | "online"

/** A replica as its primary tracks it (Valkey's replica fields of `client`). */
export class Replica {
  state: ReplicaState | null = null
  listeningPort = 0
  announcedIp: string | null = null
  capaEof = false
  capaPsync2 = false
  /** Came with SYNC, not PSYNC (Valkey's `pre_psync`). */
  prePsync = false
  /** The last offset it acknowledged (`repl_ack_off`) and when (`repl_ack_time`, unix ms). */
  ackOffset = 0
  ackTime = 0
  /** The stream fed while its RDB is being made, sent after it. */
  pending: Array<string> = []
  constructor(readonly connection: ReplicaConnection) {}
}

/** The replica side's state (`repl_state`), as INFO and ROLE name it. */
type LinkState = "connect" | "connecting" | "handshake" | "transfer" | "connected"

const ROLE_STATE: Record<LinkState, string> = {
  connect: "connect",
  connecting: "connecting",
  handshake: "handshake",
  transfer: "sync",
  connected: "connected"
}

const newReplid = (): string => randomBytes(20).toString("hex")
const NO_REPLID = "0000000000000000000000000000000000000000"
const PING = encodeCommand(["PING"])
const GETACK = encodeCommand(["REPLCONF", "GETACK", "*"])

/**
 * Replication as Valkey's replication.c: the primary side (replicas, SYNC/PSYNC with FULLRESYNC
 * or CONTINUE from the backlog, the command stream, acknowledgements for WAIT) and the replica side
 * (REPLICAOF, the link to the primary, loading its RDB, the offset, ACKs, partial resync after a
 * lost link). One instance is one server's replication state: replid, replid2, the offset.
 */
export class Replication {
  replid = newReplid()
  replid2 = NO_REPLID
  /** `master_repl_offset`: the offset of the last byte of the replication stream. */
  offset = 0
  /** `second_repl_offset`: up to where `replid2` is valid (-1 when none). */
  secondReplOffset = -1
  backlog: ReplicationBacklog | null = null
  /** Replicas by client id: every connection that sent REPLCONF or SYNC. */
  readonly replicas = new Map<number, Replica>()
  /** The db the stream last SELECTed (-1: the next command selects). */
  private selectedDb = -1
  private job: SyncSnapshot | null = null
  private jobTimer: ReturnType<typeof setTimeout> | null = null
  /** When the last replica left (for `repl-backlog-ttl`), 0 while any is connected. */
  private noReplicasSince = 0
  private cronLoops = 0

  // ---- replica side ----
  primaryHost: string | null = null
  primaryPort = 0
  linkState: LinkState = "connect"
  private link: PrimaryLink | null = null
  /** The offset the primary client has applied (`master->reploff`); read offset is the same here. */
  private transferRead = 0
  private transferTotal = -1
  private transferLastIo = 0
  private linkDownSince = 0
  private lastIoFromPrimary = 0
  /** A cached primary for PSYNC after a lost link (`cached_primary`): its replid and offset. */
  private cached: { replid: string; offset: number } | null = null
  /** A full sync in progress: the replid and offset of `+FULLRESYNC`. */
  private syncTarget: { replid: string; offset: number } | null = null
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null

  constructor(private readonly host: ReplicationHost) {}

  /** The RDB of a full sync is being made (a snapshot of the keyspace is running). */
  get syncJobRunning(): boolean {
    return this.job !== null
  }

  get isReplica(): boolean {
    return this.primaryHost !== null
  }

  // ---- the stream ---------------------------------------------------------------------------

  /**
   * A propagated command (the propagator's sink; `db` -1 for no SELECT): appended to the backlog
   * and sent to the online replicas (replication.c `replicationFeedReplicas`). A replica feeds its
   * own replicas its primary's stream instead (`feedProxied`).
   */
  readonly feed = (db: number, argv: ReadonlyArray<string>): void => {
    if (this.backlog === null || this.primaryHost !== null) return
    let bytes = ""
    if (db !== -1 && db !== this.selectedDb) {
      bytes = encodeCommand(["SELECT", String(db)])
      this.selectedDb = db
    }
    this.feedRaw(bytes + encodeCommand(argv))
  }

  /** Bytes of the stream as they are: backlog, offset, replicas. */
  private feedRaw(bytes: string): void {
    const backlog = this.backlog
    if (backlog === null) return
    backlog.append(bytes)
    this.offset += bytes.length
    for (const replica of this.replicas.values()) {
      if (replica.state === "online") replica.connection.write(bytes)
      else if (replica.state === "wait_bgsave_end") replica.pending.push(bytes)
    }
  }

  // ---- the primary side ---------------------------------------------------------------------

  /** A connection went away: if it was a replica it is forgotten. */
  connectionClosed(id: number): void {
    const replica = this.replicas.get(id)
    if (replica === undefined) return
    this.replicas.delete(id)
    if (replica.state !== null) {
      this.host.log("notice", `Connection with replica ${this.replicaName(replica)} lost.`)
    }
    if (this.replicas.size === 0) this.noReplicasSince = this.host.now()
    this.host.acksChanged()
  }

  private replicaName(replica: Replica): string {
    const ip = replica.announcedIp ?? replica.connection.peerIp
    return `${ip}:${replica.listeningPort}`
  }

  private replicaOf(connection: ReplicaConnection): Replica {
    let replica = this.replicas.get(connection.id)
    if (replica === undefined) {
      replica = new Replica(connection)
      this.replicas.set(connection.id, replica)
      this.noReplicasSince = 0
    }
    return replica
  }

  /**
   * `REPLCONF <option> <value> ...` (replication.c `replconfCommand`): an error text, "ok" to reply
   * +OK, or null for no reply (ACK).
   */
  replconf(connection: ReplicaConnection, args: ReadonlyArray<string>): string | null {
    if (args.length % 2 !== 0) return "ERR syntax error"
    for (let i = 0; i < args.length; i += 2) {
      const option = args[i].toLowerCase()
      const value = args[i + 1]
      if (option === "listening-port") {
        const port = Number(value)
        if (!Number.isInteger(port)) return "ERR value is not an integer or out of range"
        this.replicaOf(connection).listeningPort = port
      } else if (option === "ip-address") {
        if (value.length > 46) return `ERR REPLCONF ip-address provided by replica instance is too long: ${value.length} bytes`
        this.replicaOf(connection).announcedIp = value
      } else if (option === "capa") {
        const replica = this.replicaOf(connection)
        if (value.toLowerCase() === "eof") replica.capaEof = true
        else if (value.toLowerCase() === "psync2") replica.capaPsync2 = true
      } else if (option === "ack" || option === "fack") {
        // Only a replica sends it, and it gets no reply (not even to a bad offset).
        const replica = this.replicas.get(connection.id)
        if (replica === undefined || replica.state === null) return null
        if (option === "ack") {
          const offset = Number(value)
          if (!Number.isSafeInteger(offset)) return null
          if (offset > replica.ackOffset) replica.ackOffset = offset
          replica.ackTime = this.host.now()
          this.host.acksChanged()
        }
        return null
      } else if (option === "getack") {
        // Sent by a primary to its replica: the primary client answers (see `sendAck`).
        if (this.primaryHost !== null) this.sendAck()
        return null
      } else if (option === "rdb-only" || option === "rdb-filter-only" || option === "version" || option === "rdb-channel") {
        // Accepted and not used.
      } else {
        return `ERR Unrecognized REPLCONF option: ${args[i]}`
      }
    }
    return "ok"
  }

  /**
   * `SYNC` or `PSYNC <replid> <offset>` (replication.c `syncCommand`): null when it was taken (the
   * replies are written to the connection), else an error text.
   */
  sync(connection: ReplicaConnection, argv: ReadonlyArray<string>): string | null {
    const existing = this.replicas.get(connection.id)
    if (existing !== undefined && existing.state !== null) return null
    if (this.primaryHost !== null && this.linkState !== "connected") return "NOMASTERLINK Can't SYNC while not connected with my master"
    const replica = this.replicaOf(connection)
    const psync = argv[0].toLowerCase() === "psync"
    if (psync && this.tryPartialResync(replica, argv[1], argv[2])) return null
    if (!psync) {
      // Old SYNC: the replica takes the RDB and then the stream, without a +FULLRESYNC line.
      replica.capaEof = false
      replica.prePsync = true
    }
    this.host.log("notice", `Replica ${this.replicaName(replica)} asks for synchronization`)
    if (this.backlog === null) {
      // The first replica: a new history starts (syncCommand's changeReplicationId).
      if (this.primaryHost === null) {
        this.replid = newReplid()
        this.replid2 = NO_REPLID
        this.secondReplOffset = -1
      }
      this.createBacklog()
    }
    replica.state = "wait_bgsave_start"
    replica.pending = []
    this.scheduleSyncJob(replica)
    return null
  }

  private createBacklog(): void {
    this.backlog = new ReplicationBacklog(this.host.config.get<number>("repl-backlog-size"), this.offset)
    this.host.setFeeding(true)
  }

  /** replication.c `primaryTryPartialResynchronization`. */
  private tryPartialResync(replica: Replica, replid: string, offsetText: string): boolean {
    const offset = Number(offsetText)
    if (!Number.isSafeInteger(offset)) return false
    const backlog = this.backlog
    const sameHistory = replid === this.replid || (replid === this.replid2 && offset <= this.secondReplOffset)
    if (!sameHistory) {
      if (replid !== "?") this.host.log("notice", `Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${replid}', my replication IDs are '${this.replid}' and '${this.replid2}')`)
      else this.host.log("notice", `Full resync requested by replica ${this.replicaName(replica)}`)
      return false
    }
    if (backlog === null || !backlog.covers(offset)) {
      this.host.log("notice", `Unable to partial resync with replica ${this.replicaName(replica)} for lack of backlog (Replica request was: ${offset}).`)
      return false
    }
    replica.state = "online"
    replica.ackTime = this.host.now()
    const connection = replica.connection
    connection.write(replica.capaPsync2 ? `+CONTINUE ${this.replid}\r\n` : "+CONTINUE\r\n")
    const rest = backlog.readFrom(offset)
    if (rest.length > 0) connection.write(rest)
    this.host.log(
      "notice",
      `Partial resynchronization request from ${this.replicaName(replica)} accepted. Sending ${rest.length} bytes of backlog starting from offset ${offset}.`
    )
    return true
  }

  /** Starts the RDB for waiting replicas: now, or after `repl-diskless-sync-delay` for diskless ones. */
  private scheduleSyncJob(replica: Replica): void {
    if (this.job !== null || this.jobTimer !== null) return
    const diskless = replica.capaEof && this.host.config.get<boolean>("repl-diskless-sync")
    const delay = diskless ? this.host.config.get<number>("repl-diskless-sync-delay") * 1000 : 0
    this.jobTimer = setTimeout(() => {
      this.jobTimer = null
      this.startSyncJob()
    }, delay)
  }

  private startSyncJob(): void {
    const waiting = Array.from(this.replicas.values()).filter((r) => r.state === "wait_bgsave_start")
    if (waiting.length === 0 || this.job !== null) return
    // One snapshot at a time (a BGSAVE or an AOF rewrite may run): try again shortly.
    if (Snapshot.running(this.host.keyspace) !== undefined) {
      this.jobTimer = setTimeout(() => {
        this.jobTimer = null
        this.startSyncJob()
      }, 100)
      return
    }
    // Every replica's stream starts with a SELECT after its RDB.
    this.selectedDb = -1
    const eofForm = waiting.every((r) => r.capaEof) && this.host.config.get<boolean>("repl-diskless-sync")
    for (const replica of waiting) {
      replica.state = "wait_bgsave_end"
      replica.pending = []
      if (!replica.prePsync) replica.connection.write(`+FULLRESYNC ${this.replid} ${this.offset}\r\n`)
    }
    this.host.log(
      "notice",
      `Starting BGSAVE for SYNC with target: ${eofForm ? "replicas sockets" : "disk"} using: normal sync`
    )
    let job: SyncSnapshot
    try {
      job = new SyncSnapshot(this.host.keyspace, this.host.rdbOptions(), this.host.rdbAux(), (result) => {
        if (this.job !== job) return
        this.job = null
        this.syncJobDone(waiting, result, eofForm)
      })
    } catch (e) {
      this.host.log("warning", `Can't BGSAVE for replication: ${e instanceof Error ? e.message : String(e)}`)
      for (const replica of waiting) replica.connection.close()
      return
    }
    this.job = job
  }

  private syncJobDone(replicas: ReadonlyArray<Replica>, result: Buffer | Error, eofForm: boolean): void {
    if (result instanceof Error) {
      this.host.log("warning", `Background RDB for replication failed: ${result.message}`)
      for (const replica of replicas) if (this.replicas.get(replica.connection.id) === replica) replica.connection.close()
    } else {
      const payload = result.toString("latin1", 0, result.length)
      for (const replica of replicas) {
        if (this.replicas.get(replica.connection.id) !== replica || replica.state !== "wait_bgsave_end") continue
        if (eofForm) {
          const mark = randomBytes(20).toString("hex")
          replica.connection.write(`$EOF:${mark}\r\n`)
          replica.connection.write(payload)
          replica.connection.write(mark)
        } else {
          replica.connection.write(`$${payload.length}\r\n`)
          replica.connection.write(payload)
        }
        for (const bytes of replica.pending) replica.connection.write(bytes)
        replica.pending = []
        replica.state = "online"
        replica.ackTime = this.host.now()
        this.host.log("notice", `Synchronization with replica ${this.replicaName(replica)} succeeded`)
      }
    }
    // Replicas that came while this one ran.
    if (Array.from(this.replicas.values()).some((r) => r.state === "wait_bgsave_start")) this.startSyncJob()
  }

  /** Replicas whose acknowledged offset reached `offset` (`replicationCountAcksByOffset`). */
  countAcks(offset: number): number {
    let n = 0
    for (const replica of this.replicas.values()) if (replica.state === "online" && replica.ackOffset >= offset) n++
    return n
  }

  /** WAIT asks the replicas where they are (`REPLCONF GETACK *`, sent before the next sleep). */
  requestAcks(): void {
    if (this.primaryHost !== null) return
    let any = false
    for (const replica of this.replicas.values()) if (replica.state === "online") any = true
    if (any) this.feedRaw(GETACK)
  }

  /** Closes every replica connection (`disconnectReplicas`): they reconnect and resync. */
  disconnectReplicas(): void {
    for (const replica of Array.from(this.replicas.values())) if (replica.state !== null) replica.connection.close()
  }

  /**
   * Once a second (replicationCron): PING into the stream every `repl-ping-replica-period`
   * seconds, newlines to replicas waiting for their RDB, the backlog freed after
   * `repl-backlog-ttl` without replicas, ACKs to our primary, reconnecting to it.
   */
  cron(): void {
    this.cronLoops++
    const config = this.host.config
    // CONFIG SET repl-backlog-size takes effect here.
    if (this.backlog !== null && this.backlog.size !== config.get<number>("repl-backlog-size")) this.resizeBacklog()
    const now = this.host.now()
    if (this.primaryHost === null) {
      const period = config.get<number>("repl-ping-replica-period")
      if (this.replicas.size > 0 && this.cronLoops % period === 0) {
        let online = false
        for (const replica of this.replicas.values()) if (replica.state === "online") online = true
        if (online) this.feedRaw(PING)
      }
    }
    for (const replica of this.replicas.values()) {
      if (replica.state === "wait_bgsave_start" || replica.state === "wait_bgsave_end") replica.connection.write("\n")
    }
    // Replicas that stopped acknowledging for `repl-timeout` seconds are dropped; a pre-PSYNC one
    // (SYNC) never acknowledges, so it is never timed out (replication.c `replicationCron`).
    const timeout = config.get<number>("repl-timeout") * 1000
    for (const replica of Array.from(this.replicas.values())) {
      if (replica.state === "online" && !replica.prePsync && replica.ackTime !== 0 && now - replica.ackTime > timeout) {
        this.host.log("warning", `Disconnecting timedout replica (streaming sync): ${this.replicaName(replica)}`)
        replica.connection.close()
      }
    }
    const ttl = config.get<number>("repl-backlog-ttl")
    if (
      this.primaryHost === null &&
      this.backlog !== null &&
      this.replicas.size === 0 &&
      ttl > 0 &&
      this.noReplicasSince !== 0 &&
      now - this.noReplicasSince > ttl * 1000
    ) {
      // A new history: nobody can continue the old one without the backlog.
      this.replid = newReplid()
      this.replid2 = NO_REPLID
      this.secondReplOffset = -1
      this.freeBacklog()
      this.host.log("notice", `Replication backlog freed after ${ttl} seconds without connected replicas.`)
    }
    if (this.primaryHost !== null) {
      if (this.linkState === "connected") this.sendAck()
      else if (this.link === null && this.reconnectTimer === null) this.connectToPrimary()
      // A link that says nothing for `repl-timeout` is dead (the primary PINGs every period).
      if (this.linkState === "connected" && now - this.lastIoFromPrimary > timeout) {
        this.host.log("warning", "PRIMARY timeout: no data nor PING received...")
        this.linkLost()
      }
    }
  }

  /** `CONFIG SET repl-backlog-size`. */
  resizeBacklog(): void {
    this.backlog?.resize(this.host.config.get<number>("repl-backlog-size"), this.offset)
  }

  private freeBacklog(): void {
    this.backlog = null
    this.host.setFeeding(false)
  }

  // ---- the replica side ---------------------------------------------------------------------

  /**
   * `REPLICAOF host port` (replication.c `replicationSetPrimary`): blocked clients are unblocked
   * with an error, any link to another primary is dropped, and the replica starts connecting. The
   * data set stays until the new primary's RDB replaces it; our own history is kept as a cached
   * primary, so a primary that was our replica can continue us with PSYNC.
   */
  setPrimary(host: string, port: number): void {
    const wasPrimary = this.primaryHost === null
    // The history we hold (our own, or the old primary's we applied) is what PSYNC offers.
    if (wasPrimary || this.linkState === "connected") this.cached = { replid: this.replid, offset: this.offset }
    this.dropLink()
    this.primaryHost = null
    this.host.disconnectAllBlockedClients()
    this.primaryHost = host
    this.primaryPort = port
    this.linkState = "connect"
    this.linkDownSince = this.host.now()
    this.host.log("notice", `Connecting to PRIMARY ${host}:${port}`)
    this.connectToPrimary()
  }

  /** `REPLICAOF NO ONE` (`replicationUnsetPrimary`): keep the data, start a new history. */
  unsetPrimary(): void {
    if (this.primaryHost === null) return
    this.host.log("notice", "Connection with primary lost.")
    this.dropLink()
    this.primaryHost = null
    this.primaryPort = 0
    this.cached = null
    this.syncTarget = null
    // shiftReplicationId: the inherited history stays valid up to here as replid2.
    this.replid2 = this.replid
    this.secondReplOffset = this.offset + 1
    this.replid = newReplid()
    this.host.log("notice", `Setting secondary replication ID to ${this.replid2}, valid up to offset: ${this.secondReplOffset}. New replication ID is ${this.replid}`)
    this.disconnectReplicas()
    this.selectedDb = -1
    this.linkState = "connect"
  }

  private dropLink(): void {
    if (this.reconnectTimer !== null) {
      clearTimeout(this.reconnectTimer)
      this.reconnectTimer = null
    }
    if (this.link !== null) {
      this.link.close()
      this.link = null
    }
    if (this.linkState === "connected") this.host.freePrimaryClient()
  }

  private connectToPrimary(): void {
    const host = this.primaryHost
    if (host === null || this.link !== null) return
    this.linkState = "connecting"
    const config = this.host.config
    const link: PrimaryLink = new PrimaryLink(
      host,
      this.primaryPort,
      () => {
        const psync: readonly [string, string] =
          this.cached !== null ? [this.cached.replid, String(this.cached.offset + 1)] : ["?", "-1"]
        if (this.cached !== null) this.host.log("notice", `Trying a partial resynchronization (request ${psync[0]}:${psync[1]}).`)
        else this.host.log("notice", "Partial resynchronization not possible (no cached primary)")
        return {
          masteruser: config.get<string>("masteruser") || null,
          masterauth: config.get<string>("masterauth") || null,
          listeningPort: config.get<number>("replica-announce-port") || config.get<number>("port"),
          announceIp: config.get<string>("replica-announce-ip") || null,
          psync
        }
      },
      {
        handshaking: () => {
          if (this.link === link) this.linkState = "handshake"
        },
        fullResync: (replid, offset) => {
          if (this.link !== link) return
          this.linkState = "transfer"
          this.syncTarget = { replid, offset }
          this.transferLastIo = this.host.now()
        },
        transferProgress: (read, total) => {
          this.transferRead = read
          this.transferTotal = total
          this.transferLastIo = this.host.now()
        },
        rdbLoaded: (rdb) => {
          if (this.link === link) this.loadFromPrimary(link, rdb)
        },
        continued: (replid) => {
          if (this.link === link) this.continued(replid)
        },
        stream: (chunk) => {
          if (this.link !== link || this.linkState !== "connected") return
          this.lastIoFromPrimary = this.host.now()
          this.host.applyStream(chunk)
        },
        lost: (reason) => {
          if (this.link !== link) return
          this.host.log("warning", reason)
          this.linkLost()
        },
        log: (level, message) => this.host.log(level, message)
      },
      config.get<number>("repl-timeout") * 1000
    )
    this.link = link
  }

  /** The link broke: keep the primary as cached (its replid and our offset) and reconnect soon. */
  private linkLost(): void {
    const wasConnected = this.linkState === "connected"
    if (this.link !== null) {
      this.link.close()
      this.link = null
    }
    if (wasConnected) {
      this.host.freePrimaryClient()
      this.cached = { replid: this.replid, offset: this.offset }
      this.linkDownSince = this.host.now()
    }
    this.syncTarget = null
    this.linkState = "connect"
    if (this.primaryHost !== null && this.reconnectTimer === null) {
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null
        this.connectToPrimary()
      }, 1000)
    }
  }

  /** The RDB of a full resync arrived (`readSyncBulkPayload`): it replaces the data set. */
  private loadFromPrimary(link: PrimaryLink, rdb: Buffer): void {
    const target = this.syncTarget
    if (target === null) return
    this.host.log("notice", "PRIMARY <-> REPLICA sync: Flushing old data")
    // A new history for our own replicas too: they must resync from us.
    this.disconnectReplicas()
    const keyspace = this.host.keyspace
    keyspace.flushAll()
    this.host.log("notice", "PRIMARY <-> REPLICA sync: Loading DB in memory")
    let loaded = 0
    try {
      readRdb(
        rdb,
        {
          entry: (db, key, value, expireAt) => {
            if (db >= keyspace.dbs.length) throw new Error(`FATAL: Data file was created with a Valkey server configured to handle more than ${keyspace.dbs.length} databases.`)
            // A replica keeps keys past their TTL: the primary's DEL removes them.
            const existing = keyspace.dbs[db].raw(key)
            if (existing !== undefined) keyspace.dbs[db].remove(existing)
            keyspace.add(db, key, value, expireAt)
            loaded++
          }
        },
        { moduleTypes: this.host.rdbOptions().moduleTypes }
      )
    } catch (e) {
      this.host.log("warning", `Failed trying to load the PRIMARY synchronization DB from socket: ${e instanceof RdbError ? e.message : e instanceof Error ? e.message : String(e)}`)
      keyspace.flushAll()
      this.linkLost()
      return
    }
    this.host.log("notice", `Done loading RDB, keys loaded: ${loaded}, keys expired: 0.`)
    this.replid = target.replid
    this.offset = target.offset
    this.replid2 = NO_REPLID
    this.secondReplOffset = -1
    this.syncTarget = null
    this.cached = null
    if (this.backlog !== null) this.freeBacklog()
    this.createBacklog()
    this.linkUp(true)
    this.host.log("notice", "PRIMARY <-> REPLICA sync: Finished with success")
    // The primary starts a diskless replica's stream on its first ACK: send it now.
    if (link === this.link) this.sendAck()
  }

  /** `+CONTINUE [<replid>]`: the data set stays; a new replid shifts ours into replid2. */
  private continued(replid: string | null): void {
    const cached = this.cached ?? { replid: this.replid, offset: this.offset }
    if (replid !== null && replid !== cached.replid) {
      this.replid2 = cached.replid
      this.secondReplOffset = cached.offset + 1
      this.replid = replid
      this.host.log("notice", `Primary replication ID changed to ${replid}`)
      this.disconnectReplicas()
    } else {
      this.replid = cached.replid
    }
    this.offset = cached.offset
    this.cached = null
    if (this.backlog === null) this.createBacklog()
    this.linkUp(false)
  }

  private linkUp(fullSync: boolean): void {
    this.linkState = "connected"
    this.lastIoFromPrimary = this.host.now()
    this.linkDownSince = 0
    this.host.createPrimaryClient(fullSync)
    if (!fullSync) this.host.log("notice", "PRIMARY <-> REPLICA sync: Primary accepted a Partial Resynchronization.")
  }

  /** The primary client was killed (CLIENT KILL): the link is lost, and resumed with PSYNC. */
  primaryClientKilled(): void {
    if (this.linkState === "connected") this.linkLost()
  }

  /**
   * The primary client ran one command of the stream, `bytes` long (its offset moves; Valkey's
   * `commandProcessed`), and our own replicas get the same bytes (`replicationFeedStreamFromPrimaryStream`).
   */
  applied(bytes: string): void {
    const backlog = this.backlog
    if (backlog === null) {
      this.offset += bytes.length
      return
    }
    this.feedRawProxied(bytes)
  }

  private feedRawProxied(bytes: string): void {
    this.backlog!.append(bytes)
    this.offset += bytes.length
    for (const replica of this.replicas.values()) {
      if (replica.state === "online") replica.connection.write(bytes)
      else if (replica.state === "wait_bgsave_end") replica.pending.push(bytes)
    }
  }

  /** `REPLCONF ACK <offset>` to the primary (`replicationSendAck`). */
  sendAck(): void {
    this.link?.write(encodeCommand(["REPLCONF", "ACK", String(this.offset)]))
  }

  // ---- INFO and ROLE ------------------------------------------------------------------------

  /** INFO replication's fields in Valkey 8's order (server.c `genValkeyInfoString`). */
  infoFields(): Array<readonly [string, string | number]> {
    const now = this.host.now()
    const config = this.host.config
    const out: Array<readonly [string, string | number]> = [["role", this.primaryHost === null ? "master" : "slave"]]
    if (this.primaryHost !== null) {
      const connected = this.linkState === "connected"
      out.push(
        ["master_host", this.primaryHost],
        ["master_port", this.primaryPort],
        ["master_link_status", connected ? "up" : "down"],
        ["master_last_io_seconds_ago", connected ? Math.floor((now - this.lastIoFromPrimary) / 1000) : -1],
        ["master_sync_in_progress", this.linkState === "transfer" ? 1 : 0],
        ["slave_read_repl_offset", connected || this.cached !== null ? this.offset : 1],
        ["slave_repl_offset", connected || this.cached !== null ? this.offset : 1],
        ["replicas_repl_buffer_size", 0],
        ["replicas_repl_buffer_peak", 0]
      )
      if (this.linkState === "transfer") {
        const total = Math.max(0, this.transferTotal)
        out.push(
          ["master_sync_total_bytes", this.transferTotal],
          ["master_sync_read_bytes", this.transferRead],
          ["master_sync_left_bytes", this.transferTotal - this.transferRead],
          ["master_sync_perc", (total === 0 ? 0 : (this.transferRead / total) * 100).toFixed(2)],
          ["master_sync_last_io_seconds_ago", Math.floor((now - this.transferLastIo) / 1000)]
        )
      }
      if (!connected) out.push(["master_link_down_since_seconds", this.linkDownSince === 0 ? -1 : Math.floor((now - this.linkDownSince) / 1000)])
      out.push(
        ["slave_priority", config.get<number>("replica-priority")],
        ["slave_read_only", config.get<boolean>("replica-read-only") ? 1 : 0],
        ["replica_announced", config.get<boolean>("replica-announced") ? 1 : 0]
      )
    }
    const listed = Array.from(this.replicas.values()).filter((r) => r.state !== null)
    out.push(["connected_slaves", listed.length])
    if (config.get<number>("min-replicas-to-write") > 0 && config.get<number>("min-replicas-max-lag") > 0) {
      out.push(["min_slaves_good_slaves", this.goodReplicas()])
    }
    listed.forEach((replica, i) => {
      const lag = replica.state === "online" ? Math.floor((now - replica.ackTime) / 1000) : 0
      const state = replica.state === "online" ? "online" : "wait_bgsave"
      out.push([
        `slave${i}`,
        `ip=${replica.announcedIp ?? replica.connection.peerIp},port=${replica.listeningPort},state=${state},offset=${replica.ackOffset},lag=${lag},type=replica`
      ])
    })
    out.push(
      ["replicas_waiting_psync", 0],
      ["master_failover_state", "no-failover"],
      ["master_replid", this.replid],
      ["master_replid2", this.replid2],
      ["master_repl_offset", this.offset],
      ["second_repl_offset", this.secondReplOffset],
      ["repl_backlog_active", this.backlog !== null ? 1 : 0],
      ["repl_backlog_size", config.get<number>("repl-backlog-size")],
      ["repl_backlog_first_byte_offset", this.backlog?.firstByteOffset ?? 0],
      ["repl_backlog_histlen", this.backlog?.histlen ?? 0]
    )
    return out
  }

  /** Online replicas that acknowledged within `min-replicas-max-lag` seconds. */
  goodReplicas(): number {
    const maxLag = this.host.config.get<number>("min-replicas-max-lag")
    const now = this.host.now()
    let n = 0
    for (const replica of this.replicas.values()) if (replica.state === "online" && Math.floor((now - replica.ackTime) / 1000) <= maxLag) n++
    return n
  }

  /** ROLE's reply as plain values (replication.c `roleCommand`). */
  role(): ReadonlyArray<unknown> {
    if (this.primaryHost === null) {
      const replicas: Array<ReadonlyArray<string>> = []
      for (const replica of this.replicas.values()) {
        if (replica.state === null) continue
        replicas.push([replica.announcedIp ?? replica.connection.peerIp, String(replica.listeningPort), String(replica.ackOffset)])
      }
      return ["master", this.offset, replicas]
    }
    return ["slave", this.primaryHost, this.primaryPort, ROLE_STATE[this.linkState], this.linkState === "connected" ? this.offset : -1]
  }

  /** Everything stops (the layer's scope closes). */
  close(): void {
    if (this.jobTimer !== null) clearTimeout(this.jobTimer)
    this.job?.cancel()
    this.job = null
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer)
    this.reconnectTimer = null
    this.link?.close()
    this.link = null
  }
}
