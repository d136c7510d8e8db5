import fc from "fast-check"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { HashValue } from "../src/keyspace/HashValue.js"
import { ListValue } from "../src/keyspace/ListValue.js"
import { SetValue } from "../src/keyspace/SetValue.js"
import { StreamConsumer, StreamNack } from "../src/keyspace/StreamGroup.js"
import { StreamValue } from "../src/keyspace/StreamValue.js"
import type { Value } from "../src/keyspace/Value.js"
import { DEFAULT_ZSET_LIMITS, ZSetValue } from "../src/keyspace/ZSetValue.js"
import { Crc64 } from "../src/persistence/rdb/internal/crc64.js"
import { readIntset } from "../src/persistence/rdb/internal/intset.js"
import { readListpack } from "../src/persistence/rdb/internal/listpack.js"
import { readZiplist } from "../src/persistence/rdb/internal/ziplist.js"
import { readZipmap } from "../src/persistence/rdb/internal/zipmap.js"
import { dumpPayload, RestoreFailure, restorePayload } from "../src/persistence/rdb/Dump.js"
import { RdbError } from "../src/persistence/rdb/RdbError.js"
import { readRdb } from "../src/persistence/rdb/RdbReader.js"
import { RdbWriter } from "../src/persistence/rdb/RdbWriter.js"
import { type RunningServer, startServer } from "../test/support/server.js"

/**
 * Random values of every type, built the way commands build them (so their encodings are the ones
 * the default `*-max-*` configs give), round-trip exactly through DUMP payloads and RDB files; and
 * mutated payloads never throw, hang or crash the server: RESTORE answers an error or a valid value.
 */

const SET_LIMITS = { maxIntsetEntries: 512, maxListpackEntries: 128, maxListpackValue: 64 }

const bytes: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 3, arbitrary: fc.integer({ min: -3_000_000_000, max: 3_000_000_000 }).map(String) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 90 }).map((b) => Buffer.from(b).toString("latin1")) },
  { weight: 1, arbitrary: fc.tuple(fc.string({ minLength: 1, maxLength: 5 }), fc.integer({ min: 5, max: 400 })).map(([s, n]) => s.repeat(n)) }
)

const list = fc.array(bytes, { minLength: 1, maxLength: 300 }).map((items) => ListValue.of(items))

const set = fc.uniqueArray(bytes, { minLength: 1, maxLength: 200 }).map((members) => {
  const s = SetValue.create(members[0], 1, SET_LIMITS)
  for (const m of members) s.add(m, SET_LIMITS)
  return s
})
const intSet = fc.uniqueArray(fc.integer({ min: -100000, max: 100000 }).map(String), { minLength: 1, maxLength: 600 }).map((members) => {
  const s = SetValue.create(members[0], 1, SET_LIMITS)
  for (const m of members) s.add(m, SET_LIMITS)
  return s
})

const hash = fc.uniqueArray(fc.tuple(bytes, bytes), { minLength: 1, maxLength: 200, selector: ([f]) => f }).map((pairs) => {
  const h = new HashValue()
  for (const [f, v] of pairs) {
    h.set(f, v)
    if (h.encoding === "listpack" && (f.length > 64 || v.length > 64 || h.fields.size > 128)) h.toHashtable()
  }
  return h
})

const score = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true }),
  fc.constantFrom(Infinity, -Infinity, 0, 1e20, 2 ** 62)
)
const zset = fc.uniqueArray(fc.tuple(bytes, score), { minLength: 1, maxLength: 200, selector: ([m]) => m }).map((pairs) => {
  const z = ZSetValue.create(1, pairs[0][0].length, DEFAULT_ZSET_LIMITS)
  for (const [m, s] of pairs) z.set(m, s, DEFAULT_ZSET_LIMITS)
  return z
})

const stream = fc
  .record({
    entries: fc.array(fc.tuple(fc.bigInt({ min: 1n, max: 2n ** 70n }), fc.array(fc.tuple(bytes, bytes), { minLength: 1, maxLength: 3 })), { maxLength: 30 }),
    deletes: fc.array(fc.nat(), { maxLength: 6 }),
    group: fc.boolean()
  })
  .map(({ entries, deletes, group }) => {
    const s = new StreamValue()
    let id = 0n
    for (const [gap, pairs] of entries) {
      id += gap
      if (id >= 1n << 128n) break
      s.append(id, pairs.flat(), 4096, 5)
    }
    const ids: Array<bigint> = []
    s.range(0n, (1n << 128n) - 1n, false, (i) => ids.push(i) > 0)
    for (const d of deletes) if (ids.length > 0) s.delete(ids[d % ids.length])
    if (group) {
      const g = s.createGroup("g", 0n, -1)!
      const consumer = new StreamConsumer("c", 1)
      g.consumers.set("c", consumer)
      for (const i of ids.slice(0, 3)) {
        const nack = new StreamNack(consumer, 2, 1)
        g.pel.set(i, nack)
        consumer.pel.set(i, nack)
      }
    }
    return s
  })

