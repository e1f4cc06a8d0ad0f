import fp from 'fastify-plugin'

/** No answer may be cached: each is one user's view of data that changes with every call. */
export default fp(
  async (app) => {
    app.addHook('onSend', async (_request, reply) => {
      reply.header('cache-control', 'no-store')
    })
  },
  { name: 'cache-control' },
)
