/**
 * `tsx bench/rdb-writer.ts`: the RDB writer's and reader's throughput on 1M small strings (keys/s
 * and MB/s), in process: RdbWriter with compression and checksum as Valkey's defaults, drained in
 * slices as a save would, then readRdb of the result. BENCH_RDB_KEYS changes the key count.
 */
import { readRdb } from "../src/persistence/rdb/RdbReader.js"
import { RdbWriter } from "../src/persistence/rdb/RdbWriter.js"

const KEYS = Number(process.env.BENCH_RDB_KEYS ?? 1_000_000)
const ROUNDS = 5

const entries: Array<[string, string]> = Array.from({ length: KEYS }, (_, i) => [`key:${i}`, i % 3 === 0 ? String(i) : `value:${i}:xxxxxxxx`])

const write = (): { ms: number; bytes: Buffer } => {
  const start = performance.now()
  const writer = new RdbWriter({ compression: true, checksum: true })
  writer.header([["valkey-ver", "8.1.0"], ["redis-bits", "64"]])
  writer.selectDb(0, KEYS, 0)
  const chunks: Array<Uint8Array> = []
  for (let i = 0; i < KEYS; i++) {
    writer.entry(entries[i][0], entries[i][1], 0)
    if ((i & 4095) === 4095) for (const c of writer.drain()) chunks.push(c)
  }
  writer.footer()
  for (const c of writer.drain()) chunks.push(c)
  const ms = performance.now() - start
  return { ms, bytes: Buffer.concat(chunks) }
}

const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const writes: Array<number> = []
const reads: Array<number> = []
let size = 0
for (let r = 0; r < ROUNDS; r++) {
  const { ms, bytes } = write()
  writes.push(ms)
  size = bytes.length
  const start = performance.now()
  let n = 0
  readRdb(bytes, { entry: () => void n++ })
  reads.push(performance.now() - start)
  if (n !== KEYS) throw new Error(`read ${n} keys, wrote ${KEYS}`)
}
const mb = size / 1e6
const w = median(writes)
const rd = median(reads)
console.log(`${KEYS} small strings, file ${mb.toFixed(1)} MB (median of ${ROUNDS})`)
console.log(`write: ${w.toFixed(0)} ms  ${((KEYS / w) * 1000 / 1e6).toFixed(2)} M keys/s  ${((mb / w) * 1000).toFixed(1)} MB/s`)
console.log(`read:  ${rd.toFixed(0)} ms  ${((KEYS / rd) * 1000 / 1e6).toFixed(2)} M keys/s  ${((mb / rd) * 1000).toFixed(1)} MB/s`)
