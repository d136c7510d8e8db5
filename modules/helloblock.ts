/**
 * helloblock: Valkey's src/modules/helloblock.c in TypeScript.
 *
 * HELLO.BLOCK <delay_s> <timeout_ms>: blocks the client; a background fiber sleeps `delay` seconds
 * and unblocks it with a random integer, which the reply callback returns. The timeout callback
 * replies "Request timedout".
 * HELLO.KEYS: blocks; a background fiber scans the keyspace under the GIL and writes an array of
 * the key names through a thread-safe context (length postponed until the end), then unblocks.
 */
import { Effect } from "effect"
import { defineModule } from "keyfiber/module"
import type { BlockCallback, FreePrivdata, ModuleContext } from "keyfiber/module"

const parseInteger = (s: string): number | undefined => (/^-?\d+$/.test(s) ? Number(s) : undefined)

const reply: BlockCallback = (ctx) => {
  ctx.replyWithLongLong(ctx.getBlockedClientPrivateData() as number)
}

const timeout: BlockCallback = (ctx) => {
  ctx.replyWithSimpleString("Request timedout")
}

const freeData: FreePrivdata = () => {
  // Nothing to release: the private data is a plain number.
}

const helloBlock = (ctx: ModuleContext, argv: Array<string>) => {
  if (argv.length !== 3) return ctx.wrongArity()
  const delay = parseInteger(argv[1])
  const timeoutMs = parseInteger(argv[2])
  if (delay === undefined || timeoutMs === undefined) return ctx.replyWithError("ERR invalid count")
  const bc = ctx.blockClient(reply, timeout, freeData, timeoutMs)
  ctx.setDisconnectCallback(bc, (dctx, handle) => dctx.log("warning", `Blocked client ${String(handle)} disconnected!`))
  // The "thread": a fiber in the module's scope, sleeping on the server clock.
  ctx.fork(
    ctx.sleep(delay * 1000).pipe(Effect.map(() => ctx.unblockClient(bc, Math.floor(Math.random() * 1_000_000_000))))
  )
}

const helloKeys = (ctx: ModuleContext, argv: Array<string>) => {
  if (argv.length !== 1) return ctx.wrongArity()
  const bc = ctx.blockClient(null, null, null, 0)
  const ts = ctx.getThreadSafeContext(bc)
  ctx.fork(
    Effect.gen(function* () {
      ts.replyWithArray(ts.POSTPONED_LEN)
      let cursor = "0"
      let count = 0
      do {
        // Like helloblock.c: SCAN through the server, holding the GIL around each call.
        yield* ts.lock()
        const page = ts.call("SCAN", cursor, "COUNT", "100") as [string, Array<string>]
        ts.unlock()
        cursor = page[0]
        for (const key of page[1]) ts.replyWithString(key)
        count += page[1].length
        yield* Effect.yieldNow
      } while (cursor !== "0")
      ts.replySetArrayLength(count)
      ts.free()
      ctx.unblockClient(bc, null)
    })
  )
}

export default defineModule({
  name: "helloblock",
  version: 1,
  onLoad: (ctx) => {
    if (ctx.createCommand("hello.block", helloBlock, { flags: "" }) === "ERR") return "ERR"
    if (ctx.createCommand("hello.keys", helloKeys, { flags: "" }) === "ERR") return "ERR"
  }
})
