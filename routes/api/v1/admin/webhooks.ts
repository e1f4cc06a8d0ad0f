import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../../../domain/errors.js'
import { pageOf } from '../../../../domain/list-params.js'
import { listDeliveries, redeliver, sendTestEvent } from '../../../../domain/webhooks/deliveries.js'
import {
  createWebhook,
  deleteWebhook,
  listWebhooks,
  rotateWebhookSecret,
  updateWebhook,
} from '../../../../domain/webhooks/manage.js'
import { refusals, SuccessSchema } from '../../../../schemas/common.js'
import {
  WebhookCreateBodySchema,
  WebhookCreateResponseSchema,
  WebhookDeliveriesQuerySchema,
  WebhookDeliveriesResponseSchema,
  WebhookListQuerySchema,
  WebhookListResponseSchema,
  WebhookRedeliverBodySchema,
  WebhookRefBodySchema,
  WebhookResponseSchema,
  WebhookSecretResponseSchema,
  WebhookTestResponseSchema,
  WebhookUpdateBodySchema,
} from '../../../../schemas/webhooks.js'
import { describeRoute, withExample } from '../../../describe.js'
import { authenticated } from '../security.js'

const manager = [errors.forbidden, 'no `manage-outgoing-integrations`'] as const

const create = describeRoute('webhooks.create', [
  manager,
  errors.invalidWebhookUrl,
  errors.webhooksNotConfigured,
])
const badPage = [
  withExample(errors.invalidParams, 'count must be a whole number written in decimal digits'),
  '`count` or `offset` that is not a whole number, or out of range',
] as const
const list = describeRoute('webhooks.list', [badPage, manager])
const update = describeRoute('webhooks.update', [
  manager,
  errors.invalidWebhookUrl,
  errors.webhookNotFound,
])
const remove = describeRoute('webhooks.delete', [manager, errors.webhookNotFound])
const rotate = describeRoute('webhooks.rotateSecret', [
  manager,
  errors.webhooksNotConfigured,
  errors.webhookNotFound,
])
const test = describeRoute('webhooks.test', [manager, errors.webhookNotFound])
const deliveries = describeRoute('webhooks.deliveries', [badPage, manager, errors.webhookNotFound])
const again = describeRoute('webhooks.redeliver', [
  manager,
  errors.redeliverWhat,
  errors.webhookNotFound,
  errors.webhookDeliveryNotFound,
  errors.webhookEventNotFound,
])

/** Outgoing webhooks, for their managers. */
const webhooks: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app

  app.post(
    '/webhooks.create',
    {
      config: create.config,
      schema: {
        ...create.schema,
        ...authenticated,
        body: WebhookCreateBodySchema,
        response: { 200: WebhookCreateResponseSchema, ...create.refusals, ...refusals(401) },
      },
    },
    async (request) => ({
      ...(await createWebhook(db, app.webhooks, request.actor, request.body)),
      success: true as const,
    }),
  )

  app.get(
    '/webhooks.list',
    {
      config: list.config,
      schema: {
        ...list.schema,
        ...authenticated,
        querystring: WebhookListQuerySchema,
        response: { 200: WebhookListResponseSchema, ...list.refusals, ...refusals(401) },
      },
    },
    async (request) => ({
      ...(await listWebhooks(db, request.actor, pageOf(request.query))),
      success: true as const,
    }),
  )

  app.post(
    '/webhooks.update',
    {
      config: update.config,
      schema: {
        ...update.schema,
        ...authenticated,
        body: WebhookUpdateBodySchema,
        response: { 200: WebhookResponseSchema, ...update.refusals, ...refusals(401) },
      },
    },
    async (request) => ({
      webhook: await updateWebhook(db, request.actor, request.body),
      success: true as const,
    }),
  )

  app.post(
    '/webhooks.delete',
    {
      config: remove.config,
      schema: {
        ...remove.schema,
        ...authenticated,
        body: WebhookRefBodySchema,
        response: { 200: SuccessSchema, ...remove.refusals, ...refusals(401) },
      },
    },
    async (request) => {
      await deleteWebhook(db, request.actor, request.body)
      return { success: true as const }
    },
  )

  app.post(
    '/webhooks.rotateSecret',
    {
      config: rotate.config,
      schema: {
        ...rotate.schema,
        ...authenticated,
        body: WebhookRefBodySchema,
        response: { 200: WebhookSecretResponseSchema, ...rotate.refusals, ...refusals(401) },
      },
    },
    async (request) => ({
      secret: await rotateWebhookSecret(db, app.webhooks, request.actor, request.body),
      success: true as const,
    }),
  )

  app.post(
    '/webhooks.test',
    {
      config: test.config,
      schema: {
        ...test.schema,
        ...authenticated,
        body: WebhookRefBodySchema,
        response: { 200: WebhookTestResponseSchema, ...test.refusals, ...refusals(401) },
      },
    },
    async (request) => ({
      deliveryId: await sendTestEvent(db, request.actor, request.body.webhookId),
      success: true as const,
    }),
  )

  app.get(
    '/webhooks.deliveries',
    {
      config: deliveries.config,
      schema: {
        ...deliveries.schema,
        ...authenticated,
        querystring: WebhookDeliveriesQuerySchema,
        response: {
          200: WebhookDeliveriesResponseSchema,
          ...deliveries.refusals,
          ...refusals(401),
        },
      },
    },
    async (request) => ({
      ...(await listDeliveries(db, request.actor, request.query.webhookId, pageOf(request.query))),
      success: true as const,
    }),
  )

  app.post(
    '/webhooks.redeliver',
    {
      config: again.config,
      schema: {
        ...again.schema,
        ...authenticated,
        body: WebhookRedeliverBodySchema,
        response: { 200: SuccessSchema, ...again.refusals, ...refusals(401) },
      },
    },
    async (request) => {
      await redeliver(db, request.actor, request.body)
      return { success: true as const }
    },
  )
}

export default webhooks
