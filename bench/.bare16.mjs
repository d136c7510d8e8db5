import net from "node:net"
const reply = "$3\r\nxxx\r\n"
const s = net.createServer({ noDelay: true }, (sock) => {
  sock.on("data", (d) => {
    // count requests: one '*' per request at P16 of GET
    let n = 0; for (let i = 0; i < d.length; i++) if (d[i] === 42) n++
    sock.write(reply.repeat(n), "latin1")
  })
  sock.on("error", () => {})
})
s.listen(+process.argv[2], "127.0.0.1")
