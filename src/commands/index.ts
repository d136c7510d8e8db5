import { bitCommands } from "./bits.js"
import type { CommandSpec } from "./CommandSpec.js"
import { clientCommands } from "./client.js"
import { commandCommands } from "./command.js"
import { configCommands } from "./config.js"
import { connectionCommands } from "./connection.js"
import { dumpCommands } from "./dump.js"
import { hashCommands } from "./hashes.js"
import { infoCommands } from "./info.js"
import { keyCommands } from "./keys.js"
import { listCommands } from "./lists.js"
import { pubsubCommands } from "./pubsub.js"
import { serverCommands } from "./server.js"
import { setCommands } from "./sets.js"
import { sortedSetCommands } from "./sortedSets.js"
import { slowlogCommands } from "./slowlog.js"
import { streamCommands } from "./streams.js"
import { sortCommands } from "./sort.js"
import { stringCommands } from "./strings.js"
import { transactionCommands } from "./transactions.js"

/** Every built-in command family. Add a family here once; the server registers them all. */
export const builtinCommands: ReadonlyArray<CommandSpec> = [
  ...connectionCommands,
  ...stringCommands,
  ...bitCommands,
  ...keyCommands,
  ...dumpCommands,
  ...clientCommands,
  ...commandCommands,
  ...listCommands,
  ...sortCommands,
  ...hashCommands,
  ...setCommands,
  ...sortedSetCommands,
  ...streamCommands,
  ...transactionCommands,
  ...serverCommands,
  ...infoCommands,
  ...configCommands,
  ...slowlogCommands,
  ...pubsubCommands
]
