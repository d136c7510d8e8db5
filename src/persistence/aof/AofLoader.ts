import * as fs from "node:fs"
import * as path from "node:path"
import type { Log } from "../../contracts/Log.js"
import type { Value } from "../../keyspace/Value.js"
import { RdbError } from "../rdb/RdbError.js"
import { readRdb } from "../rdb/RdbReader.js"
import type { AofManifest } from "./AofManifest.js"

/** How loading a file or the whole AOF ended (aof.c's AOF_* results). */
export type AofLoadResult = "ok" | "not-exist" | "empty" | "open-error" | "failed" | "truncated"

/** What the loader needs of the server: Valkey's fake AOF client running commands. */
export interface AofReplayer {
  /**
   * Runs one command as the AOF client (no reply, never blocking; inside MULTI it is queued).
   * Returns false when there is no such command.
   */
  run(argv: Array<string>): boolean
  /** The AOF client is inside MULTI. */
  readonly inMulti: boolean
  /** Drops a MULTI that never reached its EXEC. */
  discardMulti(): void
  /** Stores a key read from an RDB base file. */
  restore(db: number, key: string, value: Value, expireAt: number): void
}

export interface AofLoadOptions {
  /** The AOF directory (`dir`/`appenddirname`). */
  readonly dir: string
  /** `aof-load-truncated`: a short last command is dropped and the file truncated, instead of failing. */
  readonly loadTruncated: boolean
  readonly log: Log
}

/** Sizes the server keeps after loading (INFO `aof_current_size`, `aof_base_size`). */
export interface AofLoadSizes {
  total: number
  base: number
}

/** fgets' buffer: annotation and header lines longer than this are read in pieces, as Valkey does. */
const LINE_MAX = 1024

/**
 * Reads one AOF file (aof.c `loadSingleAppendOnlyFile`): an RDB base (it starts with "REDIS") goes
 * through the RDB reader; commands in RESP are run one by one through the replayer.
 */
export const loadSingleAppendOnlyFile = (
  name: string,
  replayer: AofReplayer,
  options: AofLoadOptions
): AofLoadResult => {
  const log = options.log
  const file = path.join(options.dir, name)
  let bytes: Buffer
  try {
    bytes = fs.readFileSync(file)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === "ENOENT") {
      log("warning", `The append log file ${name} doesn't exist: ${strerror(e)}`)
      return "not-exist"
    }
    log("warning", `Fatal error: can't open the append log file ${name} for reading: ${strerror(e)}`)
    return "open-error"
  }
  if (bytes.length === 0) return "empty"

  if (bytes.length >= 5 && bytes.toString("latin1", 0, 5) === "REDIS") {
    log("notice", "Reading RDB base file on AOF loading...")
    try {
      readRdb(bytes, { entry: (db, key, value, expireAt) => replayer.restore(db, key, value, expireAt) })
    } catch (e) {
      if (!(e instanceof RdbError)) throw e
      log("warning", e.message)
      log("warning", `Error reading the RDB base file ${name}, AOF loading aborted`)
      return "failed"
    }
    // A base file in RDB form holds nothing after the RDB (old-style preambles are not produced).
    return "ok"
  }

  const length = bytes.length
  let pos = 0
  let validUpTo = 0
  let validBeforeMulti = 0

  /** fgets: up to and including "\n" (at most LINE_MAX - 1 bytes), null at the end of the file. */
  const readLine = (): string | null => {
    if (pos >= length) return null
    const limit = Math.min(length, pos + LINE_MAX - 1)
    let end = bytes.indexOf(10, pos)
    end = end === -1 || end >= limit ? limit : end + 1
    const line = bytes.toString("latin1", pos, end)
    pos = end
    return line
  }

  const unexpectedEof = (): AofLoadResult => {
    if (options.loadTruncated) {
      log("warning", `!!! Warning: short read while loading the AOF file ${name}!!!`)
      log("warning", `!!! Truncating the AOF ${name} at offset ${validUpTo} !!!`)
      try {
        fs.truncateSync(file, validUpTo)
        log("warning", `AOF ${name} loaded anyway because aof-load-truncated is enabled`)
        return "truncated"
      } catch (e) {
        log("warning", `Error truncating the AOF file ${name}: ${strerror(e)}`)
      }
    }
    log(
      "warning",
      `Unexpected end of file reading the append only file ${name}. You can: ` +
        "1) Make a backup of your AOF file, then use ./valkey-check-aof --fix <filename.manifest>. " +
        "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server."
    )
    return "failed"
  }

  const formatError = (): AofLoadResult => {
    log(
      "warning",
      `Bad file format reading the append only file ${name}: make a backup of your AOF file, then use ./valkey-check-aof --fix <filename.manifest>`
    )
    return "failed"
  }

  for (;;) {
    const header = readLine()
    if (header === null) break
    // Annotations (`#TS:...`) are skipped.
    if (header[0] === "#") continue
    if (header[0] !== "*") return formatError()
    if (header.length === 1) return unexpectedEof()
    const argc = atoi(header.slice(1))
    if (argc < 1) return formatError()
    const argv: Array<string> = new Array(argc)
    for (let j = 0; j < argc; j++) {
      const line = readLine()
      if (line === null) return unexpectedEof()
      if (line[0] !== "$") return formatError()
      const len = strtol(line.slice(1))
      if (len > 0 && pos + len > length) return unexpectedEof()
      argv[j] = len > 0 ? bytes.toString("latin1", pos, pos + len) : ""
      pos += Math.max(0, len)
      // The CRLF after the argument (fread of 2 bytes: only its length is checked).
      if (pos + 2 > length) return unexpectedEof()
      pos += 2
    }
    const isMulti = argv[0].toLowerCase() === "multi"
    if (isMulti) validBeforeMulti = validUpTo
    if (!replayer.run(argv)) {
      log("warning", `Unknown command '${argv[0]}' reading the append only file ${name}`)
      return "failed"
    }
    if (options.loadTruncated) validUpTo = pos
  }

  // A MULTI without its EXEC at the end of the file is treated like a short read.
  if (replayer.inMulti) {
    log("warning", `Revert incomplete MULTI/EXEC transaction in AOF file ${name}`)
    replayer.discardMulti()
    validUpTo = validBeforeMulti
    return unexpectedEof()
  }
  return "ok"
}

