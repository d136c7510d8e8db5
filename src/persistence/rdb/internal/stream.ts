import { parseInt64 } from "../../../keyspace/int64.js"
import { INVALID_ENTRIES_READ, StreamConsumer, StreamNack } from "../../../keyspace/StreamGroup.js"
import { idMs, idSeq, type StreamId, streamId, U64_MAX } from "../../../keyspace/StreamId.js"
import { StreamNode } from "../../../keyspace/StreamNode.js"
import { StreamValue } from "../../../keyspace/StreamValue.js"
import { type ByteReader, Corrupt } from "./ByteReader.js"
import type { ByteSink } from "./ByteSink.js"
import { ListpackBuilder, readListpack } from "./listpack.js"
import * as T from "./types.js"

/** t_stream.c entry flags. */
const FLAG_DELETED = 1
const FLAG_SAMEFIELDS = 2

/** A stream ID as Valkey's radix-tree keys hold it: 128 bits, big endian. */
const writeRawId = (sink: ByteSink, id: StreamId): void => {
  const bytes = new Uint8Array(16)
  let v = id
  for (let i = 15; i >= 0; i--) {
    bytes[i] = Number(v & 0xffn)
    v >>= 8n
  }
  sink.raw(bytes)
}

const rawId = (b: Uint8Array): StreamId => {
  let v = 0n
  for (let i = 0; i < 16; i++) v = (v << 8n) | BigInt(b[i])
  return v
}

/** An ID delta as the int64 `lpAppendInteger` stores (a number when small, for the short encodings). */
const delta = (d: bigint): number | bigint => {
  const v = BigInt.asIntN(64, d)
  return v >= -2147483648n && v <= 2147483647n ? Number(v) : v
}

/** A node as Valkey's listpack (t_stream.c `streamAppendItem`'s layout), tombstones included. */
const nodeListpack = (node: StreamNode): Uint8Array => {
  const lp = new ListpackBuilder(node.bytes + 16)
  lp.appendInteger(node.live)
  lp.appendInteger(node.dead)
  lp.appendInteger(node.masterFields.length)
  for (const f of node.masterFields) lp.append(f)
  lp.appendInteger(0)
  const masterMs = idMs(node.master)
  const masterSeq = idSeq(node.master)
  for (let i = 0; i < node.size; i++) {
    const id = node.ids[i]
    const pairs = node.entries[i]
    const same = node.sameFields(pairs)
    const numfields = pairs.length / 2
    lp.appendInteger((same ? FLAG_SAMEFIELDS : 0) | (node.deleted[i] ? FLAG_DELETED : 0))
    lp.appendInteger(delta(idMs(id) - masterMs))
    lp.appendInteger(delta(idSeq(id) - masterSeq))
    // Field and value interleaved; the field left out when it is the primary entry's.
    if (!same) lp.appendInteger(numfields)
    for (let j = 0; j < pairs.length; j += 2) {
      if (!same) lp.append(pairs[j])
      lp.append(pairs[j + 1])
    }
    lp.appendInteger(numfields + 3 + (same ? 0 : numfields + 1))
  }
  return lp.bytes()
}

/**
 * rdb.c `rdbSaveObject` for a stream: its listpacks, counters and consumer groups. `type` is
 * STREAM_LISTPACKS_3 (Valkey 7.2+), or STREAM_LISTPACKS_2 for RDB 10 (no consumer active-time).
 */
