import * as net from "node:net"

/** What the handshake sends (replication.c `syncWithPrimary`), read when it starts. */
export interface HandshakeSettings {
  readonly masteruser: string | null
  readonly masterauth: string | null
  readonly listeningPort: number
  readonly announceIp: string | null
  /** `PSYNC <replid> <offset>` for a partial resync, or `PSYNC ? -1`. */
  readonly psync: readonly [string, string]
}

/** What a link reports to its owner; every call runs in the event loop, never re-entrantly. */
export interface PrimaryLinkEvents {
  /** The socket is connected and the handshake began (`repl_state` CONNECTING -> RECEIVE_PING...). */
  readonly handshaking: () => void
  /** `+FULLRESYNC <replid> <offset>`: the RDB transfer starts. */
  readonly fullResync: (replid: string, offset: number) => void
  /** Bytes of the RDB read so far, out of `total` (-1 while unknown, with the EOF form). */
  readonly transferProgress: (read: number, total: number) => void
  /** The whole RDB arrived; the stream follows. */
  readonly rdbLoaded: (rdb: Buffer) => void
  /** `+CONTINUE [<replid>]`: the stream continues after the replica's offset. */
  readonly continued: (replid: string | null) => void
  /** Bytes of the replication stream. */
  readonly stream: (chunk: Buffer) => void
  /** The link failed or closed; `reason` is logged. The owner retries later. */
  readonly lost: (reason: string) => void
  readonly log: (level: "notice" | "warning" | "verbose", message: string) => void
}

type Phase = "connecting" | "handshake" | "await-bulk" | "bulk" | "eof-bulk" | "stream" | "closed"

const EOF_MARK_SIZE = 40

/**
 * A replica's connection to its primary (replication.c `connectWithPrimary`, `syncWithPrimary`,
 * `readSyncBulkPayload`): the handshake (PING, AUTH, REPLCONF listening-port / ip-address / capa,
 * PSYNC), then the RDB payload in either form (`$<len>` or the diskless `$EOF:<mark>`), then the
 * command stream handed on as it arrives. Writing to the primary (`REPLCONF ACK`) goes through
 * `write`.
 */
