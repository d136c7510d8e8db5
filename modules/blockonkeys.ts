/**
 * blockonkeys: Valkey's tests/modules/blockonkeys.c in TypeScript.
 *
 * A module data type `fsltype_t`: a fixed-size list of up to 1024 increasing integers.
 * FSL.PUSH key int, FSL.PUSHTIMER key int period_ms, FSL.BPOP key timeout_ms [NO_TO_CB],
 * FSL.BPOPGT key gt timeout_ms, FSL.BPOPPUSH src dst timeout_ms, FSL.GETALL key,
 * BLOCKONKEYS.POPALL key, BLOCKONKEYS.LPUSH key v..., BLOCKONKEYS.LPUSH_UNBLOCK key v...,
 * BLOCKONKEYS.BLPOPN key n [timeout_ms], BLOCKONKEYS.BLPOPN_OR_UNBLOCK key n [timeout_ms].
 */
import { defineModule } from "keyfiber/module"
import type { BlockCallback, ModuleContext, ModuleValueType } from "keyfiber/module"

const LIST_SIZE = 1024
const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"

interface Fsl {
  list: Array<number>
}

let fsltype: ModuleValueType

const parseInteger = (s: string): number | undefined => (/^-?\d+$/.test(s) ? Number(s) : undefined)

/**
 * Valkey's `get_fsl`: false on a wrong type (after counting it in `fsl_wrong_type`); otherwise the
 * list, or null when the key is missing (created when `create`). In write mode a logically empty
 * list is deleted unless `create`.
 */
const getFsl = (ctx: ModuleContext, keyname: string, write: boolean, create: boolean, replyOnFailure: boolean): Fsl | null | false => {
  const key = ctx.openKey(keyname)
  if (key.type() !== "empty") {
    if (key.moduleTypeGetType() !== fsltype) {
      if (replyOnFailure) ctx.replyWithError(WRONGTYPE)
      const counter = ctx.openKey("fsl_wrong_type")
      counter.stringSet(String(Number(counter.stringGet() ?? "0") + 1))
      return false
    }
    const fsl = key.moduleTypeGetValue(fsltype) as Fsl
    if (fsl.list.length > 0 || !write) return fsl
    if (create) return fsl
    key.deleteKey()
    return null
  }
  if (!create) return null
  const fsl: Fsl = { list: [] }
  key.moduleTypeSetValue(fsltype, fsl)
  return fsl
}

const fslPush = (ctx: ModuleContext, argv: Array<string>) => {
  if (argv.length !== 3) return ctx.wrongArity()
  const ele = parseInteger(argv[2])
  if (ele === undefined) return ctx.replyWithError("ERR invalid integer")
  const fsl = getFsl(ctx, argv[1], true, true, true)
  if (fsl === false || fsl === null) return
  if (fsl.list.length === LIST_SIZE) return ctx.replyWithError("ERR list is full")
  if (fsl.list.length !== 0 && fsl.list[fsl.list.length - 1] >= ele) {
    return ctx.replyWithError("ERR new element has to be greater than the head element")
  }
  fsl.list.push(ele)
  ctx.signalKeyAsReady(argv[1])
  ctx.replicateVerbatim()
  ctx.replyWithOK()
}

const fslPushTimer = (ctx: ModuleContext, argv: Array<string>) => {
  if (argv.length !== 4) return ctx.wrongArity()
  const ele = parseInteger(argv[2])
  if (ele === undefined) return ctx.replyWithError("ERR invalid integer")
  const period = parseInteger(argv[3])
  if (period === undefined) return ctx.replyWithError("ERR invalid period")
  const key = argv[1]
  const id = ctx.createTimer(
    period,
    (tctx) => {
      const fsl = getFsl(tctx, key, true, true, true)
      if (fsl === false || fsl === null) return
      fsl.list.push(ele)
      tctx.signalKeyAsReady(key)
      tctx.replicate("FSL.PUSH", key, ele)
    },
    null
  )
  ctx.replyWithLongLong(id)
}

const bpopReply: BlockCallback = (ctx) => {
  const fsl = getFsl(ctx, ctx.getBlockedClientReadyKey()!, true, false, false)
  if (fsl === false || fsl === null || fsl.list.length === 0) return "ERR"
  ctx.replyWithLongLong(fsl.list.pop()!)
  ctx.replicateVerbatim()
  return "OK"
}

const requestTimedOut: BlockCallback = (ctx) => {
  ctx.replyWithSimpleString("Request timedout")
}

