/**
 * Writing the config file for CONFIG REWRITE (config.c `rewriteConfigOverwriteFile`): the new text
 * from the pure `rewriteConfig`, written to a temporary file in the same folder, flushed, renamed
 * over the config file, folder flushed. Any failure removes the temporary file and leaves the old
 * file byte-identical. The I/O is synchronous, like Valkey's (CONFIG REWRITE blocks the server while
 * it writes); the `ConfigStore` layer runs it for the command.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
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
const createTemp = (file: string, fs: ConfigFs): TempFile => {
  for (let attempt = 1; ; attempt++) {
    const path = tempName(file)
    try {
      return { path, fd: fs.openSync(path, "wx", 0o644) }
    } catch (e) {
      if ((e as { code?: string }).code !== "EEXIST" || attempt === TEMP_ATTEMPTS) throw e
    }
  }
}

/** The rewrite's temporary file; `fd` is null once closed. */
interface TempFile {
  readonly path: string
  fd: number | null
}

/** A synchronous file operation whose failure is the rewrite's error (`strerror` text). */
const io = <A>(f: () => A): Effect.Effect<A, ConfigRewriteError> =>
  Effect.try({ try: f, catch: (e) => new ConfigRewriteError({ reason: errnoMessage(e) }) })

/**
 * Computes the new text and replaces the file atomically: the temporary file is the resource, and
 * the outcome of writing and renaming it decides its release. On failure it is closed and removed
 * (only the file this rewrite created: a name taken by someone else is never touched), so the old
 * file stays byte-identical.
 */
export const rewriteConfigFile = (config: Config, fs: ConfigFs = nodeFs): Effect.Effect<void, NoConfigFileError | ConfigRewriteError> =>
  Effect.gen(function* () {
    const file = config.configFile
    if (file === null) return yield* new NoConfigFileError()
    const oldText = yield* io(() => {
      try {
        return fs.readFileSync(file, "latin1")
      } catch (e) {
        // A missing file is written afresh.
        if ((e as { code?: string }).code === "ENOENT") return ""
        throw e
      }
    })
    const text = rewriteConfig(oldText, { options: config.rewriteOptions(), classify: config.classify })
    yield* Effect.acquireUseRelease(
      io(() => createTemp(file, fs)),
      (temp) =>
        io(() => {
          let written = 0
          while (written < text.length) written += fs.writeSync(temp.fd!, text.slice(written), null, "latin1")
          fs.fsyncSync(temp.fd!)
          fs.closeSync(temp.fd!)
          temp.fd = null
          fs.renameSync(temp.path, file)
        }),
      (temp, exit) =>
        Exit.isSuccess(exit)
          ? Effect.void
          : Effect.sync(() => {
              if (temp.fd !== null) {
                try {
                  fs.closeSync(temp.fd)
                } catch {
                  // already failing
                }
              }
              try {
                fs.unlinkSync(temp.path)
              } catch {
                // already removed
              }
            })
    )
    // Make the rename durable: flush the folder. A failure here is reported, the new file stays.
    yield* io(() => {
      const dir = fs.openSync(path.dirname(file), "r")
      try {
        fs.fsyncSync(dir)
      } finally {
        fs.closeSync(dir)
      }
    })
  })
