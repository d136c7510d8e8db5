/**
 * The AOF's cost per write, in process (no sockets): 50 clients each send 16 `SET key:<n> xxx` per
 * tick (redis-benchmark -c 50 -P 16), the AOF (appendfsync everysec) writes to a file in a temp
 * directory. Prints CPU ns per SET with the AOF on and off. `tsx bench/aof-micro.ts`.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { builtinCommands } from "../src/commands/index.js"
import { registerServerHooks } from "../src/layers/ServerCore.js"
import { Aof } from "../src/persistence/aof/Aof.js"
import type { Connection } from "../src/server/Connection.js"
import { Server } from "../src/server/Server.js"
import { cmd } from "../test/support/resp.js"

const CLIENTS = 50
const PIPELINE = 16
const N = Number(process.env.N ?? 1_000_000)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyfiber-aof-micro-"))

const measure = async (aofOn: boolean, fsync = "everysec"): Promise<number> => {
  const server = new Server({ databases: 16, now: () => Date.now() })
  server.commands.registerAll(builtinCommands)
  registerServerHooks(server)
  const settings: Record<string, unknown> = {
    appendfilename: "appendonly.aof",
    appenddirname: aofOn ? `aof-${Date.now()}` : "unused",
    dir,
    appendfsync: fsync,
    appendonly: aofOn,
    "aof-timestamp-enabled": false,
    "aof-use-rdb-preamble": false,
    "no-appendfsync-on-rewrite": false,
    "aof-load-truncated": true
  }
  if (aofOn) {
    let unregister: (() => void) | null = null
    let sink: ((db: number, argv: ReadonlyArray<string>) => void) | null = null
    const aof: Aof = new Aof({
      keyspace: server.keyspace,
      log: () => {},
      now: () => Date.now(),
      config: { get: <T>(name: string) => settings[name] as T },
      attach: (feed) => {
        // MODE=propagate: commands propagated but not fed to the AOF (the propagation's own cost).
        sink = process.env.MODE === "propagate" ? () => {} : feed
        server.propagation.attach(sink)
        unregister = server.hooks.beforeReplies.fillSlot(() => aof.flush(false))
      },
      detach: () => {
        if (sink !== null) server.propagation.detach(sink)
        unregister?.()
      },
      otherJobRunning: () => false,
      moduleTypes: () => undefined
    })
    if (!aof.openOnServerStart()) throw new Error("AOF did not open")
  }
  const socket: Connection = {
    destroyed: false,
    remote: { address: "127.0.0.1", port: 1 },
    local: { address: "127.0.0.1", port: 2 },
    fd: -1,
    queuedBytes: 0,
    backlogged: false,
    keepAlive: () => {},
    write: () => {},
    end: () => {},
    destroy: () => {}
  }
  const clients = Array.from({ length: CLIENTS }, (_, i) => server.createClient(socket, `127.0.0.1:${i + 10}`, "127.0.0.1:2"))
  let n = 0
  const chunk = () => {
    const parts: Array<string> = []
    for (let i = 0; i < PIPELINE; i++) parts.push(cmd("SET", `key:${String(n++ % 100_000).padStart(12, "0")}`, "xxx"))
    return Buffer.from(parts.join(""), "latin1")
  }
  const chunks = Array.from({ length: 512 }, chunk)
  const tick = (t: number) => {
    for (let c = 0; c < CLIENTS; c++) {
      const client = clients[c]
      client.parser.push(chunks[(t * CLIENTS + c) & 511])
      server.dispatcher.processInput(client)
    }
    server.endOfTick()
  }
  const ticks = Math.floor(N / (CLIENTS * PIPELINE))
  // The event loop turns between ticks, as in a server: the background fsync's completion arrives.
  const turn = () => new Promise((resolve) => setImmediate(resolve))
  for (let t = 0; t < 200; t++) {
    tick(t)
    await turn()
  }
  const start = process.cpuUsage()
  for (let t = 0; t < ticks; t++) {
    tick(t)
    await turn()
  }
  const used = process.cpuUsage(start)
  return ((used.user + used.system) * 1000) / (ticks * CLIENTS * PIPELINE)
}

try {
  for (let round = 0; round < 3; round++) {
    const off = await measure(false)
    const results: Array<string> = []
    for (const fsync of process.env.FSYNC?.split(",") ?? ["everysec", "no", "always"]) {
      const on = await measure(true, fsync)
      results.push(`${fsync} ${on.toFixed(0)} ns (+${(on - off).toFixed(0)})`)
    }
    console.log(`SET -c ${CLIENTS} -P ${PIPELINE}: AOF off ${off.toFixed(0)} ns; AOF ${results.join(", ")}`)
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}