const fslBpop = (ctx: ModuleContext, argv: Array<string>) => {
  if (argv.length < 3 || argv.length > 4) return ctx.wrongArity()
  const timeout = parseInteger(argv[2])
  if (timeout === undefined || timeout < 0) return ctx.replyWithError("ERR invalid timeout")
  let toCb = true
  if (argv.length === 4) {
    if (argv[3].toLowerCase() !== "no_to_cb") return ctx.replyWithError("ERR invalid argument")
    toCb = false
  }
  const fsl = getFsl(ctx, argv[1], true, false, true)
  if (fsl === false) return
  if (fsl === null) {
    ctx.blockClientOnKeys(bpopReply, toCb ? requestTimedOut : null, null, timeout, [argv[1]], null)
  } else {
    ctx.replyWithLongLong(fsl.list.pop()!)
    ctx.replicateVerbatim()
  }
}

const bpopgtReply: BlockCallback = (ctx) => {
  const gt = ctx.getBlockedClientPrivateData() as { gt: number }
  const fsl = getFsl(ctx, ctx.getBlockedClientReadyKey()!, false, false, false)
  if (fsl === false || fsl === null) {
    ctx.replyWithError("UNBLOCKED key no longer exists")
    return "OK"
  }
  if (fsl.list.length === 0 || fsl.list[fsl.list.length - 1] <= gt.gt) return "ERR"
  ctx.replyWithLongLong(fsl.list.pop()!)
  ctx.replicateVerbatim()
  return "OK"
}

/** Counts live privdata objects, so tests can check that free_privdata ran exactly once. */
let liveGtPrivdata = 0

const fslBpopgt = (ctx: ModuleContext, argv: Array<string>) => {
  if (argv.length !== 4) return ctx.wrongArity()
  const gt = parseInteger(argv[2])
  if (gt === undefined) return ctx.replyWithError("ERR invalid integer")
  const timeout = parseInteger(argv[3])
  if (timeout === undefined || timeout < 0) return ctx.replyWithError("ERR invalid timeout")
  const fsl = getFsl(ctx, argv[1], false, false, true)
  if (fsl === false) return
  if (fsl === null) return ctx.replyWithError("ERR key must exist")
  if (fsl.list.length === 0 || fsl.list[fsl.list.length - 1] <= gt) {
    liveGtPrivdata++
    ctx.blockClientOnKeys(bpopgtReply, requestTimedOut, () => void liveGtPrivdata--, timeout, [argv[1]], { gt }, { unblockDeleted: true })
  } else {
    ctx.replyWithLongLong(fsl.list.pop()!)
    ctx.replicateVerbatim()
  }
}

const bpoppushReply: BlockCallback = (ctx) => {
  const src = getFsl(ctx, ctx.getBlockedClientReadyKey()!, false, false, false)
  if (src === false || src === null || src.list.length === 0) return "ERR"
  const dstName = ctx.getBlockedClientPrivateData() as string
  const dst = getFsl(ctx, dstName, true, true, false)
  if (dst === false || dst === null) return "ERR"
  const ele = src.list.pop()!
  dst.list.push(ele)
  ctx.signalKeyAsReady(dstName)
  ctx.replyWithLongLong(ele)
  ctx.replicateVerbatim()
  return "OK"
}

const fslBpoppush = (ctx: ModuleContext, argv: Array<string>) => {
  if (argv.length !== 4) return ctx.wrongArity()
  const timeout = parseInteger(argv[3])
  if (timeout === undefined || timeout < 0) return ctx.replyWithError("ERR invalid timeout")
  const src = getFsl(ctx, argv[1], false, false, true)
  if (src === false) return
  if (src === null || src.list.length === 0) {
    ctx.blockClientOnKeys(bpoppushReply, requestTimedOut, () => {}, timeout, [argv[1]], argv[2])
    return
  }
  const dst = getFsl(ctx, argv[2], true, true, true)
  if (dst === false || dst === null) return
  const ele = src.list.pop()!
  dst.list.push(ele)
  ctx.signalKeyAsReady(argv[2])
  ctx.replyWithLongLong(ele)
  ctx.replicateVerbatim()
}

const fslGetall = (ctx: ModuleContext, argv: Array<string>) => {
  if (argv.length !== 2) return ctx.wrongArity()
  const fsl = getFsl(ctx, argv[1], false, false, true)
  if (fsl === false) return
  if (fsl === null) return ctx.replyWithEmptyArray()
  ctx.replyWithArray(fsl.list.length)
  for (const n of fsl.list) ctx.replyWithLongLong(n)
}

const popallReply: BlockCallback = (ctx) => {
  const key = ctx.openKey(ctx.getBlockedClientReadyKey()!)
  if (key.type() === "list") {
    ctx.replyWithArray(ctx.POSTPONED_LEN)
    let len = 0
    for (let elem = key.listPop("head"); elem !== undefined; elem = key.listPop("head")) {
      len++
      ctx.replyWithString(elem)
    }
    ctx.replySetArrayLength(len)
    ctx.replicateVerbatim()
  } else {
    ctx.replyWithError("ERR Not a list")
  }
  return "OK"
}

