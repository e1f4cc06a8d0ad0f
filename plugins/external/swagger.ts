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
          { name: 'Authentication', description: 'Logging in and out, and the caller themself' },
          {
            name: 'Groups',
            description:
              'Private groups: creating, reading, renaming, settings, leaving, archiving',
          },
          {
            name: 'Members and roles',
            description: 'Who is in a group, and their room roles (owner, moderator, leader)',
          },
          { name: 'Administration', description: 'Users, global roles and permissions' },
          { name: 'Server', description: 'Version, health and metrics' },
        ],
      },
    })
    await app.register(swaggerUi, { routePrefix: '/api/docs' })
  },
  { name: 'swagger' },
)
