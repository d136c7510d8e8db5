import { Effect, Layer, ManagedRuntime } from "effect"
import type { Config } from "../../src/config/Config.js"
import { ConfigStore } from "../../src/layers/ConfigStore.js"
import { ServerCore, type ServerCoreOptions } from "../../src/layers/ServerCore.js"
import { configFromCommandLine, configFromText } from "../../src/layers/StartupConfig.js"
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
  const live = Layer.mergeAll(TcpListener.layer({ port: 0, bind: ["127.0.0.1"] }), ConfigStore.layer).pipe(
    Layer.provideMerge(ServerCore.layer(options))
  )
  const runtime = ManagedRuntime.make(live)
  const { address, server } = await runtime.runPromise(
    Effect.all({ address: TcpListener, server: ServerCore })
  )
  return { port: address.port, host: address.host, server, close: () => runtime.dispose() }
}

/**
 * Starts a server configured like `keyfiber [configfile] [--name value ...]` (`args`) or from config
 * text (`text`), still on 127.0.0.1 and a free port whatever the config says.
 */
export const startServerWithConfig = async (
  source: { readonly args: ReadonlyArray<string> } | { readonly text: string },
  options: Omit<ServerCoreOptions, "config"> = {}
): Promise<RunningServer & { readonly config: Config }> => {
  const config = await Effect.runPromise("args" in source ? configFromCommandLine(source.args) : configFromText(source.text))
  const running = await startServer({ ...options, config })
  return { ...running, config }
}
