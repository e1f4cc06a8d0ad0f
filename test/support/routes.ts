import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify'
import type { Test } from 'tap'
import app from '../../app.js'
import type { Db } from '../../db/database.js'
import { serverOptions } from '../../server-options.js'
import { testConfig } from './base.js'

type JsonSchema = Record<string, unknown>

export interface CollectedRoute {
  method: string
  url: string
  /** `METHOD /url`, the key of a route in tables. */
  key: string
  body?: JsonSchema
  querystring?: JsonSchema
  response: Record<string, JsonSchema>
  public: boolean
  /** The refusals the route documents (`config.refuses`, see routes/describe.ts). */
  refuses: readonly string[]
}

/** Routes of the REST API (not the documentation pages, metrics or health probes). */
export function isApiRoute(url: string): boolean {
  return url.startsWith('/api/v1/') || url === '/api/info'
}

/**
 * Whether the route answers success with a stream that stays open (`GET /api/v1/events`): an
 * injected request it accepts never ends, so suite-wide checks send it only what it refuses, or
 * read its answer as a stream.
 */
export function isEventStream(route: Pick<CollectedRoute, 'response'>): boolean {
  const success = route.response['200'] as { content?: Record<string, unknown> } | undefined
  return success?.content?.['text/event-stream'] !== undefined
}

/**
 * The whole app, like `buildApp`, plus every API route it registered with its schemas, taken
 * from the app itself so that routes added later are covered without listing them anywhere.
 */
export async function buildAppWithRoutes(
  t: Test,
  db: Db,
  config = testConfig(),
): Promise<{ server: FastifyInstance; routes: CollectedRoute[] }> {
  const server = Fastify(serverOptions(config)).withTypeProvider<TypeBoxTypeProvider>()
  const routes: CollectedRoute[] = []
  server.addHook('onRoute', (route: RouteOptions) => {
    if (!isApiRoute(route.url)) return
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    for (const method of methods) {
      if (method === 'HEAD' || method === 'OPTIONS') continue
      const schema = (route.schema ?? {}) as Record<string, unknown>
      routes.push({
        method,
        url: route.url,
        key: `${method} ${route.url}`,
        body: schema.body as JsonSchema | undefined,
        querystring: schema.querystring as JsonSchema | undefined,
        response: (schema.response ?? {}) as Record<string, JsonSchema>,
        public: route.config?.public === true,
        refuses: route.config?.refuses ?? [],
      })
    }
  })
  await server.register(app, { config, db })
  await server.ready()
  t.teardown(() => server.close())
  routes.sort((a, b) => a.key.localeCompare(b.key))
  return { server, routes }
}
