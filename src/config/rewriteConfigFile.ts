/**
 * Writing the config file for CONFIG REWRITE (config.c `rewriteConfigOverwriteFile`): the new text
 * from the pure `rewriteConfig`, written to a temporary file in the same folder, flushed, renamed
 * over the config file, folder flushed. Any failure removes the temporary file and leaves the old
 * file byte-identical. Synchronous, like Valkey's. `layers/ConfigStore.ts` serializes it.
 */
import { Data } from "effect"
import * as nodeFs from "node:fs"
import * as path from "node:path"
import { errnoMessage } from "./builtinConfigs.js"
import type { Config } from "./Config.js"
import { rewriteConfig } from "./rewriteConfig.js"

/** Started without a config file: `-ERR The server is running without a config file`. */
export class NoConfigFileError extends Data.TaggedError("NoConfigFileError")<{}> {
  get reply(): string {
    return "ERR The server is running without a config file"
  }
}

/** An I/O failure: `-ERR Rewriting config file: <strerror>`. */
export class ConfigRewriteError extends Data.TaggedError("ConfigRewriteError")<{ readonly reason: string }> {
  get reply(): string {
    return `ERR Rewriting config file: ${this.reason}`
  }
}

/** The file operations the rewrite uses (tests substitute failing ones). */
export interface ConfigFs {
  readFileSync(file: string, encoding: "latin1"): string
  openSync(file: string, flags: string, mode?: number): number
  writeSync(fd: number, data: string, position: number | null, encoding: "latin1"): number
  fsyncSync(fd: number): void
  closeSync(fd: number): void
  renameSync(from: string, to: string): void
  unlinkSync(file: string): void
}

const TEMP_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
const tempName = (file: string): string => {
  let suffix = ""
  for (let i = 0; i < 6; i++) suffix += TEMP_CHARS[Math.floor(Math.random() * TEMP_CHARS.length)]
  return `${file}.${suffix}`
}

/** Computes the new text and replaces the file atomically. Throws `ConfigRewriteError`. */
export const rewriteConfigFile = (config: Config, fs: ConfigFs = nodeFs): void => {
  const file = config.configFile
  if (file === null) throw new NoConfigFileError()
  let oldText = ""
  try {
    oldText = fs.readFileSync(file, "latin1")
  } catch (e) {
    if ((e as { code?: string }).code !== "ENOENT") throw new ConfigRewriteError({ reason: errnoMessage(e) })
  }
  const text = rewriteConfig(oldText, { options: config.rewriteOptions(), classify: config.classify })
  const temp = tempName(file)
  let fd: number | null = null
  try {
    fd = fs.openSync(temp, "wx", 0o644)
    let written = 0
    while (written < text.length) written += fs.writeSync(fd, text.slice(written), null, "latin1")
    fs.fsyncSync(fd)
    fs.closeSync(fd)
    fd = null
    fs.renameSync(temp, file)
  } catch (e) {
    if (fd !== null) {
      try {
        fs.closeSync(fd)
      } catch {
        // already failing
      }
    }
    try {
      fs.unlinkSync(temp)
    } catch {
      // the temporary file may not exist
    }
    throw new ConfigRewriteError({ reason: errnoMessage(e) })
  }
  // Make the rename durable: flush the folder. A failure here is reported, the new file stays.
  try {
    const dir = fs.openSync(path.dirname(file), "r")
    try {
      fs.fsyncSync(dir)
    } finally {
      fs.closeSync(dir)
    }
  } catch (e) {
    throw new ConfigRewriteError({ reason: errnoMessage(e) })
  }
}