export class PrimaryLink {
  private readonly socket: net.Socket
  private phase: Phase = "connecting"
  private buffer: Buffer = Buffer.alloc(0)
  /** Handshake steps still to run: each sends a command and checks its one-line reply. */
  private readonly steps: Array<{ readonly send: ReadonlyArray<string>; readonly check: (line: string) => string | undefined }> = []
  private bulkTotal = 0
  private bulkChunks: Array<Buffer> = []
  private bulkRead = 0
  private eofMark = ""

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly settings: () => HandshakeSettings,
    private readonly events: PrimaryLinkEvents,
    timeoutMs: number
  ) {
    this.socket = net.connect({ host, port })
    this.socket.setNoDelay(true)
    this.socket.setTimeout(timeoutMs)
    this.socket.on("connect", () => this.connected())
    this.socket.on("data", (chunk: Buffer) => this.received(chunk))
    this.socket.on("timeout", () => this.fail("Timeout connecting to the PRIMARY..."))
    this.socket.on("error", (e) => this.fail(`Error condition on socket for SYNC: ${e.message}`))
    this.socket.on("close", () => this.fail("Connection with primary lost."))
  }

  /** The link is streaming commands (`repl_state` CONNECTED). */
  get streaming(): boolean {
    return this.phase === "stream"
  }

  get transferring(): boolean {
    return this.phase === "bulk" || this.phase === "eof-bulk" || this.phase === "await-bulk"
  }

  write(bytes: string): void {
    if (this.phase !== "closed") this.socket.write(bytes, "latin1")
  }

  /** Closes the link without reporting it lost (the owner asked). */
  close(): void {
    if (this.phase === "closed") return
    this.phase = "closed"
    this.socket.destroy()
  }

  private fail(reason: string): void {
    if (this.phase === "closed") return
    this.phase = "closed"
    this.socket.destroy()
    this.events.lost(reason)
  }

  private connected(): void {
    if (this.phase !== "connecting") return
    this.events.log("notice", "PRIMARY <-> REPLICA sync started")
    this.events.log("notice", "Non blocking connect for SYNC fired the event.")
    this.events.handshaking()
    const s = this.settings()
    this.phase = "handshake"
    // The primary may answer PING with an authentication error: that is fine, AUTH comes next.
    this.steps.push({
      send: ["PING"],
      check: (line) =>
        line.startsWith("-") && !line.startsWith("-NOAUTH") && !line.startsWith("-NOPERM") && !line.startsWith("-ERR operation not permitted")
          ? `Error reply to PING from primary: '${line.slice(1)}'`
          : undefined
    })
    if (s.masterauth !== null) {
      this.steps.push({
        send: s.masteruser !== null ? ["AUTH", s.masteruser, s.masterauth] : ["AUTH", s.masterauth],
        check: (line) => (line.startsWith("-") ? `Unable to AUTH to PRIMARY: ${line}` : undefined)
      })
    }
    // Errors to REPLCONF are logged and ignored (an old primary may not know the option).
    this.steps.push({ send: ["REPLCONF", "listening-port", String(s.listeningPort)], check: () => undefined })
    if (s.announceIp !== null) this.steps.push({ send: ["REPLCONF", "ip-address", s.announceIp], check: () => undefined })
    this.steps.push({ send: ["REPLCONF", "capa", "eof", "capa", "psync2"], check: () => undefined })
    this.steps.push({ send: ["PSYNC", ...s.psync], check: (line) => this.psyncReply(line) })
    this.sendStep()
  }

  private sendStep(): void {
    const step = this.steps[0]
    if (step === undefined) return
    let out = "*" + step.send.length + "\r\n"
    for (const arg of step.send) out += "$" + Buffer.byteLength(arg, "latin1") + "\r\n" + arg + "\r\n"
    this.socket.write(out, "latin1")
  }

  private psyncReply(line: string): string | undefined {
    if (line.startsWith("+FULLRESYNC")) {
      const [, replid, offset] = line.split(" ")
      if (replid === undefined || replid.length !== 40 || offset === undefined) return `Unexpected reply to PSYNC from primary: ${line}`
      this.events.log("notice", `Full resync from primary: ${replid}:${offset}`)
      this.phase = "await-bulk"
      this.events.fullResync(replid, Number(offset))
      return undefined
    }
    if (line.startsWith("+CONTINUE")) {
      const replid = line.slice("+CONTINUE".length).trim()
      this.events.log("notice", "Successful partial resynchronization with primary.")
      this.phase = "stream"
      this.events.continued(replid.length === 40 ? replid : null)
      return undefined
    }
    if (line.startsWith("-NOMASTERLINK") || line.startsWith("-LOADING")) {
      return `Primary is currently unable to PSYNC but should be in the future: ${line}`
    }
    return `Unexpected reply to PSYNC from primary: ${line}`
  }

  private received(chunk: Buffer): void {
    if (this.phase === "closed") return
    if (this.phase === "stream") return this.events.stream(chunk)
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk])
    this.drain()
  }

  /** Reads what the buffer holds for the current phase, moving on as phases complete. */
  private drain(): void {
    for (;;) {
      const phase = this.phase
      if (phase === "handshake" || phase === "await-bulk") {
        const eol = this.buffer.indexOf("\n")
        if (eol === -1) return
        const line = this.buffer.toString("latin1", 0, eol).replace(/\r$/, "")
        this.buffer = this.buffer.subarray(eol + 1)
        // The primary sends newlines while it prepares the RDB (replicationCron's keepalive).
        if (line === "") continue
        if (phase === "handshake") {
          const step = this.steps.shift()
          if (step === undefined) return this.fail(`Unexpected reply from primary: ${line}`)
          const error = step.check(line)
          if (error !== undefined) return this.fail(error)
          if (this.phase === "handshake") this.sendStep()
          continue
        }
        if (line.startsWith("-")) return this.fail(`PRIMARY aborted replication with an error: ${line.slice(1)}`)
        if (!line.startsWith("$")) return this.fail(`Bad protocol from PRIMARY, the first byte is not '$' (we received '${line}'), are you sure the host and port are right?`)
        if (line.startsWith("$EOF:") && line.length - 5 >= EOF_MARK_SIZE) {
          this.eofMark = line.slice(5, 5 + EOF_MARK_SIZE)
          this.phase = "eof-bulk"
          this.events.log("notice", "PRIMARY <-> REPLICA sync: receiving streamed RDB from primary with EOF to disk")
          this.events.transferProgress(0, -1)
        } else {
          this.bulkTotal = Number(line.slice(1))
          if (!Number.isSafeInteger(this.bulkTotal) || this.bulkTotal < 0) return this.fail(`Bad bulk length from PRIMARY: ${line}`)
          this.phase = "bulk"
          this.events.log("notice", `PRIMARY <-> REPLICA sync: receiving ${this.bulkTotal} bytes from primary to disk`)
          this.events.transferProgress(0, this.bulkTotal)
        }
        continue
      }
      if (phase === "bulk") {
        const need = this.bulkTotal - this.bulkRead
        const take = Math.min(need, this.buffer.length)
        if (take > 0) {
          this.bulkChunks.push(this.buffer.subarray(0, take))
          this.buffer = this.buffer.subarray(take)
          this.bulkRead += take
          this.events.transferProgress(this.bulkRead, this.bulkTotal)
        }
        if (this.bulkRead < this.bulkTotal) return
        return this.bulkDone(Buffer.concat(this.bulkChunks))
      }
      if (phase === "eof-bulk") {
        if (this.buffer.length === 0) return
        const chunk = this.buffer
        this.buffer = Buffer.alloc(0)
        this.bulkRead += chunk.length
        this.events.transferProgress(this.bulkRead, -1)
        // The mark may straddle two reads: look in the last chunk plus the tail before it.
        const previous = this.bulkChunks.length > 0 ? this.bulkChunks[this.bulkChunks.length - 1] : null
        const tailLength = previous === null ? 0 : Math.min(previous.length, EOF_MARK_SIZE - 1)
        const window = tailLength === 0 ? chunk : Buffer.concat([previous!.subarray(previous!.length - tailLength), chunk])
        const at = window.indexOf(this.eofMark, 0, "latin1")
        this.bulkChunks.push(chunk)
        if (at === -1) return
        // Where the mark starts, counted from the start of the whole payload.
        const markAt = this.bulkRead - chunk.length - tailLength + at
        const all = Buffer.concat(this.bulkChunks)
        this.buffer = all.subarray(markAt + EOF_MARK_SIZE)
        return this.bulkDone(all.subarray(0, markAt))
      }
      if (phase === "stream" && this.buffer.length > 0) {
        // What came right after `+CONTINUE` in the same read.
        const rest = this.buffer
        this.buffer = Buffer.alloc(0)
        this.events.stream(rest)
      }
      return
    }
  }

  private bulkDone(rdb: Buffer): void {
    this.bulkChunks = []
    this.phase = "stream"
    const rest = this.buffer
    this.buffer = Buffer.alloc(0)
    this.events.rdbLoaded(rdb)
    if (rest.length > 0 && this.phase === "stream") this.events.stream(rest)
  }
}
