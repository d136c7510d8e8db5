/**
 * What module authors see (Valkey's `valkeymodule.h`): the definition helper, the context
 * interface and the types of its handles. Re-exported as `keyfiber/module`; module files import
 * these as types only (see docs/modules.md). The module system implements them elsewhere
 * (`ModuleContextImpl`, `ModuleBlockedClient`), so nothing here depends on it.
 */
import type * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import type * as Result from "effect/Result"
import type * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import type { ModuleValueType } from "../keyspace/Value.js"
import type { CommandArg } from "../protocol/CommandArg.js"
import type { ModuleIO } from "../persistence/rdb/ModuleIO.js"
import type { Reply } from "../protocol/Reply.js"
import type { BytesReplyValue, ReplyValue } from "../protocol/ReplyValue.js"
import type { LogLevel } from "../server/Server.js"
import type { ConfigCallbacks } from "./ModuleConfig.js"
import type { ModuleKey } from "./ModuleKey.js"
import type { ArgsState, RuntimeArgsError } from "./RuntimeArgs.js"
import type { WorkerHandle } from "./workerProtocol.js"

export type { ConfigCallbacks, ModuleConfigFlag } from "./ModuleConfig.js"
export type { ModuleKey, ModuleKeyType } from "./ModuleKey.js"
export type { ArgsState, RuntimeArgsError } from "./RuntimeArgs.js"
export type { WorkerHandle } from "./workerProtocol.js"
export type { CommandArg } from "../protocol/CommandArg.js"
export type { BytesReplyValue, ReplyError, ReplyValue } from "../protocol/ReplyValue.js"

/**
 * A string a module gives the server (a reply, a key, a value, an argument): a JS `string` is text,
 * sent and stored as its UTF-8 bytes; a `Uint8Array` (a `Buffer`) is bytes, sent and stored exactly.
 * What the server gives a module comes as text (UTF-8 decoded: `argv`, `stringGet`, `replies.text`)
 * or, where the module asks, as bytes (`argvBytes()`, `stringGetBytes`, `replies.bytes`).
 */
export type ModuleString = string | Uint8Array
export type { ModuleIO } from "../persistence/rdb/ModuleIO.js"

/**
 * A data type's methods (Valkey's `ValkeyModuleTypeMethods`): how its values are written to and
 * read from RDB files and DUMP payloads, and the type's aux data. `rdbLoad` returns the value, or
 * `undefined`/`null` to fail the load. `auxSaveTriggers` is a mask of `AUX_BEFORE_RDB` (1) and
 * `AUX_AFTER_RDB` (2); `auxLoad` returns false to fail the load.
 */
export interface DataTypeMethods {
  rdbSave?(io: ModuleIO, value: unknown): void
  rdbLoad?(io: ModuleIO, encver: number): unknown
  auxSave?(io: ModuleIO, when: number): void
  auxLoad?(io: ModuleIO, encver: number, when: number): boolean | void
  readonly auxSaveTriggers?: number
  /** Called when a value of the type is deleted or overwritten. */
  free?(value: unknown): void
}

/** Valkey's `VALKEYMODULE_OK` / `VALKEYMODULE_ERR`. */
export type ModuleStatus = "OK" | "ERR"

/**
 * What a module file exports as default. `onLoad` registers commands, data types, configs and
 * timers through `ctx`; throwing, or returning "ERR", fails the load and rolls everything back.
 *
 * Module files import only types from keyfiber's `src/` (and anything from `effect`): every
 * runtime facility, reply helpers included, comes through the context. (A module is loaded with
 * its own copy of any `src/` file it imports, so classes from there would not match the server's.)
 */
export interface ModuleDefinition<A = ReadonlyArray<string>> {
  readonly name: string
  readonly version: number
  /** Decodes the module's arguments (`MODULE LOAD path args...`) from their text (UTF-8 decoded). */
  readonly argsSchema?: Schema.Codec<A, any>
  readonly onLoad: (ctx: ModuleContext<A>, args: A) => void | ModuleStatus | Promise<void | ModuleStatus>
  /** Returning "ERR" refuses MODULE UNLOAD (`operation not possible.`). */
  readonly onUnload?: (ctx: ModuleContext<A>) => void | ModuleStatus
}