export const writeStream = (sink: ByteSink, stream: StreamValue, type: number): void => {
  sink.len(stream.nodes.length)
  for (const node of stream.nodes) {
    const key = new Uint8Array(16)
    let v = node.master
    for (let i = 15; i >= 0; i--) {
      key[i] = Number(v & 0xffn)
      v >>= 8n
    }
    sink.blob(key)
    sink.blob(nodeListpack(node))
  }
  sink.len(stream.length)
  sink.len(idMs(stream.lastId))
  sink.len(idSeq(stream.lastId))
  if (type >= T.TYPE_STREAM_LISTPACKS_2) {
    sink.len(idMs(stream.firstId))
    sink.len(idSeq(stream.firstId))
    sink.len(idMs(stream.maxDeletedId))
    sink.len(idSeq(stream.maxDeletedId))
    sink.len(stream.entriesAdded)
  }
  const groups = stream.sortedGroups()
  sink.len(groups.length)
  for (const [name, group] of groups) {
    sink.string(name)
    sink.len(idMs(group.lastId))
    sink.len(idSeq(group.lastId))
    if (type >= T.TYPE_STREAM_LISTPACKS_2) sink.len(BigInt.asUintN(64, BigInt(group.entriesRead)))
    sink.len(group.pel.size)
    for (const [id, nack] of group.pel.entries()) {
      writeRawId(sink, id)
      sink.i64le(nack.deliveryTime)
      sink.len(nack.deliveryCount)
    }
    const consumers = group.sortedConsumers()
    sink.len(consumers.length)
    for (const consumer of consumers) {
      sink.string(consumer.name)
      sink.i64le(consumer.seenTime)
      if (type >= T.TYPE_STREAM_LISTPACKS_3) sink.i64le(consumer.activeTime)
      sink.len(consumer.pel.size)
      for (const [id] of consumer.pel.entries()) writeRawId(sink, id)
    }
  }
}

/**
 * A listpack of a stream node, validated as t_stream.c `streamValidateListpackIntegrity` does
 * (deep): the primary entry, then each entry's flags, ID deltas, fields and values, and its
 * lp-count. Undefined when malformed.
 */
const readNode = (master: StreamId, lp: Uint8Array): StreamNode | undefined => {
  const items = readListpack(lp)
  if (items === undefined || items.length === 0) return undefined
  let p = 0
  const int = (): number | undefined => {
    if (p >= items.length) return undefined
    const v = parseInt64(items[p++])
    return v === undefined ? undefined : Number(v)
  }
  const bigint = (): bigint | undefined => {
    if (p >= items.length) return undefined
    const v = parseInt64(items[p++])
    return v === undefined ? undefined : BigInt(v)
  }
  const live = int()
  const dead = int()
  const primaryFields = int()
  if (live === undefined || dead === undefined || primaryFields === undefined || primaryFields < 0) return undefined
  if (p + primaryFields > items.length) return undefined
  const masterFields = items.slice(p, p + primaryFields)
  p += primaryFields
  if (int() !== 0) return undefined
  const node = new StreamNode(master, masterFields)
  const masterMs = idMs(master)
  const masterSeq = idSeq(master)
  let count = live + dead
  if (count < 0) return undefined
  while (count-- > 0) {
    const flags = int()
    const msDelta = bigint()
    const seqDelta = bigint()
    if (flags === undefined || msDelta === undefined || seqDelta === undefined) return undefined
    let fields = primaryFields
    let extra = 3
    let pairs: Array<string>
    if ((flags & FLAG_SAMEFIELDS) === 0) {
      // num-fields, then field-1 value-1 ... field-N value-N.
      const n = int()
      if (n === undefined || n < 0 || p + n * 2 > items.length) return undefined
      fields = n
      pairs = items.slice(p, p + n * 2)
      p += n * 2
      extra += n + 1
    } else {
      if (p + fields > items.length) return undefined
      pairs = new Array(fields * 2)
      for (let j = 0; j < fields; j++) {
        pairs[j * 2] = masterFields[j]
        pairs[j * 2 + 1] = items[p++]
      }
    }
    if (int() !== fields + extra) return undefined
    const id = streamId((masterMs + msDelta) & U64_MAX, (masterSeq + seqDelta) & U64_MAX)
    // Entries are found by binary search: they must be in ID order (stricter than Valkey, which
    // trusts the order and would misbehave later).
    if (node.size > 0 && id <= node.ids[node.size - 1]) return undefined
    node.push(id, pairs, (flags & FLAG_DELETED) !== 0)
  }
  if (p !== items.length) return undefined
  return node
}

