/**
 * Polls `check` every `pollMs` (0: every turn of the event loop) until it returns true, failing
 * after `ms` (no fixed sleeps in tests).
 */
export const waitFor = async (what: string, check: () => boolean | Promise<boolean>, ms = 5000, pollMs = 10): Promise<void> => {
  const deadline = Date.now() + ms
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => (pollMs === 0 ? setImmediate(r) : setTimeout(r, pollMs)))
  }
}
