import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { HashValue } from "../src/keyspace/HashValue.js"
import { ListValue } from "../src/keyspace/ListValue.js"
import { SetValue } from "../src/keyspace/SetValue.js"
import type { Value } from "../src/keyspace/Value.js"
import { ZSetValue } from "../src/keyspace/ZSetValue.js"
import { crc64 } from "../src/persistence/rdb/internal/crc64.js"
import { lzfCompress, lzfDecompress } from "../src/persistence/rdb/internal/lzf.js"
import { moduleTypeDecodeId, moduleTypeEncodeId } from "../src/persistence/rdb/ModuleTypeCodecs.js"
import { RdbError } from "../src/persistence/rdb/RdbError.js"
import { DEFAULT_ENCODING_LIMITS, readRdb, type RdbReadOptions } from "../src/persistence/rdb/RdbReader.js"
import { RdbWriter } from "../src/persistence/rdb/RdbWriter.js"

const flat = (v: Value): Array<string> => {
  if (typeof v === "string") return [v]
  if (v instanceof ListValue) return v.toArray()
  if (v instanceof SetValue) return [...v.members].sort()
  if (v instanceof HashValue) return [...v.fields].sort((a, b) => (a[0] < b[0] ? -1 : 1)).flat()
  if (v instanceof ZSetValue) {
    const out: Array<string> = []
    for (let n = v.list.first; n !== null; n = n.forward[0]) out.push(n.member, String(n.score))
    return out
  }
  return []
}

const encodingOf = (v: Value): string =>
  typeof v === "string" ? "string" : v instanceof ListValue ? "list" : (v as { encoding: string }).encoding

const load = (bytes: Uint8Array, options?: RdbReadOptions) => {
  const keys = new Map<string, Value>()
  const empty: Array<string> = []
  readRdb(bytes, { entry: (db, key, value) => keys.set(`${db}/${key}`, value), emptyKey: (_db, key) => empty.push(key) }, options)
  return { keys, empty }
}

const rdbError = (f: () => void): RdbError => {
  try {
    f()
  } catch (e) {
    if (e instanceof RdbError) return e
    throw e
  }
  throw new Error("no error")
}

/** A file with one key written by RdbWriter, for the error cases to damage. */
const oneKeyFile = (checksum = true): Buffer => {
  const w = new RdbWriter({ compression: true, checksum })
  w.header([["valkey-ver", "8.1.0"]])
  w.selectDb(0, 1, 0)
  w.entry("k", "value", 0)
  w.footer()
  return Buffer.concat(w.drain())
}

describe("RDB primitives", () => {
  it("CRC64 is Valkey's (Jones, reflected): crc64('123456789') = 0xe9c6d914c4b8d9ca", () => {
    expect(crc64(Buffer.from("123456789"))).toBe(0xe9c6d914c4b8d9can)
    expect(crc64(new Uint8Array(0))).toBe(0n)
  })

  it("LZF decompresses what it compresses, and gives up when the output would not be smaller", () => {
    const input = Buffer.from("abcabcabcabc hello hello hello hello ".repeat(20))
    const out = new Uint8Array(input.length)
    const n = lzfCompress(input, out, input.length - 4)
    expect(n).toBeGreaterThan(0)
    expect(n).toBeLessThan(input.length / 4)
    const back = Buffer.alloc(input.length)
    expect(lzfDecompress(out.subarray(0, n), back)).toBe(input.length)
    expect(back.equals(input)).toBe(true)
    const noise = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 151 + 7) & 255))
    expect(lzfCompress(noise, new Uint8Array(64), 60)).toBe(0)
    // A back reference before the start of the output is refused, not followed.
    expect(lzfDecompress(Uint8Array.from([0x20, 0x05]), Buffer.alloc(10))).toBe(0)
  })

  it("module type ids are module.c's: 9 characters of 6 bits, then 10 bits of encver", () => {
    const id = moduleTypeEncodeId("hellotype", 7)!
    expect(moduleTypeDecodeId(id)).toEqual({ name: "hellotype", encver: 7 })
    expect(id & 1023n).toBe(7n)
    expect(moduleTypeEncodeId("short", 0)).toBeUndefined()
    expect(moduleTypeEncodeId("bad.chars", 0)).toBeUndefined()
    expect(moduleTypeEncodeId("hellotype", 1024)).toBeUndefined()
  })
})

