/**
 * A config transaction: several parameters change together or not at all (Valkey's config.c
 * `configSetCommand` with `restoreBackupConfig`), in the shape of @effect/sql's transactions. The
 * body sets parameters through a `ConfigJournal`, which remembers each one's old value and the
 * applies that were started; the body's `Exit` decides. Success keeps everything. Any failure (a
 * refusal, a defect such as a throwing module callback, an interruption) restores every old value
 * and runs the started applies again, so their side effects follow the restored values.
 *
 * A restore can itself be refused (a module setter refusing the old value, an apply refusing the
 * restored state). Valkey logs it and goes on; so does the rollback here, and the error carries the
 * same lines so the caller sees them too.
 */
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type { ConfigParam } from "./ConfigParam.js"

/** A failed config transaction: the client's error reply, and what the rollback could not undo. */
export class ConfigSetError extends Data.TaggedError("ConfigSetError")<{
  /** CONFIG SET's error reply; for a module load, the reason it failed (logged). */
  readonly reply: string
  /** The log lines of refused restores; empty when every old value is back. */
  readonly rollbackFailures: ReadonlyArray<string>
}> {}

/** A side effect run after values are set: an error text refuses the new state. */
export type ConfigApplyStep = () => string | undefined

/** After a rollback, whether a group of applies re-runs in full or stops at its first refusal. */
export type ApplyRerun = "all" | "until-refusal"

/** The undo record of one transaction. */
export class ConfigJournal {
  private readonly backups: Array<{ readonly param: ConfigParam; readonly value: unknown }> = []
  private readonly started: Array<{ readonly applies: ReadonlyArray<ConfigApplyStep>; readonly rerun: ApplyRerun }> = []

  /** Remembers the current value of `param` (once) before the body changes it. */
  backup(param: ConfigParam): void {
    if (!this.backups.some((b) => b.param === param)) this.backups.push({ param, value: param.value })
  }

  /**
   * Runs a group of applies in order, stopping at the first refusal (its index and text). The
   * whole group runs again on rollback, the refused one and those after it included, as Valkey
   * re-runs every apply function it had scheduled: core applies all of them, module applies up to
   * the first refusal (config.c `restoreBackupConfig`, module.c `moduleConfigApplyConfig`).
   */
  runApplies(applies: ReadonlyArray<ConfigApplyStep>, rerun: ApplyRerun): { readonly index: number; readonly error: string } | undefined {
    this.started.push({ applies, rerun })
    for (let i = 0; i < applies.length; i++) {
      const error = applies[i]()
      if (error !== undefined) return { index: i, error }
    }
    return undefined
  }

  /**
   * Restores every old value, then re-runs the started applies. Returns the refusals as log lines
   * (Valkey's wording, `what` naming the failed operation: "failed CONFIG SET command").
   */
  rollback(what: string): Array<string> {
    const failures: Array<string> = []
    for (const { param, value } of this.backups) {
      const error = param.restore(value)
      if (error !== undefined) {
        failures.push(`Failed restoring ${what}. Error setting ${param.name} to '${param.encode(value)}': ${error}`)
      }
    }
    for (const { applies, rerun } of this.started) {
      for (const apply of applies) {
        const error = apply()
        if (error === undefined) continue
        failures.push(`Failed applying restored ${what}: ${error}`)
        if (rerun === "until-refusal") break
      }
    }
    return failures
  }
}

/**
 * Runs `body` as a transaction: on failure the journal rolls back (uninterruptibly), each refused
 * restore is logged as a warning, and a `ConfigSetError` comes back with them attached.
 */
export const configTransaction = <A, R>(
  what: string,
  log: (line: string) => void,
  body: (journal: ConfigJournal) => Effect.Effect<A, ConfigSetError, R>
): Effect.Effect<A, ConfigSetError, R> =>
  Effect.uninterruptibleMask((restore) => {
    const journal = new ConfigJournal()
    return Effect.flatMap(Effect.exit(restore(body(journal))), (exit) => {
      if (Exit.isSuccess(exit)) return exit
      const rollbackFailures = journal.rollback(what)
      for (const line of rollbackFailures) log(line)
      return Exit.mapError(exit, (e) => new ConfigSetError({ reply: e.reply, rollbackFailures: [...e.rollbackFailures, ...rollbackFailures] }))
    })
  })

/**
 * Runs a config Effect (a transaction, a rewrite) from synchronous code, a command handler: they
 * never suspend. Returns the error reply text, or undefined on success; a defect is rethrown (after
 * the rollback), so the dispatcher turns it into an error reply and logs it.
 */
export const runSyncForReply = <E extends { readonly reply: string }>(effect: Effect.Effect<void, E>): string | undefined => {
  const exit = Effect.runSyncExit(effect)
  if (Exit.isSuccess(exit)) return undefined
  const error = Exit.findErrorOption(exit)
  if (Option.isSome(error)) return error.value.reply
  throw Cause.squash(exit.cause)
}
