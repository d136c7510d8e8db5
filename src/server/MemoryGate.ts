import * as v8 from "node:v8"
import type { CommandSpec } from "../commands/CommandSpec.js"
import { EVICT_FAIL } from "../keyspace/Eviction.js"
import type { Admission, CommandClient } from "../commands/CommandSpec.js"
import type { Server } from "./Server.js"

/** Valkey's `shared.oomerr`. */
export const OOM = "OOM command not allowed when used memory > 'maxmemory'."

/** The share of the old generation's limit above which writes are refused (at most). */
const HEAP_THRESHOLD = 0.9

/** Check the heap again after the data grew by this much (between cron checks). */
const HEAP_CHECK_BYTES = 1024 * 1024

/**
 * The largest default semi-space of the Node releases keyfiber runs on, in MB: 16 in Node 20's V8,
 * 64 in Node 24's. Assuming the largest errs on the safe side: a smaller guessed old generation.
 */
const DEFAULT_SEMI_SPACE_MB = 64

/** The last `--<name>=N` among node's flags (argv or NODE_OPTIONS), in MB. */
const nodeFlagMb = (name: string): number | undefined => {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)]
  const pattern = new RegExp(`^--${name.replace(/-/g, "[-_]")}=(\\d+)$`)
  let mb: number | undefined
  for (const flag of flags) {
    const match = pattern.exec(flag)
    if (match !== null) mb = Number(match[1])
  }
  return mb
}

/**
 * The old generation's limit in bytes: `--max-old-space-size` when node was given it (bin/keyfiber
 * always gives it), else V8's heap limit less its young generation (three semi-spaces).
 */
const oldGenerationLimit = (semiBytes: number): number => {
  const oldMb = nodeFlagMb("max-old-space-size")
  if (oldMb !== undefined) return oldMb * 1024 * 1024
  const limit = v8.getHeapStatistics().heap_size_limit
  return Math.max(limit / 2, limit - 3 * semiBytes)
}

/**
 * The safety net under `maxmemory`: V8 aborts the process when its old generation reaches its limit
 * (`JavaScript heap out of memory`), whatever `maxmemory` says. Above 90% of that limit, commands
 * that may grow memory (`denyoom`) are refused with the OOM error until the heap is back under, so a
 * full heap turns into refused writes, never into a dead server.
 *
 * The heap is measured by the server cron and whenever the data grew by another megabyte since the
 * last measurement; the per-command check is a comparison of numbers.
 */
export class HeapGuard {
  /** The heap is near its limit: refuse denyoom commands. */
  pressure = false
  /** The old generation's limit in bytes (V8's heap limit minus the young generation). */
  readonly oldGenerationLimit: number
  /** Old-generation bytes in use above which writes are refused. */
  readonly threshold: number
  /** Data bytes at which to measure the heap again. */
  nextCheckAt = HEAP_CHECK_BYTES
  /** How often the guard refused a command (a log line the first time of each episode). */
  private warned = false

  constructor(private readonly server: Server) {
    const semiBytes = (nodeFlagMb("max-semi-space-size") ?? DEFAULT_SEMI_SPACE_MB) * 1024 * 1024
    this.oldGenerationLimit = oldGenerationLimit(semiBytes)
    // One scavenge can promote a whole semi-space of survivors into the old generation at once:
    // the headroom left under the limit must hold that, or the heap dies between two checks.
    this.threshold = Math.max(this.oldGenerationLimit / 2, Math.min(HEAP_THRESHOLD * this.oldGenerationLimit, this.oldGenerationLimit - 2 * semiBytes))
  }

  /** Bytes in use in the old generation (every space but the young ones). */
  oldGenerationUsed(): number {
    let used = 0
    for (const space of v8.getHeapSpaceStatistics()) {
      if (!space.space_name.startsWith("new_")) used += space.space_used_size
    }
    return used
  }

  /** Measures the heap and sets `pressure`. */
  check(): void {
    const used = this.oldGenerationUsed()
    const pressure = used > this.threshold
    if (pressure && !this.warned) {
      this.warned = true
      this.server.log(
        "warning",
        `The JS heap is at ${Math.round((used * 100) / this.oldGenerationLimit)}% of its limit (${this.oldGenerationLimit} bytes): refusing write commands until memory is freed.`
      )
    } else if (!pressure) this.warned = false
    this.pressure = pressure
    this.nextCheckAt = this.server.keyspace.usedBytes + HEAP_CHECK_BYTES
  }
}

/**
 * The bytes held in clients' query buffers and output (not yet handed to the kernel), which
 * `used_memory` counts as Valkey's does (`mem_clients_normal`). The server cron samples it.
 */
export const clientsMemory = (server: Server): number => {
  let bytes = 0
  for (const client of server.clients.values()) {
    bytes += client.outputBytes + client.parser.pendingBytes
  }
  return bytes
}

/** EXEC counts as denyoom when a queued command is (Valkey's `mstate.cmd_flags`). */
const isDenyoom = (client: CommandClient, spec: CommandSpec): boolean => {
  if (spec.flags.includes("denyoom")) return true
  if (spec.name === "exec" && client.multi !== null) {
    for (const queued of client.multi.queue) if (queued.spec.flags.includes("denyoom")) return true
  }
  return false
}

/**
 * Valkey's maxmemory check in `processCommand`: with `maxmemory` set, evict as the policy says
 * before every command; if still over the limit, refuse a denyoom command (inside MULTI, when it is
 * queued; EXEC of a transaction holding one). The heap guard refuses the same commands.
 */
export const oomGate = (server: Server, heap: HeapGuard): Admission => {
  const keyspace = server.keyspace
  const eviction = keyspace.eviction
  return (client, spec) => {
    if (eviction.maxmemory === 0 && !heap.pressure && keyspace.usedBytes < heap.nextCheckAt) return undefined
    if (keyspace.usedBytes >= heap.nextCheckAt) heap.check()
    let overMaxmemory = eviction.maxmemory !== 0 && eviction.performEvictions() === EVICT_FAIL
    if (overMaxmemory && isDenyoom(client, spec)) {
      // Clients' buffers count as the cron last sampled them: a burst of replies written since
      // must not refuse this write. Sampled again (only on this path) and checked once more.
      eviction.clientsMemory = clientsMemory(server)
      overMaxmemory = eviction.performEvictions() === EVICT_FAIL
    }
    return (overMaxmemory || heap.pressure) && isDenyoom(client, spec) ? OOM : undefined
  }
}