const value: fc.Arbitrary<Value> = fc.oneof(bytes, list, set, intSet, hash, zset, stream)

/** Type, encoding and contents in order (lists, set/hash iteration order, zset rank order). */
const describeValue = (v: Value): unknown => {
  if (typeof v === "string") return ["string", v]
  if (v instanceof ListValue) return ["list", v.toArray()]
  if (v instanceof SetValue) return ["set", v.encoding, [...v.members]]
  if (v instanceof HashValue) return ["hash", v.encoding, [...v.fields]]
  if (v instanceof ZSetValue) {
    const out: Array<unknown> = []
    for (let n = v.list.first; n !== null; n = n.forward[0]) out.push(n.member, n.score)
    return ["zset", v.encoding, out]
  }
  if (v instanceof StreamValue) {
    const entries: Array<unknown> = []
    v.range(0n, (1n << 128n) - 1n, false, (id, pairs) => entries.push([id, [...pairs]]) > 0)
    const groups = v.sortedGroups().map(([name, g]) => [name, g.lastId, [...g.pel.entries()].map(([id, n]) => [id, n.consumer?.name])])
    return ["stream", entries, v.length, v.lastId, v.entriesAdded, v.nodes.length, groups]
  }
  return ["module"]
}

/** A payload with its CRC recomputed, so mutations reach the value parser instead of the checksum test. */
const withValidFooter = (body: Buffer): string => {
  const out = Buffer.alloc(body.length + 10)
  body.copy(out)
  out[body.length] = 11
  out[body.length + 1] = 0
  const crc = new Crc64()
  crc.update(out, 0, body.length + 2)
  Buffer.from(crc.bytesLE()).copy(out, body.length + 2)
  return out.toString("latin1")
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) })
)
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never

const mutate = (payload: string, mutations: ReadonlyArray<Mutation>): Buffer => {
  let body = Buffer.from(payload, "latin1").subarray(0, payload.length - 10)
  for (const m of mutations) {
    if (body.length === 0) break
    const at = m.at % body.length
    if (m.kind === "flip") {
      body = Buffer.from(body)
      body[at] = m.byte
    } else if (m.kind === "truncate") body = body.subarray(0, at)
    else if (m.kind === "insert") body = Buffer.concat([body.subarray(0, at), Buffer.from(m.bytes), body.subarray(at)])
    else body = Buffer.concat([body.subarray(0, at), body.subarray(at + m.n)])
  }
  return body
}

const OPTIONS = { compression: true, checksum: true } as const

