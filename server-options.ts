import type { FastifyServerOptions } from 'fastify'
import type { Config } from './config.js'

/** Fastify's own options, shared by the server and the tests. */
export function serverOptions(config: Config): FastifyServerOptions {
  return {
    logger: {
      level: config.LOG_LEVEL,
      redact: {
        paths: ['req.headers["x-auth-token"]', 'req.headers.authorization', 'req.headers.cookie'],
        censor: '[redacted]',
      },
    },
    bodyLimit: config.BODY_LIMIT,
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    pluginTimeout: 60_000,
    forceCloseConnections: false,
    return503OnClosing: true,
  }
}
