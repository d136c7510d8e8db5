import { BlockOutcome } from "../blocking/BlockedClient.js"
import type { BlockingEngine } from "../blocking/BlockingEngine.js"
import type { Reply } from "../protocol/Reply.js"
import type { Client } from "../server/Client.js"
import type * as api from "./api.js"
import type { CallUnblockHandler, ModuleStatus } from "./api.js"
import type { LoadedModule } from "./LoadedModule.js"
import { describeFault } from "./ModuleFault.js"

const NOOP = (): void => {}

/**
 * A command called by a module with `K` that blocked (module.c `ValkeyModuleAsyncRMCallPromise`):
 * its call client stays blocked in the engine like any client; when the block ends the engine runs
 * `settle` (the client's `onUnblocked`), which hands the reply to the module's unblock handler in a
 * context of its own (module.c `moduleCallCommandUnblockedHandler`).
 */
export class CallReplyPromise implements api.CallReplyPromise {
  readonly _tag = "CallReplyPromise" as const
  private handler: CallUnblockHandler<any> | null = null
  private privdata: unknown = null
  private done = false

  constructor(
    readonly module: LoadedModule,
    private readonly client: Client,
    private readonly engine: BlockingEngine,
    /** Runs the unblock handler with its context (the module system builds it). */
    private readonly run: (module: LoadedModule, db: number, f: (ctx: api.ModuleContext<any>) => void) => void
  ) {
    client.onUnblocked = () => this.settle()
  }

  setUnblockHandler<P>(handler: CallUnblockHandler<P>, privdata: P): void {
    if (this.done) return
    this.handler = handler
    this.privdata = privdata
  }

  abort(): { readonly status: ModuleStatus; readonly privdata: unknown } {
    const record = this.client.blocked
    if (this.done || record === null) return { status: "ERR", privdata: null }
    const privdata = this.privdata
    this.done = true
    this.handler = null
    this.privdata = null
    // The block ends without a reply, as Valkey's `unblockClient(promise->c, 0)`: a module block on
    // the call client sees its client go away (its disconnect callback runs).
    this.client.onUnblocked = NOOP
    this.engine.complete(record, BlockOutcome.Disconnected)
    return { status: "OK", privdata }
  }

  /** The command's block ended (served, timed out): the reply goes to the unblock handler. */
  private settle(): void {
    if (this.done) return
    this.done = true
    const replies = this.client.replies!
    const reply: Reply = replies.length > 0 ? replies[0] : null
    replies.length = 0
    const handler = this.handler
    const privdata = this.privdata
    this.handler = null
    this.privdata = null
    if (handler === null) return
    try {
      this.run(this.module, this.client.db, (ctx) => handler(ctx, reply, privdata))
    } catch (e) {
      this.client.server.log("warning", `<${this.module.name}> RM_Call unblock handler failed: ${describeFault(e)}`)
    }
  }
}