/** The identity, for type inference in module files. */
export const defineModule = <A = ReadonlyArray<string>>(definition: ModuleDefinition<A>): ModuleDefinition<A> => definition

/** Valkey's `VALKEYMODULE_CTX_FLAGS_*` that keyfiber reports. */
export const CTX_FLAGS = {
  LUA: 1 << 0,
  MULTI: 1 << 1,
  MASTER: 1 << 2,
  LOADING: 1 << 9,
  REPLICATED: 1 << 12,
  MULTI_DIRTY: 1 << 19,
  DENY_BLOCKING: 1 << 21,
  RESP3: 1 << 22,
  ASYNC_LOADING: 1 << 23
} as const

/** What the context is running: a command, one of the blocked-client callbacks, a timer, ... */
export type ContextKind =
  | "load"
  | "command"
  | "reply"
  | "timeout"
  | "disconnect"
  | "free"
  | "thread-safe"
  | "detached"
  | "timer"
  | "unload"

/**
 * A module command handler (Valkey's `CmdFunc`): replies go through `ctx.replyWith*`; the status it
 * returns is ignored, as in Valkey. A thrown exception becomes an `-ERR` reply. `argv` is the
 * command line as text (each argument's bytes decoded as UTF-8, U+FFFD for bytes that are not);
 * `ctx.argvBytes()` gives the exact bytes, for binary values.
 */
export type CommandHandler = (ctx: ModuleContext<any>, argv: Array<string>) => void | ModuleStatus

export interface CreateCommandOptions {
  /** Valkey module command flags, space separated: "write deny-oom", "readonly fast", ... */
  readonly flags?: string
  readonly firstKey?: number
  readonly lastKey?: number
  readonly step?: number
  readonly summary?: string
}

/**
 * Options of `ctx.callWith` (Valkey's `RM_Call` format modifiers; the argument specifiers `c s b l v`
 * have no counterpart: arguments are given as they are). `callWith` also takes Valkey's format string
 * itself ("KEv", "!EKcc", "S", ...): its modifier letters are read, argument letters ignored, any
 * other letter makes the call return undefined (Valkey's EBADF).
 */
export interface CallOptions {
  /**
   * `K`: the command may block. If it does, the call returns a `CallReplyPromise` instead of a reply
   * (set its unblock handler at once); without `K` a blocking command never waits (its timeout reply).
   */
  readonly allowBlocking?: boolean
  /** `E`: errors found before the command runs (unknown command, arity, `S`/`W`/`M` refusals) come back as error replies instead of undefined. */
  readonly errorsAsReplies?: boolean
  /**
   * `!`: the command is propagated to the AOF like a client's (by default a call is not); `A`
   * takes it back (no AOF), `R` (no replicas) changes nothing, as keyfiber has no replicas.
   */
  readonly replicate?: boolean
  /** `3` / `2` / `0` (the caller's): the protocol the reply is produced in. */
  readonly resp?: 2 | 3 | "auto"
  /** `S`: script mode: commands flagged `noscript` are refused. */
  readonly scriptMode?: boolean
  /** `W`: write commands are refused. */
  readonly noWrites?: boolean
  /** `M`: `deny-oom` commands are refused while used memory is over `maxmemory`. */
  readonly respectDenyOom?: boolean
  /** `D`: dry run: the checks only; undefined when the command would run, else the error reply. */
  readonly dryRun?: boolean
}

/**
 * What `RM_Call` with `K` returns when the command blocked (Valkey's `VALKEYMODULE_REPLY_PROMISE`):
 * the reply comes later, to the unblock handler, which runs in the executor when the command is
 * served, times out or is unblocked. `ctx.replies.isPromise(r)` tells it apart from a reply.
 */
