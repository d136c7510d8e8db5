// The durability contract: with `appendfsync always`, a write acknowledged to a client is in the AOF
// (written and fsynced before its reply), so it survives `kill -9` of the server. Several rounds:
// a writer pipelines SET/INCR/LPUSH while the server is killed, then every acknowledged write is
// checked after the restart.
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { Redis } from "ioredis"
import { describe, expect, it } from "vitest"
import { encodeCommand } from "../../src/persistence/aof/encodeCommand.js"
import { start } from "../../src/start.js"
import { lastIncrCommands, tempDir } from "../support/aofFiles.js"
import { startServerProcess } from "../support/childServer.js"

interface Round {
  /** Replies received per command kind, in order: the acknowledged writes. */
  readonly acked: { set: number; incr: number; lpush: number }
  readonly sent: { set: number; incr: number; lpush: number }
}

/**
 * Pipelines batches of `SET k:<n> v:<n>`, `INCR counter`, `LPUSH list <n>` (numbered from `first`)
 * and counts the replies; the server is killed once `killAfter` replies have arrived, while the
 * next batch is in flight. Resolves when the connection is gone.
 */
const writeUntilKilled = (port: number, first: number, killAfter: number, kill: () => void): Promise<Round> =>
  new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" })
    const acked = { set: 0, incr: 0, lpush: 0 }
    const sent = { set: 0, incr: 0, lpush: 0 }
    const kinds: Array<"set" | "incr" | "lpush"> = []
    let replies = 0
    let pending = ""
    let killed = false
    const BATCH = 64
    const sendBatch = () => {
      let out = ""
      for (let i = 0; i < BATCH; i++) {
        const n = first + sent.set
        out += encodeCommand(["SET", `k:${n}`, `v:${n}`]) + encodeCommand(["INCR", "counter"]) + encodeCommand(["LPUSH", "list", String(n)])
        kinds.push("set", "incr", "lpush")
        sent.set++
        sent.incr++
        sent.lpush++
      }
      socket.write(out)
    }
    socket.on("connect", () => {
      sendBatch()
      sendBatch()
    })
    socket.on("data", (chunk) => {
      pending += chunk.toString("latin1")
      let end: number
      while ((end = pending.indexOf("\r\n")) !== -1) {
        const line = pending.slice(0, end)
        pending = pending.slice(end + 2)
        if (line.startsWith("-")) throw new Error(`error reply ${line}`)
        acked[kinds[replies++]]++
        if (replies % (BATCH * 3) === 0 && !killed) sendBatch()
      }
      if (!killed && replies >= killAfter) {
        killed = true
        sendBatch()
        kill()
      }
    })
    socket.on("error", () => {})
    socket.on("close", () => resolve({ acked, sent }))
  })

const ROUNDS = 3

