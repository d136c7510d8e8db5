import type * as Effect from "effect/Effect"
import type { BlockRequest } from "../blocking/BlockRequest.js"
import type { CommandClient, CommandSpec } from "../commands/CommandSpec.js"
import type { ModuleValueType } from "../keyspace/Value.js"
import type { Reply } from "../protocol/Reply.js"
import type { Server } from "../server/Server.js"
import type { BlockCallback, CallOptions, CallResult, CommandHandler, ContextKind, FreePrivdata, ModuleContext, ModuleStatus, ThreadSafeContext } from "./api.js"
import type { ArgsState } from "./RuntimeArgs.js"
import type { LoadedModule } from "./LoadedModule.js"
import type { ModuleBlockedClient } from "./ModuleBlockedClient.js"
import type { ModuleNotifications } from "./ModuleNotifications.js"
import type { ReplyBuilder } from "./ReplyBuilder.js"

/** What the module system reads of a context it is handed (`ModuleContextImpl` has it). */
export interface HostedContext {
  readonly module: LoadedModule
  readonly kind: ContextKind
  /** The client the context runs for; null in detached, timer and free-after-disconnect contexts. */
  readonly client: CommandClient | null
  readonly db: number
  readonly resp: 2 | 3
  readonly builder: ReplyBuilder | null
  readonly command: CommandSpec | null
  readonly argv: ReadonlyArray<string>
  /** Set by a block during a command: the dispatcher parks the client. */
  blocked: ModuleBlockedClient | null
  replyWithError(message: string): ModuleStatus
  /** Who a `yield` of this context (or of a long command it called) makes the server busy for; null: nobody. */
  yieldOwner(): object | null
}

/** What a context asks of module blocking (implemented by `ModuleBlocking`). */
export interface HostBlocking {
  blockClient(
    ctx: HostedContext,
    reply: BlockCallback | null,
    timeout: BlockCallback | null,
    freePrivdata: FreePrivdata | null,
    timeoutMs: number,
    keys: ReadonlyArray<string> | null,
    privdata: unknown,
    unblockDeleted: boolean
  ): ModuleBlockedClient
  blockOn<E>(ctx: HostedContext, effect: Effect.Effect<Reply, E>, timeoutMs: number, timeoutReply: Reply | undefined): ModuleBlockedClient
  unblockClient(bc: ModuleBlockedClient, privdata: unknown): ModuleStatus
  abortBlock(bc: ModuleBlockedClient): ModuleStatus
  signalKeyAsReady(db: number, key: string): void
  measureTimeStart(bc: ModuleBlockedClient): ModuleStatus
  measureTimeEnd(bc: ModuleBlockedClient): ModuleStatus
  threadSafeContext(module: LoadedModule, bc: ModuleBlockedClient | null): HostThreadSafeContext
}

/** A thread-safe context as the module system sees it: also lockable by a holder that is not a fiber. */
export interface HostThreadSafeContext extends ThreadSafeContext<any> {
  /** Queues for the GIL; `grant` runs when taken. Returns a cancel for a request not yet granted. */
  lockWith(grant: () => void): () => void
  holdsLock(): boolean
}

/** What a module context needs from the module system (implemented by `ModuleRegistry`). */
export interface ModuleHost {
  readonly server: Server
  readonly blocking: HostBlocking
  readonly notifications: ModuleNotifications
  runCommand(module: LoadedModule, handler: CommandHandler, client: CommandClient, argv: Array<string>, spec?: CommandSpec): Reply | BlockRequest
  /** `mayPend` false: a long module command gives no `PendingCallReply` (`ctx.call`). */
  call(caller: HostedContext, options: CallOptions | string, argv: Array<string>, mayPend?: boolean): CallResult
  isCallClient(client: CommandClient): boolean
  /** The context whose `call` runs on `client` (undefined: not a call client). */
  callerOf(client: CommandClient): HostedContext | undefined
  /** A long module command on a call client that cannot block: its caller gets `reply` later (false: not such a client). */
  pendCall(client: CommandClient, reply: () => Promise<Reply>): boolean
  findType(name: string): ModuleValueType | undefined
  createTimer(module: LoadedModule, periodMs: number, callback: (ctx: ModuleContext<any>, data: unknown) => void, data: unknown, db: number): number
  stopTimer(module: LoadedModule, id: number): { data: unknown } | undefined
  runDetached(module: LoadedModule, f: (ctx: ModuleContext<any>) => void): void
  subscribeArgs(module: LoadedModule, f: (args: ArgsState<any>) => void): () => void
  subscribeConfigs(module: LoadedModule, f: (names: ReadonlyArray<string>) => void): () => void
  loadConfigs(module: LoadedModule): ModuleStatus
}
