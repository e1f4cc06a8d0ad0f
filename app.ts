import type { FastifyPluginAsync } from 'fastify'
import type { Config } from './config.js'
import type { Db } from './db/database.js'
import { ensureAdmin } from './domain/users/create.js'
import errors from './plugins/app/errors.js'
import health from './plugins/app/health.js'
import settings from './plugins/app/settings.js'
import validation from './plugins/app/validation.js'
import database from './plugins/external/database.js'
import metrics from './plugins/external/metrics.js'
import rateLimit from './plugins/external/rate-limit.js'
import security from './plugins/external/security.js'
import swagger from './plugins/external/swagger.js'
import info from './routes/api/info.js'
import v1 from './routes/api/v1/index.js'

export interface AppOptions {
  config: Config
  /** A database to use instead of opening the configured one (tests share one per file). */
  db?: Db
}

/** The whole service as one plugin: infrastructure first, then our decorators, then routes. */
const app: FastifyPluginAsync<AppOptions> = async (fastify, { config, db }) => {
  await fastify.register(settings, { config })
  await fastify.register(database, { config, db })
  // Before swagger, so the documentation's routes get the page's security policy.
  await fastify.register(security)
  await fastify.register(swagger)
  await fastify.register(rateLimit)
  await fastify.register(errors)
  await fastify.register(validation)
  await fastify.register(metrics)

  fastify.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
  })

  await fastify.register(health)
  await fastify.register(info, { prefix: '/api' })
  await fastify.register(v1, { prefix: '/api/v1' })

  const admin = await ensureAdmin(fastify.db, {
    username: config.ADMIN_USERNAME,
    password: config.ADMIN_PASS,
    email: config.ADMIN_EMAIL,
    name: config.ADMIN_NAME,
  })
  if (admin) fastify.log.info({ username: admin.username }, 'admin user created')
}

export default app
