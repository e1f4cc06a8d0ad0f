import type { EndpointDoc } from './endpoint-doc.js'

const since =
  'Without `updatedSince`: all of them, and `remove` empty. With it, `update` holds those whose `_updatedAt` is after that moment (compared to the millisecond), and `remove` what went after it, as `{_id, _deletedAt}`. An empty `updatedSince` counts as none, as in Rocket.Chat. A change is stamped when its transaction starts, so one that commits late can carry a time just before your previous call: after a reconnect, call `subscriptions.get` and `rooms.get` with a moment a few seconds before your previous call (what is listed twice is harmless). Removals are read from the log of changes, which keeps them for `EVENTS_RETENTION_MS` (7 days by default): an `updatedSince` before the oldest change kept is refused with `error-updatedSince-too-old`, since what went before it can no longer be listed; call again without `updatedSince` and replace what you hold with the answer.'

/** The REST side of realtime clients: catching up on the caller's subscriptions and groups, and the event stream. */
export const realtimeDocs = {
  'subscriptions.get': {
    tag: 'Realtime',
    summary: "The caller's subscriptions, or those changed since a moment",
    description: `Any logged-in user. A subscription is the caller's membership of one private group (closed ones included), by group name; its \`_updatedAt\` is the later of when the caller's room roles and when the group last changed. ${since} \`remove\` lists the caller's subscriptions that went (kicked, left, or the group deleted), by subscription id: one that joins again gets a new id, in \`update\`.

{refusals} For an \`updatedSince\` that is not a date, the \`errorType\` and message are the ones Rocket.Chat gives (its message names the parameter \`lastUpdate\`).`,
  },
  'subscriptions.getOne': {
    tag: 'Realtime',
    summary: "The caller's subscription to one group",
    description: `Any logged-in user. The caller's subscription to the group \`roomId\`, or \`subscription: null\` when they are not in it; a group that does not exist answers the same, so nobody learns of a group they are not in.

{refusals}`,
  },
  'rooms.get': {
    tag: 'Realtime',
    summary: "The caller's groups, or those changed since a moment",
    description: `Any logged-in user. The private groups the caller is in (closed ones included), by name, each as \`groups.list\` shows it. ${since} \`remove\` lists the groups deleted while the caller was in them; Rocket.Chat lists every deleted room to anyone, which would tell strangers of private groups. A group the caller was kicked from or left still exists, so it is in neither list: \`subscriptions.get\` reports that.

{refusals} For an \`updatedSince\` that is not a date, the \`errorType\` is the one Rocket.Chat gives.`,
  },
  events: {
    tag: 'Realtime',
    summary: "The caller's events, live, as Server-Sent Events",
    description: `Any logged-in user, by the login headers or, for a browser's \`EventSource\` (which cannot send headers), by a \`ticket\` from \`events.ticket\`. The answer is a \`text/event-stream\` that stays open and carries every event the caller is entitled to, as the realtime socket (\`/websocket\`) would: the caller's subscriptions and groups changing, the messages of their groups, and role changes, in the order they were logged.

Each event is one block: \`id:\` its place in the log (opaque; compare ids only for equality), \`event:\` the Rocket.Chat stream and event name joined by a slash (\`stream-notify-user/<userId>/rooms-changed\`, \`stream-notify-user/<userId>/subscriptions-changed\`, \`stream-room-messages/<roomId>\`, \`stream-notify-logged/roles-change\`), and \`data:\` the event's Rocket.Chat arguments as a JSON array, dates in EJSON (\`{"$date": <ms>}\`). With \`EventSource\`, listen with \`addEventListener(<event>, …)\`: the events have names, so \`onmessage\` hears none. A member removed from a group gets their subscription's \`removed\` and nothing more about it; logging out, or the login being deleted otherwise, ends the stream within a second.

The stream opens with \`retry: 3000\` (how long a client waits before reconnecting) and writes a \`: keep-alive\` comment every \`REALTIME_SSE_KEEPALIVE_MS\` (15 s by default) while quiet. To resume after a disconnection, send the last \`id:\` received as the \`Last-Event-ID\` header (\`EventSource\` does so by itself) or as \`lastEventId\`: the stream starts with exactly the events after it, then goes on live, with no gap and no repeat. An id the log no longer holds (older than \`EVENTS_RETENTION_MS\`), or one this service never gave the caller, is answered with an \`event: reset\` block, \`data: {"error":"error-events-reset","reason":…}\` and an \`id:\` of the present: reload with \`subscriptions.get\` and \`rooms.get\` (without \`updatedSince\`), then keep the events that follow; reconnecting from the reset's \`id:\` resumes from there. A client that reads too slowly (more than \`REALTIME_SEND_BUFFER_BYTES\` unsent) is cut off, and resumes from its last id.

A ticket works once: a reconnecting \`EventSource\` needs a new one, so close it on error, fetch a ticket and open a new one with \`lastEventId\`.

{refusals}`,
  },
  'events.ticket': {
    tag: 'Realtime',
    summary: 'A single-use ticket to open the event stream',
    description: `Any logged-in user. A ticket standing for the login the request was sent with, for \`GET /api/v1/events?ticket=…\` from a client that cannot send the login headers (a browser's \`EventSource\`). It works once, within a minute; only its hash is kept, and it dies with the login (logging out makes it unusable).

{refusals}`,
  },
} satisfies Record<string, EndpointDoc>
