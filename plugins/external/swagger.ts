import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import { openApiDocument } from '../app/openapi-document.js'
import { swaggerPage } from '../app/swagger-page.js'

/** The OpenAPI document, built from the route schemas, and the page at /api/docs that renders it. */
export default fp(
  async (app) => {
    // Read without logging in: the login hook (plugins/app/auth.ts) passes public routes by.
    app.addHook('onRoute', (route) => {
      if (route.url.startsWith(swaggerPage.routePrefix)) {
        route.config = { ...route.config, public: true }
      }
    })
    await app.register(swagger, { openapi: openApiDocument })
    await app.register(swaggerUi, swaggerPage)
  },
  { name: 'swagger' },
)
