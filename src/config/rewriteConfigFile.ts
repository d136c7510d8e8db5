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
/**
 * The temporary file's name: `<configfile>.rewrite-XXXXXX`. Valkey's mkstemp names it
 * `<configfile>.XXXXXX`, but six letters after the file name are also what people name their copies
 * (`valkey.conf.backup`, `.sample`, `.origin`): the marker keeps start-up's clean-up of leftover
 * temporary files (`removeRewriteTempFiles`) away from them.
 */
const TEMP_MARKER = ".rewrite-"
const tempName = (file: string): string => {
  let suffix = ""
  for (let i = 0; i < 6; i++) suffix += TEMP_CHARS[Math.floor(Math.random() * TEMP_CHARS.length)]
  return `${file}${TEMP_MARKER}${suffix}`
}
/** Names to try before giving up with EEXIST, as mkstemp does (it tries far more). */
const TEMP_ATTEMPTS = 100

/** Whether `name` (a name in the config file's folder) is a temporary file of a rewrite of `configBase`. */
export const isRewriteTempName = (configBase: string, name: string): boolean =>
  name.length === configBase.length + TEMP_MARKER.length + 6 &&
  name.startsWith(configBase + TEMP_MARKER) &&
  /^[A-Za-z0-9]{6}$/.test(name.slice(-6))

/** What start-up's clean-up uses of the file system (tests substitute failing ones). */
export interface TempCleanupFs {
  readdirSync(dir: string): Array<string>
  lstatSync(file: string): { isFile(): boolean }
  unlinkSync(file: string): void
}

/**
 * Removes the temporary files a rewrite of `file` left behind when the process died between
 * creating and renaming one (`kill -9`, power loss): only regular files named exactly as
 * `rewriteConfigFile` names them, in the config file's folder. Returns the paths removed; a file that
 * cannot be read or removed is left alone (start-up goes on).
 */
export const removeRewriteTempFiles = (file: string, fs: TempCleanupFs = nodeFs): Array<string> => {
  const dir = path.dirname(file)
  const base = path.basename(file)
  let names: Array<string>
  try {
    names = fs.readdirSync(dir)
  } catch {
    return []
  }
  const removed: Array<string> = []
  for (const name of names) {
    if (!isRewriteTempName(base, name)) continue
    const temp = path.join(dir, name)
    try {
      if (!fs.lstatSync(temp).isFile()) continue
      fs.unlinkSync(temp)
      removed.push(temp)
    } catch {
      // gone already, or not ours to remove
    }
  }
  return removed
}

/** Creates a new temporary file next to `file` (mkstemp: a fresh name on EEXIST). */
const createTemp = (file: string, fs: ConfigFs): { readonly temp: string; readonly fd: number } => {
  for (let attempt = 1; ; attempt++) {
    const temp = tempName(file)
    try {
      return { temp, fd: fs.openSync(temp, "wx", 0o644) }
    } catch (e) {
      if ((e as { code?: string }).code !== "EEXIST" || attempt === TEMP_ATTEMPTS) throw e
    }
  }
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
  let created: { readonly temp: string; readonly fd: number }
  try {
    created = createTemp(file, fs)
  } catch (e) {
    throw new ConfigRewriteError({ reason: errnoMessage(e) })
  }
  const temp = created.temp
  let fd: number | null = created.fd
  try {
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
    // Only the file this rewrite created: a name taken by someone else is never touched.
    try {
      fs.unlinkSync(temp)
    } catch {
      // already renamed or removed
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

