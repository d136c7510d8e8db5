/**
 * MODULE LOAD / MODULE UNLOAD cycles against an in-process keyfiber: prints the RSS and heap growth
 * per cycle after a warm-up, with a full GC before each measurement (run with --expose-gc).
 *
 *   node --expose-gc --import tsx bench/module-reload.ts [cycles] [module file]
 */
import { start } from "../src/start.js"

const cycles = Number(process.argv[2] ?? 300)
const file = process.argv[3] ?? new URL("../modules/helloblock.ts", import.meta.url).pathname
const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error("run with node --expose-gc")

const kf = await start({ port: 0, config: "enable-module-command yes" })
const name = String(await (async () => {
  await kf.run("MODULE", "LOAD", file)
  const [entry] = (await kf.run("MODULE", "LIST")) as Array<Map<unknown, unknown> | Array<unknown>>
  return entry instanceof Map ? entry.get("name") : entry[1]
})())
await kf.run("MODULE", "UNLOAD", name)

const cycle = async () => {
  await kf.run("MODULE", "LOAD", file)
  await kf.run("MODULE", "UNLOAD", name)
}
const settle = async () => {
  await new Promise((r) => setTimeout(r, 50))
  gc()
  gc()
}
for (let i = 0; i < 20; i++) await cycle()
await settle()
const before = process.memoryUsage()
for (let i = 0; i < cycles; i++) await cycle()
await settle()
const after = process.memoryUsage()
const mb = (n: number) => (n / cycles / 1024 / 1024).toFixed(4)
console.log(
  JSON.stringify({
    cycles,
    rssPerCycleMB: Number(mb(after.rss - before.rss)),
    heapPerCycleMB: Number(mb(after.heapUsed - before.heapUsed)),
    rssMB: Math.round(after.rss / 1024 / 1024)
  })
)
await kf.close()
