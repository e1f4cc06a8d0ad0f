// subscriptions.get and subscriptions.getOne: the caller's memberships as Rocket.Chat's
// subscriptions, and what changed or went since a moment.
import { RestClient } from '@rocket.chat/api-client'
import { sql } from 'kysely'
import t from 'tap'
import { api, assertReply, catchUp, fixture, refused } from '../../../helper.js'

const db = await fixture.testDatabase(t)

/** The subscription as it should be shown, built from the stored group and membership. */
const storedSubscription = (roomId: string, user: fixture.TestUser) =>
  fixture.storedSubscription(db, roomId, user)

/** Sets when a group and one membership last changed (text, so microseconds can be given). */
async function setUpdatedAt(roomId: string, userId: string, room: string, member: string) {
  await db
    .updateTable('rooms')
    .set({ updated_at: sql<Date>`${room}::timestamptz` })
    .where('id', '=', roomId)
    .execute()
  await db
    .updateTable('room_members')
    .set({ updated_at: sql<Date>`${member}::timestamptz` })
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .execute()
}

/** Dates the user's removals logged so far back to `A_WHILE_AGO`. */
async function backdateRemovals(userId: string) {
  await db
    .updateTable('events')
    .set({ created_at: fixture.A_WHILE_AGO })
    .where('kind', '=', 'member.removed')
    .where('user_id', '=', userId)
    .execute()
}

t.test('subscriptions.get: every group of the caller, closed ones too, by name', async (t) => {
  const { app, user, alpha, bravo } = await catchUp.groupsToList(t, db)

  const response = await api(app, user).get('subscriptions.get')

  assertReply(t, response, 200, {
    update: [await storedSubscription(alpha._id, user), await storedSubscription(bravo._id, user)],
    remove: [],
    success: true,
  })
  const [archived, closed] = response.json().update
  t.match(archived, { roles: ['owner'], archived: true, open: true })
  t.match(closed, { roles: [], open: false })
  t.notOk('archived' in closed, 'archived is left out until the group is archived')
  t.match(closed.ts, fixture.ISO_TIMESTAMP)
  t.match(closed._updatedAt, fixture.ISO_TIMESTAMP)
})

t.test('subscriptions.get with updatedSince: changed strictly after it, to the ms', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)
  const roomChanged = await fixture.createTestGroup(app, user)
  const rolesChanged = await fixture.createTestGroup(app, user)
  const untouched = await fixture.createTestGroup(app, user)
  await setUpdatedAt(roomChanged._id, user.id, '2021-06-01T12:00:00.123456Z', '2020-01-01T00:00Z')
  await setUpdatedAt(rolesChanged._id, user.id, '2020-01-01T00:00Z', '2021-06-01T12:00:00.456Z')
  await setUpdatedAt(untouched._id, user.id, '2020-01-01T00:00Z', '2020-01-01T00:00Z')
  const since = (updatedSince: string) => api(app, user).get('subscriptions.get', { updatedSince })
  const ids = async (updatedSince: string) =>
    (await since(updatedSince)).json().update.map((sub: { rid: string }) => sub.rid)

  const before = await since('2021-06-01T12:00:00.122Z')
  assertReply(t, before, 200, {
    update: [
      await storedSubscription(roomChanged._id, user),
      await storedSubscription(rolesChanged._id, user),
    ].sort((a, b) => a.name.localeCompare(b.name)),
    remove: [],
    success: true,
  })
  t.equal(
    before.json().update.find((sub: { rid: string }) => sub.rid === roomChanged._id)._updatedAt,
    '2021-06-01T12:00:00.123Z',
    "the group's change, shown to the millisecond",
  )
  t.same(await ids('2021-06-01T12:00:00.123Z'), [rolesChanged._id], 'the group at its ms: out')
  t.same(await ids('2021-06-01T12:00:00.455Z'), [rolesChanged._id], 'the roles 1 ms before: in')
  t.same(await ids('2021-06-01T12:00:00.456Z'), [], "the roles' own ms: out")
  t.same(await ids('2021-06-01T14:00:00.456+02:00'), [], 'the same moment in another zone')
})

t.test('subscriptions.get: a role change makes the subscription updated', async (t) => {
  const { app, owner, member, group } = await fixture.groupFixture(t, db)
  await setUpdatedAt(group._id, member.id, '2020-01-01T00:00Z', '2020-01-01T00:00Z')
  const since = { updatedSince: fixture.AFTER_A_WHILE_AGO }
  t.same((await api(app, member).get('subscriptions.get', since)).json().update, [])

  await api(app, owner).post('groups.addModerator', { roomId: group._id, userId: member.id })

  const response = await api(app, member).get('subscriptions.get', since)
  assertReply(t, response, 200, {
    update: [await storedSubscription(group._id, member)],
    remove: [],
    success: true,
  })
  t.same(response.json().update[0].roles, ['moderator'])
})

