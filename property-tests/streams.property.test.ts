import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { StreamConsumer, StreamNack } from "../src/keyspace/StreamGroup.js"
import { formatId, MAX_ID, MIN_ID, type StreamId } from "../src/keyspace/StreamId.js"
import { StreamValue } from "../src/keyspace/StreamValue.js"
import { dumpPayload, RestoreFailure, restorePayload } from "../src/persistence/rdb/Dump.js"
import { ByteReader } from "../src/persistence/rdb/internal/ByteReader.js"
import { ByteSink } from "../src/persistence/rdb/internal/ByteSink.js"
import { readStream, writeStream } from "../src/persistence/rdb/internal/stream.js"
import { TYPE_STREAM_LISTPACKS } from "../src/persistence/rdb/internal/types.js"
import { type RunningKeyfiber, start } from "../src/start.js"

/**
 * Streams against a simple model, through the real command path (in-process runs): whatever mix of
 * XADD, XDEL, XTRIM and group reads/acks/claims, nothing is lost or duplicated, IDs only grow, and
 * XREADGROUP `>` hands each entry to one consumer of a group once. Random streams round-trip exactly
 * through DUMP/RESTORE.
 */

type Op =
  | { readonly op: "add"; readonly explicit: boolean; readonly gap: number; readonly field: string }
  | { readonly op: "del"; readonly pick: number }
  | { readonly op: "trim"; readonly maxlen: number; readonly approx: boolean }
  | { readonly op: "read"; readonly group: number; readonly consumer: number; readonly count: number }
  | { readonly op: "ack"; readonly group: number; readonly pick: number }
  | { readonly op: "claim"; readonly group: number; readonly consumer: number; readonly pick: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant("add" as const), explicit: fc.boolean(), gap: fc.integer({ min: 0, max: 3 }), field: fc.constantFrom("a", "b", "1", "") }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("del" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("trim" as const), maxlen: fc.integer({ min: 0, max: 12 }), approx: fc.boolean() }) },
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant("read" as const), group: fc.integer({ min: 0, max: 1 }), consumer: fc.integer({ min: 0, max: 2 }), count: fc.integer({ min: 1, max: 4 }) })
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("ack" as const), group: fc.integer({ min: 0, max: 1 }), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("claim" as const), group: fc.integer({ min: 0, max: 1 }), consumer: fc.integer({ min: 0, max: 2 }), pick: fc.nat() })
  }
)

const idNumber = (id: string): bigint => {
  const [ms, seq] = id.split("-")
  return (BigInt(ms) << 64n) | BigInt(seq)
}

/** The model: the live entries in order, and per group what `>` delivered and what is pending. */
interface Model {
  entries: Array<[string, Array<string>]>
  lastId: bigint
  groups: Array<{ delivered: Array<string>; pending: Map<string, number> }>
}