describe("readRdb errors use Valkey's texts", () => {
  it("a wrong signature and an unknown version", () => {
    expect(rdbError(() => load(Buffer.from("RUBBISH00011\xff"))).message).toBe("Wrong signature trying to load DB from file")
    const file = oneKeyFile()
    file.write("0013", 5, "latin1")
    const e = rdbError(() => load(file))
    expect([e.kind, e.message]).toEqual(["version", "Can't handle RDB format version 13"])
  })

  it("a truncated file is a short read, at every length", () => {
    const file = oneKeyFile()
    for (let n = 9; n < file.length; n++) {
      const e = rdbError(() => load(file.subarray(0, n)))
      expect(e.kind).toBe("short-read")
      expect(e.log[0]).toBe("Short read or OOM loading DB. Unrecoverable error, aborting now.")
      expect(e.log[1]).toMatch(/^Internal error in RDB reading offset \d+, function at rdb\.c:\d+ -> Unexpected EOF reading RDB file$/)
    }
  })

  it("a wrong checksum fails; a zero checksum means 'not computed'", () => {
    const file = oneKeyFile()
    file[file.length - 1] ^= 1
    const e = rdbError(() => load(file))
    expect(e.kind).toBe("checksum")
    expect(e.message).toMatch(/^Wrong RDB checksum expected: \([0-9a-f]+\) but got \([0-9a-f]+\)\. Aborting now\.$/)
    expect(load(file, { checksum: false }).keys.get("0/k")).toBe("value")
    expect(load(oneKeyFile(false)).keys.get("0/k")).toBe("value")
  })

  it("types this server lacks fail as unknown types, not as a partial data set", () => {
    const file = oneKeyFile(false)
    // Retype the key's value byte (just before the key "k") as Redis 7.4's hash with field TTLs.
    const at = file.indexOf(Buffer.from([0x00, 0x01, 0x6b]))
    file[at] = 22
    const e = rdbError(() => load(file))
    expect([e.kind, e.message]).toEqual(["unknown-type", "Unknown RDB encoding type 22"])
  })

  it("a SELECTDB past the configured databases stops the load", () => {
    const w = new RdbWriter({ compression: false, checksum: true })
    w.header([])
    w.selectDb(20, 0, 0)
    w.footer()
    const e = rdbError(() => load(Buffer.concat(w.drain())))
    expect(e.kind).toBe("databases")
    expect(e.message).toBe("FATAL: Data file was created with a Valkey server configured to handle more than 16 databases. Exiting\n")
  })
})

const ASSETS = path.join(process.env.VALKEY_TESTS_DIR ?? "/work/valkey-tests", "tests/assets")

/** The RDB files of Valkey's own test suite (Redis 2.4 zipmaps, ziplists, v4..v10 files), when exported. */
describe.skipIf(!fs.existsSync(ASSETS))("Valkey's test RDB files", () => {
  const asset = (name: string) => fs.readFileSync(path.join(ASSETS, name))

  it("encodings.rdb (RDB 4: zipmaps, ziplists, intsets) loads as Valkey's rdb.tcl expects", () => {
    const { keys } = load(asset("encodings.rdb"))
    const dump = [...keys].map(([k, v]) => [k, flat(v)] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1))
    expect(Object.fromEntries(dump)).toEqual({
      "0/compressible": ["a".repeat(137)],
      "0/hash": ["a", "1", "aa", "10", "aaa", "100", "b", "2", "bb", "20", "bbb", "200", "c", "3", "cc", "30", "ccc", "300", "ddd", "400", "eee", "5000000000"],
      "0/hash_zipped": ["a", "1", "b", "2", "c", "3"],
      "0/list": Array.from({ length: 3 }, () => ["1", "2", "3", "a", "b", "c", "100000", "6000000000"]).flat(),
      "0/list_zipped": ["1", "2", "3", "a", "b", "c", "100000", "6000000000"],
      "0/number": ["10"],
      "0/set": ["1", "100000", "2", "3", "6000000000", "a", "b", "c"],
      "0/set_zipped_1": ["1", "2", "3", "4"],
      "0/set_zipped_2": ["100000", "200000", "300000", "400000"],
      "0/set_zipped_3": ["1000000000", "2000000000", "3000000000", "4000000000", "5000000000", "6000000000"],
      "0/string": ["Hello World"],
      "0/zset": ["a", "1", "b", "2", "c", "3", "aa", "10", "bb", "20", "cc", "30", "aaa", "100", "bbb", "200", "ccc", "300", "aaaa", "1000", "cccc", "123456789", "bbbb", "5000000000"],
      "0/zset_zipped": ["a", "1", "b", "2", "c", "3"]
    })
    expect(encodingOf(keys.get("0/set_zipped_3")!)).toBe("intset")
  })

  it("zipmap and ziplist hashes and zsets convert on load by the configured limits", () => {
    for (const file of ["hash-zipmap.rdb", "hash-ziplist.rdb"]) {
      expect(flat(load(asset(file)).keys.get("0/hash")!)).toEqual(["f1", "v1", "f2", "v2"])
      expect(encodingOf(load(asset(file)).keys.get("0/hash")!)).toBe("listpack")
      const tiny = { limits: { ...DEFAULT_ENCODING_LIMITS, hashMaxListpackEntries: 1 } }
      expect(encodingOf(load(asset(file), tiny).keys.get("0/hash")!)).toBe("hashtable")
    }
    expect(flat(load(asset("zset-ziplist.rdb")).keys.get("0/zset")!)).toEqual(["one", "1", "two", "2"])
    const tiny = { limits: { ...DEFAULT_ENCODING_LIMITS, zsetMaxListpackEntries: 1 } }
    expect(encodingOf(load(asset("zset-ziplist.rdb"), tiny).keys.get("0/zset")!)).toBe("skiplist")
    expect(flat(load(asset("list-quicklist.rdb")).keys.get("0/list")!)).toEqual(["7"])
  })

  it("empty keys are skipped and reported; a corrupt ziplist fails the load", () => {
    const { keys, empty } = load(asset("corrupt_empty_keys.rdb"))
    expect(keys.size).toBe(0)
    expect(empty).toContain("list_quicklist_empty_ziplist")
    const e = rdbError(() => load(asset("corrupt_ziplist.rdb")))
    expect([e.kind, e.message]).toEqual(["corrupt", "Hash ziplist integrity check failed."])
  })
})