t.test('subscriptions.get: kicked, left and deleted subscriptions are removed', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  const user = await fixture.createTestUser(db)
  const kickedFrom = await fixture.createTestGroup(app, owner, [user])
  const left = await fixture.createTestGroup(app, owner, [user])
  const deleted = await fixture.createTestGroup(app, owner, [user])
  const kept = await fixture.createTestGroup(app, owner, [user])
  const subscriptionIds = Object.fromEntries(
    (await api(app, user).get('subscriptions.get'))
      .json()
      .update.map((sub: { rid: string; _id: string }) => [sub.rid, sub._id]),
  )
  await setUpdatedAt(kept._id, user.id, '2020-01-01T00:00Z', '2020-01-01T00:00Z')
  // The database's clock, which stamps the removals.
  const start = await fixture.databaseNow(db)

  await api(app, owner).post('groups.kick', { roomId: kickedFrom._id, userId: user.id })
  await api(app, user).post('groups.leave', { roomId: left._id })
  await api(app, owner).post('groups.delete', { roomId: deleted._id })

  const end = await fixture.databaseNow(db)
  const response = await api(app, user).get('subscriptions.get', {
    updatedSince: fixture.AFTER_A_WHILE_AGO,
  })
  t.equal(response.statusCode, 200)
  const body = response.json()
  t.same(body.update, [], 'the group kept, unchanged since, is not listed')
  t.same(
    body.remove.map((removed: { _id: string }) => removed._id),
    [subscriptionIds[kickedFrom._id], subscriptionIds[left._id], subscriptionIds[deleted._id]],
    'the subscription ids, in the order they went',
  )
  for (const removed of body.remove) {
    t.same(Object.keys(removed), ['_id', '_deletedAt'])
    t.match(removed._deletedAt, fixture.ISO_TIMESTAMP)
    const at = Date.parse(removed._deletedAt)
    t.ok(fixture.stampedBetween(at, start, end), `${removed._deletedAt} is when it went`)
  }

  const without = await api(app, user).get('subscriptions.get')
  assertReply(t, without, 200, {
    update: [await storedSubscription(kept._id, user)],
    remove: [],
    success: true,
  })

  const afterLast = await api(app, user).get('subscriptions.get', {
    updatedSince: body.remove.at(-1)._deletedAt,
  })
  assertReply(t, afterLast, 200, { update: [], remove: [], success: true }, 'strictly after')
})

t.test('subscriptions.get: removals before updatedSince are not listed', async (t) => {
  const { app, owner, member, group } = await fixture.groupFixture(t, db)
  const second = await fixture.createTestGroup(app, owner, [member])
  await api(app, owner).post('groups.kick', { roomId: group._id, userId: member.id })
  await backdateRemovals(member.id)
  await setUpdatedAt(second._id, member.id, '2020-01-01T00:00Z', '2020-01-01T00:00Z')

  const response = await api(app, member).get('subscriptions.get', {
    updatedSince: fixture.AFTER_A_WHILE_AGO,
  })

  assertReply(t, response, 200, { update: [], remove: [], success: true })
})

t.test('subscriptions.get: kicked then invited again, the old id is removed', async (t) => {
  const { app, owner, member, group } = await fixture.groupFixture(t, db)
  const before = (await api(app, member).get('subscriptions.getOne', { roomId: group._id })).json()
  await api(app, owner).post('groups.kick', { roomId: group._id, userId: member.id })
  await api(app, owner).post('groups.invite', { roomId: group._id, userId: member.id })

  const response = await api(app, member).get('subscriptions.get', {
    updatedSince: fixture.AFTER_A_WHILE_AGO,
  })

  t.equal(response.statusCode, 200)
  const body = response.json()
  t.same(body.update, [await storedSubscription(group._id, member)])
  t.not(body.update[0]._id, before.subscription._id, 'a new membership, a new id')
  t.same(
    body.remove.map((removed: { _id: string }) => removed._id),
    [before.subscription._id],
  )
})

t.test("subscriptions.get: another user's removals are never listed", async (t) => {
  const { app, owner, member, bystander, group } = await fixture.groupFixture(t, db, {
    member: {},
    bystander: {},
  })
  const alone = await fixture.createTestGroup(app, member)
  const since = { updatedSince: fixture.AFTER_A_WHILE_AGO }

  await api(app, owner).post('groups.kick', { roomId: group._id, userId: member.id })
  await api(app, member).post('groups.delete', { roomId: alone._id })

  for (const caller of [owner, bystander]) {
    const response = await api(app, caller).get('subscriptions.get', since)
    t.equal(response.statusCode, 200)
    t.same(response.json().remove, [], 'nothing of the kick or of the other group')
  }
  const own = (await api(app, member).get('subscriptions.get', since)).json()
  t.equal(own.remove.length, 2, 'the kicked member hears of both')
})

