import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { eventStreamLogin, issueEventTicket } from '../../../domain/auth/event-tickets.js'
import { errors } from '../../../domain/errors.js'
import {
  EventStreamResponseSchema,
  EventsHeadersSchema,
  EventsQuerySchema,
  EventsTicketResponseSchema,
} from '../../../schemas/events.js'
import { EventStream } from '../../../transports/sse/stream.js'
import { describeRoute, notJsonBody, withExample } from '../../describe.js'
import { authenticated } from './security.js'

const eventsRoute = describeRoute('events', [
  [
    withExample(errors.invalidParams, 'ticket must NOT have more than 128 characters'),
    'a `ticket` over 128 characters or a `lastEventId` over 1024',
  ],
  [
    errors.notLoggedIn,
    'no valid `X-User-Id` and `X-Auth-Token` and no `ticket`; or a `ticket` unknown, expired, not of the login sent with it, or whose login is gone; or used already and sent without `Last-Event-ID` or past `EVENTS_TICKET_RESUME_MS` after its stream was last open',
  ],
  errors.tooManyConnections,
])

const ticketRoute = describeRoute('events.ticket', [errors.notLoggedIn, notJsonBody])

/** What the client is told to wait before reconnecting. */
const RETRY_MS = 3000

export const RELAY_NOT_STARTED = 'The event relay has not started yet'

function header(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined
}

const events: FastifyPluginAsyncTypebox = async (app) => {
  const { realtime } = app

  app.post(
    '/events.ticket',
    {
      config: ticketRoute.config,
      schema: {
        ...ticketRoute.schema,
        ...authenticated,
        response: { 200: EventsTicketResponseSchema, ...ticketRoute.refusals },
      },
    },
    async (request) => {
      const { ticket, expires } = await issueEventTicket(
        app.db,
        String(request.headers['x-auth-token']),
      )
      return { ticket, expires: expires.toISOString(), success: true as const }
    },
  )

  app.get(
    '/events',
    {
      // Logged in here, by headers or ticket, rather than by the hook that needs the headers.
      // Counted once the caller is known: per user, as everywhere else, and never an exempt role.
      config: { ...eventsRoute.config, public: true, limitAfterLogin: true },
      schema: {
        ...eventsRoute.schema,
        security: [...authenticated.security, {}],
        querystring: EventsQuerySchema,
        headers: EventsHeadersSchema,
        response: { 200: EventStreamResponseSchema, ...eventsRoute.refusals },
      },
    },
    async (request, reply) => {
      const lastEventId = header(request.headers['last-event-id']) ?? request.query.lastEventId
      const { actor, hashedToken } = await eventStreamLogin(
        app.db,
        {
          userId: header(request.headers['x-user-id']),
          authToken: header(request.headers['x-auth-token']),
          ticket: request.query.ticket,
          lastEventId,
        },
        { resumeMs: app.config.EVENTS_TICKET_RESUME_MS, stream: reply.raw },
      )
      request.actor = actor
      await app.countRequest(request, reply)

      // A process whose relay is not running (starting, or its database away) cannot promise
      // a stream its events: it is not ready, and says so as /readyz does.
      if (!realtime.relay.started) throw errors.notReady(RELAY_NOT_STARTED)

      const { connections } = realtime.services
      if (!connections.take(actor.id)) throw errors.tooManyConnections(connections.max)
      reply.hijack()
      const stream = new EventStream(actor, hashedToken, reply.raw, {
        sendBufferBytes: realtime.limits.sendBufferBytes,
        keepAliveMs: app.config.REALTIME_SSE_KEEPALIVE_MS,
        retryMs: RETRY_MS,
      })
      realtime.streams.add(stream)
      const outbox = realtime.outbox(stream)
      stream.onEnd = () => {
        connections.give(actor.id)
        if (stream.cutOff) app.realtimeMetrics.slowClosed('sse')
        realtime.streams.delete(stream)
        void outbox.close()
      }
      // The response's 'close' means the client went away (the request's fires once it is read).
      reply.raw.on('close', () => stream.ended())
      if (reply.raw.destroyed) stream.ended()
      try {
        // With the headers the hooks set (request id, CORS for a cross-origin EventSource).
        const outcome = await stream.start(
          outbox,
          reply.getHeaders() as Record<string, string>,
          lastEventId,
        )
        if (outcome) app.realtimeMetrics.replayed('sse', outcome)
      } catch (err) {
        request.log.error({ err }, 'could not start an event stream')
        stream.close()
      }
    },
  )
}

export default events