/** rdb.c `rdbLoadObject` for RDB_TYPE_STREAM_LISTPACKS, _2 and _3, with Valkey's checks. */
export const readStream = (r: ByteReader, type: number): StreamValue => {
  const corrupt = (reason: string): never => {
    throw new Corrupt(reason, r.pos)
  }
  const stream = new StreamValue()
  const listpacks = r.len()
  let previous = -1n
  for (let i = 0; i < listpacks; i++) {
    const key = r.blob()
    if (key.length !== 16) corrupt("Stream node key entry is not the size of a stream ID")
    const master = rawId(key)
    const lp = r.blob()
    const node = readNode(master, lp)
    if (node === undefined) return corrupt("Stream listpack integrity check failed.")
    if (node.size === 0) corrupt("Empty listpack inside stream")
    if (master === previous) corrupt("Listpack re-added with existing key")
    if (master < previous || (stream.nodes.length > 0 && node.ids[0] <= lastOf(stream))) {
      corrupt("Stream listpack integrity check failed.")
    }
    previous = master
    if (node.live === 0) continue
    stream.nodes.push(node)
  }
  stream.length = r.len()
  stream.lastId = streamId(r.len64(), r.len64())
  if (type >= T.TYPE_STREAM_LISTPACKS_2) {
    stream.firstId = streamId(r.len64(), r.len64())
    stream.maxDeletedId = streamId(r.len64(), r.len64())
    stream.entriesAdded = r.len()
  } else {
    stream.entriesAdded = stream.length
    // `streamGetEdgeID`: an empty stream's first ID is the greatest ID, as Valkey loads it.
    stream.firstId = stream.edgeId(true)
  }
  let live = 0
  for (const node of stream.nodes) live += node.live
  if (stream.length > 0 && stream.nodes.length === 0) corrupt("Stream length inconsistent with rax entries")
  if (live !== stream.length) corrupt("Stream length inconsistent with rax entries")
  if (stream.nodes.length > 0 && lastOf(stream) > stream.lastId) corrupt("Stream listpack integrity check failed.")
  const groups = r.len()
  for (let g = 0; g < groups; g++) {
    const name = r.string()
    const lastId = streamId(r.len64(), r.len64())
    let entriesRead: number
    if (type >= T.TYPE_STREAM_LISTPACKS_2) {
      const raw = r.len64()
      entriesRead = raw === U64_MAX ? INVALID_ENTRIES_READ : Number(raw)
    } else entriesRead = stream.estimateDistance(lastId)
    const group = stream.createGroup(name, lastId, entriesRead)
    if (group === undefined) return corrupt(`Duplicated consumer group name ${name}`)
    const pelSize = r.len()
    for (let i = 0; i < pelSize; i++) {
      const id = rawId(r.take(16))
      const deliveryTime = r.i64le()
      const deliveryCount = r.len()
      if (group.pel.has(id)) corrupt("Duplicated global PEL entry loading stream consumer group")
      group.pel.set(id, new StreamNack(null, deliveryTime, deliveryCount))
    }
    const consumers = r.len()
    for (let c = 0; c < consumers; c++) {
      const cname = r.string()
      if (group.consumers.has(cname)) corrupt("Duplicate stream consumer detected.")
      const seen = r.i64le()
      const consumer = new StreamConsumer(cname, seen)
      consumer.activeTime = type >= T.TYPE_STREAM_LISTPACKS_3 ? r.i64le() : seen
      group.consumers.set(cname, consumer)
      const n = r.len()
      for (let i = 0; i < n; i++) {
        const id = rawId(r.take(16))
        const nack = group.pel.get(id)
        if (nack === undefined) return corrupt("Consumer entry not found in group global PEL")
        if (consumer.pel.has(id)) corrupt("Duplicated consumer PEL entry  loading a stream consumer group")
        nack.consumer = consumer
        consumer.pel.set(id, nack)
      }
    }
    for (const [, nack] of group.pel.entries()) if (nack.consumer === null) corrupt("Stream CG PEL entry without consumer")
  }
  return stream
}

const lastOf = (stream: StreamValue): StreamId => {
  const node = stream.nodes[stream.nodes.length - 1]
  return node.ids[node.ids.length - 1]
}
