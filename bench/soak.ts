/**
 * Soak and fuzz: a keyfiber child process under many clients for a while, then checks that nothing
 * broke. `npm run soak -- [--duration 180] [--seed N] [--clients 8]` (seconds; not part of npm test).
 *
 * Load: string workers (each counts its INCRs), BLPOP consumers fed by LPUSH producers, a pub/sub
 * subscriber and publisher, MULTI/EXEC pairs, the RESP fuzzer, "victim" clients running random
 * commands and a killer that CLIENT KILLs random victims. A witness client checks PING and a
 * SET/GET roundtrip every 200 ms.
 * At the end: the server is alive, the witness saw no error, every INCR, pushed element and
 * published message is accounted for, the MULTI/EXEC counters agree; RSS growth is reported.
 * Exit status 1 when a check fails.
 */
import { Redis } from "ioredis"
import * as fs from "node:fs"
import { startServerProcess } from "../test/support/childServer.js"
import { fuzzCase, prng, runCase } from "../test/support/respFuzz.js"

const option = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`)
  return at === -1 ? fallback : Number(process.argv[at + 1])
}
const DURATION_MS = option("duration", 180) * 1000
const SEED = option("seed", Date.now() % 2 ** 31)
const CLIENTS = option("clients", 8)

const rssOf = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "latin1"))
  return m === null ? 0 : Number(m[1]) * 1024
}
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`

