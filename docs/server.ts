import type { EndpointDoc } from './endpoint-doc.js'

/** The service itself, outside /api/v1. */
export const serverDocs = {
  info: {
    tag: 'Server',
    summary: 'Server version',
    description:
      "No login needed and never rate-limited. `version` is the service's major and minor version, as Rocket.Chat reports its own. For health checks use `/livez` and `/readyz`.",
  },
} satisfies Record<string, EndpointDoc>
