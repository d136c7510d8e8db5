/**
 * Waits on the real clock until `condition` holds, checking every few milliseconds, and fails after
 * `ms`. For observable conditions (a client is blocked, a socket closed), never to "wait a bit".
 * Works under `TestClock` too, since it does not use Effect's clock.
 */
export const pollUntil = async (condition: () => boolean | Promise<boolean>, ms = 5000, what = "condition"): Promise<void> => {
  const deadline = Date.now() + ms
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}
