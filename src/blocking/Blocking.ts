import * as Context from "effect/Context"
import type { BlockingEngine } from "./BlockingEngine.js"

/**
 * The blocking engine as a service: ServerCore provides it, so code that needs more than the
 * server's `Blocker` contract (module blocking, timers, tests) requires it instead of casting.
 */
export class Blocking extends Context.Service<Blocking, BlockingEngine>()("keyfiber/Blocking") {}
