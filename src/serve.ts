/**
 * The server process that `main.ts` starts once the command line asks for a server: the config
 * from the command line (and stdin), the startup log lines, the pidfile, then the server until
 * SHUTDOWN or a signal (SIGTERM and SIGINT shut it down as SHUTDOWN does, exit 0). An address it
 * cannot listen on ends it with status 1 after Valkey's log lines.
 */
// The module, not the package index: the index loads every Node service, NodeRedis (the `redis`
// client, ~560 modules) and NodeWS (`ws`) among them, which tripled start-up time and memory.
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Runtime from "effect/Runtime"
import * as fs from "node:fs"
import { ConfigStore } from "./layers/ConfigStore.js"
import { ServerCore } from "./layers/ServerCore.js"
import { configFromCommandLine, listenOptions } from "./layers/StartupConfig.js"
import { TcpListener } from "./layers/TcpListener.js"
import { Modules } from "./layers/Modules.js"
import { AppendOnlyFile } from "./layers/AppendOnlyFile.js"
import { persistenceLayer } from "./layers/Persistence.js"
import { Replicating } from "./layers/Replication.js"
import { formatLogLine, makeLogger } from "./server/Log.js"
import type { Server } from "./server/Server.js"
import { KEYFIBER_VERSION, VALKEY_VERSION } from "./server/Version.js"
import { asciiLogo } from "./server/AsciiLogo.js"

const args = process.argv.slice(2)

const readsStdin = args.includes("-") && (args[0] === "-" || args[args.length - 1] === "-")
const loaded = Effect.runSync(Effect.result(configFromCommandLine(args, readsStdin ? fs.readFileSync(0, "latin1") : null)))
if (loaded._tag === "Failure") {
  const error = loaded.failure
  if (error._tag === "ConfigFileError") process.stderr.write(error.report)
  else process.stdout.write(formatLogLine("warning", error.report) + "\n")
  process.exit(1)
}
const config = loaded.success
config.changeDirectory = true

// ServerCore filters the server's lines by `loglevel`; the startup lines here are filtered alike.
// `logfile ""` logs to stdout, otherwise lines are appended to the file.
const logfile = config.get<string>("logfile")
const writeLine = (line: string) => (logfile === "" ? process.stdout.write(line + "\n") : fs.appendFileSync(logfile, line + "\n"))
const log = makeLogger(() => "debug", writeLine)
const ORDER = ["debug", "verbose", "notice", "warning", "nothing"]
const startupLog = (level: "notice" | "warning", message: string) => {
  if (ORDER.indexOf(level) >= ORDER.indexOf(config.get<string>("loglevel"))) log(level, message)
}

startupLog("notice", "oO0OoO0OoO0Oo keyfiber is starting oO0OoO0OoO0Oo")
startupLog("notice", `keyfiber version=${KEYFIBER_VERSION}, valkey_version=${VALKEY_VERSION}, bits=64, pid=${process.pid}, just started`)
if (args.length === 0) {
  startupLog("warning", "Warning: no config file specified, using the default config. In order to specify a config file use keyfiber /path/to/valkey.conf")
} else {
  startupLog("notice", "Configuration loaded")
}
const pidfile = config.get<string>("pidfile")
if (pidfile !== "") {
  try {
    fs.writeFileSync(pidfile, `${process.pid}\n`)
    // Valkey removes its pidfile when it shuts down.
    process.on("exit", () => fs.rmSync(pidfile, { force: true }))
  } catch (e) {
    startupLog("warning", `Failed to write PID file: ${String(e)}`)
  }
}

// server.c `serverAsciiArt`: the logo when logging to a terminal (or with `always-show-logo yes`),
// else one line. Valkey's test suite finds the server's PID in the logo's `PID:` line.
const port = config.get<number>("port")
if (config.get<boolean>("always-show-logo") || (logfile === "" && process.stdout.isTTY === true)) {
  if (ORDER.indexOf("notice") >= ORDER.indexOf(config.get<string>("loglevel"))) writeLine(asciiLogo(port, process.pid))
} else {
  startupLog("notice", `Running mode=standalone, port=${port}.`)
}

