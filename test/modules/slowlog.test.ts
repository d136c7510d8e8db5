import { Redis } from "ioredis"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { modulePath, type RunningModuleServer, startModuleServer } from "../support/moduleServer.js"

type Entry = [number, number, number, Array<string>, string, string]

/**
 * Valkey's tests/unit/moduleapi/blockonbackground.tcl (the time-tracking tests): a blocked module
 * command is counted and
 * slow-logged once, when it completes, with the background time measured by
 * BlockedClientMeasureTimeStart/End (module.c `VM_BlockedClientMeasureTimeEnd`). Only lower bounds of measured time are asserted.
 *
 * The delays are a couple of ms above the 200 ms threshold where the Tcl test uses exactly 200:
 * a Node timer may fire up to 1 ms early against `performance.now()`, C's usleep never does.
 */
describe("slow log and commandstats of blocked module commands (blockonbackground.tcl)", () => {
  let s: RunningModuleServer
  let r: Redis
  beforeAll(async () => {
    s = await startModuleServer({ modules: { load: [{ path: modulePath("block.ts"), args: [] }] } })
    r = new Redis(s.port, "127.0.0.1", { enableReadyCheck: false, maxRetriesPerRequest: 0 })
  })
  afterAll(async () => {
    r.disconnect()
    await s.close()
  })
  beforeEach(async () => {
    await r.call("CONFIG", "SET", "slowlog-log-slower-than", "200000")
    await r.call("SLOWLOG", "RESET")
    await r.call("CONFIG", "RESETSTAT")
  })

  const len = () => r.call("SLOWLOG", "LEN")
  const cmdstat = async (name: string) => {
    const info = (await r.info("commandstats")) as string
    const m = new RegExp(`\\r\\ncmdstat_${name.replace(".", "\\.")}:calls=(\\d+),usec=(\\d+),usec_per_call=([\\d.]+),rejected_calls=(\\d+),failed_calls=(\\d+)\\r\\n`).exec(
      info
    )
    if (m === null) throw new Error(`no cmdstat_${name} in ${info}`)
    return { calls: Number(m[1]), usec: Number(m[2]), usecPerCall: Number(m[3]), rejected: Number(m[4]), failed: Number(m[5]) }
  }

  it("time tracking with MeasureTimeStart: block.debug 0 adds nothing, block.debug 200 adds one entry", async () => {
    expect(typeof (await r.call("block.debug", "0", "10000"))).toBe("number")
    expect(await len()).toBe(0)
    await r.call("CONFIG", "RESETSTAT")
    expect(typeof (await r.call("block.debug", "202", "10000"))).toBe("number")
    expect(await len()).toBe(1)
    const [entry] = (await r.call("SLOWLOG", "GET")) as Array<Entry>
    expect(entry[3]).toEqual(["block.debug", "202", "10000"])
    expect(entry[2]).toBeGreaterThanOrEqual(200000)
    expect(entry[4]).toBe(`127.0.0.1:${r.stream.localPort}`)
    const stat = await cmdstat("block.debug")
    expect(stat.calls).toBe(1)
    expect(stat.usec).toBeGreaterThanOrEqual(100000)
    expect(stat.usecPerCall).toBeGreaterThanOrEqual(100000)
    expect(stat.rejected).toBe(0)
    expect(stat.failed).toBe(0)
  })

  it("time tracking even in timeout: block.debug 20000 500", async () => {
    expect(await r.call("block.debug", "20000", "500")).toBe("Request timedout")
    expect(await len()).toBe(1)
    const [entry] = (await r.call("SLOWLOG", "GET")) as Array<Entry>
    expect(entry[3]).toEqual(["block.debug", "20000", "500"])
    const stat = await cmdstat("block.debug")
    expect(stat.calls).toBe(1)
    expect(stat.usec).toBeGreaterThanOrEqual(250000)
    expect(stat.usecPerCall).toBeGreaterThanOrEqual(250000)
  })

  it("several Start/End pairs add up: block.double_debug 100", async () => {
    expect(typeof (await r.call("block.double_debug", "102"))).toBe("number")
    expect(await len()).toBe(1)
    const [entry] = (await r.call("SLOWLOG", "GET")) as Array<Entry>
    expect(entry[3]).toEqual(["block.double_debug", "102"])
    const stat = await cmdstat("block.double_debug")
    expect(stat.calls).toBe(1)
    expect(stat.usec).toBeGreaterThanOrEqual(60000)
  })

  it("without MeasureTimeStart the background time is not counted: block.debug_no_track 200 1000", async () => {
    expect(typeof (await r.call("block.debug_no_track", "200", "1000"))).toBe("number")
    expect(await len()).toBe(0)
    expect((await cmdstat("block.debug_no_track")).calls).toBe(1)
  })

  it("with slowlog-log-slower-than 0 each blocked command is logged exactly once", async () => {
    await r.call("CONFIG", "SET", "slowlog-log-slower-than", "0")
    await r.call("SLOWLOG", "RESET")
    await r.call("block.debug", "1", "10000")
    await r.call("block.debug", "5000", "1")
    const entries = (await r.call("SLOWLOG", "GET", "-1")) as Array<Entry>
    expect(entries.map((e) => e[3])).toEqual([
      ["block.debug", "5000", "1"],
      ["block.debug", "1", "10000"],
      ["SLOWLOG", "RESET"]
    ])
  })
})
