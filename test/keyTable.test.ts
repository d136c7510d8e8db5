import { describe, expect, it } from "vitest"
import { Database } from "../src/keyspace/Database.js"

describe("a database past the size of one JS Map", () => {
  // V8's Map stops at 2^24 entries; a limit of 4 per map exercises the same overflow path.
  it("keeps keys beyond the per-map limit in further maps: get, delete, size, keys, clear", () => {
    const db = new Database(0, { bytes: 0 }, 4)
    const keys = Array.from({ length: 11 }, (_, i) => `k${i}`)
    for (const key of keys) db.insert(key, "v")
    expect(db.size).toBe(11)
    expect(db.entries.size).toBe(11)
    for (const key of keys) expect(db.raw(key)?.key).toBe(key)
    expect(db.raw("missing")).toBe(undefined)
    expect(Array.from(db.entries.keys()).sort()).toEqual([...keys].sort())
    // Deleting from the first map makes room there again.
    db.remove(db.raw("k1")!)
    db.remove(db.raw("k9")!)
    expect(db.raw("k1")).toBe(undefined)
    expect(db.raw("k9")).toBe(undefined)
    db.insert("again", "v")
    expect(db.raw("again")?.key).toBe("again")
    expect(db.entries.size).toBe(10)
    expect(db.size).toBe(10)
    db.clear()
    expect(db.entries.size).toBe(0)
    expect(db.raw("k0")).toBe(undefined)
    expect(db.bytes).toBe(0)
  })
})
