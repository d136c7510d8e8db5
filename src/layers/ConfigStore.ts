/**
 * CONFIG REWRITE's persistence as a transaction: `rewriteConfigFile` (temporary file in the same
 * folder, fsync, rename, folder fsync; the old file untouched on failure), serialized by a
 * semaphore. At start-up it removes the temporary files an interrupted rewrite left next to the
 * config file (the process killed between creating and renaming one).
 *
 * The I/O is synchronous, like Valkey's (CONFIG REWRITE blocks the server while it writes), so the
 * CONFIG REWRITE command runs the Effect with `runSync` from the executor: the layer registers
 * `server.config.rewriter` for it.
 */
import { Context, Effect, Layer, Result, Semaphore } from "effect"
import * as nodeFs from "node:fs"
import {
  type ConfigFs,
  ConfigRewriteError,
  NoConfigFileError,
  removeRewriteTempFiles,
  rewriteConfigFile,
  type TempCleanupFs
} from "../config/rewriteConfigFile.js"
import { ServerCore } from "./ServerCore.js"

export { ConfigRewriteError, NoConfigFileError }

export interface ConfigStoreService {
  /** CONFIG REWRITE: serialized, atomic. */
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
    const semaphore = yield* Semaphore.make(1)
    const rewrite = semaphore.withPermits(1)(
      Effect.try({
        try: () => rewriteConfigFile(server.config, fs),
        catch: (e) => {
          if (e instanceof NoConfigFileError || e instanceof ConfigRewriteError) return e
          return new ConfigRewriteError({ reason: e instanceof Error ? e.message : String(e) })
        }
      })
    )
    server.config.rewriter = () => {
      const result = Effect.runSync(Effect.result(rewrite))
      if (Result.isSuccess(result)) return undefined
      server.log("warning", `CONFIG REWRITE failed: ${result.failure._tag === "ConfigRewriteError" ? result.failure.reason : "no config file"}`)
      return result.failure.reply
    }
    yield* Effect.addFinalizer(() => Effect.sync(() => (server.config.rewriter = null)))
    return { rewrite } satisfies ConfigStoreService
  })

/** The config file's transactional store; needs `ServerCore`. */
export class ConfigStore extends Context.Service<ConfigStore, ConfigStoreService>()("keyfiber/ConfigStore") {
  static readonly layer = Layer.effect(ConfigStore, make(nodeFs, nodeFs))
  /** With substitute file operations (fault-injection tests). */
  static readonly layerWith = (fs: ConfigFs, cleanupFs: TempCleanupFs = nodeFs) => Layer.effect(ConfigStore, make(fs, cleanupFs))
}
