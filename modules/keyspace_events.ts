/**
 * testkeyspace: a TypeScript port of Valkey's tests/modules/keyspace_events.c (module name
 * "testkeyspace"), for its moduleapi units `keyspace_events` and `postnotifications` (its second
 * server loads both modules). It subscribes to keyspace notifications of several classes:
 *
 * LOADED   remembers each key loaded from an RDB file (keyspace.is_key_loaded).
 * GENERIC  on `del` of `count_dels_*` on a primary: counts it and replicates keyspace.incr_dels;
 *          on any other `del`: DELs `<key>_copy` (with "!"), and INCRs `lua` / `multi` when the
 *          context runs in a script / a transaction. Inside keyspace.del_key_copy, checks that the
 *          cached time is the command's and that the clock moved on.
 * EXPIRED  INCRs testkeyspace:expired (with "!").
 * MODULE   remembers each key a module notified (keyspace.is_module_key_notified).
 * KEY_MISS INCRs `missed` (with "!") on a primary.
 * STRING   reads the string (StringDMA); for `string1_*` keys, a post-notification job INCRs
 *          `string_changed{<key>}`.
 *
 * keyspace.notify key                 fires a MODULE event `notify` for key; replies nil.
 * keyspace.is_module_key_notified k   [1, k] when a MODULE event was seen for k, else [0, nil].
 * keyspace.is_key_loaded k            [1, k] when k was loaded from an RDB file, else [0, nil].
 * keyspace.del_key_copy k             DEL k with "!" (the cached-time check above); relays its reply.
 * keyspace.incr_case1 k               INCR k with "!".
 * keyspace.incr_case2 k               INCR k, then Replicate INCR k.
 * keyspace.incr_case3 k               INCR k, then ReplicateVerbatim.
 * keyspace.incr_dels / get_dels       counts replicated dels / replies the count.
 *
 * Loaded with the argument `noload`, its onLoad fails after registering everything.
 */
import { defineModule } from "keyfiber/module"
import type { CallResult, ModuleContext } from "keyfiber/module"

type Reply = Parameters<ModuleContext["replyWithCallReply"]>[0]

/** `ValkeyModule_Assert`: a broken expectation is a fault (Valkey aborts the server). */
const check = (condition: boolean, what: string): void => {
  if (!condition) throw new Error(`Assertion failed: ${what}`)
}

// Per-load state (onLoad resets it): module-level state would survive UNLOAD + LOAD of this file.
let cachedTime = 0
let loadedEventLog = new Map<string, Buffer>()
let moduleEventLog = new Map<string, Buffer>()
let dels = 0

const notificationLoaded = (_ctx: ModuleContext<any>, _type: number, event: string, key: string, keyBytes: () => Buffer): void => {
  if (event === "loaded" && !loadedEventLog.has(key)) loadedEventLog.set(key, keyBytes())
}

const notificationGeneric = (ctx: ModuleContext<any>, _type: number, event: string, key: string): void => {
  if (key.startsWith("count_dels_") && event === "del") {
    if (ctx.getContextFlags() & ctx.CTX_FLAGS.MASTER) {
      dels++
      ctx.replicate("keyspace.incr_dels")
    }
    return
  }
  if (cachedTime !== 0) {
    check(cachedTime === ctx.cachedMicroseconds(), "cached_time == CachedMicroseconds()")
    // usleep(1): wait for the clock to move on.
    const start = ctx.microseconds()
    while (ctx.microseconds() === start) {}
    check(cachedTime !== ctx.microseconds(), "cached_time != Microseconds()")
  }
  if (event === "del") {
    ctx.callWith("s!", "DEL", `${key}_copy`)
    const flags = ctx.getContextFlags()
    if (flags & ctx.CTX_FLAGS.LUA) ctx.callWith("c", "INCR", "lua")
    if (flags & ctx.CTX_FLAGS.MULTI) ctx.callWith("c", "INCR", "multi")
  }
}

const notificationExpired = (ctx: ModuleContext<any>): void => {
  ctx.callWith("c!", "INCR", "testkeyspace:expired")
}

const notificationModuleKeyMiss = (ctx: ModuleContext<any>): void => {
  if (!(ctx.getContextFlags() & ctx.CTX_FLAGS.MASTER)) return // ignore the event on a replica
  ctx.callWith("!c", "incr", "missed")
}

const notificationModuleString = (ctx: ModuleContext<any>, _type: number, _event: string, _key: string, keyBytes: () => Buffer): void => {
  const data = ctx.openKey(keyBytes()).stringGetBytes()
  void (data !== undefined && data.subarray(0, 5).toString("latin1") === "dummy")
}

const postNotificationString = (ctx: ModuleContext<any>, key: string): void => {
  ctx.callWith("!s", "incr", key)
}

const notificationModuleStringPostNotificationJob = (ctx: ModuleContext<any>, _type: number, _event: string, key: string): void => {
  if (!key.startsWith("string1_")) return
  ctx.addPostNotificationJob(postNotificationString, `string_changed{${key}}`)
}

