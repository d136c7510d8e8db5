/**
 * The executor's lock (Valkey's GIL, module.c `moduleAcquireGIL`/`moduleReleaseGIL`): while a
 * thread-safe context holds it, the executor runs nothing else — no client input, no timer, no
 * end-of-tick work. What arrives meanwhile is deferred (`whenFree`) and runs when the lock is let
 * go, before the next waiter gets it: the executor waits in the same FIFO queue as the modules'
 * contexts, so neither side starves the other.
 *
 * A holder is any object (a context's token). Waiters are granted in arrival order; a waiter can
 * withdraw (`acquire`'s cancel) without leaving the lock taken.
 */
export class ExecutorLock {
  private holder: object | null = null
  private readonly waiters: Array<{ readonly token: object; readonly grant: () => void }> = []
  /** Work the executor deferred while the lock was held, in order. */
  private deferred: Array<() => void> = []
  /** The executor is queued among the waiters to run `deferred`. */
  private executorQueued = false
  private readonly executorToken = {}

  /** Someone holds the lock: the executor must not run commands or timers now. */
  get held(): boolean {
    return this.holder !== null
  }

  /** How many wait for the lock (the executor's deferred work counts as one). */
  get waiting(): number {
    return this.waiters.length
  }

  /** Whether `token` holds the lock. */
  holds(token: object): boolean {
    return this.holder === token
  }

  /** Takes the lock at once if it is free and nobody waits for it (Valkey's `TryLock`, EBUSY otherwise). */
  tryAcquire(token: object): boolean {
    if (this.holder !== null || this.waiters.length > 0) return false
    this.holder = token
    return true
  }

  /**
   * Takes the lock for `token`: at once (calling `grant` synchronously) when it is free and nobody
   * waits, else when its turn comes. Returns a cancel: before the grant it withdraws the request;
   * after, it does nothing (the holder must `release`).
   */
  acquire(token: object, grant: () => void): () => void {
    if (this.tryAcquire(token)) {
      grant()
      return () => {}
    }
    const waiter = { token, grant }
    this.waiters.push(waiter)
    return () => {
      const i = this.waiters.indexOf(waiter)
      if (i !== -1) this.waiters.splice(i, 1)
    }
  }

  /** Lets go of the lock if `token` holds it; the next waiter (or the executor's deferred work) runs. */
  release(token: object): boolean {
    if (this.holder !== token) return false
    this.holder = null
    this.handOver()
    return true
  }

  /**
   * Runs `f` now when the lock is free, else queues it to run when the executor's turn comes. For
   * the executor's own work (client input, timers, the end of a tick), never for module code
   * waiting on a context's lock.
   */
  whenFree(f: () => void): void {
    if (this.holder === null) {
      f()
      return
    }
    this.deferred.push(f)
    if (!this.executorQueued) {
      this.executorQueued = true
      this.waiters.push({ token: this.executorToken, grant: this.runDeferred })
    }
  }

  /**
   * The executor's turn: it runs the deferred work with the lock free (the executor is one
   * synchronous step, as in any other tick), then hands the lock to the next waiter. A command in
   * it that takes the lock (a `tryLock` in a handler) stops the rest, which waits for its next turn.
   */
  private readonly runDeferred = (): void => {
    this.holder = null
    this.executorQueued = false
    while (this.deferred.length > 0) {
      if (this.holder !== null) {
        this.executorQueued = true
        this.waiters.unshift({ token: this.executorToken, grant: this.runDeferred })
        return
      }
      const f = this.deferred.shift()!
      try {
        f()
      } catch {
        // Deferred steps contain and log their own faults; one must not stop the others.
      }
    }
    if (this.holder === null) this.handOver()
  }

  private handOver(): void {
    const next = this.waiters.shift()
    if (next === undefined) return
    this.holder = next.token
    next.grant()
  }
}
