import fastJson from 'fast-json-stringify'
import fp from 'fastify-plugin'

const JSON_TYPE = /^application\/json\s*(;|$)/i

type Serialize = (data: unknown) => string

/**
 * One serializer per response schema and process, as Fastify would compile it (the schemas use
 * no shared `$ref`): compiling one costs far more than using it, and a second app in the process
 * (a test's, a script's) finds them made.
 */
const serializers = new WeakMap<object, Serialize>()

function serializerFor(schema: object): Serialize {
  let serialize = serializers.get(schema)
  if (!serialize) {
    serialize = fastJson(schema as Parameters<typeof fastJson>[0]) as Serialize
    serializers.set(schema, serialize)
  }
  return serialize
}

/**
 * JSON in and out the way Rocket.Chat's clients expect. A POST with `Content-Type:
 * application/json` and no body (`client.post('/v1/logout')`) reads as `{}`; every JSON answer
 * is `Content-Type: application/json` with no parameter (RFC 8259 defines none, and Rocket.Chat's
 * own tests compare the header as a string). Answers are serialized by their schema.
 */
export default fp(
  async (app) => {
    app.setSerializerCompiler(({ schema }) => serializerFor(schema as object))
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
