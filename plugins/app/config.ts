import fp from 'fastify-plugin'
import type { Config } from '../../config.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    /** Valid group names, from ROOM_NAME_PATTERN. */
    roomNamePattern: RegExp
  }
}

/** The configuration read at boot, for every plugin and route to read from `app.config`. */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    app.decorate('config', config)
    app.decorate('roomNamePattern', new RegExp(config.ROOM_NAME_PATTERN))
  },
  { name: 'config' },
)
