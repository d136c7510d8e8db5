import type { Admission } from "../commands/CommandSpec.js"
import { HookSlot, Hooks } from "../contracts/Hooks.js"
import type { PersistenceControl } from "../contracts/Persistence.js"
import type { ModuleTypeCodecs } from "../persistence/rdb/ModuleTypeCodecs.js"
import type { Reply } from "../protocol/Reply.js"
import type { Client } from "./Client.js"

/**
 * The server's hook lists, filled by the layers (`ServerCore` for the server's own parts, `Modules`
 * for the module system, the lifecycle layers for shutdown); the server only runs them.
 */
export class ServerHooks {
  /** Gates a command passes after authentication, in order (memory, Pub/Sub context, protected commands). */
  readonly admissions = new Hooks<Admission>()
  /** Work for the end of each tick, in order (serving ready keys and module unblocks, resuming clients). */
  readonly endOfTick = new Hooks<() => void>()
  /** A client goes away (WATCH, Pub/Sub and embedding clean up). */
  readonly disconnect = new Hooks<(client: Client) => void>()
  /** A shutdown (SHUTDOWN, SIGTERM, SIGINT) closed every client: the lifecycle layer stops the server. */
  readonly shutdown = new Hooks<() => void>()
  /** The loaded modules as MODULE LIST replies them (module.c `addReplyLoadedModules`), for HELLO. */
  readonly moduleList = new Hooks<() => ReadonlyArray<Reply>>()
  /** How module data types are saved and loaded (DUMP/RESTORE, RDB files): the modules layer's. */
  readonly moduleTypes = new HookSlot<ModuleTypeCodecs>()
  /** SAVE, BGSAVE, FLUSHALL's and the shutdown's save: the persistence layer's. */
  readonly persistence = new HookSlot<PersistenceControl>()
  /**
   * Runs before any reply is written (Valkey's `beforeSleep` flushes the AOF before
   * `handleClientsWithPendingWrites`): with `appendfsync always` a reply to a write means it is on
   * disk. Filled by the AOF while it is on.
   */
  readonly beforeReplies = new HookSlot<() => void>()
  /** CONFIG SET appendonly: turns the AOF on or off (the AOF layer's); an error text refuses it. */
  readonly appendonlyApply = new HookSlot<() => string | undefined>()
  /** DEBUG LOADAOF: empties the data set and loads the AOF back (the AOF layer's); an error text. */
  readonly debugLoadAof = new HookSlot<() => string | null>()
}
