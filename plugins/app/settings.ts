import fp from 'fastify-plugin'
import type { Config } from '../../config.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    /** Valid group names, from ROOM_NAME_PATTERN. */
    roomNamePattern: RegExp
  }
}

export default fp<{ config: Config }>(
  async (app, { config }) => {
    app.decorate('config', config)
    app.decorate('roomNamePattern', new RegExp(config.ROOM_NAME_PATTERN))
  },
  { name: 'settings' },
)