export interface CallReplyPromise {
  readonly _tag: "CallReplyPromise"
  /**
   * `CallReplyPromiseSetUnblockHandler`: `handler(ctx, reply, privdata)` runs once with the command's
   * reply. Its context may call commands and open keys, not reply to a client. Without a handler
   * the command still runs to its end and its reply is dropped (fire and forget).
   */
  setUnblockHandler<P>(handler: CallUnblockHandler<P>, privdata: P): void
  /**
   * `CallReplyPromiseAbort`: ends the blocked command without a reply; the unblock handler will not
   * run. "ERR" when it already finished or was aborted; `privdata` is the handler's private data.
   */
  abort(): { readonly status: ModuleStatus; readonly privdata: unknown }
}

export type CallUnblockHandler<P = unknown> = (ctx: ModuleContext<any>, reply: Reply, privdata: P) => void

/**
 * What `ctx.callWith` returns when the called command is a module command that runs long (an
 * `async` handler, see `ctx.yield`): Valkey runs such a command inside `RM_Call` to its end, holding
 * the server; here the call hands back its reply to come, a `PromiseLike` the caller returns or
 * awaits (its own handler becomes `async`). While the caller waits on it, the server stays held
 * for both of them as for one long command (other clients wait, then get `-BUSY` when the inner
 * command yields with `CLIENTS` past `busy-reply-threshold`), and the caller's reply comes after
 * the inner command's. A caller that cannot wait (inside MULTI/EXEC, a call that is not awaited)
 * gets the reply late and holds nothing. `ctx.replies.isPending(r)` tells it apart from a reply.
 */
export interface PendingCallReply extends PromiseLike<Reply> {
  readonly _tag: "PendingCallReply"
}

/**
 * What `ctx.callWith` returns: a reply; a promise when `K` let the command block; a pending reply
 * when the command is a long (`async`) module command; `undefined` (Valkey's NULL call reply) on an
 * error before the command ran, without `E`. (`null` is a reply: the null bulk.)
 */
export type CallResult = Reply | CallReplyPromise | PendingCallReply | undefined

/** `ctx.yield` flags (Valkey's `VALKEYMODULE_YIELD_FLAG_*`). */
export const YIELD_FLAGS = {
  /** Only events: other clients' commands wait until the module command ends. */
  NONE: 1 << 0,
  /** Also clients: other clients' commands get `-BUSY <reply>` (unless flagged `allow-busy`). */
  CLIENTS: 1 << 1
} as const

/**
 * Keyspace event classes a module subscribes to (Valkey's `VALKEYMODULE_NOTIFY_*`, the same bits):
 * `ALL` is Valkey's `A` (without `KEY_MISS`, `NEW` and `LOADED`).
 */
export const NOTIFY = {
  GENERIC: 1 << 2,
  STRING: 1 << 3,
  LIST: 1 << 4,
  SET: 1 << 5,
  HASH: 1 << 6,
  ZSET: 1 << 7,
  EXPIRED: 1 << 8,
  EVICTED: 1 << 9,
  STREAM: 1 << 10,
  KEY_MISS: 1 << 11,
  LOADED: 1 << 12,
  MODULE: 1 << 13,
  NEW: 1 << 14,
  ALL: (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 13)
} as const

/**
 * A keyspace notification to a module (Valkey's `ValkeyModuleNotificationFunc`): `type` is the
 * event's class (a `NOTIFY` bit), `event` its name ("set", "expired", ...), `key` the key as text
 * (`keyBytes()`: its exact bytes). It runs inside the command (or expiry, eviction) that fired it:
 * it may read, but should not write (use `addPostNotificationJob`); keys past their TTL are not
 * expired meanwhile.
 */
export type KeyspaceNotification = (
  ctx: ModuleContext<any>,
  type: number,
  event: string,
  key: string,
  keyBytes: () => Buffer
) => void

/** `setModuleOptions` bits (Valkey's `VALKEYMODULE_OPTIONS_*`). */
export const MODULE_OPTIONS = {
  HANDLE_IO_ERRORS: 1 << 0,
  NO_IMPLICIT_SIGNAL_MODIFIED: 1 << 1,
  HANDLE_REPL_ASYNC_LOAD: 1 << 2,
  /**
   * The module's keyspace notification callbacks are called again for events fired by their own
   * work (by default a callback that is running is not notified of what it causes).
   */
  ALLOW_NESTED_KEYSPACE_NOTIFICATIONS: 1 << 3
} as const

