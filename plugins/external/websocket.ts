import websocket from '@fastify/websocket'
import fp from 'fastify-plugin'

/**
 * @fastify/websocket, refusing inbound frames over REALTIME_MAX_FRAME_BYTES (the socket closes
 * with 1009); sockets still open when the server closes are closed by the realtime plugin.
 */
export default fp(
  async (app) => {
    await app.register(websocket, {
      options: { maxPayload: app.config.REALTIME_MAX_FRAME_BYTES },
      preClose: async () => {},
    })
  },
  { name: 'websocket', dependencies: ['config'] },
)