const Core = ServerCore.layer({ config, log })
// Modules load (in `loadmodule` order) before the listener accepts connections, as in Valkey, and
// the data after them (it may hold their data types), still before listening: the AOF with
// `appendonly yes`, else the RDB file (Valkey's loadDataFromDisk).
// Valkey logs "Server initialized" once modules are loaded, before it loads the data.
const Initialized = Layer.effectDiscard(Effect.sync(() => startupLog("notice", "Server initialized")))
const MainLive = Layer.mergeAll(TcpListener.layer(listenOptions(config)), ConfigStore.layer).pipe(
  Layer.provideMerge(Replicating.layer),
  Layer.provideMerge(AppendOnlyFile.layer),
  Layer.provideMerge(persistenceLayer()),
  Layer.provideMerge(Initialized),
  Layer.provideMerge(Modules.layer()),
  Layer.provideMerge(Core)
)

/** A line logged from a signal handler, in server.c `serverLogRawFromHandler`'s format (always a warning). */
const signalLog = (message: string) => {
  if (config.get<string>("loglevel") !== "nothing") writeLine(`${process.pid}:signal-handler (${Math.floor(Date.now() / 1000)}) ${message}`)
}

let running: Server | null = null
let shutdownBySignal = false

/**
 * server.c `sigShutdownHandler`: the first SIGTERM or SIGINT shuts the server down as SHUTDOWN does
 * (closing every client, blocked ones included); a SIGINT while that is under way exits at once,
 * with status 1. Registered before `runMain`'s own handlers, which then interrupt the main fiber
 * so the layers close.
 */
const onShutdownSignal = (signal: "SIGTERM" | "SIGINT") => {
  if (shutdownBySignal && signal === "SIGINT") {
    signalLog("You insist... exiting now.")
    process.exit(1)
  }
  signalLog(`Received ${signal} scheduling shutdown...`)
  if (shutdownBySignal) return
  shutdownBySignal = true
  // server.c serverCron: the signal's shutdown takes the `shutdown-on-sigterm`/`-sigint` flags; a
  // failed save keeps the server running, and a later signal tries again.
  const flags = config.get<number>(signal === "SIGTERM" ? "shutdown-on-sigterm" : "shutdown-on-sigint")
  if (running !== null && !running.prepareForShutdown(null, flags)) shutdownBySignal = false
}
process.on("SIGTERM", () => onShutdownSignal("SIGTERM"))
process.on("SIGINT", () => onShutdownSignal("SIGINT"))

// Runs until SHUTDOWN (or a signal): closing the scope closes the listener and every client.
const untilShutdown = Effect.gen(function* () {
  running = yield* ServerCore
  yield* ServerCore.awaitShutdown
})

const main = untilShutdown.pipe(
  Effect.provide(MainLive),
  // Valkey's `initListeners`: the address was logged as it failed; no stack trace.
  // Valkey exits with status 1 after its log lines for a bad or unloadable AOF.
  Effect.catchTag("AofStartupError", () => Effect.sync(() => process.exit(1))),
  Effect.catchTag("ListenError", (error) =>
    Effect.sync(() => {
      // unix.c exits right after its "Failed opening Unix socket" line.
      if (error.unix !== true) startupLog("warning", `Failed listening on port ${config.get<number>("port")} (tcp), aborting.`)
      process.exit(1)
    })
  ),
  // A bad RDB file: its lines are logged; Valkey's `loadDataFromDisk` exits with status 1.
  Effect.catchTag("PersistenceLoadError", () => Effect.sync(() => process.exit(1))),
  // A module that does not load at startup (or a module config without its module): the reason
  // and "server aborting" are logged; Valkey's `moduleLoadFromQueue` exits with status 1, no trace.
  Effect.catchTag("ModuleLoadError", () => Effect.sync(() => process.exit(1)))
)

NodeRuntime.runMain(main, {
  // A signal's shutdown ends by interrupting the main fiber: a clean exit, as Valkey's exit(0).
  teardown: (exit, onExit) =>
    shutdownBySignal && Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) ? onExit(0) : Runtime.defaultTeardown(exit, onExit)
})