/** The `key` server event's subevents (Valkey's `VALKEYMODULE_SUBEVENT_KEY_*`). */
export const KEY_SUBEVENTS = {
  DELETED: 0,
  EXPIRED: 1,
  EVICTED: 2,
  OVERWRITTEN: 3
} as const

/**
 * The `key` server event's data (Valkey's `ValkeyModuleKeyInfo`): the key, opened for reading
 * while it still holds the value that is going away.
 */
export interface KeyInfo {
  readonly key: ModuleKey
}

/**
 * Server events a module can subscribe to (Valkey's `ValkeyModuleEvent_*`); keyfiber fires `key`
 * (`ValkeyModuleEvent_Key`): a key's value is about to go, `subevent` says why (`KEY_SUBEVENTS`:
 * DEL and the like, expiry, eviction, an overwrite by SET and the like).
 */
export interface ServerEvents {
  readonly key: (ctx: ModuleContext<any>, subevent: number, info: KeyInfo) => void
}

/**
 * A reply, timeout or disconnect callback: `(ctx, argv)`, argv as text (`ctx.argvBytes()`: as bytes). For a key-blocked client's reply callback,
 * "ERR" means "not served, stay blocked" (Valkey's `VALKEYMODULE_ERR`).
 */
export type BlockCallback = (ctx: ModuleContext<any>, argv: ReadonlyArray<string>) => void | ModuleStatus
export type FreePrivdata = (ctx: ModuleContext<any>, privdata: unknown) => void
export type DisconnectCallback = (ctx: ModuleContext<any>, bc: ModuleBlockedClient) => void

/**
 * A blocked-client handle (Valkey's `ValkeyModuleBlockedClient`, "bc"), given by `blockClient*`
 * and `blockOn`: the module passes it back to its context (`unblockClient`, private data,
 * thread-safe contexts) and reads nothing else of it.
 */
export interface ModuleBlockedClient {
  /** The database the client had selected when it blocked. */
  readonly db: number
  /** The blocked command's arguments, as text. */
  readonly argv: ReadonlyArray<string>
  /** When it blocked, on the server clock. */
  readonly blockedAt: number
  /** The server released it (free_privdata ran): the module must not pass it back any more. */
  readonly released: boolean
}

/** Reply values and predicates for module code (`ctx.replies`), shared by every context. */
export interface ReplyValues {
  error(message: ModuleString): Reply
  simple(s: ModuleString): Reply
  double(d: number): Reply
  nullArray(): Reply
  isError(r: Reply): boolean
  /** The error line as text. */
  errorMessage(r: Reply): string | undefined
  isSimple(r: Reply): boolean
  simpleText(r: Reply): string | undefined
  /**
   * A reply (of `call`) as JavaScript values with its strings as text (UTF-8 decoded): bulk and
   * simple strings are strings, integers numbers, maps `Map`s, errors `ReplyError` values, ...
   */
  text(r: Reply): ReplyValue
  /** The same with every string as a `Buffer` of exactly its bytes (binary values, exact keys). */
  bytes(r: Reply): BytesReplyValue
  /** The result of `callWith` with `allowBlocking` is a promise (the command blocked), not a reply. */
  isPromise(r: CallResult): r is CallReplyPromise
  /** The result of `callWith` is the reply to come of a long (`async`) module command, not a reply. */
  isPending(r: CallResult): r is PendingCallReply
}

/**
 * The context a module works through (Valkey's `ValkeyModuleCtx`): replies, calls, keys, timers,
 * blocking, configs and runtime arguments. One is made per command or callback; replies written
 * with `replyWith*` are collected and sent when the handler returns.
 */
export interface ModuleContext<A = ReadonlyArray<string>> {
  /** What the context is running. */
  readonly kind: ContextKind

