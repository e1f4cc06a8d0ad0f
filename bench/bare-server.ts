// The framework limit: Fastify with a schema-serialized constant body, nothing else.
import { Type } from '@sinclair/typebox'
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get(
  '/constant',
  {
    schema: {
      response: { 200: Type.Object({ success: Type.Boolean(), version: Type.String() }) },
    },
  },
  async () => ({ success: true, version: '0.1' }),
)
const url = await app.listen({ port: 0, host: '127.0.0.1' })
process.send?.({ url })
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
