import { defineConfig } from "vitest/config"
import base from "./vitest.config.js"

// The integration suite once more with connections on `net.Socket`, the fallback the server uses
// where its libuv fast path (src/server/Connection.ts) fails the start-up probe on a Node release.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["test/**/*.test.ts"],
    // Packing and installing the package does not depend on how connections are driven.
    exclude: ["test/package.test.ts"],
    env: { KEYFIBER_CONNECTIONS: "socket" }
  }
})
