import {
  type FastifyRateLimitStore,
  type FastifyRateLimitStoreCtor,
  normalizeIP,
} from '@fastify/rate-limit'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Db } from '../../db/database.js'
import { deleteExpiredRateLimits, hitRateLimit } from '../../db/queries/rate-limits.js'
import type { Actor } from '../../domain/actor.js'
import { errors } from '../../domain/errors.js'
import { hasPermission } from '../../domain/permissions.js'
import { TooManyRequestsSchema } from '../../schemas/common.js'
import type { RateLimitPolicy } from '../external/rate-limit.js'
import { sweepEveryMinute } from './sweep.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Logs its caller in by itself: counted by `countRequest` once it knows who called. */
    limitAfterLogin?: boolean
  }
  interface FastifyInstance {
    /** Counts a request of a `limitAfterLogin` route, refusing it when over the limit. */
    countRequest(request: FastifyRequest, reply: FastifyReply): Promise<void>
  }
}

/** Only the REST API is limited: server info, probes and the documentation never are. */
const LIMITED_PREFIX = '/api/v1/'

/** Counters in the database, so every process serving the database shares them. */
function databaseStore(db: Db): FastifyRateLimitStoreCtor {
  return class DatabaseStore implements FastifyRateLimitStore {
    incr(key: string, callback: Parameters<FastifyRateLimitStore['incr']>[1], timeWindow: number) {
      hitRateLimit(db, key, timeWindow).then(
        (hit) => callback(null, { current: hit.count, ttl: hit.ttlMs }),
        (error: Error) => callback(error),
      )
    }

    child() {
      return this
    }
  }
}

/** The logged-in user, once the auth hook has run; public routes have none. */
const actorOf = (request: FastifyRequest) => request.actor as Actor | null

/** Per endpoint and per user, or per client address when nobody is logged in. */
function limitKey(request: FastifyRequest): string {
  const actor = actorOf(request)
  const client = actor ? `user:${actor.id}` : `ip:${normalizeIP(request.ip)}`
  return `${request.method} ${request.routeOptions.url} ${client}`
}

/**
 * Counters kept in the database, one per endpoint and user (or address), and no limit for
 * roles granted `api-bypass-rate-limit`: the options plugins/external/rate-limit.ts takes.
 */
export function rateLimitPolicy(db: Db): RateLimitPolicy {
  return {
    store: databaseStore(db),
    keyGenerator: limitKey,
    allowList: (request) => {
      const actor = actorOf(request)
      return actor ? hasPermission(db, actor, 'api-bypass-rate-limit') : false
    },
  }
}

const tooManyRequests = errors.tooManyRequests

function limitRequests(app: FastifyInstance) {
  const limit = app.createRateLimit()

  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith(LIMITED_PREFIX) || !route.schema?.response) return
    route.schema.response = { 429: TooManyRequestsSchema, ...(route.schema.response as object) }
  })

  const count = async (request: FastifyRequest, reply: FastifyReply) => {
    const result = await limit(request)
    if (result.isAllowed) return
    // Rocket.Chat's headers: X-RateLimit-Reset is when the window closes, in epoch milliseconds.
    reply.header('x-ratelimit-limit', result.max)
    reply.header('x-ratelimit-remaining', result.remaining)
    reply.header('x-ratelimit-reset', Date.now() + result.ttl)
    if (result.isExceeded) {
      reply.header('retry-after', result.ttlInSeconds)
      throw tooManyRequests(result.ttlInSeconds)
    }
  }

  // preValidation: after the auth hook has found the user, before the body is checked.
  app.addHook('preValidation', async (request, reply) => {
    const { url, config } = request.routeOptions
    if (!url?.startsWith(LIMITED_PREFIX) || config.limitAfterLogin) return
    await count(request, reply)
  })
  return count
}

/**
 * Rocket.Chat's API rate limiter: RATE_LIMIT_MAX calls per endpoint per RATE_LIMIT_WINDOW_MS
 * for each user (or address), except for roles granted `api-bypass-rate-limit`; 0 turns it off.
 * Every REST API route documents the 429 it may answer.
 */
export default fp(
  async (app) => {
    sweepEveryMinute(app, 'rate-limit counters', () => deleteExpiredRateLimits(app.db))
    const count = app.config.RATE_LIMIT_MAX > 0 ? limitRequests(app) : async () => {}
    app.decorate('countRequest', count)
  },
  { name: 'api-rate-limit', dependencies: ['config', 'database', 'rate-limit'] },
)
