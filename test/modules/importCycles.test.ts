import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"

const MODULES_DIR = new URL("../../src/modules/", import.meta.url).pathname

/** Each file of src/modules and the files of that folder it imports, type-only imports included. */
const importGraph = (): Map<string, Array<string>> => {
  const graph = new Map<string, Array<string>>()
  for (const file of fs.readdirSync(MODULES_DIR).filter((f) => f.endsWith(".ts"))) {
    const source = fs.readFileSync(path.join(MODULES_DIR, file), "utf8")
    const deps: Array<string> = []
    for (const m of source.matchAll(/(?:import|export)\s+(?:type\s+)?(?:[^"';]*?\s+from\s+)?["']\.\/([^"'/]+)\.js["']/g)) deps.push(`${m[1]}.ts`)
    graph.set(file, deps)
  }
  return graph
}

/** A path of imports that comes back to where it started, or undefined. */
const findCycle = (graph: Map<string, Array<string>>): Array<string> | undefined => {
  const done = new Set<string>()
  const visit = (file: string, trail: Array<string>): Array<string> | undefined => {
    const at = trail.indexOf(file)
    if (at >= 0) return [...trail.slice(at), file]
    if (done.has(file)) return undefined
    for (const dep of graph.get(file) ?? []) {
      const cycle = visit(dep, [...trail, file])
      if (cycle !== undefined) return cycle
    }
    done.add(file)
    return undefined
  }
  for (const file of graph.keys()) {
    const cycle = visit(file, [])
    if (cycle !== undefined) return cycle
  }
  return undefined
}

describe("src/modules imports", () => {
  it("form no cycle, type-only imports included (the public API in api.ts depends on no implementation)", () => {
    const graph = importGraph()
    expect(graph.get("api.ts")).toBeDefined()
    expect(findCycle(graph)).toBeUndefined()
  })
})
