import { performance } from "node:perf_hooks"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import type * as Result from "effect/Result"
import * as Exit from "effect/Exit"
import type * as Stream from "effect/Stream"
import { type CommandClient, type CommandFlag, type CommandSpec, defineCommand } from "../commands/CommandSpec.js"
import { type CommandArg, commandArgBytes } from "../protocol/CommandArg.js"
import { bytesToBuffer, bytesToText, type BytesReplyValue, replyToBytes, replyToText, type ReplyValue } from "../protocol/ReplyValue.js"
import type { ModuleValueType } from "../keyspace/Value.js"
import type { DataTypeMethods } from "./api.js"
import type { ModuleDataType } from "./ModuleDataType.js"
import {
  BigNumberReply,
  DoubleReply,
  ErrorReply,
  NULL_ARRAY,
  type Reply,
  SimpleString,
  VerbatimReply
} from "../protocol/Reply.js"
import type { LogLevel } from "../server/Server.js"
import {
  type BlockCallback,
  type CallOptions,
  type CallReplyPromise as CallReplyPromiseApi,
  type CallResult,
  type PendingCallReply as PendingCallReplyApi,
  type CommandHandler,
  type ContextKind,
  type CreateCommandOptions,
  CTX_FLAGS,
  type DisconnectCallback,
  type FreePrivdata,
  type ModuleContext,
  type ModuleStatus,
  type ModuleString,
  type ReplyValues,
  type ThreadSafeContext,
  type WorkerLike,
  YIELD_FLAGS,
  KEY_SUBEVENTS,
  type KeyspaceNotification,
  MODULE_OPTIONS,
  NOTIFY,
  type ServerEvents
} from "./api.js"
import { CallReplyPromise } from "./CallReplyPromise.js"
import { PendingCallReply } from "./PendingCallReply.js"
import { serverNotifyType } from "./ModuleNotifications.js"
import { notifyKeyspaceEvent } from "../commands/PubSubState.js"
import type { LoadedModule } from "./LoadedModule.js"
import type { ModuleBlockedClient } from "./ModuleBlockedClient.js"
import { type ConfigCallbacks, CONFIG_NAME, type ConfigKind, ModuleConfig, parseConfigFlags } from "./ModuleConfig.js"
import { describeFault } from "./ModuleFault.js"
import type { HostedContext, ModuleHost } from "./ModuleHost.js"
import { ModuleKey } from "./ModuleKey.js"
import { POSTPONED_LEN, ReplyBuilder } from "./ReplyBuilder.js"
import { openWorkerHandle } from "./WorkerBridge.js"
import type { WorkerHandle } from "./workerProtocol.js"
import type { ArgsState, RuntimeArgsError } from "./RuntimeArgs.js"

/** A command line for `call`: its arguments as the server's byte strings. */
const callArgv = (command: string, args: ReadonlyArray<CommandArg>): Array<string> => {
  const argv = [commandArgBytes(command)]
  for (const arg of args) argv.push(commandArgBytes(arg))
  return argv
}

const NO_OPTIONS: CallOptions = {}

/** Reply values and predicates for module code (shared by every context). */
const REPLIES: ReplyValues = {
  error: (message: ModuleString): Reply => new ErrorReply(commandArgBytes(message)),
  simple: (s: ModuleString): Reply => new SimpleString(commandArgBytes(s)),
  double: (d: number): Reply => new DoubleReply(d),
  nullArray: (): Reply => NULL_ARRAY,
  isError: (r: Reply): boolean => r instanceof ErrorReply,
  errorMessage: (r: Reply): string | undefined => (r instanceof ErrorReply ? bytesToText(r.message) : undefined),
  isSimple: (r: Reply): boolean => r instanceof SimpleString,
  simpleText: (r: Reply): string | undefined => (r instanceof SimpleString ? bytesToText(r.value) : undefined),
  text: (r: Reply): ReplyValue => replyToText(r),
  bytes: (r: Reply): BytesReplyValue => replyToBytes(r),
  isPromise: (r: CallResult): r is CallReplyPromiseApi => r instanceof CallReplyPromise,
  isPending: (r: CallResult): r is PendingCallReplyApi => r instanceof PendingCallReply
}