  // Registration (onLoad)

  /** `CreateCommand`: a command named `name` (lower-cased), visible once onLoad succeeds. */
  createCommand(name: string, handler: CommandHandler, options?: CreateCommandOptions): ModuleStatus
  /**
   * `CreateDataType`: a 9-character type name (A-Z a-z 0-9 - _), an encoding version 0..1023 handed
   * back to `rdbLoad`, and the methods that save and load its values. A module with data types
   * cannot be unloaded.
   */
  createDataType(name: string, encver?: number, methods?: DataTypeMethods): ModuleValueType | undefined

  // Replies

  /** `WrongArity`: the standard arity error for the running command. */
  wrongArity(): ModuleStatus
  /** `+OK` */
  replyWithOK(): ModuleStatus
  replyWithLongLong(n: number | bigint): ModuleStatus
  /** Every `replyWith*` taking a string: a JS string is sent as its UTF-8 bytes, a `Uint8Array` exactly. */
  replyWithSimpleString(s: ModuleString): ModuleStatus
  /** `ReplyWithError("ERR msg")`: the text must carry its error code. */
  replyWithError(message: ModuleString): ModuleStatus
  replyWithErrorFormat(message: ModuleString): ModuleStatus
  replyWithString(s: ModuleString): ModuleStatus
  replyWithStringBuffer(s: ModuleString): ModuleStatus
  replyWithCString(s: ModuleString): ModuleStatus
  replyWithEmptyString(): ModuleStatus
  replyWithVerbatimString(text: ModuleString, format?: string): ModuleStatus
  replyWithNull(): ModuleStatus
  replyWithNullArray(): ModuleStatus
  replyWithEmptyArray(): ModuleStatus
  replyWithBool(b: boolean): ModuleStatus
  replyWithDouble(d: number): ModuleStatus
  replyWithLongDouble(d: number): ModuleStatus
  replyWithBigNumber(digits: string): ModuleStatus
  /** A reply value as returned by `call` (Valkey's `ReplyWithCallReply`). */
  replyWithCallReply(reply: Reply): ModuleStatus
  /** An array of `length` elements; `POSTPONED_LEN` to give the length later. */
  replyWithArray(length: number): ModuleStatus
  replySetArrayLength(length: number): void
  replyWithMap(length: number): ModuleStatus
  replySetMapLength(length: number): void
  replyWithSet(length: number): ModuleStatus
  replySetSetLength(length: number): void
  replyWithAttribute(length: number): ModuleStatus
  replySetAttributeLength(length: number): void
  /** `VALKEYMODULE_POSTPONED_LEN` for `replyWithArray/Map/Set`. */
  readonly POSTPONED_LEN: number
  /** Reply values module code can build without importing server classes. */
  readonly replies: ReplyValues

  // Calling server commands, keys, flags

