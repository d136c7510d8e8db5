import type { Schema } from "effect"
import type { ModuleContext } from "./ModuleContext.js"

/** Valkey's `VALKEYMODULE_OK` / `VALKEYMODULE_ERR`. */
export type ModuleStatus = "OK" | "ERR"

/**
 * What a module file exports as default. `onLoad` registers commands, data types, configs and
 * timers through `ctx`; throwing, or returning "ERR", fails the load and rolls everything back.
 *
 * Module files import only types from keyfiber's `src/` (and anything from `effect`): every
 * runtime facility, reply helpers included, comes through the context. (A module is loaded with
 * its own copy of any `src/` file it imports, so classes from there would not match the server's.)
 */
export interface ModuleDefinition<A = ReadonlyArray<string>> {
  readonly name: string
  readonly version: number
  /** Decodes the module's arguments (`MODULE LOAD path args...`) from their strings. */
  readonly argsSchema?: Schema.Codec<A, any>
  readonly onLoad: (ctx: ModuleContext<A>, args: A) => void | ModuleStatus | Promise<void | ModuleStatus>
  /** Returning "ERR" refuses MODULE UNLOAD (`operation not possible.`). */
  readonly onUnload?: (ctx: ModuleContext<A>) => void | ModuleStatus
}

/** The identity, for type inference in module files. */
export const defineModule = <A = ReadonlyArray<string>>(definition: ModuleDefinition<A>): ModuleDefinition<A> => definition
