import fp from 'fastify-plugin'

/**
 * Once the server is closing, every answer still on its way says `Connection: close`, so its
 * keep-alive socket ends with it and the process exits as soon as the last request is answered.
 * Fastify closes only the sockets that are idle when closing starts: without this, a socket whose
 * request was in flight would hold the process for the whole keep-alive timeout (65 s).
 */
export default fp(
  async (app) => {
    let closing = false
    app.addHook('preClose', async () => {
      closing = true
    })
    app.addHook('onSend', async (_request, reply) => {
      if (closing) reply.header('connection', 'close')
    })
  },
  { name: 'draining' },
)
