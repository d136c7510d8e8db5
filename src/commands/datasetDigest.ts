import { hash } from "node:crypto"
import type { Entry } from "../keyspace/Database.js"
import { HashValue } from "../keyspace/HashValue.js"
import type { Keyspace } from "../keyspace/Keyspace.js"
import { ListValue } from "../keyspace/ListValue.js"
import { SetValue } from "../keyspace/SetValue.js"
import { idMs, idSeq, MAX_ID, MIN_ID } from "../keyspace/StreamId.js"
import { StreamValue } from "../keyspace/StreamValue.js"
import { ModuleValue, type Value } from "../keyspace/Value.js"
import { ZSetValue } from "../keyspace/ZSetValue.js"
import { fpconvDtoa } from "../protocol/fpconvDtoa.js"

/**
 * DEBUG DIGEST and DEBUG DIGEST-VALUE (debug.c `computeDatasetDigest`, `xorObjectDigest`): a SHA1
 * based signature of the data, the same 40 hex digits Valkey prints for the same data set, so two
 * servers (or one before and after a reload) can be compared. Unordered things (keys, set members,
 * hash fields, sorted set members) are combined by xor, ordered ones (list elements, and the parts
 * of one element) by `mix`, which feeds the running digest back into SHA1.
 */

/** Valkey's object type numbers (server.h `OBJ_*`), hashed first in every value's digest. */
const OBJ_STRING = 0
const OBJ_LIST = 1
const OBJ_SET = 2
const OBJ_ZSET = 3
const OBJ_HASH = 4
const OBJ_MODULE = 5
const OBJ_STREAM = 6

const DIGEST_BYTES = 20
const EXPIRE_MARK = Buffer.from("!!expire!!", "latin1")

const sha1 = (data: Uint8Array): Buffer => hash("sha1", data, "buffer")

/** A byte string's bytes. */
const bytes = (s: string): Buffer => Buffer.from(s, "latin1")

/** `xorDigest`: digest ^= SHA1(data). */
const xorDigest = (digest: Buffer, data: Uint8Array): void => {
  const h = sha1(data)
  for (let i = 0; i < DIGEST_BYTES; i++) digest[i] ^= h[i]
}

/** `mixDigest`: digest = SHA1(digest ^ SHA1(data)), so the order of the parts matters. */
const mixDigest = (digest: Buffer, data: Uint8Array): void => {
  xorDigest(digest, data)
  sha1(digest).copy(digest)
}

const mixType = (digest: Buffer, type: number): void => {
  const aux = Buffer.alloc(4)
  aux.writeUInt32BE(type)
  mixDigest(digest, aux)
}

/** The digest of one pair of parts (a hash field and its value, a member and its score), xored in. */
const xorPair = (digest: Buffer, first: string, second: string): void => {
  const element = Buffer.alloc(DIGEST_BYTES)
  mixDigest(element, bytes(first))
  mixDigest(element, bytes(second))
  xorDigest(digest, element)
}

/** The value's part of its key's digest: its type, then its content (debug.c `xorObjectDigest`). */
const mixValue = (digest: Buffer, value: Value): void => {
  if (typeof value === "string") {
    mixType(digest, OBJ_STRING)
    mixDigest(digest, bytes(value))
  } else if (value instanceof ListValue) {
    mixType(digest, OBJ_LIST)
    for (let i = 0; i < value.length; i++) mixDigest(digest, bytes(value.at(i)!))
  } else if (value instanceof SetValue) {
    mixType(digest, OBJ_SET)
    for (const member of value.unorderedMembers) xorDigest(digest, bytes(member))
  } else if (value instanceof ZSetValue) {
    mixType(digest, OBJ_ZSET)
    // Scores in `fpconv_dtoa` form, whatever the encoding (listpack or skiplist).
    for (const [member, score] of value.scores) xorPair(digest, member, fpconvDtoa(score))
  } else if (value instanceof HashValue) {
    mixType(digest, OBJ_HASH)
    for (const [field, fieldValue] of value.fields) xorPair(digest, field, fieldValue)
  } else if (value instanceof StreamValue) {
    // Each entry in order: its id as `<ms>.<seq>`, then its fields and values (groups do not count).
    mixType(digest, OBJ_STREAM)
    value.range(MIN_ID, MAX_ID, false, (id, pairs) => {
      mixDigest(digest, bytes(`${idMs(id)}.${idSeq(id)}`))
      for (const part of pairs) mixDigest(digest, bytes(part))
      return true
    })
  } else if (value instanceof ModuleValue) {
    // Valkey adds what the type's digest callback computes; module types here have none, so only
    // the type counts, as in Valkey for a type without one.
    mixType(digest, OBJ_MODULE)
  }
}

/** `xorObjectDigest` for a key: its value, and whether it has a TTL (not the TTL itself). */
const mixEntry = (digest: Buffer, entry: Entry): void => {
  mixValue(digest, entry.value)
  if (entry.expireAt !== 0) xorDigest(digest, EXPIRE_MARK)
}

const hex = (digest: Buffer): string => digest.toString("hex")

/**
 * DEBUG DIGEST: every database holding keys mixes in its index, then xors in each key's digest
 * (the key, then its value). Keys past their TTL but not yet removed count, as Valkey walks its
 * dict without expiring. Forty zeros for an empty data set.
 */
export const datasetDigest = (keyspace: Keyspace): string => {
  const final = Buffer.alloc(DIGEST_BYTES)
  const dbs = keyspace.dbs
  for (let j = 0; j < dbs.length; j++) {
    const slots = dbs[j].slots
    if (slots.length === 0) continue
    const aux = Buffer.alloc(4)
    aux.writeUInt32BE(j)
    mixDigest(final, aux)
    const digest = Buffer.alloc(DIGEST_BYTES)
    for (let i = 0; i < slots.length; i++) {
      const entry = slots[i]
      digest.fill(0)
      mixDigest(digest, bytes(entry.key))
      mixEntry(digest, entry)
      xorDigest(final, digest)
    }
  }
  return hex(final)
}

/**
 * DEBUG DIGEST-VALUE: the digest of one key's value (without the key), zeros when the key does not
 * exist. Read without expiring, as Valkey's `dbFind`.
 */
export const valueDigest = (keyspace: Keyspace, db: number, key: string): string => {
  const digest = Buffer.alloc(DIGEST_BYTES)
  const entry = keyspace.dbs[db].raw(key)
  if (entry !== undefined) mixEntry(digest, entry)
  return hex(digest)
}