describe("AOF durability under kill -9", () => {
  // The order that makes the contract hold, checked where it happens: when the server hands a
  // reply to the socket, the AOF on disk already holds the write it answers (Valkey's beforeSleep
  // flushes the AOF before handleClientsWithPendingWrites). A kill can land at any instant, so a
  // kill loop alone rarely lands in a window this small.
  it("writes (and with always, fsyncs) the AOF before any reply of the tick goes to the socket", async () => {
    const dir = tempDir("aof-order")
    const kf = await start({ config: `appendonly yes\nappendfsync always\naof-use-rdb-preamble no\ndir ${dir}\n` })
    const client = new Redis({ port: kf.port, host: "127.0.0.1" })
    try {
      await client.ping()
      const aofDir = path.join(dir, "appendonlydir")
      const seen: Array<Array<string>> = []
      for (const c of kf.server.clients.values()) {
        const socket = c.socket
        if (socket === null) continue
        const write = socket.write.bind(socket)
        socket.write = (data: string) => {
          if (data.includes(":")) seen.push(lastIncrCommands(aofDir).map((argv) => argv.join(" ")))
          write(data)
        }
      }
      const replies = await Promise.all([client.incr("n"), client.incr("n"), client.lpush("l", "a")])
      expect(replies).toEqual([1, 2, 1])
      expect(seen.length).toBeGreaterThan(0)
      // At the first write of replies, all three writes were already in the file.
      expect(seen[0].slice(-3)).toEqual(["incr n", "incr n", "lpush l a"])
      expect(fs.existsSync(aofDir)).toBe(true)
    } finally {
      client.disconnect()
      await kf.close()
    }
  })

  for (const fsync of ["always"] as const) {
    it(`keeps every acknowledged write across ${ROUNDS} kill -9 rounds with appendfsync ${fsync}`, async () => {
      const dir = tempDir(`aof-kill-${fsync}`)
      const args = ["--port", "0", "--dir", dir, "--appendonly", "yes", "--appendfsync", fsync, "--aof-use-rdb-preamble", "no"]
      const total = { set: 0, incr: 0, lpush: 0 }
      const sentTotal = { set: 0, incr: 0, lpush: 0 }
      for (let round = 0; round < ROUNDS; round++) {
        const server = await startServerProcess(args)
        const result = await writeUntilKilled(server.port, sentTotal.set, 3000 + round * 1000, () => server.child.kill("SIGKILL"))
        await server.exited()
        // The writes are numbered from the acknowledged SETs of earlier rounds on; those sent but
        // not acknowledged may or may not be there, the next round writes over their numbers.
        const firstUnacked = total.set + result.acked.set
        total.set = firstUnacked
        total.incr += result.acked.incr
        total.lpush += result.acked.lpush
        sentTotal.set = firstUnacked
        sentTotal.incr += result.sent.incr
        sentTotal.lpush += result.sent.lpush

        const check = await startServerProcess(args)
        const client = new Redis({ port: check.port, host: "127.0.0.1" })
        try {
          // Every acknowledged SET is there, with its value.
          const keys = Array.from({ length: total.set }, (_, i) => `k:${i}`)
          const values = keys.length === 0 ? [] : await client.mget(...keys)
          const missing = values.flatMap((v, i) => (v === `v:${i}` ? [] : [i]))
          expect(missing).toEqual([])
          // INCR and LPUSH: at least every acknowledged one, at most every one sent.
          const counter = Number(await client.get("counter"))
          expect(counter).toBeGreaterThanOrEqual(total.incr)
          expect(counter).toBeLessThanOrEqual(sentTotal.incr)
          const length = await client.llen("list")
          expect(length).toBeGreaterThanOrEqual(total.lpush)
          expect(length).toBeLessThanOrEqual(sentTotal.lpush)
          // What was loaded is what the next round counts from.
          total.incr = counter
          total.lpush = length
          sentTotal.incr = counter
          sentTotal.lpush = length
        } finally {
          client.disconnect()
          await check.kill()
        }
      }
      expect(total.set).toBeGreaterThanOrEqual(ROUNDS * 900)
    }, 180_000)
  }

  // everysec may let replies go out while a write waits behind a slow background fsync (up to two
  // seconds, as Valkey's flushAppendOnlyFile postpones it), so which acknowledged writes survive is
  // not deterministic. What is: the AOF is append-only and loads as a prefix of the command stream.
  it(`loads a prefix of the written commands after each of ${ROUNDS} kill -9 rounds with appendfsync everysec`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const dir = tempDir("aof-kill-everysec")
      const args = ["--port", "0", "--dir", dir, "--appendonly", "yes", "--appendfsync", "everysec", "--aof-use-rdb-preamble", "no"]
      const server = await startServerProcess(args)
      const result = await writeUntilKilled(server.port, 0, 3000, () => server.child.kill("SIGKILL"))
      await server.exited()
      const check = await startServerProcess(args)
      const client = new Redis({ port: check.port, host: "127.0.0.1" })
      try {
        // SET k:n, INCR counter, LPUSH list n, for n = 0, 1, ...: a prefix holds k:0..k:m-1, a
        // counter of m or m-1, and a list of the last pushes in order.
        const sets = (await client.keys("k:*")).length
        if (sets > 0) expect(await client.mget(...Array.from({ length: sets }, (_, i) => `k:${i}`))).toEqual(Array.from({ length: sets }, (_, i) => `v:${i}`))
        const counter = Number(await client.get("counter"))
        expect(counter === sets || counter === sets - 1).toBe(true)
        const list = await client.lrange("list", 0, -1)
        expect(list.length === counter || list.length === counter - 1).toBe(true)
        expect(list).toEqual(Array.from({ length: list.length }, (_, i) => String(list.length - 1 - i)))
        expect(sets).toBeLessThanOrEqual(result.sent.set)
        expect(sets).toBeGreaterThan(0)
      } finally {
        client.disconnect()
        await check.kill()
      }
    }
  }, 180_000)
})
