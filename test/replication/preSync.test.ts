// A pre-PSYNC replica (SYNC) never sends REPLCONF ACK, so Valkey never times it out
// (replication.c `replicationCron` skips `flag.pre_psync`); a PSYNC replica that stops
// acknowledging is dropped after `repl-timeout` (1 s here).
import * as net from "node:net"
import { describe, expect, it } from "vitest"
import { start } from "../../src/start.js"
import { waitFor } from "../support/waitFor.js"

const connectedReplicas = async (run: (...args: Array<string>) => Promise<unknown>): Promise<number> =>
  Number(/connected_slaves:(\d+)/.exec(String(await run("INFO", "replication")))![1])

describe("replica timeouts", () => {
  it("a SYNC replica is kept past repl-timeout; a silent PSYNC replica is dropped", async () => {
    const kf = await start({ config: "repl-timeout 1\nsave ''\n" })
    const sockets: Array<net.Socket> = []
    try {
      for (const request of ["SYNC\r\n", "PSYNC ? -1\r\n"]) {
        const socket = net.connect(kf.port, "127.0.0.1")
        sockets.push(socket)
        socket.on("data", () => undefined)
        socket.write(request)
      }
      const run = (...args: Array<string>) => kf.run(...args)
      await waitFor("two online replicas", async () => /slave1:.*state=online/.test(String(await run("INFO", "replication"))))
      expect(await connectedReplicas(run)).toBe(2)
      await waitFor("the silent PSYNC replica dropped", async () => (await connectedReplicas(run)) === 1, 15_000)
      // The one left is the SYNC replica.
      expect(String(await run("INFO", "replication"))).toMatch(/slave0:.*state=online/)
      expect(await connectedReplicas(run)).toBe(1)
    } finally {
      for (const socket of sockets) socket.destroy()
      await kf.close()
    }
  })
})
