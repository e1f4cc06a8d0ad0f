import { type Static, Type } from '@sinclair/typebox'
import {
  IdSchema,
  Nullable,
  PageQueryProperties,
  PageResultProperties,
  Success,
  SuccessSchema,
  TimestampSchema,
  withExamples,
  withNamedExamples,
} from './common.js'

/** The payload types a webhook can be sent, as its `events` filter names them. */
export const WEBHOOK_EVENT_TYPES = [
  'group.created',
  'group.renamed',
  'group.updated',
  'group.archived',
  'group.unarchived',
  'group.deleted',
  'member.added',
  'member.removed',
  'member.roleAdded',
  'member.roleRemoved',
] as const
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number]

const WebhookIdSchema = Type.String({
  minLength: 1,
  maxLength: 64,
  examples: ['hK3nTqz8WvYc2bR5d'],
})

const UrlSchema = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'Where events are POSTed: an http or https URL',
  examples: ['https://hooks.example.com/chat'],
})

const EventsSchema = Type.Array(
  Type.Unsafe<WebhookEventType>(Type.String({ enum: [...WEBHOOK_EVENT_TYPES] })),
  {
    maxItems: WEBHOOK_EVENT_TYPES.length,
    uniqueItems: true,
    description: 'The payload types to send; empty sends all',
  },
)

const RoomIdsSchema = Type.Array(IdSchema, {
  maxItems: 100,
  uniqueItems: true,
  description: "Only events of these groups; empty sends every group's",
})

const DescriptionSchema = Type.String({ maxLength: 1024 })

export const WebhookSchema = Type.Object({
  _id: WebhookIdSchema,
  url: UrlSchema,
  events: Type.Array(Type.String()),
  roomIds: Type.Array(Type.String()),
  description: Type.String(),
  enabled: Type.Boolean(),
  disabledReason: Nullable(
    Type.String({
      description: 'Why the service disabled it; null when enabled, or disabled by hand',
    }),
  ),
  createdAt: TimestampSchema,
})
export type WebhookView = Static<typeof WebhookSchema>

const exampleWebhook: WebhookView = {
  _id: 'hK3nTqz8WvYc2bR5d',
  url: 'https://hooks.example.com/chat',
  events: ['group.renamed', 'member.added'],
  roomIds: [],
  description: 'Search index',
  enabled: true,
  disabledReason: null,
  createdAt: '2026-12-07T09:30:00.000Z',
}
const exampleSecret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3c2pHEPKmHg='

export const WebhookCreateBodySchema = Type.Object(
  {
    url: UrlSchema,
    events: Type.Optional(EventsSchema),
    roomIds: Type.Optional(RoomIdsSchema),
    description: Type.Optional(DescriptionSchema),
  },
  {
    additionalProperties: false,
    examples: [
      { url: exampleWebhook.url, events: exampleWebhook.events, description: 'Search index' },
    ],
  },
)
export type WebhookCreateBody = Static<typeof WebhookCreateBodySchema>

const SecretSchema = Type.String({
  description: 'The signing secret, shown this once: the service keeps it only encrypted',
  examples: [exampleSecret],
})

export const WebhookCreateResponseSchema = withExamples(
  Success({ webhook: WebhookSchema, secret: SecretSchema }),
  { webhook: exampleWebhook, secret: exampleSecret, success: true },
)

export const WebhookRefBodySchema = Type.Object(
  { webhookId: WebhookIdSchema },
  { additionalProperties: false, examples: [{ webhookId: exampleWebhook._id }] },
)
export type WebhookRefBody = Static<typeof WebhookRefBodySchema>

export const WebhookUpdateBodySchema = Type.Object(
  {
    webhookId: WebhookIdSchema,
    url: Type.Optional(UrlSchema),
    events: Type.Optional(EventsSchema),
    roomIds: Type.Optional(RoomIdsSchema),
    description: Type.Optional(DescriptionSchema),
    enabled: Type.Optional(
      Type.Boolean({ description: '`true` enables it again, clearing `disabledReason`' }),
    ),
  },
  {
    additionalProperties: false,
    examples: [{ webhookId: exampleWebhook._id, events: [], enabled: true }],
  },
)
export type WebhookUpdateBody = Static<typeof WebhookUpdateBodySchema>

