/**
 * keyfiber's public API for embedding: the Layer and service for Effect apps, the Promise facade
 * for everything else, reply values, and the types module authors write against.
 */

// Effect apps: the Layer, its service, and in-process clients.
export { Keyfiber, type KeyfiberOptions, type KeyfiberService, type ModuleToLoad } from "./layers/Keyfiber.js"
export { ServerCore, type ServerCoreOptions } from "./layers/ServerCore.js"
export { type BoundAddress, TcpListener } from "./layers/TcpListener.js"
export { ClientClosedError, type CommandArg, InProcessClient } from "./server/InProcessClient.js"
export { type BytesReplyValue, ReplyError, replyToBytes, replyToText, type ReplyValue } from "./protocol/ReplyValue.js"
export { ListenError } from "./server/Listener.js"

// Code that does not use Effect.
export { type Connection, type RunningKeyfiber, start, type StartOptions } from "./start.js"

// Replies and commands.
export * as Reply from "./protocol/Reply.js"
export { type CommandDefinition, type CommandFlag, type CommandSpec, defineCommand } from "./commands/CommandSpec.js"
export { BlockRequest } from "./blocking/BlockRequest.js"
export type { Client } from "./server/Client.js"
export type { Server } from "./server/Server.js"

// Module authors: module definition and context types (see `modules/` for complete examples).
export * from "./modules/api.js"
export { type LoadRequest, ModuleLoadError, type ModuleRegistry } from "./modules/Modules.js"
export { Modules, type ModulesOptions } from "./layers/Modules.js"

// Config: the table behind CONFIG GET/SET/REWRITE, and config file errors.
export type { Config } from "./config/Config.js"
export { ConfigFileError, ConfigOpenError } from "./config/ConfigFile.js"
