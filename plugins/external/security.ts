import cors from '@fastify/cors'
import helmet from '@fastify/helmet'
import fp from 'fastify-plugin'

const DOCS_PREFIX = '/api/docs'

/** Headers a browser script may read from answers, when CORS is on. */
const EXPOSED_HEADERS = [
  'X-Request-Id',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'Retry-After',
]

/** `*`, or a comma-separated list of origins. */
function allowedOrigins(value: string): string | string[] {
  const origins = value
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean)
  return origins.includes('*') ? '*' : origins
}

/**
 * Security headers for a JSON API (nothing may be framed, run or loaded from its answers; the
 * documentation page gets the policy a page needs), and CORS only for the origins CORS_ORIGIN
 * names.
 */
export default fp(
  async (app) => {
    app.addHook('onRoute', (route) => {
      if (!route.url.startsWith(DOCS_PREFIX)) return
      route.helmet = {
        contentSecurityPolicy: {
          useDefaults: true,
          // Served over plain HTTP too (behind a proxy or on a LAN), where upgrading breaks it.
          directives: { upgradeInsecureRequests: null },
        },
        frameguard: { action: 'sameorigin' },
      }
    })
    await app.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
      },
      frameguard: { action: 'deny' },
    })

    if (app.config.CORS_ORIGIN) {
      await app.register(cors, {
        origin: allowedOrigins(app.config.CORS_ORIGIN),
        methods: ['GET', 'POST'],
        allowedHeaders: ['Content-Type', 'X-User-Id', 'X-Auth-Token', 'X-Request-Id'],
        exposedHeaders: EXPOSED_HEADERS,
        maxAge: 600,
      })
    }
  },
  { name: 'security', dependencies: ['config'] },
)
