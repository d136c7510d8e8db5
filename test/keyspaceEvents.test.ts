import { describe, expect, it } from "vitest"
import { Keyspace, type KeyspaceEvents } from "../src/keyspace/Keyspace.js"

describe("Keyspace.listen", () => {
  it("calls every listener in subscription order, and stops after unsubscribe", () => {
    const ks = new Keyspace(2, () => 1000)
    const calls: Array<string> = []
    const stopA = ks.listen({ keyModified: (db, key) => calls.push(`a:${db}:${key}`) })
    ks.listen({ keyModified: (db, key) => calls.push(`b:${db}:${key}`), keyCreated: (_db, key) => calls.push(`created:${key}`) })
    ks.set(1, "k", "v")
    expect(calls).toEqual(["created:k", "a:1:k", "b:1:k"])
    calls.length = 0
    stopA()
    ks.delete(1, "k")
    expect(calls).toEqual(["b:1:k"])
  })

  it("keeps handlers composed by assigning events, before and after", () => {
    const ks = new Keyspace(1, () => 1000)
    const calls: Array<string> = []
    ks.listen({ keyDeleted: () => calls.push("first") })
    const previous: KeyspaceEvents = ks.events
    ks.events = { ...previous, keyDeleted: (db, key) => (previous.keyDeleted(db, key), calls.push("assigned")) }
    ks.listen({ keyDeleted: () => calls.push("last") })
    ks.set(0, "k", "v")
    ks.delete(0, "k")
    expect(calls).toEqual(["first", "assigned", "last"])
  })

  it("databaseReplaced passes what the database held before FLUSHDB and SWAPDB", () => {
    const ks = new Keyspace(2, () => 1000)
    const seen: Array<[number, Array<string>, Array<string>]> = []
    ks.listen({
      databaseReplaced: (db, previous) => seen.push([db, Array.from(previous.entries.keys()), Array.from(ks.dbs[db].entries.keys())])
    })
    ks.set(0, "a", "1")
    ks.set(1, "b", "1")
    ks.swap(0, 1)
    expect(seen).toEqual([
      [0, ["a"], ["b"]],
      [1, ["b"], ["a"]]
    ])
    seen.length = 0
    ks.flushDb(0)
    expect(seen).toEqual([[0, ["b"], []]])
    expect(ks.dbs[0].size).toBe(0)
    expect(ks.dbs[0].id).toBe(0)
  })
})
