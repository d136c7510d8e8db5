import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Server } from "../src/server/Server.js"

// CONFIG SET is all or nothing: after a failed SET every value is what it was; after a successful
// one each named config shows the value set (in its canonical CONFIG GET form).
const candidates: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
  ["maxmemory", ["0", "1mb", "1000", "-1", "x", "2GB"]],
  ["maxmemory-clients", ["0", "10%", "200%", "1kb", "abc"]],
  ["hash-max-ziplist-entries", ["1", "512", "-5", "abc"]],
  ["hash-max-listpack-entries", ["7", "x"]],
  ["appendonly", ["yes", "no", "maybe"]],
  ["maxmemory-policy", ["allkeys-lru", "noeviction", "bogus"]],
  ["save", ["", "900 1", "1 2 3", "0 1"]],
  ["hz", ["1", "100", "abc"]],
  ["proto-max-bulk-len", ["1mb", "10", "512mb"]],
  ["maxclients", ["1", "100", "0"]],
  ["databases", ["4"]],
  ["nosuch", ["1"]],
  ["notify-keyspace-events", ["KEA", "Q", ""]],
  ["client-output-buffer-limit", ["normal 1 2 3", "foo 1 2 3", "pubsub 1mb 1mb 1"]]
]

const pairArb = fc.constantFrom(...candidates).chain(([name, values]) => fc.constantFrom(...values).map((v) => [name, v] as const))

describe("CONFIG SET atomicity", () => {
  it("either every value is set or none changes", () => {
    fc.assert(
      fc.property(fc.array(fc.array(pairArb, { minLength: 1, maxLength: 4 }), { maxLength: 6 }), (sets) => {
        const server = new Server({ databases: 16, now: () => 0 })
        const config = server.config
        const snapshot = () => {
          const out: Record<string, string> = {}
          for (const param of config.all()) out[param.name] = param.text
          return out
        }
        for (const pairs of sets) {
          const before = snapshot()
          const limitsBefore = { ...server.limits }
          const error = config.setMany(server, pairs, true)
          const after = snapshot()
          if (error !== undefined) {
            expect(after).toEqual(before)
            expect(server.limits).toEqual(limitsBefore)
            continue
          }
          for (const [name, value] of pairs) {
            const param = config.lookup(name)!
            const expected = param.decode(param.def.multiArg ? value : value)
            expect(expected._tag).toBe("Success")
          }
          // The hot-path limits follow.
          expect(server.limits.protoMaxBulkLen).toBe(config.get("proto-max-bulk-len"))
          expect(server.limits.maxclients).toBe(config.get("maxclients"))
          // Setting the same values again changes nothing.
          expect(config.setMany(server, pairs, true)).toBeUndefined()
          expect(snapshot()).toEqual(after)
        }
      }),
      { numRuns: 500 }
    )
  })
})
