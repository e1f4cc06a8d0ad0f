import type { EndpointDoc } from './endpoint-doc.js'

const access = 'Permission required: the global `manage-outgoing-integrations` (admins).'

/** Outgoing webhooks: where events go, their secrets and their deliveries. */
export const webhookDocs = {
  'webhooks.create': {
    tag: 'Administration',
    summary: 'Create an outgoing webhook',
    description: `${access}

The webhook is sent, in commit order, every event committed from now on that its filters match: \`events\` names the payload types (empty: all), \`roomIds\` the groups (empty: all). Each request is signed as Standard Webhooks says (\`webhook-id\`, \`webhook-timestamp\`, \`webhook-signature\`). Private, loopback and link-local destinations are refused when sending unless the server allows them.

{refusals}

Returns the webhook and its signing secret (\`whsec_…\`), shown this once: the service keeps it only encrypted.`,
  },
  'webhooks.list': {
    tag: 'Administration',
    summary: 'Every outgoing webhook',
    description: `${access} A page of the webhooks, oldest first; \`disabledReason\` says why the service disabled one.

{refusals}`,
  },
  'webhooks.update': {
    tag: 'Administration',
    summary: 'Change an outgoing webhook',
    description: `${access} Changes the fields given; \`enabled: true\` re-enables a webhook the service disabled, which goes on from where it stopped.

{refusals}

Returns the webhook.`,
  },
  'webhooks.delete': {
    tag: 'Administration',
    summary: 'Delete an outgoing webhook',
    description: `${access} Deletes the webhook and its deliveries; nothing more is sent to it.

{refusals}`,
  },
  'webhooks.rotateSecret': {
    tag: 'Administration',
    summary: "Replace a webhook's signing secret",
    description: `${access} Returns the new secret, shown this once. The previous one keeps signing beside it (two space-separated signatures) for \`WEBHOOK_SECRET_OVERLAP_MS\`, 24 hours by default, so receivers can switch without missing a delivery.

{refusals}`,
  },
  'webhooks.test': {
    tag: 'Administration',
    summary: 'Send a test event to a webhook',
    description: `${access} Queues a \`webhook.test\` event (\`data: {webhookId}\`), sent after what the webhook is already owed. Returns its delivery's id.

{refusals}`,
  },
  'webhooks.deliveries': {
    tag: 'Administration',
    summary: "A webhook's deliveries",
    description: `${access} A page of the webhook's deliveries, newest first, each with its payload and every attempt: the receiver's status, or why none came, and the first 1024 characters of its response.

{refusals}`,
  },
  'webhooks.redeliver': {
    tag: 'Administration',
    summary: 'Send events to a webhook again',
    description: `${access} With \`deliveryId\`, sends that delivery's message again with the same \`webhook-id\`; with \`after\` (a \`webhook-id\` of a logged event), sends again every matching event the log holds after it, in order.

{refusals}`,
  },
} satisfies Record<string, EndpointDoc>
