import { Redis } from "ioredis"
import { start, type RunningKeyfiber } from "../../src/start.js"
import { waitFor } from "../support/waitFor.js"

/** INFO replication as a map of its fields. */
export const replicationInfo = async (client: Redis): Promise<Record<string, string>> => {
  const text = await client.info("replication")
  const out: Record<string, string> = {}
  for (const line of text.split("\r\n")) {
    const at = line.indexOf(":")
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1)
  }
  return out
}

/** A keyfiber in this process on a free port (diskless sync without its 5 s wait), and a client. */
export const startKeyfiber = async (config = ""): Promise<{ kf: RunningKeyfiber; client: Redis; logs: Array<string> }> => {
  const logs: Array<string> = []
  const kf = await start({ config: `repl-diskless-sync-delay 0\n${config}`, log: (_level, message) => logs.push(message) })
  const client = new Redis({ port: kf.port, host: "127.0.0.1", lazyConnect: true, retryStrategy: () => null, enableReadyCheck: false })
  client.on("error", () => {})
  await client.connect()
  return { kf, client, logs }
}

/** Waits until the replica's link is up and it applied everything the primary holds. */
export const waitForSync = async (primary: Redis, replica: Redis, ms = 10_000): Promise<void> => {
  await waitFor(
    "the replica to catch up",
    async () => {
      const [p, r] = await Promise.all([replicationInfo(primary), replicationInfo(replica)])
      return r.master_link_status === "up" && r.slave_repl_offset === p.master_repl_offset
    },
    ms,
    20
  )
}

/** What a key holds, compared by content (DUMP payloads differ between implementations and versions). */
const contentOf = async (client: Redis, key: string): Promise<string> => {
  const type = await client.type(key)
  switch (type) {
    case "string":
      return `string:${(await client.getBuffer(key))?.toString("hex")}`
    case "list":
      return `list:${JSON.stringify(await client.lrange(key, 0, -1))}`
    case "hash":
      return `hash:${JSON.stringify(Object.entries(await client.hgetall(key)).sort())}`
    case "set":
      return `set:${JSON.stringify((await client.smembers(key)).sort())}`
    case "zset":
      return `zset:${JSON.stringify(await client.zrange(key, 0, -1, "WITHSCORES"))}`
    default:
      return type
  }
}

/** Every key of every non-empty database with its content and whether it has a TTL. */
export const dataset = async (client: Redis, dbs = 16): Promise<Record<string, string>> => {
  const out: Record<string, string> = {}
  for (let db = 0; db < dbs; db++) {
    await client.select(db)
    const keys = (await client.keys("*")).sort()
    for (const key of keys) {
      const ttl = await client.pttl(key)
      out[`${db}:${key}`] = `${await contentOf(client, key)}:${ttl === -1 ? "persist" : "volatile"}`
    }
  }
  await client.select(0)
  return out
}
