// rooms.get: the caller's groups, and which changed or were deleted since a moment.
import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import t from 'tap'
import { api, assertReply, catchUp, fixture, refused } from '../../../helper.js'

const db = await fixture.testDatabase(t)

/** A group as rooms.get shows it: as groups.info does, without the usernames. */
async function summaryOf(app: FastifyInstance, member: fixture.TestUser, roomId: string) {
  const response = await api(app, member).get('groups.info', { roomId })
  if (response.statusCode !== 200) throw new Error(`no groups.info: ${response.body}`)
  const { usernames: _, ...summary } = response.json().group
  return summary
}

/** Sets when a group last changed (text, so microseconds can be given). */
async function setUpdatedAt(roomId: string, moment: string) {
  await db
    .updateTable('rooms')
    .set({ updated_at: sql<Date>`${moment}::timestamptz` })
    .where('id', '=', roomId)
    .execute()
}

t.test("rooms.get: the caller's groups, closed and archived ones too, by name", async (t) => {
  const { app, user, alpha, bravo } = await catchUp.groupsToList(t, db)

  const response = await api(app, user).get('rooms.get')

  assertReply(t, response, 200, {
    update: [await summaryOf(app, user, alpha._id), await summaryOf(app, user, bravo._id)],
    remove: [],
    success: true,
  })
  t.match(response.json().update[0], { archived: true, t: 'p', usersCount: 2 })
})

t.test('rooms.get with updatedSince: changed strictly after it, to the ms', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)
  const changed = await fixture.createTestGroup(app, user)
  const older = await fixture.createTestGroup(app, user)
  await setUpdatedAt(changed._id, '2021-06-01T12:00:00.123456Z')
  await setUpdatedAt(older._id, '2021-06-01T11:00:00.000Z')
  const ids = async (updatedSince: string) =>
    (await api(app, user).get('rooms.get', { updatedSince }))
      .json()
      .update.map((room: { _id: string }) => room._id)

  const response = await api(app, user).get('rooms.get', {
    updatedSince: '2021-06-01T12:00:00.122Z',
  })
  assertReply(t, response, 200, {
    update: [await summaryOf(app, user, changed._id)],
    remove: [],
    success: true,
  })
  t.equal(response.json().update[0]._updatedAt, '2021-06-01T12:00:00.123Z')
  t.same(await ids('2021-06-01T12:00:00.123Z'), [], 'at its own ms: out')
  t.same(await ids('2021-06-01T14:00:00.122+02:00'), [changed._id], 'another zone, 1 ms before')
  t.same(
    (await ids('2021-06-01T10:59:59.999Z')).sort(),
    [changed._id, older._id].sort(),
    'both, from before either changed',
  )
})

t.test('rooms.get: a change to the group makes it updated', async (t) => {
  const { app, owner, member, group } = await fixture.groupFixture(t, db)
  await fixture.backdate(db, group._id)
  const since = { updatedSince: fixture.AFTER_A_WHILE_AGO }
  t.same((await api(app, member).get('rooms.get', since)).json().update, [])

  await api(app, owner).post('groups.setTopic', { roomId: group._id, topic: 'news' })

  assertReply(t, await api(app, member).get('rooms.get', since), 200, {
    update: [await summaryOf(app, member, group._id)],
    remove: [],
    success: true,
  })
})