export const WebhookResponseSchema = withExamples(Success({ webhook: WebhookSchema }), {
  webhook: exampleWebhook,
  success: true,
})

export const WebhookListQuerySchema = Type.Object({ ...PageQueryProperties })

export const WebhookListResponseSchema = withExamples(
  Success({ webhooks: Type.Array(WebhookSchema), ...PageResultProperties }),
  { webhooks: [exampleWebhook], count: 1, offset: 0, total: 1, success: true },
)

export const WebhookDeleteResponseSchema = SuccessSchema

export const WebhookSecretResponseSchema = withExamples(Success({ secret: SecretSchema }), {
  secret: exampleSecret,
  success: true,
})

const DeliveryIdSchema = Type.String({
  pattern: '^[0-9]{1,18}$',
  description: 'A delivery of this webhook',
  examples: ['42'],
})

export const WebhookTestResponseSchema = withExamples(Success({ deliveryId: DeliveryIdSchema }), {
  deliveryId: '42',
  success: true,
})

export const WebhookDeliveriesQuerySchema = Type.Object({
  webhookId: WebhookIdSchema,
  ...PageQueryProperties,
})

export const WebhookAttemptSchema = Type.Object({
  ts: TimestampSchema,
  statusCode: Nullable(
    Type.Integer({ description: "The receiver's HTTP status; null when none came" }),
  ),
  error: Nullable(Type.String({ description: 'Why no answer came (timeout, refused address…)' })),
  response: Nullable(Type.String({ description: "The response body's first 1024 characters" })),
  durationMs: Type.Integer(),
})

export const WebhookDeliverySchema = Type.Object({
  _id: DeliveryIdSchema,
  messageId: Type.String({
    description:
      "The `webhook-id` header: the event's position in the log, the same on every attempt",
  }),
  type: Type.String({ examples: ['group.renamed'] }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
  createdAt: TimestampSchema,
  nextAttemptAt: Nullable(TimestampSchema),
  payload: Type.Unknown({ description: 'The body sent: `{type, timestamp, data}`' }),
  attempts: Type.Array(WebhookAttemptSchema, { description: 'Oldest first' }),
})
export type WebhookDeliveryView = Static<typeof WebhookDeliverySchema>

export const WebhookDeliveriesResponseSchema = withExamples(
  Success({ deliveries: Type.Array(WebhookDeliverySchema), ...PageResultProperties }),
  {
    deliveries: [
      {
        _id: '42',
        messageId: '7521.88',
        type: 'group.renamed',
        status: 'succeeded',
        createdAt: '2026-12-07T09:31:00.000Z',
        nextAttemptAt: null,
        payload: {
          type: 'group.renamed',
          timestamp: '2026-12-07T09:31:00.000Z',
          data: { roomId: 'ByehQjC44FwMeiLbX', name: 'new-name', previousName: 'old-name' },
        },
        attempts: [
          {
            ts: '2026-12-07T09:31:00.120Z',
            statusCode: 500,
            error: null,
            response: 'upstream unavailable',
            durationMs: 31,
          },
          {
            ts: '2026-12-07T09:31:05.300Z',
            statusCode: 204,
            error: null,
            response: '',
            durationMs: 12,
          },
        ],
      },
    ],
    count: 1,
    offset: 0,
    total: 1,
    success: true,
  },
)

export const WebhookRedeliverBodySchema = withNamedExamples(
  Type.Object(
    {
      webhookId: WebhookIdSchema,
      deliveryId: Type.Optional(DeliveryIdSchema),
      after: Type.Optional(
        Type.String({
          pattern: '^[0-9]{1,20}\\.[0-9]{1,15}$',
          description:
            "A `webhook-id` (an event's position): every matching event after it is sent again",
          examples: ['7521.88'],
        }),
      ),
    },
    { additionalProperties: false },
  ),
  {
    one: {
      summary: 'One delivery again, with the same webhook-id',
      value: { webhookId: exampleWebhook._id, deliveryId: '42' },
    },
    after: {
      summary: 'Every matching event after this one',
      value: { webhookId: exampleWebhook._id, after: '7521.88' },
    },
  },
)
export type WebhookRedeliverBody = Static<typeof WebhookRedeliverBodySchema>
