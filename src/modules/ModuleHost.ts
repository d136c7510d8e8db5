import type { ModuleValueType } from "../keyspace/Value.js"
import type { Reply } from "../protocol/Reply.js"
import type { Client } from "../server/Client.js"
import type { Server } from "../server/Server.js"
import type { LoadedModule } from "./LoadedModule.js"
import type { ModuleBlocking } from "./ModuleBlocking.js"
import type { CallOptions, CommandHandler, ModuleContext } from "./ModuleContext.js"
import type { ModuleStatus } from "./ModuleDefinition.js"
import type { ArgsState } from "./RuntimeArgs.js"

/** What a module context needs from the module system (implemented by `Modules`). */
export interface ModuleHost {
  readonly server: Server
  readonly blocking: ModuleBlocking
  runCommand(module: LoadedModule, handler: CommandHandler, client: Client, argv: Array<string>, spec?: import("../commands/CommandSpec.js").CommandSpec): Reply | import("../blocking/BlockRequest.js").BlockRequest
  call(ctx: ModuleContext<any>, options: CallOptions, argv: Array<string>): Reply
  isCallClient(client: Client): boolean
  findType(name: string): ModuleValueType | undefined
  createTimer(module: LoadedModule, periodMs: number, callback: (ctx: ModuleContext<any>, data: unknown) => void, data: unknown): number
  stopTimer(module: LoadedModule, id: number): { data: unknown } | undefined
  runDetached(module: LoadedModule, f: (ctx: ModuleContext<any>) => void): void
  subscribeArgs(module: LoadedModule, f: (args: ArgsState<any>) => void): () => void
  subscribeConfigs(module: LoadedModule, f: (names: ReadonlyArray<string>) => void): () => void
  loadConfigs(module: LoadedModule): ModuleStatus
}