  /**
   * `Call(ctx, cmd, "v", ...)`: runs a command through the dispatcher. The command's own error
   * replies come back as values; an error before it runs (unknown command, wrong arity) returns
   * undefined, Valkey's NULL without the `E` flag (use `callWith({ errorsAsReplies: true }, ...)` or "E").
   * Arguments: a string is sent as its UTF-8 bytes, a `Uint8Array` exactly, a number in decimal.
   * Read the reply with `replies.text(r)` or `replies.bytes(r)`, or relay it with `replyWithCallReply`.
   */
  call(command: string, ...args: Array<CommandArg>): Reply | undefined
  /** `Call` with format modifiers, as options or Valkey's format string ("KEv", "E", "S3", ...). */
  callWith(options: CallOptions | string, command: string, ...args: Array<CommandArg>): CallResult
  /**
   * `Replicate`: propagates `command args...` to the AOF in this context's database, after what the
   * running command propagated so far. A module command is never propagated itself: it replicates
   * what it did with this or `replicateVerbatim`. "ERR" for an unknown command.
   */
  replicate(command: string, ...args: Array<CommandArg>): ModuleStatus
  /** `ReplicateVerbatim`: propagates the running command as the client sent it. */
  replicateVerbatim(): ModuleStatus
  /** `OpenKey`: the key named by the text's UTF-8 bytes, or exactly by the bytes given. */
  openKey(key: ModuleString): ModuleKey
  /**
   * `Scan`: up to `count` key names (as text) of this context's database from `cursor` (0 starts); the
   * returned cursor is 0 when done. A key present for the whole scan is returned at least once.
   */
  scan(cursor: number, count?: number): { cursor: number; keys: Array<string> }
  selectedDb(): number
  /** `GetContextFlags`. */
  getContextFlags(): number
  readonly CTX_FLAGS: typeof CTX_FLAGS
  /**
   * The running command's arguments as bytes (Valkey's `StringPtrLen` on each argv element): what
   * the handler gets as text, exactly as the client sent it. In a blocked client's callbacks, the
   * blocked command's.
   */
  argvBytes(): Array<Buffer>
  /**
   * `Yield(ctx, flags, busyReply)`, for a module command that runs long (an `async` handler that
   * awaits between steps, or a thread-safe context holding the lock): from the first call until the
   * command ends (or the lock is released) no other client's command runs. Once `busy-reply-threshold`
   * ms have passed since the command started, with `YIELD_FLAGS.CLIENTS` other clients get
   * `-BUSY <busyReply>` instead of waiting (commands flagged `allow-busy` run).
   */
  yield(flags: number, busyReply?: string): void
  readonly YIELD_FLAGS: typeof YIELD_FLAGS
  getClientId(): number

  // Keyspace notifications, post-notification jobs, server events, module options

  /**
   * `SubscribeToKeyspaceEvents`: `callback` hears every keyspace event of the classes in `types`
   * (`NOTIFY` bits), whatever `notify-keyspace-events` says. While a callback runs it is not called
   * again for what it causes, unless the module set `ALLOW_NESTED_KEYSPACE_NOTIFICATIONS`.
   */
  subscribeToKeyspaceEvents(types: number, callback: KeyspaceNotification): ModuleStatus
  /** `GetKeyspaceNotificationFlagsAll`: the `NOTIFY` bits this server knows (all of them, as Valkey 8). */
  getKeyspaceNotificationFlagsAll(): number
  /** `NotifyKeyspaceEvent`: fires `event` of class `type` for `key` in the selected database. */
  notifyKeyspaceEvent(type: number, event: string, key: ModuleString): ModuleStatus
  readonly NOTIFY: typeof NOTIFY
  /**
   * `AddPostNotificationJob`: `job(ctx, privdata)` runs when the execution unit that fired the
   * notification ends (after the command, the expiry or the eviction, before the reply), inside it:
   * what it writes (called with `replicate`) is propagated with it, MULTI/EXEC-wrapped. Jobs added
   * by jobs run too, in order. `freePrivdata` runs after the job. "ERR" while loading data.
   */
  addPostNotificationJob<P>(job: (ctx: ModuleContext<A>, privdata: P) => void, privdata: P, freePrivdata?: (privdata: P) => void): ModuleStatus
  /** `SubscribeToServerEvent`: `callback` for `event` (null: unsubscribes). */
  subscribeToServerEvent<E extends keyof ServerEvents>(event: E, callback: ServerEvents[E] | null): ModuleStatus
  readonly KEY_SUBEVENTS: typeof KEY_SUBEVENTS
  /** `SetModuleOptions`: this module's `MODULE_OPTIONS` bits. */
  setModuleOptions(options: number): void
  /** `GetModuleOptionsAll`: the `MODULE_OPTIONS` bits this server honours (`ALLOW_NESTED_KEYSPACE_NOTIFICATIONS`). */
  getModuleOptionsAll(): number
  readonly MODULE_OPTIONS: typeof MODULE_OPTIONS
  /** Milliseconds since the epoch from the server clock (Effect's Clock). */
  milliseconds(): number
  /** `Microseconds`: microseconds since the epoch, now. */
  microseconds(): number
  /** `CachedMicroseconds`: microseconds since the epoch when the running execution unit (command) started. */
  cachedMicroseconds(): number
  log(level: LogLevel, message: string): void

