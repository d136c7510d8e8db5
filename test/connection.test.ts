import { createClient } from "redis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RawClient } from "./support/raw.js"
import { cmd } from "./support/resp.js"
import { type RunningServer, startServer } from "./support/server.js"

const hello = (proto: number, id: number) =>
  (proto === 3 ? "%7\r\n" : "*14\r\n") +
  "$6\r\nserver\r\n$6\r\nvalkey\r\n$7\r\nversion\r\n$5\r\n8.1.0\r\n" +
  `$5\r\nproto\r\n:${proto}\r\n$2\r\nid\r\n:${id}\r\n` +
  "$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"

const NOAUTH = "-NOAUTH Authentication required.\r\n"
const WRONGPASS = "-WRONGPASS invalid username-password pair or user is disabled.\r\n"

const clientId = async (c: RawClient): Promise<number> => Number((await c.request(cmd("CLIENT", "ID"), ":1\r\n")).slice(1))

describe("HELLO, AUTH and RESET without a password", () => {
  let s: RunningServer
  beforeAll(async () => {
    s = await startServer()
  })
  afterAll(() => s.close())

  it("HELLO switches between RESP2 and RESP3 and replies in the new protocol", async () => {
    const c = await RawClient.connect(s.port)
    const id = await clientId(c)
    expect(await c.request(cmd("HELLO", "3"), hello(3, id))).toBe(hello(3, id))
    expect(await c.request(cmd("GET", "missing"), "_\r\n")).toBe("_\r\n")
    expect(await c.request(cmd("HELLO"), hello(3, id))).toBe(hello(3, id))
    expect(await c.request(cmd("HELLO", "2"), hello(2, id))).toBe(hello(2, id))
    expect(await c.request(cmd("GET", "missing"), "$-1\r\n")).toBe("$-1\r\n")
    c.close()
  })

  it("HELLO calls the server redis 7.2.4 under extended-redis-compatibility (Valkey 8)", async () => {
    const c = await RawClient.connect(s.port)
    const id = await clientId(c)
    const redis = hello(2, id).replace("$6\r\nvalkey\r\n", "$5\r\nredis\r\n").replace("$5\r\n8.1.0\r\n", "$5\r\n7.2.4\r\n")
    expect(await c.request(cmd("CONFIG", "SET", "extended-redis-compatibility", "yes"), "+OK\r\n")).toBe("+OK\r\n")
    expect(await c.request(cmd("HELLO", "2"), redis)).toBe(redis)
    expect(await c.request(cmd("CONFIG", "SET", "extended-redis-compatibility", "no"), "+OK\r\n")).toBe("+OK\r\n")
    expect(await c.request(cmd("HELLO", "2"), hello(2, id))).toBe(hello(2, id))
    c.close()
  })

  it("HELLO rejects bad versions and options with Valkey's errors", async () => {
    const c = await RawClient.connect(s.port)
    const cases: Array<[Array<string>, string]> = [
      [["HELLO", "4"], "-NOPROTO unsupported protocol version\r\n"],
      [["HELLO", "1"], "-NOPROTO unsupported protocol version\r\n"],
      [["HELLO", "x"], "-ERR Protocol version is not an integer or out of range\r\n"],
      [["HELLO", "3", "foo"], "-ERR Syntax error in HELLO option 'foo'\r\n"],
      [["HELLO", "3", "AUTH", "default"], "-ERR Syntax error in HELLO option 'AUTH'\r\n"],
      [["HELLO", "3", "SETNAME", "a b"], "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"],
      [["HELLO", "3", "AUTH", "nobody", "x"], WRONGPASS]
    ]
    for (const [args, expected] of cases) expect(await c.request(cmd(...args), expected)).toBe(expected)
    // A failed HELLO leaves the protocol alone.
    expect(await c.request(cmd("GET", "missing"), "$-1\r\n")).toBe("$-1\r\n")
    c.close()
  })

  it("HELLO AUTH default <anything> and SETNAME work when no password is set", async () => {
    const c = await RawClient.connect(s.port)
    const id = await clientId(c)
    expect(await c.request(cmd("HELLO", "2", "AUTH", "default", "whatever", "SETNAME", "conn1"), hello(2, id))).toBe(
      hello(2, id)
    )
    expect(await c.request(cmd("CLIENT", "GETNAME"), "$5\r\nconn1\r\n")).toBe("$5\r\nconn1\r\n")
    c.close()
  })

  it("AUTH without a configured password", async () => {
    const c = await RawClient.connect(s.port)
    const noPassword =
      "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n"
    expect(await c.request(cmd("AUTH", "x"), noPassword)).toBe(noPassword)
    expect(await c.request(cmd("AUTH", "default", "x"), "+OK\r\n")).toBe("+OK\r\n")
    expect(await c.request(cmd("AUTH", "bob", "x"), WRONGPASS)).toBe(WRONGPASS)
    expect(await c.request(cmd("AUTH", "a", "b", "c"), "-ERR syntax error\r\n")).toBe("-ERR syntax error\r\n")
    expect(await c.request(cmd("AUTH"), "-ERR wrong number of arguments for 'auth' command\r\n")).toBe(
      "-ERR wrong number of arguments for 'auth' command\r\n"
    )
    c.close()
  })

  it("RESET leaves MULTI and restores db, protocol, name and flags", async () => {
    const c = await RawClient.connect(s.port)
    const id = await clientId(c)
    await c.request(cmd("HELLO", "3", "SETNAME", "n"), hello(3, id))
    await c.request(cmd("SELECT", "5"), "+OK\r\n")
    await c.request(cmd("CLIENT", "NO-EVICT", "on"), "+OK\r\n")
    await c.request(cmd("CLIENT", "SETINFO", "LIB-NAME", "lib"), "+OK\r\n")
    const client = s.server.clients.get(id)!
    await c.request(cmd("WATCH", "k"), "+OK\r\n")
    await c.request(cmd("MULTI"), "+OK\r\n")
    await c.request(cmd("SET", "k", "v"), "+QUEUED\r\n")
    expect(client.multi).not.toBe(null)
    expect(client.watched.length).toBe(1)
    expect(await c.request(cmd("RESET"), "+RESET\r\n")).toBe("+RESET\r\n")
    expect(client.multi).toBe(null)
    expect(client.watched.length).toBe(0)
    expect(client.db).toBe(0)
    expect(client.resp).toBe(2)
    expect(client.name).toBe("")
    expect(client.noEvict).toBe(false)
    // lib-name describes the library behind the connection: RESET keeps it.
    expect(client.libName).toBe("lib")
    expect(await c.request(cmd("CLIENT", "GETNAME"), "$-1\r\n")).toBe("$-1\r\n")
    c.close()
  })
})

