import type { Propagation } from "../contracts/Propagation.js"

/** Where propagated commands go (the AOF's `feed`, the replication stream); `db` -1 means "no SELECT for this one". */
export type PropagationSink = (db: number, argv: ReadonlyArray<string>) => void

/**
 * Commands flagged CMD_TOUCHES_ARBITRARY_KEYS in Valkey: what they propagate when run directly (lazy
 * expiry of the keys they visit) is not wrapped in MULTI/EXEC (server.c `propagatePendingCommands`).
 */
const TOUCHES_ARBITRARY_KEYS = new Set(["keys", "scan", "randomkey"])

/** Where a propagated command goes (Valkey's PROPAGATE_AOF and PROPAGATE_REPL). */
const TO_AOF = 1
const TO_REPLICAS = 2
const TO_ALL = TO_AOF | TO_REPLICAS

const MULTI: ReadonlyArray<string> = ["MULTI"]
const EXEC: ReadonlyArray<string> = ["EXEC"]

/**
 * Valkey's propagation (server.c `call`, `alsoPropagate`, `propagatePendingCommands`): each command
 * that changed the data set adds its argv (or its rewrite) to the pending list; when the execution
 * unit ends (the outermost command, or an expiry/eviction outside any command) the list goes to the
 * sink, wrapped in MULTI/EXEC when it holds more than one command.
 *
 * Idle (no sink) it costs the dispatcher one boolean test per command.
 */
export class Propagator implements Propagation {
  enabled = false
  /** The AOF and the replication stream, each while it is on, with what each takes (TO_AOF, TO_REPLICAS). */
  private sinks: Array<PropagationSink> = []
  private sinkTargets: Array<number> = []
  /** The running command's requests (see `Propagation`); saved and reset around nested commands. */
  private rewritten: Array<string> | null = null
  private prevented = false
  /** Targets the running command propagates to even if it changed nothing (0: none). */
  private forced = 0
  private readonly saved: Array<Array<string> | null | boolean | number> = []
  /**
   * The pending commands: the first `pending` slots. Emptied by resetting the count, not
   * `length = 0` (which gives the arrays' storage back, to be allocated again by the next command).
   */
  private readonly pendingDb: Array<number> = []
  private readonly pendingArgv: Array<ReadonlyArray<string> | null> = []
  private readonly pendingTargets: Array<number> = []
  private pending = 0

  /**
   * Starts feeding `sink` (the AOF turned on, a replication backlog was created). The replication
   * stream also gets what is propagated to replicas only (PUBLISH).
   */
  attach(sink: PropagationSink, target: "aof" | "replicas" = "aof"): void {
    if (this.sinks.includes(sink)) return
    this.sinks = [...this.sinks, sink]
    this.sinkTargets = [...this.sinkTargets, target === "aof" ? TO_AOF : TO_REPLICAS]
    this.enabled = true
  }

  /** Stops feeding `sink`; with no sink left nothing is propagated and what was pending is dropped. */
  detach(sink: PropagationSink): void {
    const at = this.sinks.indexOf(sink)
    if (at !== -1) {
      this.sinks = this.sinks.filter((_, i) => i !== at)
      this.sinkTargets = this.sinkTargets.filter((_, i) => i !== at)
    }
    if (this.sinks.length > 0) return
    this.enabled = false
    this.clearPending()
  }

  rewrite(argv: Array<string>): void {
    this.rewritten = argv
  }

  also(db: number, argv: Array<string>): void {
    if (!this.enabled) return
    this.addPending(db, argv, TO_ALL)
  }

  prevent(): void {
    this.prevented = true
  }

  force(target?: "replicas"): void {
    this.forced |= target === "replicas" ? TO_REPLICAS : TO_ALL
  }

  /** A command starts (the dispatcher's `call`): its requests start empty; the caller's are kept. */
  enter(): void {
    this.saved.push(this.rewritten, this.prevented, this.forced)
    this.rewritten = null
    this.prevented = false
    this.forced = 0
  }

  /**
   * A command ended: `changed` says whether it moved the dirty counter. EXEC is never propagated
   * itself: its body's commands were, one by one.
   */
  exit(db: number, name: string, argv: ReadonlyArray<string>, changed: boolean): void {
    if ((changed || this.forced !== 0) && !this.prevented && name !== "exec" && this.sinks.length > 0) {
      this.addPending(db, this.rewritten ?? argv, changed ? TO_ALL : this.forced)
    }
    const saved = this.saved
    this.forced = saved.pop() as number
    this.prevented = saved.pop() as boolean
    this.rewritten = saved.pop() as Array<string> | null
  }

  /**
   * The execution unit ended (`postExecutionUnitOperations`): hands the pending commands to the
   * sink. `command` is the outermost command's name, or null outside commands (active expiry,
   * eviction), where each deletion goes alone.
   */
  flush(command: string | null): void {
    const n = this.pending
    if (n === 0) return
    const sinks = this.sinks
    if (sinks.length === 0) return this.clearPending()
    const argvs = this.pendingArgv
    const targets = this.pendingTargets
    const transaction = n > 1 && !(command !== null && TOUCHES_ARBITRARY_KEYS.has(command))
    for (let s = 0; s < sinks.length; s++) {
      const sink = sinks[s]
      const mine = this.sinkTargets[s]
      let first = true
      for (let i = 0; i < n; i++) {
        if ((targets[i] & mine) === 0) continue
        if (first && transaction) sink(-1, MULTI)
        first = false
        sink(this.pendingDb[i], argvs[i]!)
      }
      if (!first && transaction) sink(-1, EXEC)
    }
    for (let i = 0; i < n; i++) argvs[i] = null
    this.pending = 0
  }

  private addPending(db: number, argv: ReadonlyArray<string>, targets: number): void {
    const i = this.pending++
    if (i < this.pendingArgv.length) {
      this.pendingDb[i] = db
      this.pendingArgv[i] = argv
      this.pendingTargets[i] = targets
    } else {
      this.pendingDb.push(db)
      this.pendingArgv.push(argv)
      this.pendingTargets.push(targets)
    }
  }

  /** Drops the pending commands (the argvs are released; the arrays keep their storage). */
  private clearPending(): void {
    for (let i = 0; i < this.pending; i++) this.pendingArgv[i] = null
    this.pending = 0
  }
}
