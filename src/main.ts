import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { ServerCore } from "./layers/ServerCore.js"
import { TcpListener } from "./layers/TcpListener.js"
import { makeLogger } from "./server/Log.js"

// Minimal CLI until the config system lands: [configfile] [--port n] [--bind host].
const args = process.argv.slice(2)
const option = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`)
  return i === -1 ? undefined : args[i + 1]
}
const port = Number(option("port") ?? 6379)
const host = option("bind") ?? "127.0.0.1"
const log = makeLogger(() => "notice")

const MainLive = TcpListener.layer({ port, host }).pipe(Layer.provideMerge(ServerCore.layer({ log })))

// Runs until SHUTDOWN (or a signal): closing the scope closes the listener and every client.
const untilShutdown = Effect.gen(function* () {
  const server = yield* ServerCore
  yield* Effect.async<void>((resume) => {
    server.shutdownHandler = () => resume(Effect.void)
  })
})

NodeRuntime.runMain(untilShutdown.pipe(Effect.provide(MainLive)))
