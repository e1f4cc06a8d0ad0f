import type { EndpointDoc } from './endpoint-doc.js'

const since =
  'Without `updatedSince`: all of them, and `remove` empty. With it, `update` holds those whose `_updatedAt` is after that moment (compared to the millisecond), and `remove` what went after it, as `{_id, _deletedAt}`. An empty `updatedSince` counts as none, as in Rocket.Chat. A change is stamped when its transaction starts, so one that commits late can carry a time just before your previous call: after a reconnect, call `subscriptions.get` and `rooms.get` with a moment a few seconds before your previous call (what is listed twice is harmless).'

/** The REST side of realtime clients: catching up on the caller's subscriptions and groups. */
export const realtimeDocs = {
  'subscriptions.get': {
    tag: 'Realtime',
    summary: "The caller's subscriptions, or those changed since a moment",
    description: `Any logged-in user. A subscription is the caller's membership of one private group (closed ones included), by group name; its \`_updatedAt\` is the later of when the caller's room roles and when the group last changed. ${since} \`remove\` lists the caller's subscriptions that went (kicked, left, or the group deleted), by subscription id: one that joins again gets a new id, in \`update\`.

{refusals} The \`errorType\` and message are the ones Rocket.Chat gives (its message names the parameter \`lastUpdate\`).`,
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

{refusals} The \`errorType\` is the one Rocket.Chat gives.`,
  },
} satisfies Record<string, EndpointDoc>
