import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import type { Db } from '../../db/database.js'
import { storedGroup, type TestUser } from './base.js'

/** Who sends a request: a test user, any headers, or no one (no auth headers). */
export type Caller = { headers: Record<string, string> } | null | undefined

/** Requests to `/api/v1/<endpoint>` as `caller`. */
export function api(app: FastifyInstance, caller?: Caller) {
  const headers = caller?.headers ?? {}
  const post = (endpoint: string, payload?: InjectOptions['payload']) =>
    app.inject({ method: 'POST', url: `/api/v1/${endpoint}`, headers, payload })
  const get = (endpoint: string, query: InjectOptions['query'] = {}) =>
    app.inject({ method: 'GET', url: `/api/v1/${endpoint}`, headers, query })
  return {
    post,
    get,
    /** The same requests about one group: its `roomId` goes with the rest of the body. */
    on: (group: { _id: string }) => ({
      post: (endpoint: string, body: Record<string, unknown> = {}) =>
        post(endpoint, { roomId: group._id, ...body }),
    }),
  }
}

/**
 * Calls that are not logged in, by test name: each makes the caller from the user it claims to
 * be and another user whose token it may borrow.
 */
export const withoutLogin: Record<string, (user: TestUser, other: TestUser) => Caller> = {
  'without auth headers': () => null,
  'with an unknown token': (user) => ({
    headers: { 'x-user-id': user.id, 'x-auth-token': 'not-a-token-anyone-was-given' },
  }),
  "with another user's token": (user, other) => ({
    headers: { 'x-user-id': user.id, 'x-auth-token': other.headers['x-auth-token'] },
  }),
}

export const ISO_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

/** Rocket.Chat's error envelope: the message ends with the error type in brackets. */
export function refusal(errorType: string, message: string) {
  return { success: false, error: `${message} [${errorType}]`, errorType }
}

/** Rocket.Chat's refusals by name, e.g. `refused.roomNotFound`, `refused.archived(name)`. */
export const refused = {
  /** Any other refusal: `refused.as(errorType, message)` is `refusal(errorType, message)`. */
  as: refusal,
  /** A failure Rocket.Chat answers without an error type: `plainFailure`. */
  plain: (error: string) => plainFailure(error),
  /** The body Rocket.Chat answers with when a request needs a login it does not have. */
  notLoggedIn: {
    success: false,
    status: 'error',
    message: 'You must be logged in to do this.',
    error: 'You must be logged in to do this.',
  },
  /** A failed login, whatever the reason, as Rocket.Chat words it. */
  loginFailed: { success: false, status: 'error', error: 'Unauthorized', message: 'Unauthorized' },
  roomNotFound: refusal(
    'error-room-not-found',
    'The required "roomId" or "roomName" param provided does not match any group',
  ),
  roomParamNotProvided: refusal(
    'error-room-param-not-provided',
    'The parameter "roomId" or "roomName" is required',
  ),
  userParamNotProvided: refusal(
    'error-user-param-not-provided',
    'The required "userId" or "username" param was not provided',
  ),
  invalidUser: refusal('error-invalid-user', 'Invalid user'),
  notAllowed: refusal('error-not-allowed', 'Not allowed'),
  notAuthorized: refusal('error-not-authorized', 'Not authorized'),
  editingNotAllowed: refusal('error-action-not-allowed', 'Editing room is not allowed'),
  unauthorized: refusal(
    'error-unauthorized',
    'User does not have the permissions required for this action',
  ),
  userNotInRoom: refusal('error-user-not-in-room', 'User is not in this room'),
  lastOwnerLeaving: refusal(
    'error-you-are-last-owner',
    'You are the last owner. Please set new owner before leaving the room.',
  ),
  lastOwnerRemoved: refusal(
    'error-remove-last-owner',
    'This is the last owner. Please set a new owner before removing this one.',
  ),
  archived: (name: string) =>
    refusal('error-room-archived', `The private group, ${name}, is archived`),
  invalidSort: (raw: string) =>
    refusal('error-invalid-sort', `Invalid sort parameter provided: "${raw}"`),
  invalidQuery: (raw: string) =>
    refusal('error-invalid-query', `Invalid query parameter provided: "${raw}"`),
  invalidParams: (reason: string) => refusal('invalid-params', reason),
}

/** A failure Rocket.Chat answers without an error type. */
export const plainFailure = (error: string) => ({ success: false, error })

/** Something stored, read when the snapshot is taken and again when compared. */
export interface Snapshot<T = unknown> {
  before: T
  read: () => Promise<T>
}

export async function snapshot<T>(read: () => Promise<T>): Promise<Snapshot<T>> {
  return { before: await read(), read }
}

/** A snapshot of a group's row, members and messages (see `storedGroup`). */
export function snapshotGroup(db: Db, roomId: string) {
  return snapshot(() => storedGroup(db, roomId))
}

/** Asserts each snapshot reads now as it did when it was taken. */
export async function assertUnchanged(t: Test, ...snapshots: Snapshot[]) {
  for (const { before, read } of snapshots) t.same(await read(), before, 'nothing stored changed')
}

/** Asserts the status and the exact body of an answer. */
export function assertReply(
  t: Test,
  response: LightMyRequestResponse,
  status: number,
  body: object,
  label?: string,
) {
  t.equal(response.statusCode, status, label ? `${label}: status` : 'status')
  t.same(response.json(), body, label ? `${label}: body` : 'body')
}

/** A request about one group: its endpoint, who sends it, and the rest of its body. */
export type GroupCall = [endpoint: string, caller: Caller, body?: Record<string, unknown>]

/** Asserts that each call about `group` is answered with `status` and `body`, by endpoint. */
export async function assertEachAnswered(
  t: Test,
  app: FastifyInstance,
  group: { _id: string },
  calls: GroupCall[],
  status: number,
  body: object,
) {
  for (const [endpoint, caller, payload] of calls) {
    const response = await api(app, caller)
      .on(group)
      .post(endpoint, { ...payload })
    assertReply(t, response, status, body, endpoint)
  }
}

/** The same call about a group by each of `callers`. */
export const callsBy = (endpoint: string, ...callers: Caller[]): GroupCall[] =>
  callers.map((caller) => [endpoint, caller])
