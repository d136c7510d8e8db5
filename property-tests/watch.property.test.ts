import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { InProcessServer, show } from "../test/support/inProcessServer.js"

const DBS = 3
const KEYS = ["a", "b", "c"]

type Op =
  | { readonly kind: "set"; readonly db: number; readonly key: string }
  | { readonly kind: "del"; readonly db: number; readonly key: string }
  | { readonly kind: "flushdb"; readonly db: number }
  | { readonly kind: "flushall" }
  | { readonly kind: "swapdb"; readonly a: number; readonly b: number }

const db = fc.integer({ min: 0, max: DBS - 1 })
const key = fc.constantFrom(...KEYS)
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), db, key }),
  fc.record({ kind: fc.constant("del" as const), db, key }),
  fc.record({ kind: fc.constant("flushdb" as const), db }),
  fc.constant({ kind: "flushall" as const }),
  fc.record({ kind: fc.constant("swapdb" as const), a: db, b: db })
)

/** The reference: plain sets of keys per database, and Valkey's rule for when a watched key is touched. */
class Model {
  readonly dbs: Array<Set<string>> = Array.from({ length: DBS }, () => new Set())
  dirty = false

  constructor(readonly watched: ReadonlyArray<readonly [number, string]>) {}

  private touch(d: number, k: string): void {
    if (this.watched.some(([wd, wk]) => wd === d && wk === k)) this.dirty = true
  }

  apply(o: Op): void {
    switch (o.kind) {
      case "set":
        this.dbs[o.db].add(o.key)
        this.touch(o.db, o.key)
        return
      case "del":
        if (this.dbs[o.db].delete(o.key)) this.touch(o.db, o.key)
        return
      case "flushdb":
        for (const k of this.dbs[o.db]) this.touch(o.db, k)
        this.dbs[o.db].clear()
        return
      case "flushall":
        for (let d = 0; d < DBS; d++) this.apply({ kind: "flushdb", db: d })
        return
      case "swapdb": {
        if (o.a === o.b) return
        // A watched key is touched when it exists on either side of the swap.
        for (const k of KEYS) {
          if (this.dbs[o.a].has(k) || this.dbs[o.b].has(k)) {
            this.touch(o.a, k)
            this.touch(o.b, k)
          }
        }
        const first = this.dbs[o.a]
        this.dbs[o.a] = this.dbs[o.b]
        this.dbs[o.b] = first
      }
    }
  }
}

const argv = (o: Op): Array<Array<string>> => {
  switch (o.kind) {
    case "set":
      return [["SELECT", String(o.db)], ["SET", o.key, "v"]]
    case "del":
      return [["SELECT", String(o.db)], ["DEL", o.key]]
    case "flushdb":
      return [["SELECT", String(o.db)], ["FLUSHDB"]]
    case "flushall":
      return [["FLUSHALL"]]
    case "swapdb":
      return [["SWAPDB", String(o.a), String(o.b)]]
  }
}

describe("WATCH against a model", () => {
  it("EXEC fails exactly when another client touched a watched key (no TTLs)", () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 8 }),
        fc.uniqueArray(fc.tuple(db, key), { minLength: 1, maxLength: 4, selector: ([d, k]) => `${d}:${k}` }),
        fc.array(op, { maxLength: 12 }),
        (setup, watched, ops) => {
          const s = new InProcessServer(DBS)
          const watcher = s.client()
          const writer = s.client()
          const model = new Model(watched)
          for (const o of setup) {
            model.apply(o)
            for (const command of argv(o)) s.run(writer, ...command)
          }
          model.dirty = false
          for (const [d, k] of watched) {
            s.run(watcher, "SELECT", String(d))
            expect(show(s.run(watcher, "WATCH", k))).toBe("+OK")
          }
          for (const o of ops) {
            model.apply(o)
            for (const command of argv(o)) s.run(writer, ...command)
          }
          s.run(watcher, "MULTI")
          s.run(watcher, "PING")
          const reply = show(s.run(watcher, "EXEC"))
          expect(reply).toEqual(model.dirty ? "*nil" : ["+PONG"])
          for (let d = 0; d < DBS; d++) {
            s.run(writer, "SELECT", String(d))
            expect(s.run(writer, "DBSIZE")).toBe(model.dbs[d].size)
          }
          // EXEC always ends the watch.
          expect(s.server.watchedKeys.totalWatchedKeys).toBe(0)
          expect(s.server.watchedKeys.watchingClients).toBe(0)
        }
      ),
      { numRuns: 300 }
    )
  })
})