  // Timers and background work

  /** `CreateTimer`: runs `callback` after `periodMs` on the server clock; returns the timer id. */
  createTimer<D>(periodMs: number, callback: (ctx: ModuleContext<A>, data: D) => void, data: D): number
  /** `StopTimer`: the timer's data, or undefined when it already fired or never existed. */
  stopTimer(id: number): { data: unknown } | undefined
  /** Runs an Effect in the background in the module's scope (interrupted on unload). */
  fork<X, E>(effect: Effect.Effect<X, E>): Fiber.Fiber<X, E>
  /** Runs `f` in the executor: for code resumed from a timer, a promise or a worker message. */
  runInExecutor(f: (ctx: ModuleContext<A>) => void): void
  /**
   * Adopts a `worker_threads` Worker: an uncaught error in it (its `error` event) is logged with
   * this module's name instead of reaching the process, and it is terminated when the module is
   * unloaded. Returns the worker.
   */
  adoptWorker<W extends WorkerLike>(worker: W): W
  /** A sleep on the server clock, for background Effects (TestClock moves it in tests). */
  sleep(ms: number): Effect.Effect<void>

  // Runtime arguments (Valkey's UpdateRuntimeArgs; GetRuntimeArgs is keyfiber's)

  /** The current arguments, decoded by the module's `argsSchema` when it has one. */
  getRuntimeArgs(): A
  /** The current arguments as text (what the Schema decodes). */
  getRuntimeArgsRaw(): ReadonlyArray<string>
  /** The current arguments as bytes, exactly as given (what MODULE LIST and CONFIG REWRITE print). */
  getRuntimeArgsBytes(): ReadonlyArray<Buffer>
  /**
   * `UpdateRuntimeArgs(ctx, argv)`: replaces the module's arguments with `argv[1..]` (argv[0], the
   * command name, is skipped). Refused, changing nothing, when they fail the module's Schema.
   * Pass `ctx.argvBytes()` to keep bytes that are not UTF-8 exactly.
   */
  updateRuntimeArgs(argv: ReadonlyArray<ModuleString>): Result.Result<A, RuntimeArgsError>
  /** The arguments now, then every change. */
  runtimeArgsChanges(): Stream.Stream<ArgsState<A>>
  /** Calls `f` with every change of the arguments (not the current value); returns an unsubscribe. */
  onRuntimeArgsChange(f: (args: ArgsState<A>) => void): () => void

  // Module configs

  registerStringConfig(name: string, defaultValue: string, flags: string, callbacks?: ConfigCallbacks<string>): ModuleStatus
  registerBoolConfig(name: string, defaultValue: boolean, flags: string, callbacks?: ConfigCallbacks<boolean>): ModuleStatus
  registerNumericConfig(
    name: string,
    defaultValue: number,
    flags: string,
    min: number,
    max: number,
    callbacks?: ConfigCallbacks<number>
  ): ModuleStatus
  registerEnumConfig(
    name: string,
    defaultValue: number,
    flags: string,
    names: ReadonlyArray<string>,
    values: ReadonlyArray<number>,
    callbacks?: ConfigCallbacks<number>
  ): ModuleStatus
  /** `LoadConfigs`: sets every config from the pending queue (config file, LOADEX) or its default. */
  loadConfigs(): ModuleStatus
  /** Calls `f` after a CONFIG SET changed one of this module's configs. */
  onConfigChange(f: (names: ReadonlyArray<string>) => void): () => void

  // Blocking clients (Valkey's callback shape and keyfiber's Effect shape)