/**
 * Loads the files of the manifest in order, base first (aof.c `loadAppendOnlyFiles`). A truncated
 * file is accepted only when it is the last one. Returns the result and the sizes.
 */
export const loadAppendOnlyFiles = (
  manifest: AofManifest,
  replayer: AofReplayer,
  options: AofLoadOptions,
  sizes: AofLoadSizes
): AofLoadResult => {
  const log = options.log
  if (manifest.base === null && manifest.incr.length === 0) return "not-exist"
  const files = [...(manifest.base === null ? [] : [manifest.base]), ...manifest.incr]
  let total = 0
  for (const info of files) {
    try {
      total += fs.statSync(path.join(options.dir, info.name)).size
    } catch (e) {
      log("warning", `Unable to obtain the AOF file ${info.name} length. stat: ${strerror(e)}`)
      // A file in the manifest but not on disk is fatal.
      return (e as NodeJS.ErrnoException).code === "ENOENT" ? "failed" : "open-error"
    }
  }
  if (total === 0) return "empty"

  let result: AofLoadResult = "ok"
  for (let i = 0; i < files.length; i++) {
    const info = files[i]
    const last = i === files.length - 1
    const isBase = info === manifest.base
    const start = performance.now()
    result = loadSingleAppendOnlyFile(info.name, replayer, options)
    if (!isBase && result === "empty") result = "ok"
    if (result === "ok" || (result === "truncated" && last)) {
      const seconds = ((performance.now() - start) / 1000).toFixed(3)
      log("notice", `DB loaded from ${isBase ? "base" : "incr"} file ${info.name}: ${seconds} seconds`)
    }
    if (result === "truncated" && !last) {
      log("warning", "Fatal error: the truncated file is not the last file")
      return "failed"
    }
    if (result === "open-error" || result === "failed") return result
    if (isBase) sizes.base = fs.statSync(path.join(options.dir, info.name)).size
  }
  sizes.total = total
  return result
}

/** C's `atoi`/`strtol` on a header line: leading spaces, a sign, digits; 0 without digits. */
const atoi = (s: string): number => {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s)
  return m === null ? 0 : Number(m[1])
}
const strtol = atoi

const STRERROR: Record<string, string> = {
  ENOENT: "No such file or directory",
  EACCES: "Permission denied",
  ENOSPC: "No space left on device",
  EIO: "Input/output error",
  EBADF: "Bad file descriptor",
  EROFS: "Read-only file system",
  EDQUOT: "Disk quota exceeded",
  EISDIR: "Is a directory",
  ENOTDIR: "Not a directory",
  EEXIST: "File exists",
  EFBIG: "File too large",
  EPERM: "Operation not permitted",
  EMFILE: "Too many open files"
}

/** C's `strerror(errno)` for a Node file-system error. */
export const strerror = (e: unknown): string => {
  const code = (e as NodeJS.ErrnoException)?.code
  if (code !== undefined && STRERROR[code] !== undefined) return STRERROR[code]
  return e instanceof Error ? e.message : String(e)
}
