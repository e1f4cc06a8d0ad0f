import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { Success } from '../../schemas/common.js'
import { version } from '../../version.js'

const majorMinor = version.split('.').slice(0, 2).join('.')

const info: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/info',
    {
      config: { public: true },
      schema: {
        tags: ['Server'],
        summary: 'Server version',
        description: 'Answers without logging in. For health checks use `/livez` and `/readyz`.',
        response: { 200: Success({ version: Type.String({ examples: ['0.1'] }) }) },
      },
    },
    async () => ({ version: majorMinor, success: true as const }),
  )
}

export default info
