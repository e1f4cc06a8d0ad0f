// What the tests of the two lists a client catches up with, rooms.get and subscriptions.get,
// share: the groups to list, and the `updatedSince` dates both answer or refuse alike.
import type { Test } from 'tap'
import type { Db } from '../../db/database.js'
import { api, assertReply, refused } from './api.js'
import { buildApp, createTestGroup, createTestUser, groupName } from './base.js'

/**
 * How each list refuses an `updatedSince` that is not a date it takes: Rocket.Chat's
 * subscriptions.get names it `lastUpdate`, with the error type of a bad roomId.
 */
const dateRefusals = {
  'rooms.get': refused.as(
    'error-updatedSince-param-invalid',
    'The "updatedSince" query parameter must be a valid date.',
  ),
  'subscriptions.get': refused.as(
    'error-roomId-param-invalid',
    'The "lastUpdate" query parameter must be a valid date.',
  ),
}

type CatchUpList = keyof typeof dateRefusals

/** Requests as one caller (`api(app, caller)`). */
type Requests = ReturnType<typeof api>

/**
 * The app, and a user in two groups made so that creation order is not name order: `bravo`,
 * another user's, which the user closed, then `alpha`, theirs and archived; and a group the user
 * is not in.
 */
export async function groupsToList(t: Test, db: Db) {
  const app = await buildApp(t, db)
  const user = await createTestUser(db)
  const other = await createTestUser(db)
  const bravo = await createTestGroup(app, other, [user], groupName('bravo'))
  const alpha = await createTestGroup(app, user, [other], groupName('alpha'))
  await createTestGroup(app, other, [], groupName('aardvark'))
  await api(app, user).post('groups.close', { roomId: bravo._id })
  await api(app, user).post('groups.archive', { roomId: alpha._id })
  return { app, user, alpha, bravo }
}

/**
 * Asserts the list refuses an `updatedSince` that is garbage, one of the `impossible` dates or a
 * date outside what can be stored, and as invalid params one longer than 64 characters.
 */
export async function assertBadDatesRefused(
  t: Test,
  requests: Requests,
  list: CatchUpList,
  ...impossible: string[]
) {
  for (const updatedSince of [
    'yesterday-ish',
    ...impossible,
    '0000-01-01T00:00:00Z',
    '10000-01-01T00:00:00Z',
    '+275760-09-13T00:00:00Z',
    '-000001-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999Z',
  ]) {
    assertReply(
      t,
      await requests.get(list, { updatedSince }),
      400,
      dateRefusals[list],
      updatedSince,
    )
  }
  assertReply(
    t,
    await requests.get(list, { updatedSince: '2'.repeat(65) }),
    400,
    refused.invalidParams('updatedSince must NOT have more than 64 characters'),
    'too long',
  )
}

/**
 * Asserts an empty `updatedSince` is taken as absent and the year 0001 as a date, both answered
 * with `all`, and the future up to the last moment stored answered with nothing.
 */
export async function assertFarDatesAnswered(
  t: Test,
  requests: Requests,
  list: CatchUpList,
  all: object,
) {
  const since = (updatedSince: string) => requests.get(list, { updatedSince })
  const none = { update: [], remove: [], success: true }
  assertReply(t, await since(''), 200, all, 'empty: as if absent')
  assertReply(t, await since('0001-01-01T00:00:00.000Z'), 200, all, 'year 0001')
  assertReply(t, await since('2999-01-01T00:00:00Z'), 200, none, 'the future')
  assertReply(t, await since('9999-12-31T23:59:59.998Z'), 200, none, 'the last moment taken')
}
