import type { CommandSpec } from "./CommandSpec.js"
import { clientUnblockCommands } from "./clientUnblock.js"
import { connectionCommands } from "./connection.js"
import { keyCommands } from "./keys.js"
import { listCommands } from "./lists.js"
import { stringCommands } from "./strings.js"

/** Every built-in command family. Add a family here once; the server registers them all. */
export const builtinCommands: ReadonlyArray<CommandSpec> = [
  ...connectionCommands,
  ...stringCommands,
  ...keyCommands,
  ...listCommands,
  ...clientUnblockCommands
]