const main = async () => {
  console.log(`soak: duration ${DURATION_MS / 1000} s, seed ${SEED}, ${CLIENTS} clients per kind`)
  const server = await startServerProcess(["--port", "0", "--bind", "127.0.0.1", "--save", ""])
  const pid = server.child.pid!
  const port = server.port
  const rand = prng(SEED)
  const failures: Array<string> = []
  const fail = (what: string) => {
    if (failures.length < 50) failures.push(what)
  }
  const connect = (name: string, extra: object = {}) => new Redis({ port, host: "127.0.0.1", connectionName: name, lazyConnect: false, ...extra })
  let running = true
  const until = Date.now() + DURATION_MS
  const loop = async (body: () => Promise<void>) => {
    while (running && Date.now() < until) await body()
  }
  const rssStart = rssOf(pid)

  // Strings: each worker INCRs its own counter and checks the total at the end.
  const strings = Array.from({ length: CLIENTS }, async (_, w) => {
    const r = connect(`soak-strings-${w}`)
    let incrs = 0
    await loop(async () => {
      const p = r.pipeline()
      for (let i = 0; i < 20; i++) {
        p.set(`soak:s:${w}:${i % 5}`, String(i)).get(`soak:s:${w}:${(i + 1) % 5}`).append(`soak:a:${w}`, "x")
        p.incr(`soak:count:${w}`)
      }
      p.del(`soak:a:${w}`)
      const results = await p.exec()
      for (const [e] of results ?? []) if (e) fail(`strings ${w}: ${e.message}`)
      incrs += 20
    })
    const total = Number(await r.get(`soak:count:${w}`))
    if (total !== incrs) fail(`strings ${w}: ${incrs} INCRs, counter ${total}`)
    r.disconnect()
  })

  // Lists: producers LPUSH numbered elements, BLPOP consumers pop them; pushed = popped + left.
  let pushed = 0
  let popped = 0
  const producers = Array.from({ length: 2 }, async (_, w) => {
    const r = connect(`soak-producer-${w}`)
    await loop(async () => {
      const n = 1 + Math.floor(rand() * 10)
      const length = await r.lpush("soak:queue", ...Array.from({ length: n }, (_, i) => `${w}:${pushed + i}`))
      pushed += n
      if (length > 10_000) await new Promise((resolve) => setTimeout(resolve, 10))
    })
    r.disconnect()
  })
  const consumers = Array.from({ length: CLIENTS }, async (_, w) => {
    const r = connect(`soak-consumer-${w}`)
    // Past the end, keep popping until the queue stays empty for a BLPOP timeout.
    for (;;) {
      const got = await r.blpop("soak:queue", 0.5)
      if (got !== null) popped++
      else if (!running || Date.now() >= until) break
    }
    r.disconnect()
  })

  // Pub/Sub: every message published to the one subscriber arrives.
  const subscriber = connect("soak-subscriber")
  let received = 0
  subscriber.on("message", () => received++)
  await subscriber.subscribe("soak:channel")
  let delivered = 0
  const publisher = (async () => {
    const r = connect("soak-publisher")
    await loop(async () => {
      delivered += await r.publish("soak:channel", `m${delivered}`)
    })
    r.disconnect()
  })()

  // MULTI/EXEC: two counters incremented together always agree.
  const transactions = (async () => {
    const r = connect("soak-multi")
    await loop(async () => {
      const result = await r.multi().incr("soak:tx:a").incr("soak:tx:b").exec()
      if (result === null || result[0]![1] !== result[1]![1]) fail(`MULTI/EXEC: ${JSON.stringify(result)}`)
    })
    const [a, b] = await r.mget("soak:tx:a", "soak:tx:b")
    if (a !== b) fail(`MULTI/EXEC counters differ: ${a} ${b}`)
    r.disconnect()
  })()

  // Victims run random commands (some blocking) and get killed; they reconnect. Their errors are expected.
  const victims = Array.from({ length: CLIENTS }, async (_, w) => {
    const r = connect(`soak-victim-${w}`, { retryStrategy: () => 20, maxRetriesPerRequest: 0 })
    r.on("error", () => {})
    await loop(async () => {
      const op = Math.floor(rand() * 4)
      await (op === 0
        ? r.blpop(`soak:victim:${w}`, 0.2)
        : op === 1
          ? r.lpush(`soak:victim:${w}`, "x")
          : op === 2
            ? r.mset(`soak:v:${w}`, "1", `soak:v2:${w}`, "2")
            : r.lrange(`soak:victim:${w}`, 0, -1)
      ).catch(() => new Promise((resolve) => setTimeout(resolve, 20)))
    })
    r.disconnect()
  })
  let kills = 0
  const killer = (async () => {
    const r = connect("soak-killer")
    await loop(async () => {
      const list = (await r.client("LIST")) as string
      const ids = [...list.matchAll(/id=(\d+) [^\n]*name=soak-victim-/g)].map((m) => m[1]!)
      if (ids.length > 0) kills += Number(await r.client("KILL", "ID", ids[Math.floor(rand() * ids.length)]!))
      await new Promise((resolve) => setTimeout(resolve, 100))
    })
    r.disconnect()
  })()

  // The RESP fuzzer on its own connections.
  let fuzzed = 0
  const fuzzer = (async () => {
    await loop(async () => {
      const results = await Promise.all(Array.from({ length: 4 }, () => runCase(port, fuzzCase(rand))))
      for (const result of results) if (result.problem !== "") fail(`fuzzer ${result.kind}: ${result.problem}`)
      fuzzed += results.length
    })
  })()

  // The witness: always served, always right.
  let witnessChecks = 0
  const witness = (async () => {
    const r = connect("soak-witness", { maxRetriesPerRequest: 0, retryStrategy: () => null })
    r.on("error", (e) => fail(`witness connection: ${e.message}`))
    await loop(async () => {
      try {
        if ((await r.ping()) !== "PONG") fail("witness PING")
        const value = `w${witnessChecks}`
        await r.set("soak:witness", value)
        if ((await r.get("soak:witness")) !== value) fail("witness GET")
        witnessChecks++
      } catch (e) {
        fail(`witness: ${(e as Error).message}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    })
    r.disconnect()
  })()

  const progress = setInterval(() => {
    console.log(`soak: ${Math.round((until - Date.now()) / 1000)} s left, rss ${mb(rssOf(pid))}, pushed ${pushed} popped ${popped}, fuzzed ${fuzzed}, kills ${kills}`)
  }, 15_000)
  let stopping = false
  const crash = server.exited().then(() => {
    if (!stopping) fail(`server exited: ${server.output().slice(-2000)}`)
  })
  await Promise.race([Promise.all([...strings, ...producers, publisher, transactions, ...victims, killer, fuzzer, witness]), crash])
  running = false
  await Promise.race([Promise.all(consumers), crash])
  clearInterval(progress)

  const checker = connect("soak-checker")
  const left = await checker.llen("soak:queue")
  if (pushed !== popped + left) fail(`lists: pushed ${pushed}, popped ${popped}, left ${left}`)
  await subscriber.quit()
  if (received !== delivered) fail(`pub/sub: ${delivered} delivered per PUBLISH, ${received} received`)
  const rssEnd = rssOf(pid)
  checker.disconnect()
  if (!server.alive()) fail("server not alive at the end")
  stopping = true
  await server.kill()

  console.log(
    `soak: seed ${SEED}; pushed ${pushed} popped ${popped} left ${left}; published ${delivered} received ${received}; ` +
      `fuzzer connections ${fuzzed}; CLIENT KILLs ${kills}; witness checks ${witnessChecks}; ` +
      `RSS ${mb(rssStart)} -> ${mb(rssEnd)} (${rssEnd >= rssStart ? "+" : ""}${mb(rssEnd - rssStart)})`
  )
  if (failures.length > 0) {
    console.log(`soak FAILED (replay with --seed ${SEED}):\n  ${failures.join("\n  ")}`)
    process.exit(1)
  }
  console.log("soak passed")
  process.exit(0)
}

void main()
