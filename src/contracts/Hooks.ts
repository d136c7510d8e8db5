/**
 * Where the layers plug work into the server: an ordered list of hooks (`Hooks`) or one provider
 * (`HookSlot`). Only the layers (`src/layers/`) register, so what runs where is visible in one
 * place; each registration returns its unregister, which a layer runs from its scope's finalizer
 * (and a module unload for what the module added).
 *
 * The owner loops over `list` with a plain index loop. A change builds a new array, so a loop
 * already running (a hook that unregisters itself or another) finishes over the list it started with.
 */
export class Hooks<F> {
  /** The hooks in registration order. */
  list: ReadonlyArray<F> = []

  /** Adds `hook` at the end, or just before `before` when that is registered. */
  addHook(hook: F, before?: F): () => void {
    const at = before === undefined ? -1 : this.list.indexOf(before)
    this.list = at === -1 ? [...this.list, hook] : [...this.list.slice(0, at), hook, ...this.list.slice(at)]
    return () => {
      const at = this.list.indexOf(hook)
      if (at !== -1) this.list = [...this.list.slice(0, at), ...this.list.slice(at + 1)]
    }
  }
}

/** One provider at a time; unregistering puts back the one it replaced. */
export class HookSlot<F> {
  current: F | null = null

  fillSlot(provider: F): () => void {
    const previous = this.current
    this.current = provider
    return () => {
      if (this.current === provider) this.current = previous
    }
  }
}
