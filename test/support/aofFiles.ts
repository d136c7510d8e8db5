import * as fs from "node:fs"
import * as path from "node:path"

/** The commands of an AOF in RESP form (annotations skipped), as latin1 byte strings. */
export const parseAofCommands = (bytes: Buffer): Array<Array<string>> => {
  const text = bytes.toString("latin1")
  const out: Array<Array<string>> = []
  let pos = 0
  const line = (): string => {
    const end = text.indexOf("\r\n", pos)
    if (end === -1) throw new Error(`truncated AOF at ${pos}`)
    const l = text.slice(pos, end)
    pos = end + 2
    return l
  }
  while (pos < text.length) {
    const header = line()
    if (header.startsWith("#")) continue
    if (!header.startsWith("*")) throw new Error(`bad AOF line ${JSON.stringify(header)}`)
    const argc = Number(header.slice(1))
    const argv: Array<string> = []
    for (let i = 0; i < argc; i++) {
      const len = Number(line().slice(1))
      argv.push(text.slice(pos, pos + len))
      pos += len + 2
    }
    out.push(argv)
  }
  return out
}

/** The manifest's entries of `dir/appenddirname`. */
export const readManifest = (aofDir: string, filename = "appendonly.aof"): Array<{ file: string; seq: number; type: string }> =>
  fs
    .readFileSync(path.join(aofDir, `${filename}.manifest`), "latin1")
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => {
      const [, file, , seq, , type] = l.split(" ")
      return { file, seq: Number(seq), type }
    })

/** The commands of the last incremental file listed in the manifest. */
export const lastIncrCommands = (aofDir: string): Array<Array<string>> => {
  const incr = readManifest(aofDir).filter((e) => e.type === "i")
  return parseAofCommands(fs.readFileSync(path.join(aofDir, incr[incr.length - 1].file)))
}

export const tempDir = (prefix: string): string => fs.mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", `keyfiber-${prefix}-`))
