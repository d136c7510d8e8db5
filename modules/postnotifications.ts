/**
 * postnotifications: a TypeScript port of Valkey's tests/modules/postnotifications.c, for its
 * moduleapi unit `postnotifications` (and `async_rm_call`'s units with key space notifications).
 * It checks `addPostNotificationJob` from keyspace notifications of three kinds:
 *
 * STRING  on every string event of a key `string_*`, a job INCRs `string_changed{<key>}` (and an
 *         event on `string_changed{...}` gives a job that INCRs `string_total`); on `read_<k>`, a
 *         job GETs `<k>` (a lazy expiry inside a job); on `write_sync_<k>`, the callback itself
 *         SETs `<k>` 1 (a nested notification: the module sets ALLOW_NESTED_KEYSPACE_NOTIFICATIONS).
 * EXPIRED a job INCRs `expired`.
 * EVICTED a job INCRs `evicted` (except for the keys `evicted*` and `before_evicted*`).
 *
 * Loaded with the argument `with_key_events`, it also subscribes to the `key` server event: a job
 * LPUSHes the key's name to `before_deleted`, `before_expired`, `before_evicted` or
 * `before_overwritten`.
 *
 * postnotification.async_set   blocks; a "thread" (a background fiber) takes the GIL, SETs
 *                              string_x 1, lets go of it and replies what SET replied.
 */
import { Effect } from "effect"
import { defineModule } from "keyfiber/module"
import type { KeyInfo, ModuleContext } from "keyfiber/module"

type Reply = Parameters<ModuleContext["replyWithCallReply"]>[0]

const postNotificationReadKey = (ctx: ModuleContext<any>, key: string): void => {
  ctx.callWith("!s", "get", key)
}

const postNotificationString = (ctx: ModuleContext<any>, key: string): void => {
  ctx.callWith("!s", "incr", key)
}

const notificationExpired = (ctx: ModuleContext<any>): void => {
  ctx.addPostNotificationJob(postNotificationString, "expired")
}

const notificationEvicted = (ctx: ModuleContext<any>, _type: number, _event: string, key: string): void => {
  if (key.startsWith("evicted")) return // do not count the evicted key
  if (key.startsWith("before_evicted")) return // do not count the before_evicted key
  ctx.addPostNotificationJob(postNotificationString, "evicted")
}

const notificationString = (ctx: ModuleContext<any>, _type: number, _event: string, key: string): void => {
  if (!key.startsWith("string_")) return
  if (key === "string_total") return
  const newKey = key.startsWith("string_changed{") ? "string_total" : `string_changed{${key}}`
  ctx.addPostNotificationJob(postNotificationString, newKey)
}

const lazyExpireInsidePostNotificationJob = (ctx: ModuleContext<any>, _type: number, _event: string, key: string): void => {
  if (!key.startsWith("read_")) return
  ctx.addPostNotificationJob(postNotificationReadKey, key.slice(5))
}

const nestedNotification = (ctx: ModuleContext<any>, _type: number, _event: string, key: string): void => {
  if (!key.startsWith("write_sync_")) return
  // Only meant to check ALLOW_NESTED_KEYSPACE_NOTIFICATIONS: writing inside a notification
  // callback is wrong in general.
  ctx.callWith("!sc", "set", key.slice(11), "1")
}

const asyncSet = (ctx: ModuleContext<any>, argv: Array<string>): void => {
  if (argv.length !== 1) return void ctx.wrongArity()
  const bc = ctx.blockClient(null, null, null, 0)
  // Valkey's test starts a pthread; here the "thread" is a fiber in the module's scope.
  ctx.fork(
    Effect.gen(function* () {
      const ts = ctx.getThreadSafeContext(bc)
      yield* ts.lock()
      const rep = ts.callWith("!cc", "set", "string_x", "1")
      ts.unlock()
      ts.replyWithCallReply(rep as Reply)
      ctx.unblockClient(bc, null)
      ts.free()
    })
  )
}

const EVENTS = ["before_deleted", "before_expired", "before_evicted", "before_overwritten"] as const

const keyEvent = (ctx: ModuleContext<any>, subevent: number, info: KeyInfo): void => {
  if (subevent > 3) {
    ctx.log("warning", `Got an unexpected subevent '${subevent}'`)
    return
  }
  const key = info.key.name
  // Don't log any event on our tracking keys.
  if (EVENTS.some((event) => key.startsWith(event))) return
  const pn = { triggeredOn: key, newKey: EVENTS[subevent] }
  ctx.addPostNotificationJob((jctx, pd: typeof pn) => void jctx.callWith("!ss", "lpush", pd.newKey, pd.triggeredOn), pn)
}

export default defineModule({
  name: "postnotifications",
  version: 1,
  onLoad: (ctx, args) => {
    if (!(ctx.getModuleOptionsAll() & ctx.MODULE_OPTIONS.ALLOW_NESTED_KEYSPACE_NOTIFICATIONS)) return "ERR"
    const withKeyEvents = args.length >= 1 && args[0] === "with_key_events"
    ctx.setModuleOptions(ctx.MODULE_OPTIONS.ALLOW_NESTED_KEYSPACE_NOTIFICATIONS)
    const N = ctx.NOTIFY
    if (ctx.subscribeToKeyspaceEvents(N.STRING, notificationString) !== "OK") return "ERR"
    if (ctx.subscribeToKeyspaceEvents(N.STRING, lazyExpireInsidePostNotificationJob) !== "OK") return "ERR"
    if (ctx.subscribeToKeyspaceEvents(N.STRING, nestedNotification) !== "OK") return "ERR"
    if (ctx.subscribeToKeyspaceEvents(N.EXPIRED, notificationExpired) !== "OK") return "ERR"
    if (ctx.subscribeToKeyspaceEvents(N.EVICTED, notificationEvicted) !== "OK") return "ERR"
    if (withKeyEvents && ctx.subscribeToServerEvent("key", keyEvent) !== "OK") return "ERR"
    if (ctx.createCommand("postnotification.async_set", asyncSet, { flags: "write" }) === "ERR") return "ERR"
  },
  onUnload: () => {}
})
