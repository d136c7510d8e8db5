import { splitArgs } from "../../protocol/splitArgs.js"

/** One file of a multi-part AOF: base (`b`), history (`h`, to delete) or incremental (`i`). */
export interface AofFileInfo {
  readonly name: string
  readonly seq: number
  type: "b" | "h" | "i"
}

/** Why a manifest could not be read (aof.c `aofLoadManifestFromFile`'s messages). */
export interface AofManifestError {
  readonly message: string
  /** The line number and trimmed text where it failed, when it failed on a line. */
  readonly line?: { readonly number: number; readonly text: string }
}

const MANIFEST_MAX_LINE = 1024

/** Characters `sdsneedsrepr` looks for: such a file name is written quoted (`sdscatrepr`). */
const needsRepr = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 92 || c === 34 || c === 10 || c === 13 || c === 9 || c === 7 || c === 8 || c < 32 || c > 126 || c === 32) return true
  }
  return false
}

/** Valkey's `sdscatrepr`: a double-quoted string with C escapes. */
const repr = (s: string): string => {
  let out = '"'
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]
    const c = s.charCodeAt(i)
    if (ch === "\\" || ch === '"') out += "\\" + ch
    else if (ch === "\n") out += "\\n"
    else if (ch === "\r") out += "\\r"
    else if (ch === "\t") out += "\\t"
    else if (c === 7) out += "\\a"
    else if (c === 8) out += "\\b"
    else if (c < 32 || c > 126) out += "\\x" + c.toString(16).padStart(2, "0")
    else out += ch
  }
  return out + '"'
}

/**
 * The AOF manifest (aof.c): which base, incremental and history files make up the AOF, and the
 * sequence numbers of the next ones. Its text is Valkey's, one `file <name> seq <n> type <t>` line
 * per file, base first, then history, then incremental files.
 */
export class AofManifest {
  base: AofFileInfo | null = null
  history: Array<AofFileInfo> = []
  incr: Array<AofFileInfo> = []
  currBaseSeq = 0
  currIncrSeq = 0
  /** Changed since it was last written. */
  dirty = false

  constructor(readonly filename: string) {}

  /** `appendonly.aof.manifest` */
  get manifestName(): string {
    return `${this.filename}.manifest`
  }

  /** `temp-appendonly.aof.manifest` */
  get tempManifestName(): string {
    return `temp-${this.filename}.manifest`
  }

  /** `temp-appendonly.aof.incr`: the incremental file written while AOF waits for its first rewrite. */
  get tempIncrName(): string {
    return `temp-${this.filename}.incr`
  }

  /** Reads a manifest's text (aof.c `aofLoadManifestFromFile`). */
  static parse(filename: string, text: string): AofManifest | AofManifestError {
    const manifest = new AofManifest(filename)
    let maxSeq = 0
    let lineNumber = 0
    let pos = 0
    if (text.length === 0) return { message: "Found an empty AOF manifest" }
    while (pos < text.length) {
      const newline = text.indexOf("\n", pos)
      const end = newline === -1 ? text.length : newline + 1
      // fgets reads at most MANIFEST_MAX_LINE bytes at a time.
      const raw = text.slice(pos, Math.min(end, pos + MANIFEST_MAX_LINE))
      pos += raw.length
      lineNumber++
      if (raw[0] === "#") continue
      if (!raw.includes("\n")) return { message: "The AOF manifest file contains too long line" }
      const line = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "")
      const fail = (message: string): AofManifestError => ({ message, line: { number: lineNumber, text: line } })
      if (line.length === 0) return fail("Invalid AOF manifest file format")
      const argv = splitArgs(line)
      if (argv === undefined || argv.length < 6 || argv.length % 2 !== 0) return fail("Invalid AOF manifest file format")
      let name: string | undefined
      let seq = 0
      let type = ""
      for (let i = 0; i < argv.length; i += 2) {
        const key = argv[i].toLowerCase()
        if (key === "file") {
          name = argv[i + 1]
          if (name.includes("/") || name.includes("\\")) return fail("File can't be a path, just a filename")
        } else if (key === "seq") {
          seq = atoll(argv[i + 1])
        } else if (key === "type") {
          type = argv[i + 1][0] ?? ""
        }
      }
      if (name === undefined || name.length === 0 || seq === 0 || type === "") return fail("Invalid AOF manifest file format")
      if (type === "b") {
        if (manifest.base !== null) return fail("Found duplicate base file information")
        manifest.base = { name, seq, type }
        manifest.currBaseSeq = seq
      } else if (type === "h") {
        manifest.history.push({ name, seq, type })
      } else if (type === "i") {
        if (seq <= maxSeq) return fail("Found a non-monotonic sequence number")
        manifest.incr.push({ name, seq, type })
        manifest.currIncrSeq = seq
        maxSeq = seq
      } else {
        return fail("Unknown AOF file type")
      }
    }
    return manifest
  }

  /** The manifest's text (aof.c `getAofManifestAsString`). */
  format(): string {
    let out = ""
    const line = (info: AofFileInfo) => {
      out += `file ${needsRepr(info.name) ? repr(info.name) : info.name} seq ${info.seq} type ${info.type}\n`
    }
    if (this.base !== null) line(this.base)
    for (const info of this.history) line(info)
    for (const info of this.incr) line(info)
    return out
  }

  copy(): AofManifest {
    const copy = new AofManifest(this.filename)
    copy.base = this.base === null ? null : { ...this.base }
    copy.history = this.history.map((i) => ({ ...i }))
    copy.incr = this.incr.map((i) => ({ ...i }))
    copy.currBaseSeq = this.currBaseSeq
    copy.currIncrSeq = this.currIncrSeq
    copy.dirty = this.dirty
    return copy
  }

  /**
   * A new base file name (`appendonly.aof.<seq>.base.rdb|aof`); the previous base becomes history
   * (`getNewBaseFileNameAndMarkPreAsHistory`).
   */
  newBase(rdbPreamble: boolean): string {
    if (this.base !== null) {
      this.base.type = "h"
      this.history.unshift(this.base)
    }
    const seq = ++this.currBaseSeq
    this.base = { name: `${this.filename}.${seq}.base.${rdbPreamble ? "rdb" : "aof"}`, seq, type: "b" }
    this.dirty = true
    return this.base.name
  }

  /** A new incremental file name, appended to the list (`getNewIncrAofName`). */
  newIncr(): string {
    const seq = ++this.currIncrSeq
    const info: AofFileInfo = { name: `${this.filename}.${seq}.incr.aof`, seq, type: "i" }
    this.incr.push(info)
    this.dirty = true
    return info.name
  }

  /** The last incremental file, or a new one when there is none (`getLastIncrAofName`). */
  lastIncr(): string {
    return this.incr.length === 0 ? this.newIncr() : this.incr[this.incr.length - 1].name
  }

  /**
   * After a rewrite, the incremental files it covers become history: all but the one being written
   * when the AOF is on (`markRewrittenIncrAofAsHistory`).
   */
  markRewrittenIncrAsHistory(keepLast: boolean): void {
    const covered = keepLast ? this.incr.slice(0, -1) : this.incr
    this.incr = keepLast ? this.incr.slice(-1) : []
    for (let i = covered.length - 1; i >= 0; i--) this.history.unshift({ ...covered[i], type: "h" })
    this.dirty = true
  }
}

/** C's `atoll`: leading spaces, a sign, digits; 0 when there are none. */
const atoll = (s: string): number => {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s)
  return m === null ? 0 : Number(m[1])
}