const MODULE_FLAGS: Record<string, CommandFlag | null> = {
  write: "write",
  readonly: "readonly",
  admin: "admin",
  "deny-oom": "denyoom",
  "deny-script": "noscript",
  "allow-loading": "loading",
  pubsub: "pubsub",
  random: null,
  "allow-stale": "stale",
  "no-monitor": "skip_monitor",
  "no-slowlog": "skip_slowlog",
  fast: "fast",
  "getkeys-api": "module_getkeys",
  "no-cluster": "module_no_cluster",
  "no-auth": "no_auth",
  "may-replicate": "may_replicate",
  "no-mandatory-keys": "no_mandatory_keys",
  blocking: "blocking",
  "allow-busy": "allow_busy",
  "getchannels-api": null,
  "no-multi": "no_multi"
}

/**
 * The module context (`ModuleContext`, Valkey's `ValkeyModuleCtx`) and what the module system
 * keeps on it: its module, client, reply builder and blocked-client state. One is made per command
 * or callback; replies written with `replyWith*` are collected and sent when the handler returns.
 */
export class ModuleContextImpl<A = ReadonlyArray<string>> implements ModuleContext<A>, HostedContext {
  /** Replies written through this context; null when they are dropped (detached, disconnect, free). */
  readonly builder: ReplyBuilder | null
  /** Set while a blocked-client callback runs, and in thread-safe contexts made from a handle. */
  bc: ModuleBlockedClient | null = null
  /** The key that woke a key-blocked client, inside its reply callback. */
  readyKey: string | null = null
  /** Set by `blockClient*` during a command: the dispatcher parks the client. */
  blocked: ModuleBlockedClient | null = null
  /** The RESP version thread-safe replies are encoded in. */
  resp: 2 | 3
  /** The module command being run (for blocked-command stats) and its argv. */
  command: CommandSpec | null = null
  argv: ReadonlyArray<string> = []
  /** When the context was made (`performance.now()`): `yield` counts `busy-reply-threshold` from here. */
  readonly startedAt = performance.now()
  /** The command is over (its handler returned, or its promise settled): it holds the server no more. */
  finished = false

  constructor(
    readonly host: ModuleHost,
    readonly module: LoadedModule,
    readonly kind: ContextKind,
    /** The client the context runs for; null in detached, timer and free-after-disconnect contexts. */
    readonly client: CommandClient | null,
    builder: ReplyBuilder | null = new ReplyBuilder(),
    /** The selected database (the client's, or the blocked client's at block time). */
    readonly db = client?.db ?? 0
  ) {
    this.builder = builder
    this.resp = client?.resp ?? 2
  }

  // ---------------------------------------------------------------------------------------------
  // Registration (onLoad)

  createCommand(name: string, handler: CommandHandler, options: CreateCommandOptions = {}): ModuleStatus {
    const lower = name.toLowerCase()
    if (this.module.unloaded) return "ERR"
    if (this.host.server.commands.has(lower) || this.module.commands.some((c) => c.name === lower)) return "ERR"
    const flags: Array<CommandFlag> = ["module"]
    for (const f of (options.flags ?? "").split(/\s+/).filter((x) => x !== "")) {
      const mapped = MODULE_FLAGS[f.toLowerCase()]
      if (mapped === undefined) return "ERR"
      if (mapped !== null) flags.push(mapped)
    }
    const module = this.module
    const host = this.host
    const spec: CommandSpec = defineCommand({
      name: lower,
      arity: -1,
      flags,
      keys: options.firstKey ? [options.firstKey, options.lastKey ?? options.firstKey, options.step ?? 1] : undefined,
      group: "module",
      summary: options.summary,
      module: module.name,
      run: (client, argv) => host.runCommand(module, handler, client, argv, spec)
    })
    module.commands.push(spec)
    if (!module.loading) host.server.commands.register(spec)
    return "OK"
  }