describe("requirepass", () => {
  let s: RunningServer
  beforeAll(async () => {
    s = await startServer()
    s.server.requirepass = "s3cret"
  })
  afterAll(() => s.close())

  it("gates commands with NOAUTH until AUTH succeeds", async () => {
    const c = await RawClient.connect(s.port)
    expect(await c.request(cmd("PING"), NOAUTH)).toBe(NOAUTH)
    expect(await c.request(cmd("GET", "k"), NOAUTH)).toBe(NOAUTH)
    // Unknown commands and arity errors come before authentication, as in Valkey.
    const unknown = "-ERR unknown command 'nosuch', with args beginning with: \r\n"
    expect(await c.request(cmd("nosuch"), unknown)).toBe(unknown)
    expect(await c.request(cmd("AUTH", "wrong"), WRONGPASS)).toBe(WRONGPASS)
    expect(await c.request(cmd("AUTH", "bob", "s3cret"), WRONGPASS)).toBe(WRONGPASS)
    const helloNoAuth =
      "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n"
    expect(await c.request(cmd("HELLO", "3"), helloNoAuth)).toBe(helloNoAuth)
    expect(await c.request(cmd("HELLO", "3", "AUTH", "default", "nope"), WRONGPASS)).toBe(WRONGPASS)
    expect(await c.request(cmd("AUTH", "s3cret"), "+OK\r\n")).toBe("+OK\r\n")
    expect(await c.request(cmd("PING"), "+PONG\r\n")).toBe("+PONG\r\n")
    // RESET returns to the default user's state: unauthenticated again.
    expect(await c.request(cmd("RESET"), "+RESET\r\n")).toBe("+RESET\r\n")
    expect(await c.request(cmd("PING"), NOAUTH)).toBe(NOAUTH)
    expect(await c.request(cmd("AUTH", "default", "s3cret"), "+OK\r\n")).toBe("+OK\r\n")
    expect(await c.request(cmd("PING"), "+PONG\r\n")).toBe("+PONG\r\n")
    c.close()
  })

  it("HELLO AUTH authenticates and switches protocol at once", async () => {
    const c = await RawClient.connect(s.port)
    const id = s.server.clients.size > 0 ? Math.max(...s.server.clients.keys()) : 0
    expect(await c.request(cmd("HELLO", "3", "AUTH", "default", "s3cret"), hello(3, id))).toBe(hello(3, id))
    expect(await c.request(cmd("PING"), "+PONG\r\n")).toBe("+PONG\r\n")
    c.close()
  })

  it("limits unauthenticated requests like Valkey", async () => {
    const c = await RawClient.connect(s.port)
    c.write("*20\r\n")
    expect(await c.until(() => false, 3000).catch(() => "")).toBe("-ERR Protocol error: unauthenticated multibulk length\r\n")
    expect(c.closed).toBe(true)
    const d = await RawClient.connect(s.port)
    d.write("*2\r\n$4\r\nAUTH\r\n$20000\r\n")
    expect(await d.until(() => false, 3000).catch(() => "")).toBe("-ERR Protocol error: unauthenticated bulk length\r\n")
    expect(d.closed).toBe(true)
  })

  it("node-redis v5 connects with a password (HELLO 3 AUTH, CLIENT SETINFO)", async () => {
    const client = createClient({ url: `redis://default:s3cret@127.0.0.1:${s.port}`, RESP: 3 })
    await client.connect()
    try {
      expect(await client.ping()).toBe("PONG")
      const info = await client.sendCommand(["CLIENT", "INFO"])
      expect(String(info)).toMatch(/ resp=3 lib-name=node-redis lib-ver=\S+ /)
    } finally {
      client.destroy()
    }
  })

  it("node-redis v5 over RESP2 with a password", async () => {
    const client = createClient({ url: `redis://:s3cret@127.0.0.1:${s.port}` })
    await client.connect()
    try {
      expect(await client.ping()).toBe("PONG")
    } finally {
      client.destroy()
    }
  })
})
