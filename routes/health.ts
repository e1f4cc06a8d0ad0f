import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { listenerLost } from '../db/notifications.js'
import { checkReadiness } from '../domain/readiness.js'
import { LivenessSchema, ReadinessSchema, UnreadinessSchema } from '../schemas/health.js'
import { RELAY_NOT_STARTED } from './api/v1/events.js'

const READINESS_TIMEOUT_MS = 1000

/** Why a process whose database answers still cannot serve: its realtime is not running. */
function realtimeDown(app: FastifyInstance): string | undefined {
  if (!app.realtime.relay.started) return RELAY_NOT_STARTED
  if (listenerLost(app.db)) return LISTENER_LOST
  return undefined
}

const LISTENER_LOST = 'The database notification listener is down'

/** Probes for orchestrators and load balancers: is the process up, can it serve requests. */
const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/livez',
    {
      config: { public: true },
      schema: {
        tags: ['Server'],
        summary: 'Liveness probe',
        description:
          'Answers 200 while the process runs, without touching the database; no login needed, ' +
          'never rate-limited. Restart the process when this stops answering.',
        response: { 200: LivenessSchema },
      },
    },
    async () => ({ status: 'ok' as const, success: true as const }),
  )

  app.get(
    '/readyz',
    {
      config: { public: true },
      schema: {
        tags: ['Server'],
        summary: 'Readiness probe',
        description:
          `Answers 200 when the database answers \`select 1\` within ${READINESS_TIMEOUT_MS} ms, ` +
          'every migration of this version is applied, the event relay runs and its notification ' +
          'listener is connected; otherwise 503 with `error-not-ready`, naming whether the ' +
          'database is down, its migrations are pending, the relay has not started or the ' +
          'listener is down. No login needed, ' +
          'never rate-limited. ' +
          'Send no traffic to the process while this answers 503.',
        response: { 200: ReadinessSchema, 503: UnreadinessSchema },
      },
    },
    async (request, reply) => {
      const readiness = await checkReadiness(app.db, READINESS_TIMEOUT_MS)
      const realtime = readiness.ready ? realtimeDown(app) : undefined
      if (realtime) {
        request.log.warn({ reason: realtime }, 'not ready')
        return reply.code(503).send({
          success: false,
          status: 'unready',
          database: 'up',
          migrations: 'current',
          error: `${realtime} [error-not-ready]`,
          errorType: 'error-not-ready',
        })
      }
      if (readiness.ready) {
        return { status: 'ready', database: 'up', migrations: 'current', success: true } as const
      }
      request.log.warn(
        { err: readiness.error, reason: readiness.reason, pending: readiness.pending },
        'not ready',
      )
      return reply.code(503).send({
        success: false,
        status: 'unready',
        database: readiness.database,
        migrations: readiness.migrations,
        error: `${readiness.reason} [error-not-ready]`,
        errorType: 'error-not-ready',
      })
    },
  )
}

export default health
