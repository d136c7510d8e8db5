/**
 * keyfiber for `bench/blocking.ts`: the normal server with room for 10,000+ clients, plus a
 * `benchblocked` command returning the blocked-client count (until INFO is on every branch).
 * Usage: node --import tsx bench/blocking-server.ts <port>
 */
import { Effect, Layer } from "effect"
import { NodeRuntime } from "@effect/platform-node"
import { defineCommand } from "../src/commands/CommandSpec.js"
import { ServerCore } from "../src/layers/ServerCore.js"
import { TcpListener } from "../src/layers/TcpListener.js"

const port = Number(process.argv[2] ?? 6399)
const Core = ServerCore.layer({ limits: { maxclients: 50_000 } })
const Probe = Layer.effectDiscard(
  Effect.map(ServerCore, (server) =>
    server.commands.register(
      defineCommand({ name: "benchblocked", arity: 1, group: "server", run: (client) => client.server.blockedClients })
    )
  )
)
const Live = Layer.mergeAll(TcpListener.layer({ port, bind: ["127.0.0.1"] }), Probe).pipe(Layer.provideMerge(Core))
NodeRuntime.runMain(Layer.launch(Live).pipe(Effect.asVoid))
