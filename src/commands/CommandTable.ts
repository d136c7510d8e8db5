import type { CommandSpec } from "./CommandSpec.js"

/** The command dictionary: lookup by case-insensitive name, plus rename-command and module commands. */
export class CommandTable {
  private readonly byName = new Map<string, CommandSpec>()
  /**
   * Names as clients spell them (`GET`, `Get`) to their command, so the hot path does not lower-case
   * every name. Cleared whenever the table changes.
   */
  private readonly spellings = new Map<string, CommandSpec>()

  register(spec: CommandSpec): void {
    this.byName.set(spec.name, spec)
    this.spellings.clear()
  }

  registerAll(specs: ReadonlyArray<CommandSpec>): void {
    for (const spec of specs) this.register(spec)
  }

  unregister(name: string): void {
    this.byName.delete(name)
    this.spellings.clear()
  }

  /** `name` as the client typed it. */
  lookup(name: string): CommandSpec | undefined {
    // One map probe for names seen before, in whatever case the client uses.
    const spec = this.spellings.get(name)
    if (spec !== undefined) return spec
    if (name.length > 64) return this.byName.get(name.toLowerCase())
    const found = this.byName.get(name.toLowerCase())
    // Only real commands are remembered, so garbage names cannot grow the cache.
    if (found !== undefined && this.spellings.size < 4096) this.spellings.set(name, found)
    return found
  }

  has(name: string): boolean {
    return this.byName.has(name.toLowerCase())
  }

  /** `rename-command old new`; an empty `to` removes the command. Returns an error text or undefined. */
  rename(from: string, to: string): string | undefined {
    const spec = this.byName.get(from.toLowerCase())
    if (spec === undefined) return "No such command in rename-command"
    if (to !== "" && this.byName.has(to.toLowerCase())) return "Target command name already exists"
    this.byName.delete(from.toLowerCase())
    if (to !== "") this.byName.set(to.toLowerCase(), spec)
    this.spellings.clear()
    return undefined
  }

  /** Every command reachable by some name, with the name it is reachable by. */
  entries(): IterableIterator<[string, CommandSpec]> {
    return this.byName.entries()
  }

  get size(): number {
    return this.byName.size
  }
}
