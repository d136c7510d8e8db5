import { Effect, Layer, ManagedRuntime } from "effect"
import { ServerCore, type ServerCoreOptions } from "../../src/layers/ServerCore.js"
import { TcpListener } from "../../src/layers/TcpListener.js"
import type { Server } from "../../src/server/Server.js"

export interface RunningServer {
  readonly port: number
  readonly host: string
  readonly server: Server
  close(): Promise<void>
}

/** Starts a real keyfiber on 127.0.0.1 and a free port, in this process. */
export const startServer = async (options: ServerCoreOptions = {}): Promise<RunningServer> => {
  const live = TcpListener.layer({ port: 0, host: "127.0.0.1" }).pipe(Layer.provideMerge(ServerCore.layer(options)))
  const runtime = ManagedRuntime.make(live)
  const { address, server } = await runtime.runPromise(
    Effect.all({ address: TcpListener, server: ServerCore })
  )
  return { port: address.port, host: address.host, server, close: () => runtime.dispose() }
}
