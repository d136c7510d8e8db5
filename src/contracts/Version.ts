import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

/** The Redis OSS version Valkey reports for compatibility (it never exceeds 7.2.x). */
export const REDIS_VERSION = "7.2.4"
/** The Valkey version whose behaviour keyfiber follows. */
export const VALKEY_VERSION = "8.1.0"
/** INFO `server_name`. */
export const SERVER_NAME = "valkey"

/**
 * keyfiber's own version, from its package.json: the nearest one named `keyfiber` above this file,
 * so it is found from `src/contracts/` and from the compiled `dist/contracts/` alike.
 */
const readOwnVersion = (): string => {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: unknown; version?: unknown }
      if (pkg.name === "keyfiber" && typeof pkg.version === "string") return pkg.version
    } catch {
      // No (readable) package.json here: look further up.
    }
    const parent = path.dirname(dir)
    if (parent === dir) return "unknown"
    dir = parent
  }
}

/** keyfiber's own version (package.json `version`). */
export const KEYFIBER_VERSION = readOwnVersion()

/**
 * `keyfiber --version`: valkey-server's line (server.c `getVersion`), so tools that parse `v=` read
 * the Valkey version keyfiber follows; `build=` (a build id in Valkey) names keyfiber and its version.
 */
export const versionLine = (): string =>
  `Valkey server v=${VALKEY_VERSION} sha=00000000:0 malloc=libc bits=64 build=keyfiber-${KEYFIBER_VERSION}`
