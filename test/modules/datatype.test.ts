import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ModuleValue } from "../../src/keyspace/Value.js"
import { dumpPayload, restorePayload, RestoreFailure } from "../../src/persistence/rdb/Dump.js"
import { moduleTypeEncodeId } from "../../src/persistence/rdb/ModuleTypeCodecs.js"
import { readRdb } from "../../src/persistence/rdb/RdbReader.js"
import { RdbWriter } from "../../src/persistence/rdb/RdbWriter.js"
import { type RunningServer, startServer } from "../support/server.js"
import { type RunningModuleServer, startModuleServer } from "../support/moduleServer.js"

const FIXTURE = new URL("./fixtures/datatype.ts", import.meta.url).pathname

/**
 * Module data types are saved through their `rdbSave` as Valkey's MODULE_2 opcodes (module id of
 * name and encver, typed values, an EOF marker) and loaded back through `rdbLoad`, in DUMP
 * payloads and in RDB files with their aux data.
 */
describe("module data types in DUMP payloads and RDB files", () => {
  let s: RunningModuleServer
  let client: Redis
  let plain: RunningServer

  beforeAll(async () => {
    s = await startModuleServer({ modules: { load: [{ path: FIXTURE, args: [] }] } })
    client = new Redis({ port: s.port, host: "127.0.0.1", enableReadyCheck: false })
    plain = await startServer()
  })
  afterAll(async () => {
    client?.disconnect()
    await s?.close()
    await plain?.close()
  })

  it("DUMP and RESTORE a module value through rdbSave/rdbLoad, every ModuleIO kind included", async () => {
    expect(await client.call("datatype.set", "k", "text é", "\u0000\u00ff bytes", "123456789012")).toBe("OK")
    const before = await client.call("datatype.get", "k")
    const payload = (await client.dumpBuffer("k"))!
    // RDB_TYPE_MODULE_2, then the 64-bit module id as an RDB length (0x81 + 8 bytes big endian).
    expect(payload[0]).toBe(7)
    expect(payload[1]).toBe(0x81)
    expect(payload.readBigUInt64BE(2)).toBe(moduleTypeEncodeId("dtfixture", 3))
    expect(await client.call("RESTORE", "copy", "0", payload)).toBe("OK")
    expect(await client.call("datatype.get", "copy")).toEqual(before)
    expect(await client.type("copy")).toBe("dtfixture")
  })

  it("a server without the module refuses the payload as bad data", async () => {
    const payload = (await client.dumpBuffer("k"))!
    const other = new Redis({ port: plain.port, host: "127.0.0.1", enableReadyCheck: false })
    await expect(other.call("RESTORE", "k", "0", payload)).rejects.toThrow("ERR Bad data format")
    other.disconnect()
    expect(restorePayload(payload.toString("latin1"))).toBeInstanceOf(RestoreFailure)
  })

  it("RDB files carry module values and module aux data (before and after the keys)", async () => {
    const types = s.server.moduleTypes!
    const value = s.server.keyspace.lookup(0, "k")!.value as ModuleValue
    const writer = new RdbWriter({ compression: true, checksum: true, moduleTypes: types })
    writer.header([["valkey-ver", "8.1.0"]])
    writer.selectDb(0, 1, 0)
    writer.entry("k", value, 0)
    writer.footer()
    const file = Buffer.concat(writer.drain())
    const seen: Array<ModuleValue> = []
    readRdb(file, { entry: (_db, _key, v) => void seen.push(v as ModuleValue) }, { moduleTypes: types })
    expect(seen).toHaveLength(1)
    expect(seen[0].type).toBe(value.type)
    expect(seen[0].data).toEqual(value.data)
    // Two aux saves (BEFORE, then AFTER) were read back in order.
    const aux = (await client.call("datatype.aux")) as Array<string>
    expect(aux.map((a) => a.split(":")[0])).toEqual(["1", "2"])
    // Without the module, the file does not load.
    expect(() => readRdb(file, { entry: () => {} })).toThrow("The RDB file contains AUX module data I can't load: no matching module 'dtfixture'")
  })

  it("dumpPayload/restorePayload with the module's codecs round-trip the value", () => {
    const types = s.server.moduleTypes!
    const value = s.server.keyspace.lookup(0, "k")!.value as ModuleValue
    const back = restorePayload(dumpPayload(value, { compression: false, checksum: true, moduleTypes: types }), { moduleTypes: types })
    expect(back).toBeInstanceOf(ModuleValue)
    expect((back as ModuleValue).data).toEqual(value.data)
  })
})