const notificationModule = (_ctx: ModuleContext<any>, _type: number, _event: string, key: string, keyBytes: () => Buffer): void => {
  if (!moduleEventLog.has(key)) moduleEventLog.set(key, keyBytes())
}

const relay = (ctx: ModuleContext<any>, rep: CallResult): void => {
  if (rep === undefined) ctx.replyWithError("NULL reply returned")
  else ctx.replyWithCallReply(rep as Reply)
}

type Handler = (ctx: ModuleContext<any>, argv: Array<string>) => unknown

const cmdNotify: Handler = (ctx, argv) => {
  if (argv.length !== 2) return ctx.wrongArity()
  ctx.notifyKeyspaceEvent(ctx.NOTIFY.MODULE, "notify", ctx.argvBytes()[1])
  ctx.replyWithNull()
}

/** `[1, key]` when `log` holds `key`, else `[0, nil]`. */
const replyLogged = (ctx: ModuleContext<any>, log: Map<string, Buffer>, key: string): void => {
  const found = log.get(key)
  ctx.replyWithArray(2)
  ctx.replyWithLongLong(found === undefined ? 0 : 1)
  if (found === undefined) ctx.replyWithNull()
  else ctx.replyWithString(found)
}

const cmdIsModuleKeyNotified: Handler = (ctx, argv) => {
  if (argv.length !== 2) return ctx.wrongArity()
  replyLogged(ctx, moduleEventLog, argv[1])
}

const cmdIsKeyLoaded: Handler = (ctx, argv) => {
  if (argv.length !== 2) return ctx.wrongArity()
  replyLogged(ctx, loadedEventLog, argv[1])
}

const cmdDelKeyCopy: Handler = (ctx, argv) => {
  if (argv.length !== 2) return ctx.wrongArity()
  cachedTime = ctx.cachedMicroseconds()
  try {
    relay(ctx, ctx.callWith("s!", "DEL", ctx.argvBytes()[1]))
  } finally {
    cachedTime = 0
  }
}

const cmdIncrCase1: Handler = (ctx, argv) => {
  if (argv.length !== 2) return ctx.wrongArity()
  relay(ctx, ctx.callWith("s!", "INCR", ctx.argvBytes()[1]))
}

const cmdIncrCase2: Handler = (ctx, argv) => {
  if (argv.length !== 2) return ctx.wrongArity()
  relay(ctx, ctx.callWith("s", "INCR", ctx.argvBytes()[1]))
  ctx.replicate("INCR", ctx.argvBytes()[1])
}

const cmdIncrCase3: Handler = (ctx, argv) => {
  if (argv.length !== 2) return ctx.wrongArity()
  relay(ctx, ctx.callWith("s", "INCR", ctx.argvBytes()[1]))
  ctx.replicateVerbatim()
}

const cmdIncrDels: Handler = (ctx) => {
  dels++
  ctx.replyWithSimpleString("OK")
}

const cmdGetDels: Handler = (ctx) => {
  ctx.replyWithLongLong(dels)
}

export default defineModule({
  name: "testkeyspace",
  version: 1,
  onLoad: (ctx, args) => {
    cachedTime = 0
    loadedEventLog = new Map()
    moduleEventLog = new Map()
    dels = 0
    const N = ctx.NOTIFY
    // LOADED events are needed: a server without them cannot run this module.
    if (!(ctx.getKeyspaceNotificationFlagsAll() & N.LOADED)) return "ERR"
    const subscriptions: Array<[number, Parameters<ModuleContext["subscribeToKeyspaceEvents"]>[1]]> = [
      [N.LOADED, notificationLoaded],
      [N.GENERIC, notificationGeneric],
      [N.EXPIRED, notificationExpired],
      [N.MODULE, notificationModule],
      [N.KEY_MISS, notificationModuleKeyMiss],
      [N.STRING, notificationModuleString],
      [N.STRING, notificationModuleStringPostNotificationJob]
    ]
    for (const [types, callback] of subscriptions) if (ctx.subscribeToKeyspaceEvents(types, callback) !== "OK") return "ERR"
    const commands: Array<[string, Handler, string]> = [
      ["keyspace.notify", cmdNotify, ""],
      ["keyspace.is_module_key_notified", cmdIsModuleKeyNotified, ""],
      ["keyspace.is_key_loaded", cmdIsKeyLoaded, ""],
      ["keyspace.del_key_copy", cmdDelKeyCopy, "write"],
      ["keyspace.incr_case1", cmdIncrCase1, "write"],
      ["keyspace.incr_case2", cmdIncrCase2, "write"],
      ["keyspace.incr_case3", cmdIncrCase3, "write"],
      ["keyspace.incr_dels", cmdIncrDels, "write"],
      ["keyspace.get_dels", cmdGetDels, "readonly"]
    ]
    for (const [name, handler, flags] of commands) {
      if (ctx.createCommand(name, handler as (ctx: ModuleContext, argv: Array<string>) => void, { flags }) === "ERR") return "ERR"
    }
    if (args.length === 1 && args[0].toLowerCase() === "noload") return "ERR"
  }
})
