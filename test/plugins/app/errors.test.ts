// database-free
import Fastify from 'fastify'
import t from 'tap'
import { errors } from '../../../domain/errors.js'
import errorHandling from '../../../plugins/app/errors.js'
import { refused } from '../../helper.js'

/** A bare app whose one route documents `roomNotFound` and throws what the request asks for. */
async function appWith(strictRefusals: boolean) {
  const logged: string[] = []
  const app = Fastify({
    logger: {
      level: 'error',
      stream: { write: (line: string) => logged.push(JSON.parse(line).msg) },
    },
  })
  await app.register(errorHandling, { strictRefusals })
  app.get<{ Querystring: { throw: string } }>(
    '/refuse',
    { config: { refuses: [errors.roomNotFound.code] } },
    async (request) => {
      if (request.query.throw === 'listed') throw errors.roomNotFound()
      if (request.query.throw === 'any-route') throw errors.invalidParams('count must be >= 0')
      throw errors.notAllowed()
    },
  )
  return { app, logged }
}

t.test('a listed refusal is answered as it is', async (t) => {
  const { app } = await appWith(true)
  t.teardown(() => app.close())
  const response = await app.inject({ url: '/refuse?throw=listed' })
  t.equal(response.statusCode, 400)
  t.same(response.json(), refused.roomNotFound)
})

t.test('a refusal any route may give needs no listing', async (t) => {
  const { app, logged } = await appWith(true)
  t.teardown(() => app.close())
  const response = await app.inject({ url: '/refuse?throw=any-route' })
  t.equal(response.statusCode, 400)
  t.same(response.json(), refused.invalidParams('count must be >= 0'))
  t.same(logged, [])
})

t.test('with strict refusals, one the route does not document answers 500', async (t) => {
  const { app, logged } = await appWith(true)
  t.teardown(() => app.close())
  const response = await app.inject({ url: '/refuse?throw=unlisted' })
  t.equal(response.statusCode, 500)
  t.same(response.json(), { success: false, error: 'Internal server error' })
  t.same(logged, ['refusal missing from the route documentation'])
})

t.test('in service, an undocumented refusal is answered and logged', async (t) => {
  const { app, logged } = await appWith(false)
  t.teardown(() => app.close())
  const response = await app.inject({ url: '/refuse?throw=unlisted' })
  t.equal(response.statusCode, 400)
  t.same(response.json(), refused.notAllowed)
  t.same(logged, ['refusal missing from the route documentation'])
})
