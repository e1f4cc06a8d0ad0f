import fp from 'fastify-plugin'
import type { WebhookSettings } from '../../domain/webhooks/manage.js'
import { SecretBox } from '../../domain/webhooks/secrets.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** What managing webhooks needs beside the database (domain/webhooks/manage.ts). */
    webhooks: WebhookSettings
  }
}

/** Outgoing webhooks: the keeper of their secrets, from WEBHOOK_ENCRYPTION_KEY. */
export default fp(
  async (app) => {
    const { WEBHOOK_ENCRYPTION_KEY: key, WEBHOOK_SECRET_OVERLAP_MS: overlapMs } = app.config
    app.decorate('webhooks', {
      secrets: key ? new SecretBox(key) : undefined,
      overlapMs,
    })
  },
  { name: 'webhooks', dependencies: ['config', 'database'] },
)