describe("RDB value encoding", () => {
  it("DUMP payloads round-trip every value exactly (type, encoding, contents and order)", () => {
    fc.assert(
      fc.property(value, fc.boolean(), (v, compression) => {
        const restored = restorePayload(dumpPayload(v, { compression, checksum: true }))
        expect(restored).not.toBeInstanceOf(RestoreFailure)
        expect(describeValue(restored as Value)).toEqual(describeValue(v))
      }),
      { numRuns: 300 }
    )
  })

  it("RDB files round-trip every key, database and expire time exactly", () => {
    const entry = fc.record({ db: fc.integer({ min: 0, max: 15 }), key: bytes, value, expireAt: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2 ** 45 })) })
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 20 }), fc.boolean(), fc.boolean(), (entries, compression, checksum) => {
        const byDb = new Map<number, Map<string, { value: Value; expireAt: number }>>()
        for (const e of entries) {
          const db = byDb.get(e.db) ?? byDb.set(e.db, new Map()).get(e.db)!
          db.set(e.key, { value: e.value, expireAt: e.expireAt })
        }
        const writer = new RdbWriter({ compression, checksum })
        writer.header([["valkey-ver", "8.1.0"], ["redis-bits", "64"]])
        for (const [db, keys] of [...byDb].sort((a, b) => a[0] - b[0])) {
          writer.selectDb(db, keys.size, [...keys.values()].filter((k) => k.expireAt !== 0).length)
          for (const [key, { value, expireAt }] of keys) writer.entry(key, value, expireAt)
        }
        writer.footer()
        const file = Buffer.concat(writer.drain())
        const seen: Array<unknown> = []
        const aux: Array<[string, string]> = []
        readRdb(file, { aux: (n, v) => aux.push([n, v]), entry: (db, key, value, expireAt) => seen.push([db, key, describeValue(value), expireAt]) })
        const expected: Array<unknown> = []
        for (const [db, keys] of [...byDb].sort((a, b) => a[0] - b[0])) {
          for (const [key, { value, expireAt }] of keys) expected.push([db, key, describeValue(value), expireAt])
        }
        expect(aux).toEqual([["valkey-ver", "8.1.0"], ["redis-bits", "64"]])
        expect(seen).toEqual(expected)
      }),
      { numRuns: 100 }
    )
  })

  it("mutated payloads give an error or a valid value, never an exception or a hang", () => {
    fc.assert(
      fc.property(value, fc.array(mutation, { minLength: 1, maxLength: 4 }), (v, mutations) => {
        const payload = withValidFooter(mutate(dumpPayload(v, OPTIONS), mutations))
        const restored = restorePayload(payload)
        if (restored instanceof RestoreFailure) expect(restored.message).toBe("ERR Bad data format")
        else expect(() => dumpPayload(restored, OPTIONS)).not.toThrow()
      }),
      { numRuns: 2000 }
    )
  })

  it("random bytes as any value type (old encodings included) give an error or a valid value", () => {
    const types = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]
    // Blob headers that pass the first checks, so the entry parsers see the random rest.
    const blob = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.uint8Array({ minLength: 4, maxLength: 64 }).map((b) => {
        const out = Buffer.from(b)
        out.writeUInt32LE(out.length, 0)
        out[out.length - 1] = 0xff
        return out
      })
    )
    fc.assert(
      fc.property(fc.constantFrom(...types), blob, fc.boolean(), (type, body, asBlob) => {
        // As a length-prefixed blob (what the encoded types read) or as raw bytes.
        const prefix = asBlob && body.length < 64 ? Buffer.from([type, body.length]) : Buffer.from([type])
        const restored = restorePayload(withValidFooter(Buffer.concat([prefix, Buffer.from(body)])))
        if (!(restored instanceof RestoreFailure)) expect(() => dumpPayload(restored, OPTIONS)).not.toThrow()
        for (const read of [readListpack, readZiplist, readZipmap, readIntset]) expect(() => read(body)).not.toThrow()
      }),
      { numRuns: 5000 }
    )
  })

  it("mutated RDB files fail with an RdbError, never another exception", () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 4 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (values, mutations) => {
        const writer = new RdbWriter(OPTIONS)
        writer.header([["valkey-ver", "8.1.0"]])
        writer.selectDb(0, values.length, 0)
        values.forEach((v, i) => writer.entry(`k${i}`, v, 0))
        writer.footer()
        const file = Buffer.concat(writer.drain())
        const body = mutate(file.toString("latin1") + "\0".repeat(10), mutations)
        try {
          readRdb(body, { entry: () => {} }, { checksum: false })
        } catch (e) {
          expect(e).toBeInstanceOf(RdbError)
        }
      }),
      { numRuns: 1000 }
    )
  })
})

describe("RESTORE of mutated payloads over TCP", () => {
  let server: RunningServer
  let client: Redis

  beforeAll(async () => {
    server = await startServer()
    client = new Redis({ port: server.port, host: "127.0.0.1", enableReadyCheck: false })
  })

  afterAll(async () => {
    client?.disconnect()
    await server?.close()
  })

  it("never crashes the server: each RESTORE replies an error or creates a value every command can read", async () => {
    await fc.assert(
      fc.asyncProperty(value, fc.array(mutation, { minLength: 1, maxLength: 3 }), async (v, mutations) => {
        const payload = Buffer.from(withValidFooter(mutate(dumpPayload(v, OPTIONS), mutations)), "latin1")
        let ok = false
        try {
          ok = (await client.call("RESTORE", "fuzz", "0", payload, "REPLACE")) === "OK"
        } catch (e) {
          expect(String(e)).toContain("ERR Bad data format")
        }
        if (ok) {
          const type = await client.type("fuzz")
          expect(["string", "list", "set", "hash", "zset", "stream"]).toContain(type)
          if (type === "stream") {
            // Every read of the loaded stream answers.
            await client.call("XINFO", "STREAM", "fuzz", "FULL")
            await client.call("XRANGE", "fuzz", "-", "+")
            await client.call("XREVRANGE", "fuzz", "+", "-")
          }
          const again = await client.dumpBuffer("fuzz")
          expect(await client.call("RESTORE", "copy", "0", again!, "REPLACE")).toBe("OK")
          expect(await client.call("OBJECT", "ENCODING", "fuzz")).toEqual(expect.any(String))
        }
        expect(await client.ping()).toBe("PONG")
      }),
      { numRuns: 300 }
    )
  })
})
