import type { FastifyPluginAsync } from 'fastify'
import type { Config } from './config.js'
import type { Db } from './db/database.js'
import { adminExists, ensureAdmin } from './domain/users/create.js'
import { ensureRocketCat } from './domain/users/rocket-cat.js'
import auth from './plugins/app/auth.js'
import cacheControl from './plugins/app/cache-control.js'
import configPlugin from './plugins/app/config.js'
import draining from './plugins/app/draining.js'
import errors from './plugins/app/errors.js'
import eventPrune from './plugins/app/event-prune.js'
import json from './plugins/app/json.js'
import loginFailureSweep from './plugins/app/login-failure-sweep.js'
import metrics from './plugins/app/metrics.js'
import presence from './plugins/app/presence.js'
import apiRateLimit, { rateLimitPolicy } from './plugins/app/rate-limit.js'
import realtime from './plugins/app/realtime.js'
import realtimeMetrics from './plugins/app/realtime-metrics.js'
import requestId from './plugins/app/request-id.js'
import validation from './plugins/app/validation.js'
import webhooks from './plugins/app/webhooks.js'
import database from './plugins/external/database.js'
import rateLimit from './plugins/external/rate-limit.js'
import security from './plugins/external/security.js'
import swagger from './plugins/external/swagger.js'
import websocket from './plugins/external/websocket.js'
import info from './routes/api/info.js'
import v1 from './routes/api/v1/index.js'
import health from './routes/health.js'
import metricsRoute from './routes/metrics.js'
import websocketRoute from './routes/websocket.js'

export interface AppOptions {
  config: Config
  /** A database to use instead of opening the configured one (tests share one per file). */
  db?: Db
}

/** What to do when nobody can administer the service; the tool needs the embedded database alone. */
function noAdminWarning(config: Config): string {
  const command = `node dist/bin/cli.js create-admin --username ${config.ADMIN_USERNAME} --email ${config.ADMIN_EMAIL || `${config.ADMIN_USERNAME}@localhost`}`
  const run = config.DATABASE_URL ? 'run' : 'stop the server and run'
  return `no admin user exists and ADMIN_PASS is empty: set ADMIN_PASS and restart, or ${run}: ${command} (it reads the password from stdin)`
}

/**
 * The whole service as one plugin, in tiers: the configuration every plugin reads, third-party
 * libraries (plugins/external), our own plugins (plugins/app), then routes. Two of ours come
 * among the libraries, for the reasons beside them: the swagger wrapper declares the
 * documentation's routes, and a content-type parser or `onRoute` hook reaches only routes
 * declared after it, while hooks run in the order they were added.
 */
const app: FastifyPluginAsync<AppOptions> = async (fastify, { config, db }) => {
  await fastify.register(configPlugin, { config })

  await fastify.register(database, { config, db })
  // Before any route, so every answer and every JSON body goes through it.
  await fastify.register(json)
  // Before CORS, which answers preflight requests from its own hook: they carry the id too.
  await fastify.register(requestId)
  // Before swagger, so the documentation's routes get the page's security policy.
  await fastify.register(security)
  await fastify.register(swagger)
  await fastify.register(rateLimit, rateLimitPolicy(fastify.db))
  await fastify.register(websocket)

  await fastify.register(apiRateLimit)
  await fastify.register(loginFailureSweep)
  await fastify.register(errors, { strictRefusals: config.STRICT_REFUSALS })
  await fastify.register(validation)
  await fastify.register(metrics)
  await fastify.register(cacheControl)
  await fastify.register(draining)
  await fastify.register(auth)
  await fastify.register(presence)
  await fastify.register(realtimeMetrics)
  await fastify.register(realtime)
  await fastify.register(eventPrune)
  await fastify.register(webhooks)

  await fastify.register(metricsRoute)
  await fastify.register(health)
  await fastify.register(websocketRoute)
  await fastify.register(info, { prefix: '/api' })
  await fastify.register(v1, { prefix: '/api/v1' })

  const admin = await ensureAdmin(fastify.db, {
    username: config.ADMIN_USERNAME,
    password: config.ADMIN_PASS,
    email: config.ADMIN_EMAIL,
    name: config.ADMIN_NAME,
  })
  if (admin) fastify.log.info({ username: admin.username }, 'admin user created')
  // Once serving (not while tests build the app on a database that fails on purpose).
  fastify.addHook('onListen', async () => {
    if (!config.ADMIN_PASS && !(await adminExists(fastify.db))) {
      fastify.log.warn(noAdminWarning(config))
    }
  })
  if (config.CREATE_ROCKET_CAT) {
    const bot = await ensureRocketCat(fastify.db)
    if (bot.outcome === 'created') fastify.log.info({ username: 'rocket.cat' }, 'bot user created')
    if (bot.outcome === 'username-taken') {
      fastify.log.warn(
        { username: 'rocket.cat', holderId: bot.holderId },
        'bot user rocket.cat not created: another user has its username',
      )
    }
  }
}

export default app
