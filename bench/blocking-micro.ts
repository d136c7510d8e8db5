/**
 * In-process blocking micro-benchmark (no sockets): 10,000 in-process clients park in BLPOP on
 * distinct keys and are served by 10,000 LPUSHes, then park on one key and are served by one RPUSH;
 * prints the CPU ms of each phase per round (ROUNDS, default 5). The server's own share of the
 * `blocking` scenario. `tsx bench/blocking-micro.ts`.
 */
import { Effect, Scope } from "effect"
import { ServerCore } from "../src/layers/ServerCore.js"
const N = 10000
const main = async () => {
  const scope = Effect.runSync(Scope.make())
  const server = await Effect.runPromise(Scope.provide(ServerCore.make(), scope))
  for (let round = 0; round < Number(process.env.ROUNDS ?? 5); round++) {
    const clients = Array.from({ length: N }, (_, i) => server.createClient(null, `c${i}`, "x"))
    const control = server.createClient(null, "control", "x")
    let t = process.cpuUsage()
    for (let i = 0; i < N; i++) { server.dispatcher.processCommand(clients[i], ["BLPOP", `k:${round}:${i}`, "0"]); server.endOfTick() }
    const park = process.cpuUsage(t)
    t = process.cpuUsage()
    for (let i = 0; i < N; i++) server.dispatcher.processCommand(control, ["LPUSH", `k:${round}:${i}`, "v"])
    server.endOfTick()
    const serve = process.cpuUsage(t)
    t = process.cpuUsage()
    for (let i = 0; i < N; i++) { server.dispatcher.processCommand(clients[i], ["BLPOP", `one:${round}`, "0"]); server.endOfTick() }
    const park1 = process.cpuUsage(t)
    t = process.cpuUsage()
    server.dispatcher.processCommand(control, ["RPUSH", `one:${round}`, ...Array.from({ length: N }, () => "v")])
    server.endOfTick()
    const serve1 = process.cpuUsage(t)
    const us = (u: NodeJS.CpuUsage) => ((u.user + u.system) / 1000).toFixed(1)
    console.log(`round ${round}: park ${us(park)} ms, serve ${us(serve)} ms, park one key ${us(park1)} ms, serve one key ${us(serve1)} ms; blocked ${server.blockedClients}`)
    for (const c of [...clients, control]) server.freeClient(c)
  }
  process.exit(0)
}
main()
