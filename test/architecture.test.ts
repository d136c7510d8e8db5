// The dependency rule of src/, checked on the import graph (type-only imports included, since a
// type-only cycle still means two rooms cannot be read or changed apart):
// - no file imports itself back through others, and no folder ("room") does either;
// - protocol/ and keyspace/ import no other room (contracts/ sits above them: it may use their types);
// - blocking/ and config/ import nothing of server/;
// - contracts/ imports no room but protocol/ and keyspace/;
// - the modules shipped in modules/ import only `keyfiber/module`, `keyfiber`, `effect` and node builtins.
// Hooks and gates (`contracts/Hooks.ts`: `addHook`, `fillSlot`) are registered only in src/layers/,
// so what runs at the end of a tick, on disconnect or before a command is read in one place.
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"

const ROOT = path.resolve(import.meta.dirname, "..")
const SRC = path.join(ROOT, "src")
const SHIPPED_MODULES = path.join(ROOT, "modules")

const IMPORT_SPECIFIER =
  /(?:import|export)\s+(?:type\s+)?(?:[^"';]*?\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g

const tsFiles = (dir: string): Array<string> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return tsFiles(full)
    return entry.name.endsWith(".ts") ? [full] : []
  })

const specifiers = (file: string): Array<string> =>
  [...fs.readFileSync(file, "utf8").matchAll(IMPORT_SPECIFIER)].map((m) => m[1] ?? m[2]!)

/** File → the files of src/ it imports (relative specifiers only; `.js` names the `.ts` source). */
const buildGraph = (files: ReadonlyArray<string>): Map<string, Set<string>> => {
  const graph = new Map<string, Set<string>>()
  for (const file of files) {
    const deps = new Set<string>()
    for (const spec of specifiers(file)) {
      if (!spec.startsWith(".")) continue
      const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, ".ts")
      if (fs.existsSync(target)) deps.add(target)
    }
    graph.set(file, deps)
  }
  return graph
}

/** Strongly connected components with more than one node (Tarjan), each sorted. */
const cycles = <A>(graph: ReadonlyMap<A, ReadonlySet<A>>): Array<Array<A>> => {
  let next = 0
  const index = new Map<A, number>()
  const low = new Map<A, number>()
  const stack: Array<A> = []
  const onStack = new Set<A>()
  const found: Array<Array<A>> = []
  const visit = (v: A): void => {
    index.set(v, next)
    low.set(v, next)
    next++
    stack.push(v)
    onStack.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!))
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: Array<A> = []
      let w: A
      do {
        w = stack.pop()!
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      if (component.length > 1) found.push(component.sort())
    }
  }
  for (const v of graph.keys()) if (!index.has(v)) visit(v)
  return found
}

const relative = (file: string) => path.relative(SRC, file)
/** The room of a file: its top folder under src/, or "(root)" for src/*.ts. */
const room = (file: string) => {
  const parts = relative(file).split(path.sep)
  return parts.length > 1 ? parts[0]! : "(root)"
}

const graph = buildGraph(tsFiles(SRC))

const roomGraph = new Map<string, Set<string>>()
for (const [file, deps] of graph) {
  const from = room(file)
  const edges = roomGraph.get(from) ?? roomGraph.set(from, new Set()).get(from)!
  for (const dep of deps) if (room(dep) !== from) edges.add(room(dep))
}

/** "a/File.ts -> b/Other.ts" for every import from a room in `from` into a room not in `allowed`. */
const importsOutside = (from: string, allowed: ReadonlyArray<string>) =>
  [...graph].flatMap(([file, deps]) =>
    room(file) !== from
      ? []
      : [...deps]
          .filter((dep) => room(dep) !== from && !allowed.includes(room(dep)))
          .map((dep) => `${relative(file)} -> ${relative(dep)}`)
  )

const inModulesRoom = (file: string) => room(file) === "modules"

describe("the dependency rule of src/", () => {
  it("has no file cycles outside src/modules", () => {
    const outside = cycles(graph).filter((c) => !c.every(inModulesRoom))
    expect(outside.map((c) => c.map(relative))).toEqual([])
  })

  it("has no file cycles inside src/modules", () => {
    const inside = cycles(graph).filter((c) => c.every(inModulesRoom))
    expect(inside.map((c) => c.map(relative))).toEqual([])
  })

  it("has no folder cycles", () => {
    expect(cycles(roomGraph)).toEqual([])
  })

  it("keeps protocol/ and keyspace/ free of other rooms", () => {
    expect(importsOutside("protocol", [])).toEqual([])
    expect(importsOutside("keyspace", [])).toEqual([])
  })

  it("keeps blocking/ and config/ free of server/", () => {
    expect(importsOutside("blocking", []).filter((e) => e.includes(" -> server/"))).toEqual([])
    expect(importsOutside("config", []).filter((e) => e.includes(" -> server/"))).toEqual([])
  })

  it("keeps contracts/ a leaf: it may use protocol/ and keyspace/ types only", () => {
    expect(importsOutside("contracts", ["protocol", "keyspace"])).toEqual([])
  })

  it("registers hooks only in src/layers", () => {
    const registering = tsFiles(SRC).filter(
      (file) => room(file) !== "layers" && /\.(addHook|fillSlot)\(/.test(fs.readFileSync(file, "utf8"))
    )
    expect(registering.map(relative)).toEqual([])
  })

  it("lets the shipped modules import only keyfiber/module (and /worker), keyfiber, effect and node builtins", () => {
    const allowed = (spec: string) =>
      spec === "keyfiber/module" || spec === "keyfiber/module/worker" || spec === "keyfiber" || spec === "effect" || spec.startsWith("effect/") ||
      spec.startsWith("node:")
    const offending = tsFiles(SHIPPED_MODULES).flatMap((file) =>
      specifiers(file)
        .filter((spec) => !allowed(spec))
        .map((spec) => `${path.relative(ROOT, file)} imports ${spec}`)
    )
    expect(offending).toEqual([])
  })
})
