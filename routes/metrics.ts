import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'

/** The metrics plugins/app/metrics.ts collects, for Prometheus to scrape; absent when METRICS is off. */
const metrics: FastifyPluginAsync = async (app) => {
  const registry = app.metricsRegistry
  if (!registry) return
  app.get(
    '/metrics',
    {
      config: { public: true },
      schema: {
        tags: ['Server'],
        summary: 'Prometheus metrics',
        description:
          'The metrics in Prometheus text format; served only when METRICS=true, and without a ' +
          'login, so keep the port away from the public or filter this path at the proxy.',
        response: {
          200: {
            description: 'Prometheus text exposition format 0.0.4',
            content: {
              'text/plain': {
                schema: Type.String(),
                example: [
                  '# HELP http_requests_total HTTP requests answered, by method, route pattern and status',
                  '# TYPE http_requests_total counter',
                  'http_requests_total{method="POST",route="/api/v1/groups.rename",status="200"} 12',
                ].join('\n'),
              },
            },
          },
        },
      },
    },
    async (_request, reply) => {
      reply.type(registry.contentType)
      return registry.metrics()
    },
  )
}

export default metrics
