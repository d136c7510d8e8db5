import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

/** A hook registration held for the layer's scope: closing the scope unregisters it. */
export const registered = (unregister: () => void): Effect.Effect<void, never, Scope.Scope> =>
  Effect.addFinalizer(() => Effect.sync(unregister))
