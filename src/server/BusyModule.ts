import { performance } from "node:perf_hooks"
import type { Client } from "./Client.js"

/**
 * A module command that runs long and yields (Valkey's `busy_module_yield_flags` and
 * `busy_module_yield_reply`, set by module.c `VM_Yield`). keyfiber's commands are synchronous, so a
 * long module command is an `async` handler (or a thread-safe context holding the lock) that awaits
 * between its steps; from its first `yield` until it ends, the dispatcher treats it as Valkey treats
 * a command running on its main thread:
 * - before `busy-reply-threshold` ms have passed since it started, or while it yields without
 *   `CLIENTS`, other clients' commands are postponed (left unread in their query buffers, as
 *   Valkey's `blockPostponeClient`) and run when it ends;
 * - after that, yielding with `CLIENTS`, their commands are rejected with `-BUSY <reply>` unless
 *   flagged `allow-busy` (server.c `processCommand`).
 */
export class BusyModule {
  /** The yielding command (its context), null when none. */
  private owner: object | null = null
  /** `performance.now()` when the owner started; its yields act once the threshold has passed. */
  private startedAt = 0
  private processClients = false
  private busyReply: string | null = null
  private postponed: Array<Client> = []

  constructor(
    /** `busy-reply-threshold` in ms, read at each yield so CONFIG SET applies at once. */
    private readonly thresholdMs: () => number,
    /** Runs a postponed client's input once the command ends (or lets clients in). */
    private readonly resume: (clients: ReadonlyArray<Client>) => void
  ) {}

  /** A command is yielding: other clients wait or get `-BUSY`. */
  get active(): boolean {
    return this.owner !== null
  }

  /**
   * `VM_Yield` from `owner` (a context), which started at `startedAt` (`performance.now()`). A second
   * owner while one yields is ignored (Valkey's yield nesting guard).
   */
  yield(owner: object, startedAt: number, clients: boolean, reply: string | null): void {
    if (this.owner === null) {
      this.owner = owner
      this.startedAt = startedAt
    } else if (this.owner !== owner) return
    if (performance.now() - this.startedAt < this.thresholdMs()) return
    this.busyReply = reply
    const letIn = clients && !this.processClients
    this.processClients = clients
    if (letIn) this.resumePostponed()
  }

  /** The yielding command ended (its promise settled, or the lock was released). */
  release(owner: object): void {
    if (this.owner !== owner) return
    this.owner = null
    this.processClients = false
    this.busyReply = null
    this.resumePostponed()
  }

  /** Whether `client`'s next command must wait (it is left in its query buffer). */
  postpones(client: Client): boolean {
    if (this.owner === null || this.processClients) return false
    if (!this.postponed.includes(client)) this.postponed.push(client)
    return true
  }

  /** The `-BUSY` error for a command not flagged `allow-busy`, or undefined when it may run. */
  rejection(allowBusy: boolean): string | undefined {
    if (this.owner === null || allowBusy) return undefined
    return this.busyReply !== null
      ? "BUSY " + this.busyReply
      : "BUSY Valkey is busy running a module command."
  }

  private resumePostponed(): void {
    if (this.postponed.length === 0) return
    const clients = this.postponed
    this.postponed = []
    this.resume(clients)
  }
}
