import fp from 'fastify-plugin'
import type { Actor } from '../../domain/actor.js'
import { authenticate } from '../../domain/auth/login.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Served without logging in (login, server info). */
    public?: boolean
  }
  interface FastifyRequest {
    /** The logged-in user; set on every route that is not `public`. */
    actor: Actor
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/**
 * Resolves `X-User-Id` + `X-Auth-Token` to the acting user before anything else runs, through
 * the login cache unless AUTH_CACHE_TTL_MS is 0 (see domain/auth/login-changes.ts).
 */
export default fp(
  async (app) => {
    const { AUTH_CACHE_TTL_MS: ttlMs, AUTH_CACHE_MAX_TOKENS: maxTokens } = app.config
    if (ttlMs > 0) {
      const leave = await app.db.logins.startLoginCache({ ttlMs, maxTokens }, app.log)
      app.addHook('onClose', leave)
    }
    app.decorateRequest('actor', null as unknown as Actor)
    app.addHook('onRequest', async (request) => {
      if (request.routeOptions.config.public || !request.routeOptions.url) return
      request.actor = await authenticate(
        app.db,
        header(request.headers['x-user-id']),
        header(request.headers['x-auth-token']),
      )
    })
  },
  { name: 'auth', dependencies: ['config', 'database'] },
)
