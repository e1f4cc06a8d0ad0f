import { randomUUID } from 'node:crypto'
import fp from 'fastify-plugin'
import { Presence } from '../../domain/realtime/presence.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Who is online: the realtime endpoint reports its connections here. */
    presence: Presence
  }
}

/**
 * This process's presence (domain/realtime/presence.ts), under an id of its own: the heartbeat
 * runs while the app is up, and closing the app takes its connections offline at once.
 */
export default fp(
  async (app) => {
    const presence = new Presence(
      app.db,
      {
        processId: randomUUID(),
        heartbeatMs: app.config.PRESENCE_HEARTBEAT_MS,
        expiryMs: app.config.PRESENCE_EXPIRY_MS,
      },
      app.log,
    )
    app.decorate('presence', presence)
    app.addHook('onReady', async () => presence.start())
    app.addHook('onClose', () => presence.stop())
  },
  { name: 'presence', dependencies: ['config', 'database'] },
)
