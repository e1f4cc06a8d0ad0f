import type { FastifyInstance } from 'fastify'

const SWEEP_INTERVAL_MS = 60_000

/**
 * Runs `sweep` every minute while the app is open. Window counters are reset lazily, when next
 * hit, so without a sweep their tables would keep every key ever counted.
 */
export function sweepEveryMinute(
  app: FastifyInstance,
  what: string,
  sweep: () => Promise<unknown>,
): void {
  const timer = setInterval(() => {
    sweep().catch((err: unknown) => app.log.warn({ err }, `could not sweep expired ${what}`))
  }, SWEEP_INTERVAL_MS)
  timer.unref()
  app.addHook('onClose', async () => clearInterval(timer))
}