  createDataType(name: string, encver = 0, methods: DataTypeMethods = {}): ModuleValueType | undefined {
    if (this.module.unloaded || !/^[A-Za-z0-9_-]{9}$/.test(name)) return undefined
    if (!Number.isInteger(encver) || encver < 0 || encver > 1023) return undefined
    if (this.host.findType(name) !== undefined) return undefined
    const type: ModuleDataType = { name, module: this.module.name, encver, methods }
    this.module.types.push(type)
    return type
  }

  // ---------------------------------------------------------------------------------------------
  // Replies

  private add(reply: Reply): ModuleStatus {
    this.builder?.add(reply)
    return "OK"
  }

  wrongArity(): ModuleStatus {
    const name = this.command?.fullName ?? this.argv[0]?.toLowerCase() ?? ""
    return this.add(new ErrorReply(`ERR wrong number of arguments for '${name}' command`))
  }

  replyWithOK(): ModuleStatus {
    return this.add(new SimpleString("OK"))
  }

  replyWithLongLong(n: number | bigint): ModuleStatus {
    return this.add(n)
  }
  replyWithSimpleString(s: ModuleString): ModuleStatus {
    return this.add(new SimpleString(commandArgBytes(s)))
  }
  replyWithError(message: ModuleString): ModuleStatus {
    return this.add(new ErrorReply(commandArgBytes(message)))
  }
  replyWithErrorFormat(message: ModuleString): ModuleStatus {
    return this.add(new ErrorReply(commandArgBytes(message)))
  }
  replyWithString(s: ModuleString): ModuleStatus {
    return this.add(commandArgBytes(s))
  }
  replyWithStringBuffer(s: ModuleString): ModuleStatus {
    return this.add(commandArgBytes(s))
  }
  replyWithCString(s: ModuleString): ModuleStatus {
    return this.add(commandArgBytes(s))
  }
  replyWithEmptyString(): ModuleStatus {
    return this.add("")
  }
  replyWithVerbatimString(text: ModuleString, format = "txt"): ModuleStatus {
    return this.add(new VerbatimReply(commandArgBytes(text), commandArgBytes(format)))
  }
  replyWithNull(): ModuleStatus {
    return this.add(null)
  }
  replyWithNullArray(): ModuleStatus {
    return this.add(NULL_ARRAY)
  }
  replyWithEmptyArray(): ModuleStatus {
    return this.add([])
  }
  replyWithBool(b: boolean): ModuleStatus {
    return this.add(b)
  }
  replyWithDouble(d: number): ModuleStatus {
    return this.add(new DoubleReply(d))
  }
  replyWithLongDouble(d: number): ModuleStatus {
    return this.add(new DoubleReply(d))
  }
  replyWithBigNumber(digits: string): ModuleStatus {
    return this.add(new BigNumberReply(digits))
  }
  replyWithCallReply(reply: Reply): ModuleStatus {
    return this.add(reply)
  }
  replyWithArray(length: number): ModuleStatus {
    this.builder?.openAggregate("array", length)
    return "OK"
  }
  replySetArrayLength(length: number): void {
    this.builder?.setLength("array", length)
  }
  replyWithMap(length: number): ModuleStatus {
    this.builder?.openAggregate("map", length)
    return "OK"
  }
  replySetMapLength(length: number): void {
    this.builder?.setLength("map", length)
  }
  replyWithSet(length: number): ModuleStatus {
    this.builder?.openAggregate("set", length)
    return "OK"
  }
  replySetSetLength(length: number): void {
    this.builder?.setLength("set", length)
  }
  replyWithAttribute(length: number): ModuleStatus {
    this.builder?.openAggregate("attribute", length)
    return "OK"
  }
  replySetAttributeLength(length: number): void {
    this.builder?.setLength("attribute", length)
  }
  get POSTPONED_LEN(): number {
    return POSTPONED_LEN
  }

