import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { AddressInfo } from "node:net"
import { listen, type ListenOptions } from "../server/Listener.js"
import { ServerCore } from "./ServerCore.js"

export interface BoundAddress {
  readonly host: string
  readonly port: number
}

/**
 * The TCP listeners (one per `bind` address) for the lifetime of their scope; provides the address
 * the first one bound (port 0 allowed).
 */
export class TcpListener extends Context.Service<TcpListener, BoundAddress>()("keyfiber/TcpListener") {
  static readonly layer = (options: ListenOptions) =>
    Layer.effect(
      TcpListener,
      Effect.gen(function* () {
        const server = yield* ServerCore
        const listeners = yield* listen(server, options)
        const address = listeners[0].address() as AddressInfo
        server.log("notice", `Ready to accept connections tcp on ${address.address}:${address.port}`)
        if (options.unixSocket) server.log("notice", "Ready to accept connections unix")
        return { host: address.address, port: address.port }
      })
    )
}