const popall = (ctx: ModuleContext, argv: Array<string>) => {
  if (argv.length !== 2) return ctx.wrongArity()
  if (ctx.openKey(argv[1]).type() !== "empty") return ctx.replyWithError("ERR Key not empty")
  ctx.blockClientOnKeys(popallReply, (c) => void c.replyWithError("ERR Timeout"), null, 3000, [argv[1]], null)
}

const lpush = (signal: boolean) => (ctx: ModuleContext, argv: Array<string>) => {
  if (argv.length < 3) return ctx.wrongArity()
  const key = ctx.openKey(argv[1])
  const type = key.type()
  if (type !== "empty" && type !== "list") return ctx.replyWithError(WRONGTYPE)
  for (const v of argv.slice(2)) if (!key.listPush("head", v)) return ctx.replyWithError("ERR Push failed")
  if (signal) ctx.signalKeyAsReady(argv[1])
  ctx.replicateVerbatim()
  ctx.replyWithOK()
}

const blpopnReply: BlockCallback = (ctx, argv) => {
  const n = Number(argv[2])
  const key = ctx.openKey(argv[1])
  const type = key.type()
  if (type === "list" && key.valueLength() >= n) {
    ctx.replyWithArray(n)
    for (let i = 0; i < n; i++) ctx.replyWithString(key.listPop("head")!)
    return "OK"
  }
  if (type === "list" || type === "empty") {
    if (argv[0].toLowerCase() === "blockonkeys.blpopn_or_unblock") ctx.unblockClient(ctx.getBlockedClientHandle()!, null)
    return "ERR"
  }
  ctx.replyWithError(WRONGTYPE)
  return "OK"
}

const blpopn = (ctx: ModuleContext, argv: Array<string>) => {
  if (argv.length < 3 || argv.length > 4) return ctx.wrongArity()
  const n = parseInteger(argv[2])
  if (n === undefined) return ctx.replyWithError("ERR Invalid N")
  let timeout = 3000
  if (argv.length > 3) {
    const t = parseInteger(argv[3])
    if (t === undefined) return ctx.replyWithError("ERR Invalid timeout value")
    timeout = t
  }
  const key = ctx.openKey(argv[1])
  const type = key.type()
  if (type !== "empty" && type !== "list") return ctx.replyWithError(WRONGTYPE)
  if (type === "list" && key.valueLength() >= n) {
    ctx.replyWithArray(n)
    for (let i = 0; i < n; i++) ctx.replyWithString(key.listPop("head")!)
    return
  }
  const onTimeout: BlockCallback =
    timeout !== 0 ? (c) => void c.replyWithError("ERR Timeout") : (c) => void c.replyWithSimpleString("Action aborted")
  ctx.blockClientOnKeys(blpopnReply, onTimeout, null, timeout, [argv[1]], null)
}

export default defineModule({
  name: "blockonkeys",
  version: 1,
  onLoad: (ctx) => {
    // blockonkeys.c's rdb_load/rdb_save: the length, then each element (a replica's full sync
    // and SAVE need them).
    const type = ctx.createDataType("fsltype_t", 0, {
      rdbSave: (io, value) => {
        const fsl = value as Fsl
        io.saveUnsigned(fsl.list.length)
        for (const n of fsl.list) io.saveSigned(n)
      },
      rdbLoad: (io, encver) => {
        if (encver !== 0) return undefined
        const length = Number(io.loadUnsigned())
        const list: Array<number> = []
        for (let i = 0; i < length; i++) list.push(Number(io.loadSigned()))
        return { list } satisfies Fsl
      }
    })
    if (type === undefined) return "ERR"
    fsltype = type
    const commands: Array<[string, (ctx: ModuleContext, argv: Array<string>) => void, string]> = [
      ["fsl.push", fslPush, "write"],
      ["fsl.pushtimer", fslPushTimer, "write"],
      ["fsl.bpop", fslBpop, "write"],
      ["fsl.bpopgt", fslBpopgt, "write"],
      ["fsl.bpoppush", fslBpoppush, "write"],
      ["fsl.getall", fslGetall, ""],
      ["blockonkeys.popall", popall, "write"],
      ["blockonkeys.lpush", lpush(false), "write"],
      ["blockonkeys.lpush_unblock", lpush(true), "write"],
      ["blockonkeys.blpopn", blpopn, "write"],
      ["blockonkeys.blpopn_or_unblock", blpopn, "write"],
      ["blockonkeys.live_privdata", (c) => void c.replyWithLongLong(liveGtPrivdata), ""]
    ]
    for (const [name, handler, flags] of commands) {
      if (ctx.createCommand(name, handler, { flags, firstKey: name.startsWith("blockonkeys.live") ? 0 : 1 }) === "ERR") return "ERR"
    }
  }
})
