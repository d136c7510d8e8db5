import { describe, expect, it } from "vitest"
import { useServer } from "./setup.js"

/** In the spirit of valkey tests/unit/type/list-2.tcl and list-3.tcl: random ops against a model. */
describe("conformance: list stressers", () => {
  const t = useServer()
  let seed = 42
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n)
  const randValue = () => {
    switch (rand(4)) {
      case 0:
        return String(rand(1000) - 500)
      case 1:
        return "x".repeat(rand(70))
      case 2:
        return String.fromCharCode(...Array.from({ length: rand(8) }, () => rand(256)))
      default:
        return String(2 ** 40 + rand(1000))
    }
  }
  const norm = (i: number, len: number) => (i < 0 ? len + i : i)

  it("LTRIM stresser (list-2.tcl)", async () => {
    const { r } = t
    for (let round = 0; round < 200; round++) {
      await r("del", "mylist")
      const model: Array<string> = []
      const n = rand(30)
      for (let i = 0; i < n; i++) {
        const v = randValue()
        model.push(v)
        await r("rpush", "mylist", v)
      }
      const a = rand(40) - 20
      const b = rand(40) - 20
      await r("ltrim", "mylist", a, b)
      let start = norm(a, model.length)
      let end = norm(b, model.length)
      if (start < 0) start = 0
      const kept = start > end || start >= model.length ? [] : model.slice(start, Math.min(end, model.length - 1) + 1)
      expect(await r("lrange", "mylist", 0, -1)).toEqual(kept)
    }
  })

  it("random operations match a model (list-3.tcl ziplist stress)", async () => {
    const { r } = t
    await r("del", "l")
    let model: Array<string> = []
    for (let op = 0; op < 3000; op++) {
      const v = randValue()
      switch (rand(9)) {
        case 0:
          model.unshift(v)
          expect(await r("lpush", "l", v)).toBe(model.length)
          break
        case 1:
          model.push(v)
          expect(await r("rpush", "l", v)).toBe(model.length)
          break
        case 2:
          expect(await r("lpop", "l")).toBe(model.length ? model.shift()! : null)
          break
        case 3:
          expect(await r("rpop", "l")).toBe(model.length ? model.pop()! : null)
          break
        case 4: {
          const i = rand(model.length * 2 + 1) - model.length
          const idx = norm(i, model.length)
          expect(await r("lindex", "l", i)).toBe(idx >= 0 && idx < model.length ? model[idx] : null)
          break
        }
        case 5: {
          if (model.length === 0) break
          const i = rand(model.length)
          model[i] = v
          expect(await r("lset", "l", i, v)).toBe("OK")
          break
        }
        case 6: {
          if (model.length === 0) break
          const pivot = model[rand(model.length)]!
          const where = rand(2) ? "before" : "after"
          const at = model.indexOf(pivot)
          model.splice(where === "before" ? at : at + 1, 0, v)
          expect(await r("linsert", "l", where, pivot, v)).toBe(model.length)
          break
        }
        case 7: {
          if (model.length === 0) break
          const target = model[rand(model.length)]!
          const count = rand(5) - 2
          let removed = 0
          if (count >= 0) {
            const out: Array<string> = []
            for (const x of model) {
              if (x === target && (count === 0 || removed < count)) removed++
              else out.push(x)
            }
            model = out
          } else {
            const out: Array<string> = []
            for (let i = model.length - 1; i >= 0; i--) {
              if (model[i] === target && removed < -count) removed++
              else out.unshift(model[i]!)
            }
            model = out
          }
          expect(await r("lrem", "l", count, target)).toBe(removed)
          break
        }
        default: {
          const a = rand(10) - 5
          const b = rand(10) - 5
          let s = norm(a, model.length)
          const e = Math.min(norm(b, model.length), model.length - 1)
          if (s < 0) s = 0
          expect(await r("lrange", "l", a, b)).toEqual(s > e ? [] : model.slice(s, e + 1))
        }
      }
      if (op % 500 === 0) expect(await r("lrange", "l", 0, -1)).toEqual(model)
    }
    expect(await r("llen", "l")).toBe(model.length)
    expect(await r("lrange", "l", 0, -1)).toEqual(model)
  })
})
