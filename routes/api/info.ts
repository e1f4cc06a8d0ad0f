import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { Success, withExamples } from '../../schemas/common.js'
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
        description:
          "No login needed and never rate-limited. `version` is the service's major and minor version, as Rocket.Chat reports its own. For health checks use `/livez` and `/readyz`.",
        response: {
          200: withExamples(Success({ version: Type.String({ examples: ['0.1'] }) }), {
            version: '0.1',
            success: true,
          }),
        },
      },
    },
    async () => ({ version: majorMinor, success: true as const }),
  )
}

export default info
