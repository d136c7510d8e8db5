import { ErrorReply } from "../protocol/Reply.js"

/**
 * A fault in module code (an exception, a rejection): how it is logged and the error reply that
 * stands in for whatever the failing code was replying.
 */

/** What went wrong, for the log: the stack when there is one. */
export const describeFault = (e: unknown): string => (e instanceof Error ? (e.stack ?? e.message) : String(e))

/** The thrown message as an error reply; an `ERR` code is added unless it carries its own. */
export const faultReply = (e: unknown): ErrorReply => {
  const message = (e instanceof Error ? e.message : String(e)).replace(/[\r\n]+/g, " ")
  return new ErrorReply(/^[A-Z]+ /.test(message) ? message : "ERR " + message)
}

/** A command handler or callback that returned a promise (an `async` function). */
export const isThenable = (x: unknown): x is PromiseLike<unknown> =>
  x !== null && typeof x === "object" && typeof (x as { then?: unknown }).then === "function"

/**
 * Which module a fault comes from, by the module files in its stack (the innermost frame that
 * is in a module file wins). `files` maps a module file's real path to the module's name.
 */
const attributeFault = (e: unknown, files: ReadonlyMap<string, string>): string | undefined => {
  const stack = e instanceof Error ? e.stack : undefined
  if (stack === undefined || files.size === 0) return undefined
  for (const line of stack.split("\n")) {
    if (!line.trimStart().startsWith("at ")) continue
    for (const [file, name] of files) if (line.includes(file) || line.includes(encodeURI(file))) return name
  }
  return undefined
}

/**
 * The last net for module code that runs outside the module API (a plain `setTimeout` callback,
 * a promise nobody awaits, a worker without an `error` listener): a process-level
 * `uncaughtException` / `unhandledRejection` listener that logs the fault, with the module's name
 * when its stack shows one, and lets the server go on. Valkey dies on such faults in C modules;
 * keyfiber's rule is that nothing a module does takes the server down. Returns the uninstaller.
 */
export const installFaultNet = (log: (message: string) => void, files: ReadonlyMap<string, string>): (() => void) => {
  const report = (what: string) => (e: unknown) => {
    const name = attributeFault(e, files)
    log(name !== undefined ? `<${name}> ${what} in module code: ${describeFault(e)}` : `${what} (no module in its stack): ${describeFault(e)}`)
  }
  const onException = report("Uncaught exception")
  const onRejection = report("Unhandled promise rejection")
  process.on("uncaughtException", onException)
  process.on("unhandledRejection", onRejection)
  return () => {
    process.off("uncaughtException", onException)
    process.off("unhandledRejection", onRejection)
  }
}
