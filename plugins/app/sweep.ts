import type { FastifyInstance } from 'fastify'

const SWEEP_INTERVAL_MS = 60_000

/**
 * Runs `sweep` every `intervalMs` while the app is open. A sweep that fails is logged and tried
 * again at the next tick; a tick that comes while the previous sweep still runs is skipped, so
 * a slow database never piles sweeps up. Closing the app stops the timer and waits for the sweep
 * under way, which needs the database still open.
 */
export function sweepEvery(
  app: FastifyInstance,
  what: string,
  intervalMs: number,
  sweep: () => Promise<unknown>,
): void {
  let running: Promise<void> | undefined
  const timer = setInterval(() => {
    running ??= sweep()
      .then(
        () => undefined,
        (err: unknown) => app.log.warn({ err }, `could not sweep expired ${what}`),
      )
      .finally(() => {
        running = undefined
      })
  }, intervalMs)
  timer.unref()
  app.addHook('onClose', async () => {
    clearInterval(timer)
    await running
  })
}

/**
 * Runs `sweep` every minute while the app is open. Window counters are reset lazily, when next
 * hit, so without a sweep their tables would keep every key ever counted.
 */
export function sweepEveryMinute(
  app: FastifyInstance,
  what: string,
  sweep: () => Promise<unknown>,
): void {
  sweepEvery(app, what, SWEEP_INTERVAL_MS, sweep)
}