  /**
   * `BlockClient(ctx, reply, timeout, free, timeoutMs)`: the client waits until `unblockClient`
   * (then `reply` runs at the end of the tick) or `timeoutMs` (then `timeout` runs; 0 waits forever).
   */
  blockClient(reply: BlockCallback | null, timeout: BlockCallback | null, freePrivdata: FreePrivdata | null, timeoutMs: number): ModuleBlockedClient
  /** `BlockClientOnKeys[WithFlags]`: woken when one of `keys` is signalled ready. */
  blockClientOnKeys(
    reply: BlockCallback | null,
    timeout: BlockCallback | null,
    freePrivdata: FreePrivdata | null,
    timeoutMs: number,
    keys: ReadonlyArray<ModuleString>,
    privdata: unknown,
    flags?: { unblockDeleted?: boolean }
  ): ModuleBlockedClient
  /**
   * Blocks the client on an Effect run in the background in the module's scope: its success is the
   * reply, its failure an error reply. Timeout, CLIENT UNBLOCK and disconnect interrupt it.
   */
  blockOn<E>(effect: Effect.Effect<Reply, E>, options?: { timeoutMs?: number; timeoutReply?: Reply }): ModuleBlockedClient
  /** `UnblockClient(bc, privdata)`: from anywhere; the reply callback runs at the end of the tick. */
  unblockClient(bc: ModuleBlockedClient, privdata?: unknown): ModuleStatus
  abortBlock(bc: ModuleBlockedClient): ModuleStatus
  /** `SignalKeyAsReady`: wakes clients blocked on `key` in this context's database. */
  signalKeyAsReady(key: ModuleString): void
  blockClientSetPrivateData(bc: ModuleBlockedClient, privdata: unknown): void
  blockClientGetPrivateData(bc: ModuleBlockedClient): unknown
  /** `SetDisconnectCallback`: runs when the blocked client goes away (not on timeout); must not reply. */
  setDisconnectCallback(bc: ModuleBlockedClient, callback: DisconnectCallback | null): void
  blockedClientMeasureTimeStart(bc: ModuleBlockedClient): ModuleStatus
  blockedClientMeasureTimeEnd(bc: ModuleBlockedClient): ModuleStatus
  getBlockedClientPrivateData(): unknown
  getBlockedClientHandle(): ModuleBlockedClient | null
  getBlockedClientReadyKey(): string | null
  isBlockedReplyRequest(): boolean
  isBlockedTimeoutRequest(): boolean
  /** True in the free callback when the client was gone at drain time. */
  blockedClientDisconnected(): boolean
  /** `GetThreadSafeContext(bc)`: replies go to the blocked client when it is unblocked. */
  getThreadSafeContext(bc: ModuleBlockedClient | null): ThreadSafeContext<A>
  getDetachedThreadSafeContext(): ThreadSafeContext<A>
  /**
   * A handle for a `worker_threads` Worker (Valkey's blocked-client handle and thread-safe context
   * used from another thread): `worker.postMessage({ handle }, [handle.port])`, then in the worker
   * `unblockClient(handle, privdata)`, `abortBlock(handle)` or `threadSafeContext(handle)` from
   * `keyfiber/module/worker`. `bc` null gives a detached thread-safe context only. Requests from
   * the worker run in the executor in order, exactly once; a worker that exits holding the GIL
   * releases it (with a warning).
   */
  workerHandle(bc: ModuleBlockedClient | null): WorkerHandle
}

/**
 * A thread-safe context: usable from fibers, timers and worker messages (from a Worker itself:
 * `workerHandle`). `lock`/`tryLock`/`unlock` are Valkey's GIL: while a context holds it, the
 * server runs no client command, no timer and no end-of-tick work; what arrives meanwhile runs
 * after `unlock()`.
 */
export interface ThreadSafeContext<A = ReadonlyArray<string>> extends ModuleContext<A> {
  /**
   * Waits for the GIL, first come first served (an Effect: the fiber suspends until its turn).
   * Interrupting the wait withdraws it; a fiber that ends holding the GIL releases it (logged).
   */
  lock(): Effect.Effect<void>
  /** Takes the GIL if it is free and nobody waits: "ERR" (errno EBUSY) otherwise. */
  tryLock(): ModuleStatus
  unlock(): void
  free(): void
}

/** What `ctx.adoptWorker` needs of a `worker_threads` Worker. */
export interface WorkerLike {
  on(event: "error" | "exit", listener: (e: any) => void): unknown
  terminate(): Promise<number>
}
