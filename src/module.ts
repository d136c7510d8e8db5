/**
 * The entry for module authors (`import type { ModuleContext } from "keyfiber/module"`): the
 * definition helper and the types of the context and its handles. Everything a module does at run
 * time goes through its context, so a module file needs no other part of keyfiber.
 */
export * from "./modules/api.js"
export type { ModuleValueType } from "./keyspace/Value.js"
