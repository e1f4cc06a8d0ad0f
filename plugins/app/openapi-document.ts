import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger'
import { version } from '../../version.js'

/** What the OpenAPI document says of the API as a whole; @fastify/swagger adds every route. */
export const openApiDocument: FastifyDynamicSwaggerOptions['openapi'] = {
  openapi: '3.0.3',
  info: {
    title: 'Private groups API',
    description:
      'A Rocket.Chat-compatible REST API for private groups. Log in with `POST /api/v1/login`, then send the returned `userId` and `authToken` as the `X-User-Id` and `X-Auth-Token` headers.\n\n' +
      'On this page: open `POST /api/v1/login`, press *Try it out* and *Execute* (the example is the admin a fresh `ADMIN_PASS=change-me npm start` creates); then press *Authorize*, paste `data.userId` and `data.authToken` into the two fields, and press the one *Authorize* button below them. Every *Try it out* then sends both headers.',
    version,
  },
  components: {
    securitySchemes: {
      userId: {
        type: 'apiKey',
        in: 'header',
        name: 'X-User-Id',
        description: '`data.userId` from login; sent with `X-Auth-Token`, never alone',
      },
      authToken: {
        type: 'apiKey',
        in: 'header',
        name: 'X-Auth-Token',
        description: '`data.authToken` from login; sent with `X-User-Id`, never alone',
      },
    },
  },
  tags: [
    { name: 'Authentication', description: 'Logging in and out, and the caller themself' },
    {
      name: 'Groups',
      description: 'Private groups: creating, reading, renaming, settings, leaving, archiving',
    },
    {
      name: 'Members and roles',
      description: 'Who is in a group, and their room roles (owner, moderator, leader)',
    },
    {
      name: 'Realtime',
      description:
        "The caller's events as they happen (Server-Sent Events), and catching up after a reconnect: what changed in the caller's groups since a moment",
    },
    { name: 'Administration', description: 'Users, global roles and permissions' },
    { name: 'Server', description: 'Version, health and metrics' },
  ],
}
