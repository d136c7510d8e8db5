/**
 * The config file's store: CONFIG REWRITE as a transaction (`rewriteConfigFile`: temporary file in
 * the same folder, fsync, rename, folder fsync; the old file untouched on failure). At start-up it
 * removes the temporary files an interrupted rewrite left next to the config file (the process
 * killed between creating and renaming one).
 *
 * The I/O is synchronous, like Valkey's (CONFIG REWRITE blocks the server while it writes), and
 * commands run one at a time in the executor, so two rewrites never overlap: the command runs the
 * Effect to completion with `runSync` through `server.config.rewriter`, which this layer fills.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { runSyncForReply } from "../config/ConfigTransaction.js"
import * as nodeFs from "node:fs"
import {
  type ConfigFs,
  ConfigRewriteError,
  NoConfigFileError,
  removeRewriteTempFiles,
  rewriteConfigFile,
  type TempCleanupFs
} from "../config/rewriteConfigFile.js"
import { registered } from "./registered.js"
import { ServerCore } from "./ServerCore.js"

export { ConfigRewriteError, NoConfigFileError }

export interface ConfigStoreService {
  /** CONFIG REWRITE: atomic. */
  readonly rewrite: Effect.Effect<void, NoConfigFileError | ConfigRewriteError>
}

const make = (fs: ConfigFs, cleanupFs: TempCleanupFs) =>
  Effect.gen(function* () {
    const server = yield* ServerCore
    const file = server.config.configFile
    if (file !== null) {
      for (const temp of removeRewriteTempFiles(file, cleanupFs)) {
        server.log("notice", `Removed ${temp}, a temporary file left by an interrupted CONFIG REWRITE`)
      }
    }
    // Valkey's configRewriteCommand logs I/O failures; a missing config file is only replied.
    const rewrite = rewriteConfigFile(server.config, fs).pipe(
      Effect.tapError((e) =>
        Effect.sync(() => {
          if (e._tag === "ConfigRewriteError") server.log("warning", `CONFIG REWRITE failed: ${e.reason}`)
        })
      )
    )
    yield* registered(server.config.rewriter.fillSlot(() => runSyncForReply(rewrite)))
    return { rewrite } satisfies ConfigStoreService
  })

/** The config file's transactional store; needs `ServerCore`. */
export class ConfigStore extends Context.Service<ConfigStore, ConfigStoreService>()("keyfiber/ConfigStore") {
  static readonly layer = Layer.effect(ConfigStore, make(nodeFs, nodeFs))
  /** With substitute file operations (fault-injection tests). */
  static readonly layerWith = (fs: ConfigFs, cleanupFs: TempCleanupFs = nodeFs) => Layer.effect(ConfigStore, make(fs, cleanupFs))
}
