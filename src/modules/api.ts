/**
 * What module authors use (re-exported by the public API): the definition helper and the types of
 * the context and its handles. Module files import these as types only (see docs/modules.md).
 */
export { defineModule, type ModuleDefinition, type ModuleStatus } from "./ModuleDefinition.js"
export type { CallOptions, CommandHandler, ContextKind, CreateCommandOptions, ModuleContext, ThreadSafeContext } from "./ModuleContext.js"
export { CTX_FLAGS } from "./ModuleContext.js"
export type { BlockCallback, DisconnectCallback, FreePrivdata, ModuleBlockedClient } from "./ModuleBlockedClient.js"
export type { ConfigCallbacks, ModuleConfigFlag } from "./ModuleConfig.js"
export type { ModuleKey, ModuleKeyType } from "./ModuleKey.js"
export type { ArgsState, RuntimeArgsError } from "./RuntimeArgs.js"
export { Modules, type ModulesOptions, type LoadRequest } from "./Modules.js"
