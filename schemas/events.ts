import { Type } from '@sinclair/typebox'
import { Success, withExamples } from './common.js'
import { exampleIds } from './examples.js'

const exampleTicket = 'q3Yd0b6mQ1R9yS2X7k5V8n4W1p0Z3c6F9h2J5m8N1s4'

export const EventsTicketResponseSchema = withExamples(
  Success(
    {
      ticket: Type.String({
        description:
          'Send as `ticket` to `GET /api/v1/events`: it opens one stream, once. It then admits only that stream’s reconnects, which carry `Last-Event-ID` (as `EventSource` sends by itself), until `EVENTS_TICKET_RESUME_MS` (5 minutes by default) after the stream was last open, and never past its login',
      }),
      expires: Type.String({
        format: 'date-time',
        description: 'When the ticket stops working if unused: a minute after it was made',
      }),
    },
    { 'x-response-description': 'A ticket for one event stream' },
  ),
  { ticket: exampleTicket, expires: '2016-12-09T15:09:58.042Z', success: true },
)

export const EventsQuerySchema = Type.Object({
  ticket: Type.Optional(
    Type.String({
      maxLength: 128,
      description:
        'A ticket from `POST /api/v1/events.ticket`, for clients that cannot send the login headers (a browser’s `EventSource`). Used already, it admits only a reconnect with `Last-Event-ID` or `lastEventId`, within `EVENTS_TICKET_RESUME_MS` of its stream; sent with the login headers, it must be that login’s',
      examples: [exampleTicket],
    }),
  ),
  lastEventId: Type.Optional(
    Type.String({
      maxLength: 1024,
      description:
        'The `id:` of the last event received, for clients that cannot send `Last-Event-ID` (which wins when both are sent)',
      examples: ['1734.2051.0'],
    }),
  ),
})

export const EventsHeadersSchema = Type.Object({
  'Last-Event-ID': Type.Optional(
    Type.String({
      description:
        'The `id:` of the last event received: the stream starts with the events after it. `EventSource` sends it by itself when it reconnects',
    }),
  ),
})

const exampleRoom = JSON.stringify([
  'updated',
  {
    _id: exampleIds.group,
    name: 'team-testing',
    fname: 'team-testing',
    t: 'p',
    msgs: 0,
    usersCount: 2,
    u: { _id: exampleIds.owner, username: 'testing1' },
    ts: { $date: 1481296138042 },
    ro: false,
    sysMes: true,
    topic: 'Testing',
    _updatedAt: { $date: 1481296960656 },
  },
])

const exampleStream = `retry: 3000

id: 1734.2051.0
event: stream-notify-user/${exampleIds.member}/rooms-changed
data: ${exampleRoom}

: keep-alive

`

/** The 200 of `GET /api/v1/events`: a stream that stays open, documented by what it carries. */
export const EventStreamResponseSchema = {
  description:
    'The stream: `retry:` first, then one block per event (`id:`, `event:`, `data:`), and a `: keep-alive` comment when quiet',
  content: {
    'text/event-stream': {
      schema: Type.String({ description: 'Server-Sent Events, UTF-8' }),
      example: exampleStream,
    },
  },
}
