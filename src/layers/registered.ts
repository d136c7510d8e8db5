import * as Effect from "effect/Effect"

/** A hook registration held for the layer's scope: closing the scope unregisters it. */
export const registered = (unregister: () => void): Effect.Effect<void, never, import("effect/Scope").Scope> =>
  Effect.addFinalizer(() => Effect.sync(unregister))
