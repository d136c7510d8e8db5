import { Effect, Layer, ManagedRuntime } from "effect"
import { ConfigStore } from "../../src/layers/ConfigStore.js"
import { ServerCore, type ServerCoreOptions } from "../../src/layers/ServerCore.js"
import { configFromCommandLine } from "../../src/layers/StartupConfig.js"
import { TcpListener } from "../../src/layers/TcpListener.js"
import { Modules, type ModulesOptions } from "../../src/layers/Modules.js"
import type { ModuleRegistry } from "../../src/modules/Modules.js"
import type { Server } from "../../src/server/Server.js"

export interface RunningModuleServer {
  readonly port: number
  readonly server: Server
  readonly modules: ModuleRegistry
  readonly logs: Array<string>
  close(): Promise<void>
}

/** A real keyfiber on 127.0.0.1 and a free port with the module system, in this process. */
export const startModuleServer = async (
  options: {
    readonly modules?: ModulesOptions
    readonly core?: ServerCoreOptions
    /** Command-line arguments like keyfiber's (a config file, `--name value`); default below. */
    readonly args?: ReadonlyArray<string>
  } = {}
): Promise<RunningModuleServer> => {
  const logs: Array<string> = []
  const config = await Effect.runPromise(configFromCommandLine(options.args ?? ["--enable-module-command", "yes"]))
  const core = ServerCore.layer({ config, log: (level, message) => void logs.push(`${level} ${message}`), ...options.core })
  const live = Layer.mergeAll(TcpListener.layer({ port: 0, bind: ["127.0.0.1"] }), Modules.layer(options.modules), ConfigStore.layer).pipe(
    Layer.provideMerge(core)
  )
  const runtime = ManagedRuntime.make(live)
  const { address, server, modules } = await runtime.runPromise(Effect.all({ address: TcpListener, server: ServerCore, modules: Modules }))
  return { port: address.port, server, modules, logs, close: () => runtime.dispose() }
}

export const modulePath = (name: string): string => new URL(`../../modules/${name}`, import.meta.url).pathname

/** The server-side client of a RawClient connection. */
export const serverClient = (server: Server, raw: { readonly socket: { readonly localPort?: number } }) => {
  for (const c of server.clients.values()) if (c.addr.endsWith(`:${raw.socket.localPort}`)) return c
  throw new Error("client not found")
}