  get replies(): ReplyValues {
    return REPLIES
  }

  // ---------------------------------------------------------------------------------------------
  // Calling server commands, keys, flags

  /** `Call(ctx, cmd, "v", ...)`: an error before the command runs is undefined (see `ModuleCall`). */
  call(command: string, ...args: Array<CommandArg>): Reply | undefined {
    return this.host.call(this, NO_OPTIONS, callArgv(command, args), false) as Reply | undefined
  }

  callWith(options: CallOptions | string, command: string, ...args: Array<CommandArg>): CallResult {
    return this.host.call(this, options, callArgv(command, args))
  }

  /** module.c `VM_Replicate`: `alsoPropagate` of the command, and one change to the dirty counter. */
  replicate(command: string, ...args: Array<CommandArg>): ModuleStatus {
    const server = this.host.server
    if (server.commands.lookup(command.toLowerCase()) === undefined) return "ERR"
    this.propagate(callArgv(command, args))
    return "OK"
  }

  /** module.c `VM_ReplicateVerbatim`. */
  replicateVerbatim(): ModuleStatus {
    // A context without a command (a timer, a thread-safe context) has nothing to replicate: an
    // empty command would be an unloadable `*0` in the AOF.
    if (this.argv.length === 0) return "OK"
    this.propagate(Array.from(this.argv))
    return "OK"
  }

  private propagate(argv: Array<string>): void {
    const server = this.host.server
    server.propagation.also(this.db, argv)
    server.keyspace.dirty++
    // Outside any command (a timer, a thread-safe context) the execution unit ends here.
    server.endExecutionUnit(null)
  }

  openKey(key: ModuleString): ModuleKey {
    return new ModuleKey(this.host.server.keyspace, this.db, commandArgBytes(key))
  }

  scan(cursor: number, count = 10): { cursor: number; keys: Array<string> } {
    const db = this.host.server.keyspace.dbs[this.db]
    let i = cursor === 0 ? db.size - 1 : Math.min(cursor - 1, db.size - 1)
    const keys: Array<string> = []
    for (; i >= 0 && keys.length < count; i--) keys.push(bytesToText(db.slots[i].key))
    return { cursor: i < 0 ? 0 : i + 1, keys }
  }

  selectedDb(): number {
    return this.db
  }

  getContextFlags(): number {
    let flags = CTX_FLAGS.MASTER
    const c = this.client
    if (c !== null) {
      const viaCall = this.host.isCallClient(c)
      if (c.multi !== null || (c.denyBlocking && !viaCall)) flags |= CTX_FLAGS.MULTI
      if (c.denyBlocking) flags |= CTX_FLAGS.DENY_BLOCKING
      if (c.resp === 3) flags |= CTX_FLAGS.RESP3
    }
    return flags
  }

  get CTX_FLAGS(): typeof CTX_FLAGS {
    return CTX_FLAGS
  }

  /**
   * `Yield`: a command context (an `async` handler between its steps) or a thread-safe context
   * holding the lock makes the server busy (see `BusyModule`); anywhere else it does nothing.
   */
  yield(flags: number, busyReply?: string): void {
    const owner = this.yieldOwner()
    if (owner === null) return
    this.host.server.dispatcher.busy.yield(owner, this.startedAt, (flags & YIELD_FLAGS.CLIENTS) !== 0, busyReply ?? null)
  }

  /**
   * Who yields: this command, the command that called it (a long command reached through `callWith`
   * holds the server for its caller, as Valkey's `RM_Call` runs it inside the caller), or this
   * thread-safe context while it holds the lock (null: none).
   */
  yieldOwner(): object | null {
    const client = this.client
    if (this.kind !== "command" || client === null || client.multi !== null || this.finished) return null
    if (this.host.isCallClient(client)) {
      // Only a call without `K` runs the command inside its caller (with `K` it is a blocked client).
      return client.denyBlocking ? (this.host.callerOf(client)?.yieldOwner() ?? null) : null
    }
    // Inside EXEC an `async` command cannot hold its caller: its yields do nothing.
    return client.denyBlocking ? null : this
  }

