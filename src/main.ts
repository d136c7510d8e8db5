/**
 * The keyfiber server, started like valkey-server: `keyfiber [configfile] [--name value ...]`
 * (`-` as the first or last argument reads config text from stdin). A bad config prints Valkey's
 * FATAL CONFIG FILE ERROR block to stderr and exits with status 1; so does an address it cannot
 * listen on, after Valkey's log lines. SIGTERM and SIGINT shut it down as SHUTDOWN does (exit 0).
 */
import { versionLine } from "./server/Version.js"

const args = process.argv.slice(2)

if (args[0] === "-v" || args[0] === "--version") {
  process.stdout.write(versionLine() + "\n")
  process.exit(0)
}
if (args[0] === "-h" || args[0] === "--help") {
  process.stderr.write(
    "Usage: keyfiber [/path/to/valkey.conf] [options] [-]\n" +
      "       keyfiber - (read config from stdin)\n" +
      "       keyfiber -v or --version\n" +
      "       keyfiber -h or --help\n\n" +
      "Examples:\n" +
      "       keyfiber (run the server with default conf)\n" +
      "       keyfiber /etc/valkey/6379.conf\n" +
      "       keyfiber --port 7777\n" +
      "       keyfiber /etc/myvalkey.conf --loglevel verbose -\n" +
      "       keyfiber /etc/myvalkey.conf --loglevel verbose\n"
  )
  process.exit(1)
}

// The server loads only once the arguments ask for one, so --help and --version answer without
// loading Effect and the command table.
void import("./serve.js")