t.test('rooms.get: a group deleted while the caller was in it is removed', async (t) => {
  const { app, owner, member, group } = await fixture.groupFixture(t, db)
  // The database's clock, which stamps the removal.
  const start = await fixture.databaseNow(db)

  await api(app, owner).post('groups.delete', { roomId: group._id })

  const end = await fixture.databaseNow(db)
  for (const caller of [owner, member]) {
    const response = await api(app, caller).get('rooms.get', {
      updatedSince: fixture.AFTER_A_WHILE_AGO,
    })
    t.equal(response.statusCode, 200)
    const body = response.json()
    t.same(body.update, [])
    t.same(
      body.remove.map((removed: { _id: string }) => removed._id),
      [group._id],
    )
    t.same(Object.keys(body.remove[0]), ['_id', '_deletedAt'])
    t.match(body.remove[0]._deletedAt, fixture.ISO_TIMESTAMP)
    const at = Date.parse(body.remove[0]._deletedAt)
    t.ok(fixture.stampedBetween(at, start, end), 'when it was deleted')

    const afterIt = await api(app, caller).get('rooms.get', {
      updatedSince: body.remove[0]._deletedAt,
    })
    assertReply(t, afterIt, 200, { update: [], remove: [], success: true }, 'strictly after')
    assertReply(t, await api(app, caller).get('rooms.get'), 200, {
      update: [],
      remove: [],
      success: true,
    })
  }
})

t.test('rooms.get: groups deleted when the caller was not in them are not listed', async (t) => {
  const { app, owner, member, group } = await fixture.groupFixture(t, db)
  const left = await fixture.createTestGroup(app, owner, [member])
  const kickedFrom = await fixture.createTestGroup(app, owner, [member])
  const neverIn = await fixture.createTestGroup(app, owner)
  await fixture.backdate(db, group._id)
  await api(app, member).post('groups.leave', { roomId: left._id })
  await api(app, owner).post('groups.kick', { roomId: kickedFrom._id, userId: member.id })

  const kicked = await api(app, member).get('rooms.get', {
    updatedSince: fixture.AFTER_A_WHILE_AGO,
  })
  assertReply(t, kicked, 200, { update: [], remove: [], success: true }, 'kicked: neither list')

  for (const deleted of [left, kickedFrom, neverIn]) {
    await api(app, owner).post('groups.delete', { roomId: deleted._id })
  }
  const response = await api(app, member).get('rooms.get', {
    updatedSince: fixture.AFTER_A_WHILE_AGO,
  })
  assertReply(t, response, 200, { update: [], remove: [], success: true })
  t.equal(
    (await api(app, owner).get('rooms.get', { updatedSince: fixture.AFTER_A_WHILE_AGO })).json()
      .remove.length,
    3,
    'the owner was in all three',
  )
})

t.test('rooms.get: deletions before updatedSince are not listed', async (t) => {
  const { app, owner, member, group } = await fixture.groupFixture(t, db)
  await api(app, owner).post('groups.delete', { roomId: group._id })
  await db
    .updateTable('events')
    .set({ created_at: fixture.A_WHILE_AGO })
    .where('kind', '=', 'member.removed')
    .where('room_id', '=', group._id)
    .execute()

  const response = await api(app, member).get('rooms.get', {
    updatedSince: fixture.AFTER_A_WHILE_AGO,
  })

  assertReply(t, response, 200, { update: [], remove: [], success: true })
})

t.test('rooms.get: dates outside what can be stored, or garbage, are refused', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)
  await catchUp.assertBadDatesRefused(t, api(app, user), 'rooms.get', '2021-02-30T25:00:00Z')
})

t.test('rooms.get: far past, future and empty dates are answered', async (t) => {
  const { app, member, group } = await fixture.groupFixture(t, db)
  const all = { update: [await summaryOf(app, member, group._id)], remove: [], success: true }

  await catchUp.assertFarDatesAnswered(t, api(app, member), 'rooms.get', all)
})

t.test('rooms.get: not logged in is 401', async (t) => {
  const { app, owner, member } = await fixture.groupFixture(t, db)
  for (const [name, caller] of Object.entries(fixture.withoutLogin)) {
    for (const query of [{}, { updatedSince: fixture.AFTER_A_WHILE_AGO }] as Record<
      string,
      string
    >[]) {
      const response = await api(app, caller(member, owner)).get('rooms.get', query)
      assertReply(t, response, 401, refused.notLoggedIn, name)
    }
  }
})