t.test(
  'subscriptions.get: dates outside what can be stored, or garbage, are refused',
  async (t) => {
    const app = await fixture.buildApp(t, db)
    const user = await fixture.createTestUser(db)
    await catchUp.assertBadDatesRefused(
      t,
      api(app, user),
      'subscriptions.get',
      '2021-13-45T00:00:00Z',
    )
    assertReply(
      t,
      await api(app, user).get('subscriptions.get', { updatedSince: ['2021-01-01', '2022-01-01'] }),
      400,
      refused.invalidParams('updatedSince must be string'),
      'given twice',
    )
  },
)

t.test('subscriptions.get: far past, future and empty dates are answered', async (t) => {
  const { app, member, group } = await fixture.groupFixture(t, db)
  const all = {
    update: [await storedSubscription(group._id, member)],
    remove: [],
    success: true,
  }

  await catchUp.assertFarDatesAnswered(t, api(app, member), 'subscriptions.get', all)
  const withoutTime = await api(app, member).get('subscriptions.get', {
    updatedSince: '1970-01-01',
  })
  assertReply(t, withoutTime, 200, all, 'a date without a time')
})

t.test("subscriptions.getOne: the caller's subscription to a group they are in", async (t) => {
  const { app, member, group } = await fixture.groupFixture(t, db)

  const response = await api(app, member).get('subscriptions.getOne', { roomId: group._id })

  assertReply(t, response, 200, {
    subscription: await storedSubscription(group._id, member),
    success: true,
  })
})

t.test('subscriptions.getOne: a non-member learns nothing of the group', async (t) => {
  const { app, group } = await fixture.groupFixture(t, db)
  const stranger = await fixture.createTestUser(db)
  const admin = await fixture.createAdmin(db)
  const none = { subscription: null, success: true }

  for (const caller of [stranger, admin]) {
    const existing = await api(app, caller).get('subscriptions.getOne', { roomId: group._id })
    const missing = await api(app, caller).get('subscriptions.getOne', { roomId: 'no-such-room' })
    assertReply(t, existing, 200, none, 'a group they are not in')
    assertReply(t, missing, 200, none, 'a group that does not exist')
  }
})

t.test('subscriptions.getOne: no subscription once kicked', async (t) => {
  const { app, owner, member, group } = await fixture.groupFixture(t, db)
  await api(app, owner).post('groups.kick', { roomId: group._id, userId: member.id })

  const response = await api(app, member).get('subscriptions.getOne', { roomId: group._id })

  assertReply(t, response, 200, { subscription: null, success: true })
})

t.test('subscriptions.getOne: roomId missing or empty is refused', async (t) => {
  const { app, member } = await fixture.groupFixture(t, db)

  assertReply(
    t,
    await api(app, member).get('subscriptions.getOne'),
    400,
    refused.invalidParams("must have required property 'roomId'"),
    'missing',
  )
  assertReply(
    t,
    await api(app, member).get('subscriptions.getOne', { roomId: '' }),
    400,
    refused.plain("The 'roomId' param is required"),
    'empty',
  )
})

t.test('subscriptions.get and getOne: not logged in is 401', async (t) => {
  const { app, owner, member, group } = await fixture.groupFixture(t, db)
  for (const [name, caller] of Object.entries(fixture.withoutLogin)) {
    for (const [endpoint, query] of [
      ['subscriptions.get', {}],
      ['subscriptions.get', { updatedSince: fixture.AFTER_A_WHILE_AGO }],
      ['subscriptions.getOne', { roomId: group._id }],
    ] as const) {
      const response = await api(app, caller(member, owner)).get(endpoint, query)
      assertReply(t, response, 401, refused.notLoggedIn, `${endpoint} ${name}`)
    }
  }
})

t.test("Rocket.Chat's own client catches up over a real socket", async (t) => {
  const { app, owner, member, group } = await fixture.groupFixture(t, db)
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' })
  const client = new RestClient({ baseUrl })
  client.setCredentials({
    'X-User-Id': member.headers['x-user-id'],
    'X-Auth-Token': member.headers['x-auth-token'],
  })
  const subscription = await storedSubscription(group._id, member)
  await api(app, owner).post('groups.delete', { roomId: group._id })

  const subscriptions = await client.get('/v1/subscriptions.get', {
    updatedSince: fixture.AFTER_A_WHILE_AGO,
  })
  const rooms = await client.get('/v1/rooms.get', { updatedSince: fixture.AFTER_A_WHILE_AGO })
  const one = await client.get('/v1/subscriptions.getOne', { roomId: group._id })

  t.same(subscriptions.update, [])
  t.same(
    subscriptions.remove.map((removed) => removed._id),
    [subscription._id],
  )
  t.same(
    rooms.remove.map((removed) => removed._id),
    [group._id],
  )
  t.same(one, { subscription: null, success: true })
})