  get YIELD_FLAGS(): typeof YIELD_FLAGS {
    return YIELD_FLAGS
  }

  // ---------------------------------------------------------------------------------------------
  // Keyspace notifications, post-notification jobs, server events, module options

  subscribeToKeyspaceEvents(types: number, callback: KeyspaceNotification): ModuleStatus {
    this.host.notifications.subscribe(this.module, types, callback)
    return "OK"
  }

  getKeyspaceNotificationFlagsAll(): number {
    // Every class, KEY_MISS, LOADED and NEW included (module.c: `_VALKEYMODULE_NOTIFY_NEXT - 1`).
    return (1 << 15) - 1
  }

  notifyKeyspaceEvent(type: number, event: string, key: ModuleString): ModuleStatus {
    notifyKeyspaceEvent(this.host.server, serverNotifyType(type), event, commandArgBytes(key), this.db)
    return "OK"
  }

  get NOTIFY(): typeof NOTIFY {
    return NOTIFY
  }

  addPostNotificationJob<P>(job: (ctx: ModuleContext<A>, privdata: P) => void, privdata: P, freePrivdata?: (privdata: P) => void): ModuleStatus {
    // module.c VM_AddPostNotificationJob: refused while a file loads (no jobs may write then).
    if (this.host.server.keyspace.loading) return "ERR"
    this.host.notifications.addJob(this.module, this.db, job as (ctx: ModuleContext<any>, privdata: P) => void, privdata, freePrivdata)
    return "OK"
  }

  subscribeToServerEvent<E extends keyof ServerEvents>(event: E, callback: ServerEvents[E] | null): ModuleStatus {
    if (event !== "key") return "ERR"
    this.host.notifications.subscribeKeyEvent(this.module, callback)
    return "OK"
  }

  get KEY_SUBEVENTS(): typeof KEY_SUBEVENTS {
    return KEY_SUBEVENTS
  }

  setModuleOptions(options: number): void {
    this.module.options = options
  }

  getModuleOptionsAll(): number {
    return MODULE_OPTIONS.ALLOW_NESTED_KEYSPACE_NOTIFICATIONS
  }

  get MODULE_OPTIONS(): typeof MODULE_OPTIONS {
    return MODULE_OPTIONS
  }

  getClientId(): number {
    return this.client?.id ?? 0
  }

  milliseconds(): number {
    return this.host.server.now()
  }

  microseconds(): number {
    return Math.floor((performance.timeOrigin + performance.now()) * 1000)
  }

  cachedMicroseconds(): number {
    return Math.floor((performance.timeOrigin + this.host.server.unitStartedAt) * 1000)
  }

  log(level: LogLevel, message: string): void {
    this.host.server.log(level, `<${this.module.name}> ${message}`)
  }

  // ---------------------------------------------------------------------------------------------
  // Timers and background work

  createTimer<D>(periodMs: number, callback: (ctx: ModuleContext<A>, data: D) => void, data: D): number {
    if (this.module.unloaded) return 0
    // module.c VM_CreateTimer: the timer's context selects the creator's database.
    return this.host.createTimer(this.module, periodMs, callback as any, data, this.db)
  }

  stopTimer(id: number): { data: unknown } | undefined {
    return this.host.stopTimer(this.module, id)
  }

