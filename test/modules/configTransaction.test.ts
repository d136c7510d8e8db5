import { Effect } from "effect"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { TxState } from "../../property-tests/fixtures/txconfigs.js"
import { modulePath, type RunningModuleServer, startModuleServer } from "../support/moduleServer.js"

const TX = modulePath("../property-tests/fixtures/txconfigs.ts")
const LOAD_ERROR = "ERR Error loading the extension. Please check the server logs."
const state = (): TxState => (globalThis as any).__txconfigs
const errorOf = (p: Promise<unknown>): Promise<string> => p.then((v) => `no error: ${String(v)}`, (e: Error) => e.message)

describe("config transactions: MODULE LOADEX ... CONFIG, refused restores", () => {
  let s: RunningModuleServer
  let r: Redis
  beforeAll(async () => {
    s = await startModuleServer()
    r = new Redis(s.port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })
  })
  afterAll(async () => {
    r.disconnect()
    await s.close()
  })

  it("a LOADEX that fails after LoadConfigs puts every module config back at its value before the load", async () => {
    // maxclients is a core config: LoadConfigs leaves it pending, so the load fails after alpha and
    // gamma took their LOADEX values (module.c: "Loadex configurations were not applied").
    const reply = await errorOf(r.call("MODULE", "LOADEX", TX, "CONFIG", "txconfigs.alpha", "5", "CONFIG", "txconfigs.gamma", "zz", "CONFIG", "maxclients", "333"))
    expect(reply).toBe(LOAD_ERROR)
    expect(s.logs).toContain("warning Loadex configurations were not applied, likely due to invalid arguments. Unloading the module.")
    // The module's onLoad starts from its defaults; the journal put those back.
    expect(state().values).toMatchObject({ alpha: 1, beta: 2, gamma: "a" })
    expect(await r.call("CONFIG", "GET", "maxclients")).toEqual(["maxclients", "10000"])
    expect(await r.call("CONFIG", "GET", "txconfigs.*")).toEqual([])
  })

  it("a setter that refuses its old value during the load's rollback is logged", async () => {
    state().refuse.set("alpha", "1")
    const logsBefore = s.logs.length
    expect(await errorOf(r.call("MODULE", "LOADEX", TX, "CONFIG", "txconfigs.alpha", "5", "CONFIG", "nosuch.config", "1"))).toBe(LOAD_ERROR)
    expect(s.logs.slice(logsBefore)).toContain(
      "warning Failed restoring module configs of a failed load. Error setting txconfigs.alpha to '1': alpha refuses 1"
    )
    expect(state().values.alpha).toBe(5)
    state().refuse.clear()
  })

  it("a successful LOADEX keeps its values, with no apply run at load", async () => {
    expect(await r.call("MODULE", "LOADEX", TX, "CONFIG", "txconfigs.alpha", "4", "CONFIG", "txconfigs.eps", "three")).toBe("OK")
    expect(await r.call("CONFIG", "GET", "txconfigs.alpha", "txconfigs.eps")).toEqual(["txconfigs.alpha", "4", "txconfigs.eps", "three"])
    expect(state().observed).toEqual({ pair: [4, 2], gamma: "a", eps: 3 })
  })

  it("CONFIG SET: a refused restore is logged with Valkey's line and carried by the Effect's error", async () => {
    const tx = state()
    tx.refuse.set("beta", "2")
    tx.failOnce.add("gamma")
    const logsBefore = s.logs.length
    expect(await errorOf(r.call("CONFIG", "SET", "txconfigs.beta", "7", "txconfigs.gamma", "b"))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'gamma') - gamma apply refused"
    )
    const line = "Failed restoring failed CONFIG SET command. Error setting txconfigs.beta to '2': beta refuses 2"
    expect(s.logs.slice(logsBefore)).toEqual([
      "warning Failed applying new module configuration. Restoring previous settings.",
      `warning ${line}`
    ])
    // beta could not go back; gamma did, and both applies re-ran on what is there now.
    expect(await r.call("CONFIG", "GET", "txconfigs.beta", "txconfigs.gamma")).toEqual(["txconfigs.beta", "7", "txconfigs.gamma", "a"])
    expect(tx.observed).toMatchObject({ pair: [4, 7], gamma: "a" })

    // The same transaction run as an Effect hands the refusals to its caller.
    tx.failOnce.add("gamma")
    tx.refuse.set("beta", "7")
    const server = s.server
    const error = await Effect.runPromise(Effect.flip(server.config.configSet(server, [["txconfigs.beta", "3"], ["txconfigs.gamma", "c"]], true)))
    expect(error.reply).toBe("ERR CONFIG SET failed (possibly related to argument 'gamma') - gamma apply refused")
    expect(error.rollbackFailures).toEqual(["Failed restoring failed CONFIG SET command. Error setting txconfigs.beta to '7': beta refuses 7"])
    tx.refuse.clear()
  })

  it("a throwing module setter rolls the other values back and the client gets an error", async () => {
    const tx = state()
    const before = await r.call("CONFIG", "GET", "txconfigs.*")
    tx.crash.add("delta")
    const reply = await errorOf(r.call("CONFIG", "SET", "txconfigs.alpha", "9", "txconfigs.delta", "no"))
    tx.crash.clear()
    expect(reply).toBe("ERR delta setter crashed")
    expect(await r.call("CONFIG", "GET", "txconfigs.*")).toEqual(before)
  })
})