describe("streams against a model", () => {
  let kf: RunningKeyfiber
  beforeAll(async () => {
    kf = await start({ config: "stream-node-max-entries 3\n" })
  })
  afterAll(async () => {
    await kf?.close()
  })

  it("loses, duplicates and reorders nothing; each group delivers each entry once", async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 60 }), async (ops) => {
        const key = `s${run++}`
        const model: Model = { entries: [], lastId: 0n, groups: [] }
        await kf.run("XGROUP", "CREATE", key, "g0", "$", "MKSTREAM")
        await kf.run("XGROUP", "CREATE", key, "g1", "$")
        model.groups.push({ delivered: [], pending: new Map() }, { delivered: [], pending: new Map() })
        let next = 1
        for (const o of ops) {
          switch (o.op) {
            case "add": {
              next += o.gap
              const id = (await kf.run("XADD", key, o.explicit ? `${next}-*` : `${next}-0`, "f", o.field)) as string
              expect(idNumber(id)).toBeGreaterThan(model.lastId)
              model.lastId = idNumber(id)
              next = Number(id.split("-")[0]) + 1
              model.entries.push([id, ["f", o.field]])
              break
            }
            case "del": {
              if (model.entries.length === 0) break
              const [id] = model.entries.splice(o.pick % model.entries.length, 1)[0]
              expect(await kf.run("XDEL", key, id)).toBe(1)
              break
            }
            case "trim": {
              const removed = (await kf.run("XTRIM", key, "MAXLEN", o.approx ? "~" : "=", o.maxlen)) as number
              if (!o.approx) expect(removed).toBe(Math.max(0, model.entries.length - o.maxlen))
              // `~` removes whole nodes only: never more than asked.
              expect(model.entries.length - removed).toBeGreaterThanOrEqual(Math.min(model.entries.length, o.maxlen))
              model.entries.splice(0, removed)
              break
            }
            case "read": {
              const group = model.groups[o.group]
              const last = group.delivered.length === 0 ? 0n : idNumber(group.delivered[group.delivered.length - 1])
              const reply = (await kf.run("XREADGROUP", "GROUP", `g${o.group}`, `c${o.consumer}`, "COUNT", o.count, "STREAMS", key, ">")) as
                | Array<[string, Array<[string, Array<string>]>]>
                | null
              const expected = model.entries.filter(([id]) => idNumber(id) > last).slice(0, o.count)
              expect(reply === null ? [] : reply[0][1]).toEqual(expected)
              for (const [id] of expected) {
                group.delivered.push(id)
                group.pending.set(id, o.consumer)
              }
              break
            }
            case "ack": {
              const group = model.groups[o.group]
              const pending = [...group.pending.keys()]
              if (pending.length === 0) break
              const id = pending[o.pick % pending.length]
              expect(await kf.run("XACK", key, `g${o.group}`, id)).toBe(1)
              group.pending.delete(id)
              break
            }
            case "claim": {
              const group = model.groups[o.group]
              const pending = [...group.pending.keys()]
              if (pending.length === 0) break
              const id = pending[o.pick % pending.length]
              const claimed = (await kf.run("XCLAIM", key, `g${o.group}`, `c${o.consumer}`, 0, id, "JUSTID")) as Array<string>
              // An entry deleted from the stream leaves the PEL when claimed.
              if (model.entries.some(([e]) => e === id)) {
                expect(claimed).toEqual([id])
                group.pending.set(id, o.consumer)
              } else {
                expect(claimed).toEqual([])
                group.pending.delete(id)
              }
              break
            }
          }
          expect(await kf.run("XRANGE", key, "-", "+")).toEqual(model.entries)
          expect(await kf.run("XLEN", key)).toBe(model.entries.length)
        }
        for (let g = 0; g < 2; g++) {
          const group = model.groups[g]
          // Delivered in increasing ID order, so never twice.
          for (let i = 1; i < group.delivered.length; i++) expect(idNumber(group.delivered[i])).toBeGreaterThan(idNumber(group.delivered[i - 1]))
          const summary = (await kf.run("XPENDING", key, `g${g}`)) as Array<unknown>
          expect(summary[0]).toBe(group.pending.size)
          const detail = (await kf.run("XPENDING", key, `g${g}`, "-", "+", 1000)) as Array<[string, string]>
          expect(detail.map(([id, consumer]) => [id, consumer])).toEqual(
            [...group.pending].sort((a, b) => (idNumber(a[0]) < idNumber(b[0]) ? -1 : 1)).map(([id, c]) => [id, `c${c}`])
          )
        }
        await kf.run("DEL", key)
      }),
      { numRuns: 120 }
    )
  }, 120_000)
})