  fork<X, E>(effect: Effect.Effect<X, E>): Fiber.Fiber<X, E> {
    const fiber = this.module.runFork(effect)
    fiber.addObserver((exit) => {
      if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)) {
        this.log("warning", `background fiber failed: ${Cause.pretty(exit.cause)}`)
      }
    })
    return fiber
  }

  runInExecutor(f: (ctx: ModuleContext<A>) => void): void {
    this.host.runDetached(this.module, f as any)
  }

  adoptWorker<W extends WorkerLike>(worker: W): W {
    const module = this.module
    worker.on("error", (e: unknown) => this.host.server.log("warning", `<${module.name}> worker failed: ${describeFault(e)}`))
    module.workers.add(worker)
    worker.on("exit", () => module.workers.delete(worker))
    if (module.unloaded) void worker.terminate()
    return worker
  }

  sleep(ms: number): Effect.Effect<void> {
    return Effect.sleep(Duration.millis(ms))
  }

  // ---------------------------------------------------------------------------------------------
  // Runtime arguments (Valkey's UpdateRuntimeArgs; GetRuntimeArgs is keyfiber's)

  getRuntimeArgs(): A {
    return this.module.args.value
  }

  getRuntimeArgsRaw(): ReadonlyArray<string> {
    return this.module.args.raw
  }

  getRuntimeArgsBytes(): ReadonlyArray<Buffer> {
    return this.module.args.bytes.map(bytesToBuffer)
  }

  updateRuntimeArgs(argv: ReadonlyArray<ModuleString>): Result.Result<A, RuntimeArgsError> {
    return this.module.args.set(argv.slice(1).map(commandArgBytes))
  }

  runtimeArgsChanges(): Stream.Stream<ArgsState<A>> {
    return this.module.args.changes
  }

  onRuntimeArgsChange(f: (args: ArgsState<A>) => void): () => void {
    return this.host.subscribeArgs(this.module, f as any)
  }

  // ---------------------------------------------------------------------------------------------
  // Module configs

  registerStringConfig(name: string, defaultValue: string, flags: string, callbacks: ConfigCallbacks<string> = {}): ModuleStatus {
    return this.registerConfig(name, { type: "string" }, defaultValue, flags, callbacks)
  }
  registerBoolConfig(name: string, defaultValue: boolean, flags: string, callbacks: ConfigCallbacks<boolean> = {}): ModuleStatus {
    return this.registerConfig(name, { type: "bool" }, defaultValue, flags, callbacks)
  }
  registerNumericConfig(
    name: string,
    defaultValue: number,
    flags: string,
    min: number,
    max: number,
    callbacks: ConfigCallbacks<number> = {}
  ): ModuleStatus {
    return this.registerConfig(name, { type: "numeric", min, max }, defaultValue, flags, callbacks)
  }
  registerEnumConfig(
    name: string,
    defaultValue: number,
    flags: string,
    names: ReadonlyArray<string>,
    values: ReadonlyArray<number>,
    callbacks: ConfigCallbacks<number> = {}
  ): ModuleStatus {
    if (names.length === 0 || names.length !== values.length) return "ERR"
    return this.registerConfig(name, { type: "enum", names, values }, defaultValue, flags, callbacks)
  }

  private registerConfig(name: string, kind: ConfigKind, defaultValue: unknown, flags: string, callbacks: ConfigCallbacks<any>): ModuleStatus {
    const module = this.module
    if (!module.loading || this.kind !== "load") return "ERR"
    const parsed = parseConfigFlags(flags)
    if (typeof parsed === "string") return "ERR"
    if (parsed.has("memory") && kind.type !== "numeric") return "ERR"
    if (parsed.has("bitflags") && kind.type !== "enum") return "ERR"
    if (!CONFIG_NAME.test(name)) return "ERR"
    if (module.configs.some((c) => c.name.toLowerCase() === name.toLowerCase())) return "ERR"
    module.configs.push(new ModuleConfig(module.name, name, kind, parsed, defaultValue, callbacks))
    return "OK"
  }

  loadConfigs(): ModuleStatus {
    if (!this.module.loading || this.kind !== "load") return "ERR"
    return this.host.loadConfigs(this.module)
  }

  onConfigChange(f: (names: ReadonlyArray<string>) => void): () => void {
    return this.host.subscribeConfigs(this.module, f)
  }

  // ---------------------------------------------------------------------------------------------
  // Blocking clients (Valkey's callback shape and keyfiber's Effect shape)

  blockClient(
    reply: BlockCallback | null,
    timeout: BlockCallback | null,
    freePrivdata: FreePrivdata | null,
    timeoutMs: number
  ): ModuleBlockedClient {
    return this.host.blocking.blockClient(this, reply, timeout, freePrivdata, timeoutMs, null, null, false)
  }

  blockClientOnKeys(
    reply: BlockCallback | null,
    timeout: BlockCallback | null,
    freePrivdata: FreePrivdata | null,
    timeoutMs: number,
    keys: ReadonlyArray<ModuleString>,
    privdata: unknown,
    flags: { unblockDeleted?: boolean } = {}
  ): ModuleBlockedClient {
    const keyBytes = keys.map(commandArgBytes)
    return this.host.blocking.blockClient(this, reply, timeout, freePrivdata, timeoutMs, keyBytes, privdata, flags.unblockDeleted ?? false)
  }

  blockOn<E>(effect: Effect.Effect<Reply, E>, options: { timeoutMs?: number; timeoutReply?: Reply } = {}): ModuleBlockedClient {
    return this.host.blocking.blockOn(this, effect, options.timeoutMs ?? 0, options.timeoutReply)
  }

  unblockClient(bc: ModuleBlockedClient, privdata?: unknown): ModuleStatus {
    return this.host.blocking.unblockClient(bc, privdata)
  }

  abortBlock(bc: ModuleBlockedClient): ModuleStatus {
    return this.host.blocking.abortBlock(bc)
  }

  signalKeyAsReady(key: ModuleString): void {
    this.host.blocking.signalKeyAsReady(this.db, commandArgBytes(key))
  }

  blockClientSetPrivateData(bc: ModuleBlockedClient, privdata: unknown): void {
    bc.privdata = privdata
  }
  blockClientGetPrivateData(bc: ModuleBlockedClient): unknown {
    return bc.privdata
  }
  setDisconnectCallback(bc: ModuleBlockedClient, callback: DisconnectCallback | null): void {
    bc.disconnectCallback = callback
  }
  blockedClientMeasureTimeStart(bc: ModuleBlockedClient): ModuleStatus {
    return this.host.blocking.measureTimeStart(bc)
  }
  blockedClientMeasureTimeEnd(bc: ModuleBlockedClient): ModuleStatus {
    return this.host.blocking.measureTimeEnd(bc)
  }
  getBlockedClientPrivateData(): unknown {
    return this.bc?.privdata ?? null
  }
  getBlockedClientHandle(): ModuleBlockedClient | null {
    return this.bc
  }
  getBlockedClientReadyKey(): string | null {
    return this.readyKey === null ? null : bytesToText(this.readyKey)
  }

  argvBytes(): Array<Buffer> {
    // In a blocked client's callbacks the arguments are the blocked command's.
    const argv = this.kind === "command" || this.bc === null ? this.argv : this.bc.rawArgv
    return argv.map(bytesToBuffer)
  }
  isBlockedReplyRequest(): boolean {
    return this.kind === "reply"
  }
  isBlockedTimeoutRequest(): boolean {
    return this.kind === "timeout"
  }
  blockedClientDisconnected(): boolean {
    return this.kind === "free" && this.client === null
  }

  getThreadSafeContext(bc: ModuleBlockedClient | null): ThreadSafeContext<A> {
    return this.host.blocking.threadSafeContext(this.module, bc) as ThreadSafeContext<A>
  }

  getDetachedThreadSafeContext(): ThreadSafeContext<A> {
    return this.host.blocking.threadSafeContext(this.module, null) as ThreadSafeContext<A>
  }

  workerHandle(bc: ModuleBlockedClient | null): WorkerHandle {
    return openWorkerHandle(this.host.blocking, this.module, bc, (message) => this.log("warning", message))
  }
}
