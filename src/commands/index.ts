import type { CommandSpec } from "./CommandSpec.js"
import { clientCommands } from "./client.js"
import { commandCommands } from "./command.js"
import { connectionCommands } from "./connection.js"
import { keyCommands } from "./keys.js"
import { stringCommands } from "./strings.js"

/** Every built-in command family. Add a family here once; the server registers them all. */
export const builtinCommands: ReadonlyArray<CommandSpec> = [
  ...connectionCommands,
  ...stringCommands,
  ...keyCommands,
  ...clientCommands,
  ...commandCommands
]
