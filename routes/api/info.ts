import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { Success, withExamples } from '../../schemas/common.js'
import { version } from '../../version.js'
import { describeRoute } from '../describe.js'

const majorMinor = version.split('.').slice(0, 2).join('.')

const described = describeRoute('info')

const info: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/info',
    {
      config: { ...described.config, public: true },
      schema: {
        ...described.schema,
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
