import type { CommandClient } from "./CommandSpec.js"

/**
 * How Valkey propagates a deletion the server decided on (an already-past TTL, a set emptied by
 * SPOP): UNLINK when the matching `lazyfree-lazy-*` option is on, else DEL (db.c
 * `deleteExpiredKeyFromOverwriteAndPropagate`, t_set.c `spopWithCountCommand`).
 */
export const propagateDeletion = (client: CommandClient, key: string, lazyOption: "lazyfree-lazy-expire" | "lazyfree-lazy-server-del"): void => {
  const propagation = client.server.propagation
  if (!propagation.enabled) return
  propagation.rewrite([client.server.config.get<boolean>(lazyOption) ? "UNLINK" : "DEL", key])
}
