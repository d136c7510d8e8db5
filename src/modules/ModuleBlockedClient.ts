import type * as Fiber from "effect/Fiber"
import type { BlockedClient } from "../blocking/BlockedClient.js"
import type { CommandSpec } from "../commands/CommandSpec.js"
import type { CommandClient } from "../commands/CommandSpec.js"
import type { Reply } from "../protocol/Reply.js"
import { bytesToText } from "../protocol/ReplyValue.js"
import type * as api from "./api.js"
import type { BlockCallback, DisconnectCallback, FreePrivdata } from "./api.js"
import type { LoadedModule } from "./LoadedModule.js"
import { ReplyBuilder } from "./ReplyBuilder.js"

/**
 * A module's blocked-client handle (Valkey's `ValkeyModuleBlockedClient`, "bc"). The waiting itself
 * is the blocking engine's record (`record`); this holds the module's side: callbacks, private
 * data, replies written from thread-safe contexts, background-time measurement.
 */
export class ModuleBlockedClient implements api.ModuleBlockedClient {
  /** The blocked client; null once it is gone (timed out, disconnected, CLIENT UNBLOCK) or refused. */
  client: CommandClient | null
  /** The engine's record while the client waits; null for a refused block. */
  record: BlockedClient | null = null
  disconnectCallback: DisconnectCallback | null = null
  /** `UnblockClient` was called (or the server queued the handle itself): waiting for the drain. */
  unblocked = false
  /** The drain released the handle: free_privdata ran and the module's counter went down. */
  released = false
  private tsReplies: ReplyBuilder | null = null
  /** Replies written through thread-safe contexts, appended to the client's output at the drain. */
  get threadSafeReplies(): ReplyBuilder {
    return (this.tsReplies ??= new ReplyBuilder())
  }
  /** The thread-safe replies, if any were written. */
  takeThreadSafeReplies(): Reply | undefined {
    return this.tsReplies?.take(this.resp)
  }
  /** The background fiber of an Effect-shaped block. */
  fiber: Fiber.Fiber<unknown, unknown> | null = null
  /** Counted in commandstats already (a blocked command counts once, when it completes). */
  counted = false
  measureStart = -1
  backgroundMs = 0
  readonly blockedAt: number

  constructor(
    readonly module: LoadedModule,
    client: CommandClient | null,
    public reply: BlockCallback | null,
    public timeout: BlockCallback | null,
    readonly freePrivdata: FreePrivdata | null,
    public privdata: unknown,
    readonly onKeys: boolean,
    readonly db: number,
    readonly resp: 2 | 3,
    readonly spec: CommandSpec | null,
    /** The blocked command's arguments as the server's byte strings. */
    readonly rawArgv: ReadonlyArray<string>,
    now: number
  ) {
    this.client = client
    this.blockedAt = now
  }

  private textArgv: ReadonlyArray<string> | null = null
  /** The blocked command's arguments as text (UTF-8 decoded), as module callbacks get them. */
  get argv(): ReadonlyArray<string> {
    return (this.textArgv ??= this.rawArgv.map(bytesToText))
  }
}
