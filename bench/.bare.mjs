import net from "node:net"
const s = net.createServer({ noDelay: true }, (sock) => {
  sock.on("data", (d) => { sock.write("+PONG\r\n") })
  sock.on("error", () => {})
})
s.listen(+process.argv[2], "127.0.0.1")
