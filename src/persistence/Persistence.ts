import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type { RdbPersistence } from "./RdbPersistence.js"

/**
 * RDB persistence as a service: the persistence layer (`layers/Persistence.ts`) provides it after
 * loading the RDB file, so code that needs more than the commands' `PersistenceControl` contract
 * (the shutdown path, INFO, tests) requires it.
 */
export class Persistence extends Context.Service<Persistence, RdbPersistence>()("keyfiber/Persistence") {}

/** The RDB file could not be loaded at start-up (Valkey's lines are already logged); the server must not start. */
export class PersistenceLoadError extends Data.TaggedError("PersistenceLoadError")<{ readonly message: string }> {}
