import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { HashValue } from "../src/keyspace/HashValue.js"
import { Keyspace } from "../src/keyspace/Keyspace.js"
import { ListValue } from "../src/keyspace/ListValue.js"
import { SetValue } from "../src/keyspace/SetValue.js"
import { Snapshot } from "../src/keyspace/Snapshot.js"
import { StreamConsumer, StreamNack } from "../src/keyspace/StreamGroup.js"
import { formatId, MAX_ID, MIN_ID } from "../src/keyspace/StreamId.js"
import { StreamValue } from "../src/keyspace/StreamValue.js"
import { ModuleValue, type Value } from "../src/keyspace/Value.js"
import { ZSetValue } from "../src/keyspace/ZSetValue.js"

// Small limits, so writes also convert encodings (a conversion is a write the snapshot must see
// before it happens, too).
const SET_LIMITS = { maxIntsetEntries: 4, maxListpackEntries: 4, maxListpackValue: 3 }
const ZSET_LIMITS = { maxListpackEntries: 3, maxListpackValue: 3 }
const DBS = 3

const KEYS = ["a", "b", "c", "d", "e", "f"]
const ELEMENTS = ["1", "2", "7", "x", "yy", "long-element"]

type Op =
  | { readonly op: "string"; readonly db: number; readonly key: string; readonly text: string }
  | { readonly op: "list"; readonly db: number; readonly key: string; readonly how: number; readonly element: string }
  | { readonly op: "hash"; readonly db: number; readonly key: string; readonly how: number; readonly element: string }
  | { readonly op: "set"; readonly db: number; readonly key: string; readonly how: number; readonly element: string }
  | { readonly op: "zset"; readonly db: number; readonly key: string; readonly how: number; readonly element: string; readonly score: number }
  | { readonly op: "stream"; readonly db: number; readonly key: string; readonly how: number; readonly element: string }
  | { readonly op: "module"; readonly db: number; readonly key: string; readonly text: string }
  | { readonly op: "delete"; readonly db: number; readonly key: string }
  | { readonly op: "expire"; readonly db: number; readonly key: string; readonly inMs: number }
  | { readonly op: "rename"; readonly db: number; readonly key: string; readonly to: string }
  | { readonly op: "time"; readonly ms: number }
  | { readonly op: "flushdb"; readonly db: number }
  | { readonly op: "flushall" }
  | { readonly op: "swapdb"; readonly db: number; readonly other: number }
  | { readonly op: "slice"; readonly budget: number }

const db = fc.integer({ min: 0, max: DBS - 1 })
const key = fc.constantFrom(...KEYS)
const element = fc.constantFrom(...ELEMENTS)
const how = fc.integer({ min: 0, max: 7 })

const write: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant("string" as const), db, key, text: fc.string({ maxLength: 4 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("list" as const), db, key, how, element }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("hash" as const), db, key, how, element }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("set" as const), db, key, how, element }) },
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant("zset" as const), db, key, how, element, score: fc.integer({ min: -3, max: 3 }) })
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("stream" as const), db, key, how, element }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("module" as const), db, key, text: fc.string({ maxLength: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("delete" as const), db, key }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("expire" as const), db, key, inMs: fc.integer({ min: -5, max: 20 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("rename" as const), db, key, to: key }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("time" as const), ms: fc.integer({ min: 1, max: 10 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("flushdb" as const), db }) },
  { weight: 1, arbitrary: fc.constant({ op: "flushall" as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("swapdb" as const), db, other: db }) }
)
const slice: fc.Arbitrary<Op> = fc.record({ op: fc.constant("slice" as const), budget: fc.integer({ min: 1, max: 3 }) })

const moduleType = { name: "snaptype1", module: "snap" }

/** A module value's data is a mutable box; the snapshot keeps what `captureModule` makes of it. */
interface Box {
  text: string
}

/** What a value holds, in a plain form to compare (encodings included: a copy keeps its encoding). */
const plain = (value: Value | unknown): unknown => {
  if (typeof value === "string") return ["string", value]
  if (value instanceof ListValue) return ["list", value.toArray()]
  if (value instanceof HashValue) return ["hash", value.encoding, [...value.fields]]
  if (value instanceof SetValue) return ["set", value.encoding, [...value.members].sort()]
  if (value instanceof ZSetValue) {
    const members: Array<[string, number]> = []
    for (let n = value.list.first; n !== null; n = n.forward[0]) members.push([n.member, n.score])
    return ["zset", value.encoding, members, [...value.scores].sort()]
  }
  if (value instanceof StreamValue) {
    const entries: Array<unknown> = []
    value.range(MIN_ID, MAX_ID, false, (id, pairs) => {
      entries.push([formatId(id), [...pairs]])
      return true
    })
    const groups = value.sortedGroups().map(([name, group]) => [
      name,
      formatId(group.lastId),
      group.entriesRead,
      [...group.pel.entries()].map(([id, nack]) => [formatId(id), nack.consumer?.name, nack.deliveryTime, nack.deliveryCount]),
      group.sortedConsumers().map((c) => [c.name, c.seenTime, [...c.pel.entries()].map(([id]) => formatId(id))])
    ])
    return ["stream", entries, value.length, formatId(value.lastId), formatId(value.firstId), formatId(value.maxDeletedId), value.entriesAdded, value.nodes.length, groups]
  }
  if (value instanceof ModuleValue) return ["module", (value.data as Box).text]
  // A module value as captured at the start.
  return ["module", (value as { captured: string }).captured]
}

