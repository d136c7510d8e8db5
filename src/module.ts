/**
 * The entry for module authors (`import type { ModuleContext } from "keyfiber/module"`): the
 * definition helper and the types of the context and its handles. Everything a module does at run
 * time goes through its context, so a module file needs no other part of keyfiber.
 */
export { defineModule, type ModuleDefinition, type ModuleStatus } from "./modules/ModuleDefinition.js"
export type { CallOptions, CommandHandler, ContextKind, CreateCommandOptions, ModuleContext, ThreadSafeContext } from "./modules/ModuleContext.js"
export { CTX_FLAGS } from "./modules/ModuleContext.js"
export type { BlockCallback, DisconnectCallback, FreePrivdata, ModuleBlockedClient } from "./modules/ModuleBlockedClient.js"
export type { ConfigCallbacks, ModuleConfigFlag } from "./modules/ModuleConfig.js"
export type { ModuleKey, ModuleKeyType } from "./modules/ModuleKey.js"
export type { ArgsState, RuntimeArgsError } from "./modules/RuntimeArgs.js"
export type { ModuleValueType } from "./keyspace/Value.js"
