// Waiting for what a test can observe: a condition it polls, or a promise. The deadlines only
// bound a wait that should end long before them: reaching one is a failure, never a result.
import type { Test } from 'tap'

/** How long a test waits for something that should happen, far longer than it ever takes. */
export const WAIT_MS = 5000

export interface WaitOptions {
  /** Give up after this long (default WAIT_MS). */
  timeoutMs?: number
}

/** How often a condition is checked again. */
const POLL_MS = 20

const pause = () => new Promise((resolve) => setTimeout(resolve, POLL_MS))

/** Checks `condition` until it holds; whether it came to hold before the deadline. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = WAIT_MS }: WaitOptions = {},
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await condition()) return true
    if (Date.now() > deadline) return false
    await pause()
  }
}

/**
 * Checks `condition` until it holds; throws if it never does, naming `what` (or describing the
 * state it was left in, when `what` is a function).
 */
export async function until(
  what: string | (() => string),
  condition: () => boolean | Promise<boolean>,
  options: WaitOptions = {},
): Promise<void> {
  if (!(await waitFor(condition, options))) {
    const described = typeof what === 'string' ? what : what()
    throw new Error(`${described}: not within ${options.timeoutMs ?? WAIT_MS} ms`)
  }
}

/** Checks `condition` until it holds: an assertion that passes once it does, or fails. */
export async function eventually(
  t: Test,
  what: string,
  condition: () => boolean | Promise<boolean>,
  options: WaitOptions = {},
): Promise<void> {
  t.ok(await waitFor(condition, options), what)
}

/** What `promise` resolves to; throws, naming `what`, if it has not settled by the deadline. */
export async function within<T>(
  what: string,
  promise: Promise<T>,
  timeoutMs = WAIT_MS,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}
