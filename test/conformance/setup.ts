import { afterAll, beforeAll } from "vitest"
import { type RunningServer, startServer, startServerWithConfig } from "../support/server.js"
import { TclClient } from "./tcl.js"

/** A server and a Tcl-style client for one conformance file. */
export const useServer = (args?: ReadonlyArray<string>) => {
  const ctx = {} as {
    s: RunningServer
    c: TclClient
    r: (...argv: Array<string | number>) => Promise<any>
    err: (...argv: Array<string | number>) => Promise<string>
    client: () => Promise<TclClient>
  }
  const extra: Array<TclClient> = []
  beforeAll(async () => {
    ctx.s = args === undefined ? await startServer() : await startServerWithConfig({ args })
    ctx.c = await TclClient.connect(ctx.s.port)
    ctx.r = (...argv) => ctx.c.call(...argv)
    ctx.err = (...argv) => ctx.c.err(...argv)
    ctx.client = async () => {
      const c = await TclClient.connect(ctx.s.port)
      extra.push(c)
      return c
    }
  })
  afterAll(async () => {
    ctx.c?.close()
    for (const c of extra) c.close()
    await ctx.s?.close()
  })
  return ctx
}
