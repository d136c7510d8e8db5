import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type ServerProcess, startServerProcess } from "./support/childServer.js"
import { RawClient } from "./support/raw.js"
import { fuzzCase, prng, runCase } from "./support/respFuzz.js"
import { cmd } from "./support/resp.js"

/**
 * The RESP fuzzer against a keyfiber child process (a crash shows as an exit): batches of
 * connections send random and mutated request streams; after each batch the process must be up and a
 * separate witness connection served exactly. Replay a failure with KEYFIBER_FUZZ_SEED=<seed>.
 */
const SEED = Number(process.env.KEYFIBER_FUZZ_SEED ?? Date.now() % 2 ** 31)
const BATCHES = 400
const CONNECTIONS_PER_BATCH = 6
/** Stop early once this much time has gone (the machine may be busy); every batch run is checked. */
const BUDGET_MS = 12_000

let server: ServerProcess
beforeAll(async () => {
  server = await startServerProcess(["--port", "0", "--bind", "127.0.0.1", "--save", ""])
}, 60_000)
afterAll(async () => {
  await server?.kill()
})

describe("RESP fuzzer", () => {
  it("random and mutated frames never crash the server; protocol errors carry Valkey's texts and close", async () => {
    const rand = prng(SEED)
    const witness = await RawClient.connect(server.port)
    const started = Date.now()
    let batches = 0
    const kinds = new Map<string, number>()
    try {
      for (; batches < BATCHES && Date.now() - started < BUDGET_MS; batches++) {
        const cases = Array.from({ length: CONNECTIONS_PER_BATCH }, () => fuzzCase(rand))
        const results = await Promise.all(cases.map((c) => runCase(server.port, c)))
        for (const r of results) {
          kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1)
          expect(r.problem, `${r.kind}: received ${JSON.stringify(r.received.slice(-300))}`).toBe("")
        }
        expect(server.alive(), `server exited; output: ${server.output()}`).toBe(true)
        expect(await witness.request(cmd("PING"), "+PONG\r\n")).toBe("+PONG\r\n")
        const value = `v${batches}\r\n\x00\xff`
        const expected = `+OK\r\n$${value.length}\r\n${value}\r\n`
        expect(await witness.request(Buffer.from(cmd("SET", "witness", value) + cmd("GET", "witness"), "latin1"), expected)).toBe(expected)
      }
    } catch (e) {
      throw new Error(`RESP fuzzer failed at batch ${batches}; replay with KEYFIBER_FUZZ_SEED=${SEED}\n${(e as Error).message}`)
    } finally {
      witness.close()
    }
    expect(batches).toBeGreaterThan(0)
    console.log(`RESP fuzzer seed ${SEED}: ${batches} batches, ${[...kinds].map(([k, n]) => `${k} ${n}`).join(", ")}`)
  }, 90_000)
})
