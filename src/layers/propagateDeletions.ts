import type { Server } from "../server/Server.js"

/**
 * Keys removed by expiry or eviction are propagated as DEL/UNLINK per `lazyfree-lazy-*` (db.c
 * `propagateDeletion`); outside a command each is a unit of its own (the keyspace's `deletionDone`
 * ends it, after the post-unit jobs). Installed while anything listens to the propagation (the AOF,
 * the replication stream).
 */
export const propagateDeletions = (server: Server): void => {
  const propagation = server.propagation
  server.keyspace.propagateDeletion = (db, key, cause) => {
    const lazy = server.config.get<boolean>(cause === "expired" ? "lazyfree-lazy-expire" : "lazyfree-lazy-eviction")
    propagation.also(db, [lazy ? "UNLINK" : "DEL", key])
  }
}
