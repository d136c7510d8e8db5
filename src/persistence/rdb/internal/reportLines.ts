/**
 * Where each corruption report sits in Valkey's rdb.c (the `function at rdb.c:N` of
 * `rdbReportError`), by the start of its reason text. Valkey 8's source at the time of writing.
 */
const LINES: ReadonlyArray<readonly [string, number]> = [
  ["Unknown length encoding", 268],
  ["Unknown RDB integer encoding type", 335],
  ["Invalid LZF compressed string", 441],
  ["Unknown RDB string encoding type", 553],
  ["Duplicate set members detected", 1935],
  ["Zset with NAN score detected", 2032],
  ["Duplicate zset fields detected", 2044],
  ["Hash with dup elements", 2099],
  ["Duplicate hash fields detected", 2165],
  ["Quicklist integrity check failed.", 2192],
  ["Listpack integrity check failed.", 2214],
  ["Ziplist integrity check failed.", 2222],
  ["Zipmap integrity check failed.", 2268],
  ["Hash zipmap with dup elements", 2292],
  ["List ziplist integrity check failed.", 2320],
  ["Intset integrity check failed.", 2345],
  ["Set listpack integrity check failed.", 2358],
  ["Zset ziplist integrity check failed.", 2378],
  ["Zset listpack integrity check failed.", 2404],
  ["Hash ziplist integrity check failed.", 2422],
  ["Hash listpack integrity check failed.", 2448],
  ["Pre-release module format not supported", 2766],
  ["The RDB file contains module data I can't load", 2785],
  ["The RDB file contains module data for the module '", 2810],
  ["The RDB file contains module data for the module type", 2821],
  ["Unknown RDB encoding type", 2828],
  ["bad when_opcode", 3183],
  ["Pre-release function format not supported.", 3237],
  ["RDB CRC error", 3357],
  ["Unexpected EOF reading RDB file", 3378]
]

/** rdb.c `rdbReportError`'s line: "Internal error in RDB reading offset N, function at rdb.c:L -> reason". */
export const reportLine = (offset: number, reason: string): string => {
  const line = LINES.find(([start]) => reason.startsWith(start))?.[1] ?? 0
  return `Internal error in RDB reading offset ${offset}, function at rdb.c:${line} -> ${reason}`
}
