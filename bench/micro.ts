/**
 * In-process hot-path micro-benchmark (no sockets): feeds requests into one client through the
 * parser, dispatcher and writer, and reports ns per request. `tsx bench/micro.ts`.
 */
import { builtinCommands } from "../src/commands/index.js"
import type { Connection } from "../src/server/Connection.js"
import { registerServerHooks } from "../src/layers/ServerCore.js"
import { Server } from "../src/server/Server.js"
import { cmd } from "../test/support/resp.js"

const server = new Server({ databases: 16, now: () => Date.now() })
server.commands.registerAll(builtinCommands)
registerServerHooks(server)
let written = 0
// A connection that counts what it is given: the kernel's part is not the hot path measured here.
const socket: Connection = {
  destroyed: false,
  remote: { address: "127.0.0.1", port: 1 },
  local: { address: "127.0.0.1", port: 2 },
  fd: -1,
  queuedBytes: 0,
  backlogged: false,
  keepAlive: () => {},
  write: (data) => {
    written += data.length
  },
  end: () => {},
  destroy: () => {}
}
const client = server.createClient(socket, "127.0.0.1:1", "127.0.0.1:2")

const enc = (...args: Array<string>) => Buffer.from(cmd(...args), "latin1")
const cases: Record<string, Buffer> = {
  ping: enc("PING"),
  set: enc("SET", "key:__rand_int__", "xxx"),
  get: enc("GET", "key:__rand_int__"),
  lpush: enc("LPUSH", "mylist", "xxx"),
  lpop: enc("LPOP", "mylist"),
  hset: enc("HSET", "myhash", "field", "xxx"),
  zincrby: enc("ZINCRBY", "myzset", "1", "member")
}

const N = Number(process.env.N ?? 2_000_000)
for (const pipeline of [1, 16]) {
  for (const [name, one] of Object.entries(cases)) {
    const chunk = Buffer.concat(Array.from({ length: pipeline }, () => one))
    const rounds = Math.floor(N / pipeline)
    for (let i = 0; i < 20000; i++) {
      client.parser.push(chunk)
      server.dispatcher.processInput(client)
      server.endOfTick()
    }
    // CPU time, not wall time: the machine is shared, and preemption would dominate wall time.
    const start = process.cpuUsage()
    for (let i = 0; i < rounds; i++) {
      client.parser.push(chunk)
      server.dispatcher.processInput(client)
      server.endOfTick()
    }
    const used = process.cpuUsage(start)
    const ns = ((used.user + used.system) * 1000) / (rounds * pipeline)
    console.log(`${name.padEnd(5)} -P ${String(pipeline).padEnd(2)} ${ns.toFixed(0)} ns/request`)
  }
}
if (written === 0) console.log("nothing written")
