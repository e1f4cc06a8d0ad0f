import fp from 'fastify-plugin'

const JSON_TYPE = /^application\/json\s*(;|$)/i

/**
 * JSON in and out the way Rocket.Chat's clients expect. A POST with `Content-Type:
 * application/json` and no body (`client.post('/v1/logout')`) reads as `{}`; every JSON answer
 * is `Content-Type: application/json` with no parameter (RFC 8259 defines none, and Rocket.Chat's
 * own tests compare the header as a string).
 */
export default fp(
  async (app) => {
    const parseJson = app.getDefaultJsonParser('error', 'error')
    app.removeContentTypeParser('application/json')
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (body === '') {
        done(null, {})
        return
      }
      parseJson(request, body.toString(), done)
    })

    app.addHook('onSend', async (_request, reply) => {
      const type = reply.getHeader('content-type')
      if (typeof type === 'string' && JSON_TYPE.test(type)) {
        reply.header('content-type', 'application/json')
      }
    })
  },
  { name: 'json' },
)