describe("blocked group readers", () => {
  let kf: RunningKeyfiber
  beforeAll(async () => {
    kf = await start({ config: "stream-node-max-entries 3\n" })
  })
  afterAll(async () => {
    await kf?.close()
  })

  it("consumers blocked in XREADGROUP get every entry exactly once, however the adds are batched", async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 3 }),
        async (consumers, batches, count) => {
          const key = `b${run++}`
          await kf.run("XGROUP", "CREATE", key, "g", "$", "MKSTREAM")
          const total = batches.reduce((a, b) => a + b, 0)
          const received: Array<string> = []
          const connections = await Promise.all(Array.from({ length: consumers }, () => kf.connect()))
          let stopping = false
          // Each consumer reads, blocking, until stopped by CLIENT UNBLOCK (a null reply).
          const loops = connections.map(async (c, i) => {
            for (;;) {
              const reply = (await c.run("XREADGROUP", "GROUP", "g", `c${i}`, "COUNT", count, "BLOCK", 0, "STREAMS", key, ">")) as
                | Array<[string, Array<[string, Array<string>]>]>
                | null
              if (reply === null) {
                if (stopping) return
                continue
              }
              for (const [id] of reply[0][1]) {
                received.push(id)
                await c.run("XACK", key, "g", id)
              }
            }
          })
          /** Waits (a bounded number of event-loop turns) until `check` holds. */
          const until = async (what: string, check: () => boolean | Promise<boolean>) => {
            for (let turns = 0; turns < 100_000; turns++) {
              if (await check()) return
              await new Promise((r) => setImmediate(r))
            }
            throw new Error(`never: ${what}`)
          }
          const blocked = (n: number) =>
            until(`${n} blocked clients`, async () => Number(/blocked_clients:(\d+)/.exec((await kf.run("INFO", "clients")) as string)![1]) === n)
          const producer = await kf.connect()
          const added: Array<string> = []
          for (const batch of batches) {
            await blocked(consumers)
            // A batch is one transaction: readers are served after EXEC, in the order they blocked.
            await producer.run("MULTI")
            for (let i = 0; i < batch; i++) await producer.run("XADD", key, "*", "n", added.length + i)
            const ids = (await producer.run("EXEC")) as Array<string>
            added.push(...ids)
          }
          await until("every entry received", () => received.length >= total)
          await blocked(consumers)
          stopping = true
          for (const c of connections) await producer.run("CLIENT", "UNBLOCK", c.id)
          await Promise.all(loops)
          expect([...received].sort()).toEqual([...added].sort())
          expect(new Set(received).size).toBe(total)
          expect(((await kf.run("XPENDING", key, "g")) as Array<unknown>)[0]).toBe(0)
          for (const c of [...connections, producer]) await c.close()
          await kf.run("DEL", key)
        }
      ),
      { numRuns: 40 }
    )
  }, 120_000)
})