/** The logical data set: every key not past its TTL, per database. */
const dataSet = (keyspace: Keyspace): Map<string, unknown> => {
  const out = new Map<string, unknown>()
  const now = keyspace.now()
  keyspace.dbs.forEach((database, i) => {
    for (const entry of database.slots) {
      if (entry.expireAt !== 0 && entry.expireAt <= now) continue
      out.set(`${i}/${entry.key}`, [plain(entry.value), entry.expireAt])
    }
  })
  return out
}

const apply = (keyspace: Keyspace, clock: { now: number }, op: Op): void => {
  if (op.op === "time") {
    clock.now += op.ms
    return
  }
  if (op.op === "flushdb") return void keyspace.flushDb(op.db)
  if (op.op === "flushall") return keyspace.flushAll()
  if (op.op === "swapdb") return op.db === op.other ? undefined : keyspace.swap(op.db, op.other)
  if (op.op === "slice") return
  const entry = keyspace.lookup(op.db, op.key)
  const value = entry?.value
  switch (op.op) {
    case "string":
      keyspace.set(op.db, op.key, op.text)
      return
    case "module":
      if (value instanceof ModuleValue) (value.data as Box).text += op.text
      else keyspace.set(op.db, op.key, new ModuleValue(moduleType, { text: op.text }))
      return
    case "delete":
      keyspace.delete(op.db, op.key)
      return
    case "expire":
      if (entry !== undefined) keyspace.setExpire(op.db, entry, op.inMs === 0 ? 0 : clock.now + op.inMs)
      return
    case "rename":
      if (entry !== undefined && op.to !== op.key) {
        const expireAt = entry.expireAt
        keyspace.deleteEntry(op.db, entry)
        keyspace.set(op.db, op.to, entry.value)
        if (expireAt !== 0) keyspace.setExpire(op.db, keyspace.lookup(op.db, op.to)!, expireAt)
      }
      return
    case "list": {
      if (!(value instanceof ListValue)) {
        keyspace.set(op.db, op.key, ListValue.of([op.element, "z", op.element]))
        return
      }
      const h = op.how
      if (h === 0) value.pushLeft(op.element)
      else if (h === 1) value.pushRight(op.element)
      else if (h === 2) value.popLeft()
      else if (h === 3) value.popRight()
      else if (h === 4) value.set(0, op.element)
      else if (h === 5) value.insertAt(1, op.element)
      else if (h === 6) value.replaceAll(value.toArray().slice(1))
      else value.set(-1, op.element)
      if (value.length === 0) keyspace.deleteEntry(op.db, entry!)
      else keyspace.touch(op.db, op.key)
      return
    }
    case "hash": {
      if (!(value instanceof HashValue)) {
        const hash = new HashValue()
        hash.set(op.element, "v")
        keyspace.set(op.db, op.key, hash)
        return
      }
      if (op.how < 4) value.set(op.element, `v${op.how}`)
      else if (op.how < 7) value.delete(op.element)
      else value.toHashtable()
      if (value.size === 0) keyspace.deleteEntry(op.db, entry!)
      else keyspace.touch(op.db, op.key)
      return
    }
    case "set": {
      if (!(value instanceof SetValue)) {
        const set = SetValue.create(op.element, 1, SET_LIMITS)
        set.add(op.element, SET_LIMITS)
        keyspace.set(op.db, op.key, set)
        return
      }
      if (op.how < 4) value.add(op.element, SET_LIMITS)
      else if (op.how < 6) value.delete(op.element)
      else if (op.how === 6) value.maybeConvert(10, SET_LIMITS)
      else if ([...value.members].every((m) => /^[0-9]$/.test(m))) value.maybeConvertToIntset(SET_LIMITS)
      if (value.size === 0) keyspace.deleteEntry(op.db, entry!)
      else keyspace.touch(op.db, op.key)
      return
    }
    case "stream": {
      // Small nodes (2 entries), so trims drop whole nodes and deletes leave tombstones.
      const add = (stream: StreamValue) => stream.append(stream.nextId(clock.now, undefined, true)!, ["f", op.element], 4096, 2)
      if (!(value instanceof StreamValue)) {
        const stream = new StreamValue()
        add(stream)
        keyspace.set(op.db, op.key, stream)
        return
      }
      const h = op.how
      if (h <= 1) add(value)
      else if (h === 2) value.delete(value.edgeId(true))
      else if (h === 3) value.trim({ strategy: "maxlen", maxlen: 1, minid: MIN_ID, approx: h % 2 === 0, limit: 0 })
      else if (h === 4) value.createGroup(`g${op.element}`, MIN_ID, -1)
      else {
        // A group read: the group's last ID moves, an entry becomes pending for a consumer.
        const group = value.group("g1") ?? value.createGroup("g1", MIN_ID, 0)!
        value.prepareWrite()
        let consumer = group.consumers.get(op.element)
        if (consumer === undefined) group.consumers.set(op.element, (consumer = new StreamConsumer(op.element, clock.now)))
        value.range(group.lastId + 1n, MAX_ID, false, (id) => {
          const nack = new StreamNack(consumer, clock.now, 1)
          group.pel.set(id, nack)
          consumer.pel.set(id, nack)
          group.lastId = id
          return false
        })
        if (h === 7) group.deleteConsumer(consumer)
      }
      keyspace.touch(op.db, op.key)
      return
    }
    case "zset": {
      if (!(value instanceof ZSetValue)) {
        const zset = ZSetValue.create(1, op.element.length, ZSET_LIMITS)
        zset.set(op.element, op.score, ZSET_LIMITS)
        keyspace.set(op.db, op.key, zset)
        return
      }
      if (op.how < 5) value.set(op.element, op.score, ZSET_LIMITS)
      else value.delete(op.element)
      if (value.size === 0) keyspace.deleteEntry(op.db, entry!)
      else keyspace.touch(op.db, op.key)
      return
    }
  }
}

