import fp from 'fastify-plugin'

/** Every answer names its request (`X-Request-Id`), so a client can quote it and it can be found in the log. */
export default fp(
  async (app) => {
    app.addHook('onRequest', async (request, reply) => {
      reply.header('x-request-id', request.id)
    })
  },
  { name: 'request-id' },
)
