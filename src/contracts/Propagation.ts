/**
 * What a command may say about how its effect is propagated to the AOF (and, later, replicas):
 * Valkey's `rewriteClientCommandVector`, `alsoPropagate`, `preventCommandPropagation` and
 * `forceCommandPropagation` (server.c). After a command that changed the data set (the keyspace's
 * `dirty` counter moved) the dispatcher propagates its argv, or the rewrite the command asked for.
 *
 * `enabled` is false while nothing listens (AOF off): commands test it before building a rewritten
 * argv, so the hot path allocates nothing for propagation then.
 */
export interface Propagation {
  readonly enabled: boolean
  /** Propagate `argv` instead of the command's own arguments (when the command is propagated at all). */
  rewrite(argv: Array<string>): void
  /** Also propagate `argv` in `db`, before the command's own propagation. */
  also(db: number, argv: Array<string>): void
  /** Do not propagate the command itself (what it passed to `also` still goes). */
  prevent(): void
  /**
   * Propagate the command even if it changed nothing (FLUSHALL/FLUSHDB of empty databases); with
   * "replicas", to the replication stream only (PUBLISH: Valkey's `forceCommandPropagation(c, PROPAGATE_REPL)`).
   */
  force(target?: "replicas"): void
}

/** A Propagation that never propagates (no server behind it: unit tests of commands). */
export const noPropagation: Propagation = {
  enabled: false,
  rewrite: () => {},
  also: () => {},
  prevent: () => {},
  force: () => {}
}
