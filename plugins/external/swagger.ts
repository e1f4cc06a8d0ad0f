import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import { version } from '../../version.js'

/** The OpenAPI document, built from the route schemas, and the page that renders it. */
export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'Private groups API',
          description:
            'A Rocket.Chat-compatible REST API for private groups. Log in with `POST /api/v1/login`, then send the returned `userId` and `authToken` as the `X-User-Id` and `X-Auth-Token` headers.',
          version,
        },
        components: {
          securitySchemes: {
            userId: { type: 'apiKey', in: 'header', name: 'X-User-Id' },
            authToken: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' },
          },
        },
        tags: [
          { name: 'Authentication', description: 'Logging in and out' },
          { name: 'Users', description: 'User accounts' },
          { name: 'Groups', description: 'Private groups and their members' },
          { name: 'Server', description: 'Service information' },
        ],
      },
    })
    await app.register(swaggerUi, { routePrefix: '/api/docs' })
  },
  { name: 'swagger' },
)
