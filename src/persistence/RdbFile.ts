import * as fs from "node:fs"
import * as path from "node:path"

/** strerror's text for the errno codes a save meets (Node gives the code, Valkey logs the text). */
const STRERROR: Record<string, string> = {
  ENOENT: "No such file or directory",
  ENOTDIR: "Not a directory",
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  EISDIR: "Is a directory",
  ENOSPC: "No space left on device",
  EROFS: "Read-only file system",
  EIO: "Input/output error",
  EEXIST: "File exists",
  EXDEV: "Invalid cross-device link",
  EDQUOT: "Disk quota exceeded",
  EMFILE: "Too many open files"
}

export const strerror = (e: unknown): string => {
  const code = (e as { code?: string }).code
  return code !== undefined && STRERROR[code] !== undefined ? STRERROR[code] : e instanceof Error ? e.message : String(e)
}

/** A save that failed, with what Valkey logs for it (already logged when `logged`). */
export class SaveFailure extends Error {}

/**
 * The last steps of rdb.c `rdbSave`, synchronously: the temp file is complete and fsynced; rename it
 * over the RDB file and fsync the folder, so a crash leaves the old file or the new one, never half.
 */
export const installSync = (tmpfile: string, target: string): void => {
  try {
    fs.renameSync(tmpfile, target)
  } catch (e) {
    removeQuietly(tmpfile)
    throw new SaveFailure(
      `Error moving temp DB file ${path.basename(tmpfile)} on the final destination ${path.basename(target)} (in server root dir ${path.dirname(target)}): ${strerror(e)}`
    )
  }
  try {
    fsyncDirSync(path.dirname(target))
  } catch (e) {
    throw new SaveFailure(`Failed to fsync directory while saving DB: ${strerror(e)}`)
  }
}

/** Removes a temp file if it is there (Valkey's `unlink`, whose failure it ignores). */
export const removeQuietly = (file: string): void => {
  try {
    fs.unlinkSync(file)
  } catch {
    // Not there, or its folder is gone: nothing to clean up.
  }
}

export const fsyncDirSync = (dir: string): void => {
  const fd = fs.openSync(dir, "r")
  try {
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}

/** Opens a temp RDB file for writing, failing with Valkey's log text. */
export const openTemp = (tmpfile: string): number => {
  try {
    return fs.openSync(tmpfile, "w")
  } catch (e) {
    throw new SaveFailure(
      `Failed opening the temp RDB file ${path.basename(tmpfile)} (in server root dir ${path.dirname(tmpfile)}) for saving: ${strerror(e)}`
    )
  }
}

/** Writes every chunk at the end of the file. */
export const writeChunksSync = (fd: number, chunks: ReadonlyArray<Uint8Array>): void => {
  for (const chunk of chunks) {
    let off = 0
    while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off)
  }
}
