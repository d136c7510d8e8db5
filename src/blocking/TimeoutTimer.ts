import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { BlockingEngine } from "./BlockingEngine.js"

/** Longest single sleep; a later deadline is reached in several sleeps (timer limits). */
const MAX_SLEEP_MS = 60 * 60 * 1000

/**
 * The one timer of the blocking engine: a fiber that sleeps on Effect's `Clock` (so `TestClock`
 * drives it) until the earliest deadline, or until the engine wakes it because an earlier deadline
 * appeared; then it times out every due block and ends the tick (replies flushed, pipelines
 * resumed). Fork it once in the server's scope.
 */
export const timeoutTimer = (engine: BlockingEngine): Effect.Effect<never> =>
  Effect.gen(function* () {
    for (;;) {
      const wakeup = Deferred.makeUnsafe<void>()
      const next = engine.nextDeadline()
      engine.armTimer(next ?? Infinity, () => Deferred.doneUnsafe(wakeup, Exit.void))
      if (next === undefined) {
        yield* Deferred.await(wakeup)
      } else {
        const delay = Math.min(next - engine.host.now(), MAX_SLEEP_MS)
        if (delay > 0) yield* Effect.race(Effect.sleep(Duration.millis(delay)), Deferred.await(wakeup))
      }
      engine.armTimer(-1, () => {})
      // Timeouts wait while a module holds the GIL: the loop goes on once they ran.
      yield* Effect.callback<void>((resume) =>
        engine.host.whenExecutorFree(() => {
          try {
            if (engine.handleTimeouts() > 0) engine.host.endOfTick()
          } catch (e) {
            engine.host.log("warning", `blocked client timeout failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
          }
          resume(Effect.void)
        })
      )
    }
  })
