import { adminDocs } from './admin.js'
import { authDocs } from './auth.js'
import type { EndpointDoc } from './endpoint-doc.js'
import { groupDocs } from './groups.js'
import { realtimeDocs } from './realtime.js'
import { serverDocs } from './server.js'
import { userDocs } from './users.js'
import { webhookDocs } from './webhooks.js'

export type { EndpointDoc }

/** Every endpoint's documentation, keyed by its name under /api/v1 (`groups.leave`), or /api (`info`). */
export const endpointDocs = {
  ...authDocs,
  ...userDocs,
  ...groupDocs,
  ...realtimeDocs,
  ...adminDocs,
  ...serverDocs,
  ...webhookDocs,
} satisfies Record<string, EndpointDoc>

export type Endpoint = keyof typeof endpointDocs
