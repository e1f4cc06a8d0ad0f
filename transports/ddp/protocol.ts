import type { Payload } from '../../domain/realtime/payload.js'

/** Why the server closes a realtime connection: the code and reason it sends. */
export const CLOSE = {
  /** The first frame was not `connect`, or the protocol version is not offered. */
  protocol: { code: 1002, reason: 'protocol error' },
  /** No frame (not even a `pong`) arrived for the ping period plus the pong timeout. */
  heartbeat: { code: 4000, reason: 'TIMEOUT' },
  connectTimeout: { code: 4001, reason: 'connect expected' },
  loginTimeout: { code: 4002, reason: 'login expected' },
  /** The login token was deleted (logout, user deleted or deactivated, password reset). */
  loggedOut: { code: 4003, reason: 'logged out' },
  /** The client reads too slowly: its unsent events passed the send buffer's limit. */
  slowClient: { code: 4004, reason: 'send buffer full' },
  /** The client kept sending after being told to slow down. */
  flood: { code: 4005, reason: 'too many messages' },
  /** The server is shutting down. */
  shutdown: { code: 1001, reason: 'server shutting down' },
} as const

export type CloseReason = (typeof CLOSE)[keyof typeof CLOSE]

/** The DDP versions offered, most preferred first. */
export const VERSIONS = ['1', 'pre2', 'pre1']

/** Rocket.Chat's Meteor error, as `error` of a `result` or a `nosub`. */
export function meteorError(error: string | number, reason?: string) {
  return {
    isClientSafe: true,
    error,
    ...(reason ? { reason } : {}),
    message: reason ? `${reason} [${error}]` : `[${error}]`,
    errorType: 'Meteor.Error',
  }
}

export type MeteorError = ReturnType<typeof meteorError>

export const LOGGED_OUT = "You've been logged out by the server. Please log in again."
export const PASSWORD_LOGIN =
  'Only resuming is offered: log in with POST /api/v1/login and resume with its authToken'
export const TOO_MANY =
  'Error, too many requests. Please slow down. You must wait 1 seconds before trying again.'
export const EVENTS_RESET =
  'The events after this id are no longer kept: reload with REST (subscriptions.get, rooms.get) and subscribe again without lastEventId'

/** The longest `lastEventId` read; longer ones are not ids this service gives out. */
const EVENT_ID_MAX = 64

export type Frame = Record<string, unknown>

/** A client's frame, or undefined when it is not a JSON object. */
export function parseFrame(text: string): Frame | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Frame)
      : undefined
  } catch {
    return undefined
  }
}

/** The `lastEventId` of a subscription's options, when it carries one. */
export function lastEventIdOf(options: unknown): string | undefined {
  if (options === null || typeof options !== 'object') return undefined
  const value = (options as { lastEventId?: unknown }).lastEventId
  if (typeof value !== 'string' || value === '') return undefined
  return value.slice(0, EVENT_ID_MAX + 1)
}

/**
 * One event as Rocket.Chat sends it: a `changed` frame of the stream's collection, always with
 * the id "id", and with `eventId` beside `eventName` and `args` in its fields (Rocket.Chat's
 * clients read only those two). Encoded once per payload, for every session that gets it.
 */
export function ddpFrame(payload: Payload): string {
  return payload.encoded(
    'ddp',
    (p) =>
      `{"msg":"changed","collection":${JSON.stringify(p.stream)},"id":"id","fields":{"eventName":${JSON.stringify(p.eventName)},"args":${p.argsJson},"eventId":"${p.id}"}}`,
  )
}
