import rateLimit, { type RateLimitPluginOptions } from '@fastify/rate-limit'
import fp from 'fastify-plugin'

/** What the service decides: where counters are kept, whose they are, and who is never limited. */
export type RateLimitPolicy = Pick<RateLimitPluginOptions, 'store' | 'keyGenerator' | 'allowList'>

/**
 * @fastify/rate-limit with RATE_LIMIT_MAX calls per RATE_LIMIT_WINDOW_MS (left out when 0), on
 * no route by itself: `app.createRateLimit()` applies it where a hook asks.
 */
export default fp<RateLimitPolicy>(
  async (app, policy) => {
    const { RATE_LIMIT_MAX: max, RATE_LIMIT_WINDOW_MS: timeWindow } = app.config
    if (max === 0) return
    await app.register(rateLimit, { ...policy, global: false, max, timeWindow })
  },
  { name: 'rate-limit', dependencies: ['config'] },
)
