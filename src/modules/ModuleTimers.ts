import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { ModuleContext } from "./api.js"
import type { LoadedModule, ModuleTimer } from "./LoadedModule.js"
import { ModuleContextImpl } from "./ModuleContextImpl.js"
import type { ModuleHost } from "./ModuleHost.js"

type TimerCallback = (ctx: ModuleContext<any>, data: unknown) => void

/** What timers need of the module system (implemented by `ModuleRegistry`). */
export interface TimerHost extends ModuleHost {
  /** The loaded modules, whose timers `fireDueTimers` looks at. */
  readonly loaded: ReadonlyArray<LoadedModule>
  /** Runs module code outside any command as one executor step. */
  runInExecutor(module: LoadedModule, what: string, f: () => unknown): void
}

/**
 * Module timers (`CreateTimer`/`StopTimer`, module.c "Modules Timers API"): each sleeps in a fiber
 * of its module's scope on Effect's Clock, so unloading interrupts it and TestClock moves it.
 */
export class ModuleTimers {
  private nextTimerId = 1

  constructor(private readonly host: TimerHost) {}

  createTimer(module: LoadedModule, periodMs: number, callback: TimerCallback, data: unknown, db: number): number {
    const id = this.nextTimerId++
    const delay = Math.max(0, periodMs)
    const fire = Effect.sync(() => this.fireTimer(module, id, callback, data, db))
    const fiber = module.runFork(Effect.sleep(Duration.millis(delay)).pipe(Effect.andThen(fire)))
    module.timers.set(id, { id, data, dueAt: this.host.server.now() + delay, fiber: fiber as any, callback, db })
    return id
  }

  /** Runs a timer's callback once: from its own fiber, or earlier from `fireDueTimers`. */
  private fireTimer(module: LoadedModule, id: number, callback: TimerCallback, data: unknown, db: number): void {
    if (!module.timers.delete(id)) return
    const ctx = new ModuleContextImpl(this.host, module, "timer", null, null, db)
    this.host.runInExecutor(module, "timer", () => callback(ctx, data))
  }

  /**
   * Fires every module timer due at `now`, in due order, before the blocking engine expires
   * blocks (Valkey's timer events run before `beforeSleep`'s timeouts).
   */
  fireDueTimers(now: number): void {
    const due: Array<[LoadedModule, ModuleTimer]> = []
    for (const module of this.host.loaded) for (const timer of module.timers.values()) if (timer.dueAt <= now) due.push([module, timer])
    if (due.length === 0) return
    due.sort((a, b) => a[1].dueAt - b[1].dueAt || a[1].id - b[1].id)
    for (const [module, timer] of due) {
      timer.fiber.interruptUnsafe()
      this.fireTimer(module, timer.id, timer.callback as TimerCallback, timer.data, timer.db)
    }
  }

  stopTimer(module: LoadedModule, id: number): { data: unknown } | undefined {
    const timer = module.timers.get(id)
    if (timer === undefined) return undefined
    module.timers.delete(id)
    timer.fiber.interruptUnsafe()
    return { data: timer.data }
  }
}