describe("stream DUMP/RESTORE", () => {
  const field = fc.oneof(fc.constantFrom("f", "g", "1", "-7", ""), fc.string({ maxLength: 6 }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String))
  const stream = fc
    .record({
      entries: fc.array(fc.record({ gapMs: fc.bigInt({ min: 0n, max: 2n ** 40n }), pairs: fc.array(fc.tuple(field, field), { minLength: 1, maxLength: 3 }) }), { maxLength: 40 }),
      deletes: fc.array(fc.nat(), { maxLength: 10 }),
      nodeMaxEntries: fc.integer({ min: 0, max: 6 }),
      groups: fc.uniqueArray(fc.record({ name: fc.string({ maxLength: 4 }), reads: fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.nat()), { maxLength: 8 }) }), {
        maxLength: 3,
        selector: (g) => g.name
      }),
      highIds: fc.boolean()
    })
    .map(({ entries, deletes, nodeMaxEntries, groups, highIds }) => {
      const s = new StreamValue()
      let id: StreamId = highIds ? (2n ** 64n - 5n) << 64n : 0n
      for (const e of entries) {
        id = id + (e.gapMs << 64n) + 1n
        if (id > MAX_ID) break
        s.append(id, e.pairs.flat(), 4096, nodeMaxEntries)
      }
      const ids: Array<StreamId> = []
      s.range(MIN_ID, MAX_ID, false, (i) => ids.push(i) > 0)
      for (const d of deletes) if (ids.length > 0 && s.delete(ids[d % ids.length])) s.maxDeletedId = s.maxDeletedId > ids[d % ids.length] ? s.maxDeletedId : ids[d % ids.length]
      if (s.length > 0) s.firstId = s.edgeId(true)
      for (const g of groups) {
        const group = s.createGroup(g.name, MIN_ID, -1)!
        for (const [c, pick] of g.reads) {
          if (ids.length === 0) break
          const entry = ids[pick % ids.length]
          let consumer = group.consumers.get(`c${c}`)
          if (consumer === undefined) group.consumers.set(`c${c}`, (consumer = new StreamConsumer(`c${c}`, 1000 + c)))
          if (group.pel.has(entry)) continue
          const nack = new StreamNack(consumer, 5000 + pick, 1 + (pick % 4))
          group.pel.set(entry, nack)
          consumer.pel.set(entry, nack)
          if (entry > group.lastId) group.lastId = entry
        }
      }
      return s
    })

  const plain = (s: StreamValue): unknown => {
    const entries: Array<unknown> = []
    s.range(MIN_ID, MAX_ID, false, (id, pairs) => entries.push([formatId(id), [...pairs]]) > 0)
    return {
      entries,
      length: s.length,
      lastId: s.lastId,
      firstId: s.firstId,
      maxDeletedId: s.maxDeletedId,
      entriesAdded: s.entriesAdded,
      nodes: s.nodes.map((n) => [n.master, n.ids.length, n.live, n.dead, n.bytes]),
      groups: s.sortedGroups().map(([name, g]) => [
        name,
        g.lastId,
        g.entriesRead,
        [...g.pel.entries()].map(([id, n]) => [id, n.consumer?.name, n.deliveryTime, n.deliveryCount]),
        g.sortedConsumers().map((c) => [c.name, c.seenTime, c.activeTime, [...c.pel.entries()].map(([id]) => id)])
      ])
    }
  }

  it("round-trips every stream exactly (RDB 11 and 10)", () => {
    fc.assert(
      fc.property(stream, fc.constantFrom(10 as const, 11 as const), (s, rdbVersion) => {
        const restored = restorePayload(dumpPayload(s, { compression: true, checksum: true, rdbVersion }))
        expect(restored).not.toBeInstanceOf(RestoreFailure)
        const expected = plain(s) as { groups: Array<[string, bigint, number, unknown, Array<[string, number, number, unknown]>]> }
        // RDB 10 has no consumer active-time: it loads as the seen-time.
        if (rdbVersion === 10) for (const g of expected.groups) for (const c of g[4]) c[2] = c[1]
        expect(plain(restored as StreamValue)).toEqual(expected)
      }),
      { numRuns: 300 }
    )
  })

  it("loads Redis 5/6 streams (RDB_TYPE_STREAM_LISTPACKS): counters derived as Valkey does", () => {
    fc.assert(
      fc.property(stream, (s) => {
        const sink = new ByteSink(false, false)
        writeStream(sink, s, TYPE_STREAM_LISTPACKS)
        const loaded = readStream(new ByteReader(sink.concat()), TYPE_STREAM_LISTPACKS)
        const expected = plain(s) as Record<string, unknown> & { groups: Array<Array<unknown>> }
        // The version 1 format has no first ID, tombstone ID, added count or group read counters:
        // entries-added is the length, the first ID the first live entry, read counters estimated.
        expected.entriesAdded = s.length
        expected.maxDeletedId = 0n
        // An empty stream's first ID is then the greatest ID (`streamGetEdgeID`), as in Valkey.
        expected.firstId = s.edgeId(true)
        const copy = s.clone()
        copy.entriesAdded = s.length
        copy.maxDeletedId = 0n
        copy.firstId = expected.firstId as bigint
        for (const g of expected.groups) {
          g[2] = copy.estimateDistance(g[1] as bigint)
          for (const c of g[4] as Array<Array<unknown>>) c[2] = c[1]
        }
        expect(plain(loaded)).toEqual(expected)
      }),
      { numRuns: 200 }
    )
  })
})
