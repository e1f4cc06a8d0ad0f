import type { FastifyPluginAsync } from 'fastify'
import { errors } from '../domain/errors.js'
import { DdpSession } from '../transports/ddp/session.js'

/**
 * `GET /websocket`: Rocket.Chat's realtime API (DDP). A plain HTTP request gets a 400 saying
 * to upgrade. Listeners are attached before anything is awaited, so no frame is missed.
 */
const websocketRoute: FastifyPluginAsync = async (app) => {
  const { realtime } = app
  app.route({
    method: 'GET',
    url: '/websocket',
    schema: { hide: true },
    config: { public: true, refuses: ['upgradeRequired'] },
    handler: async () => {
      throw errors.upgradeRequired()
    },
    wsHandler: (socket) => {
      const session = new DdpSession(socket, realtime.services, realtime.limits)
      realtime.sessions.add(session)
      socket.on('message', (data, isBinary) => {
        session.receive(isBinary ? '' : data.toString())
      })
      socket.on('close', () => {
        realtime.sessions.delete(session)
        void session.ended()
      })
      socket.on('error', () => socket.terminate())
    },
  })
}

export default websocketRoute