describe("Snapshot", () => {
  it("visits exactly the data set at its start, whatever is written while it runs", () => {
    fc.assert(
      fc.property(
        fc.array(write, { minLength: 5, maxLength: 60, size: "max" }),
        fc.array(fc.oneof({ weight: 6, arbitrary: write }, { weight: 1, arbitrary: slice }), { maxLength: 150, size: "max" }),
        (before, during) => {
          const clock = { now: 1_000 }
          const keyspace = new Keyspace(DBS, () => clock.now)
          for (const op of before) apply(keyspace, clock, op)
          const expected = dataSet(keyspace)
          const snapshot = Snapshot.start(keyspace, {
            captureModule: (value) => ({ captured: (value.data as Box).text })
          })
          expect(snapshot.total).toBe(expected.size)
          const visited = new Map<string, unknown>()
          const visit = (db: number, key: string, value: unknown, expireAt: number) => {
            expect(visited.has(`${db}/${key}`)).toBe(false)
            // Read at once, as a writer would serialize it: later writes must not reach it.
            visited.set(`${db}/${key}`, [plain(value), expireAt])
          }
          for (const op of during) {
            if (op.op === "slice") snapshot.next(op.budget, visit)
            else apply(keyspace, clock, op)
          }
          while (!snapshot.next(3, visit)) {
            // Writes keep coming between the last slices too.
            apply(keyspace, clock, { op: "list", db: 0, key: "a", how: 0, element: "late" })
          }
          expect(visited).toEqual(expected)
          expect(snapshot.processed).toBe(expected.size)
          expect(Snapshot.running(keyspace)).toBeUndefined()
          // Nothing is left marked: values written now are not copied for a finished snapshot.
          for (const database of keyspace.dbs)
            for (const entry of database.slots) {
              const value = entry.value as { cow?: unknown }
              if (typeof value === "object" && "cow" in value) expect(value.cow).toBeNull()
            }
        }
      ),
      { numRuns: 400 }
    )
  })

  it("cancel releases every collection it was waiting for", () => {
    fc.assert(
      fc.property(fc.array(write, { maxLength: 40, size: "max" }), fc.integer({ min: 0, max: 10 }), (before, consumed) => {
        const clock = { now: 1_000 }
        const keyspace = new Keyspace(DBS, () => clock.now)
        for (const op of before) apply(keyspace, clock, op)
        const snapshot = Snapshot.start(keyspace)
        snapshot.next(consumed, () => {})
        snapshot.cancel()
        expect(Snapshot.running(keyspace)).toBeUndefined()
        for (const database of keyspace.dbs)
          for (const entry of database.slots) {
            const value = entry.value as { cow?: unknown }
            if (typeof value === "object" && "cow" in value) expect(value.cow).toBeNull()
          }
        // A new snapshot can start once the old one is gone.
        Snapshot.start(keyspace).cancel()
      })
    )
  })

  it("refuses a second snapshot of the same keyspace while one runs", () => {
    const keyspace = new Keyspace(1, () => 0)
    keyspace.set(0, "k", "v")
    const snapshot = Snapshot.start(keyspace)
    expect(() => Snapshot.start(keyspace)).toThrow()
    snapshot.next(10, () => {})
    expect(snapshot.finished).toBe(true)
    Snapshot.start(keyspace).cancel()
  })

  it("a module value that cannot be captured fails the start and leaves nothing marked", () => {
    const keyspace = new Keyspace(1, () => 0)
    const list = ListValue.of(["a"])
    keyspace.set(0, "a", list)
    keyspace.set(0, "m", new ModuleValue(moduleType, { text: "x" }))
    expect(() =>
      Snapshot.start(keyspace, {
        captureModule: () => {
          throw new Error("no codec")
        }
      })
    ).toThrow("no codec")
    expect(list.cow).toBeNull()
    expect(Snapshot.running(keyspace)).toBeUndefined()
  })
})
