import { sql } from 'kysely'
import t from 'tap'
import { api, assertReply, fixture, refused } from '../../../../../helper.js'

const db = await fixture.testDatabase(t)

/** The counters of a user outside the group, or who closed it: joined is false. */
function notJoined(members: number | null, msgs: number | null, latest: string | null) {
  return {
    joined: false,
    members,
    unreads: null,
    unreadsFrom: null,
    msgs,
    latest,
    userMentions: null,
    success: true,
  }
}

async function setLastSeen(roomId: string, user: fixture.TestUser, at: string) {
  await fixture.setMembership(db, roomId, user.id, { last_seen_at: sql<Date>`${at}::timestamptz` })
}

async function lastSeenOf(roomId: string, user: fixture.TestUser) {
  return (await fixture.storedMembership(db, roomId, user.id))?.last_seen_at.toISOString()
}

t.test("a member's counters: unread since last read, newest message, active members", async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  const member = await fixture.createTestUser(db)
  const sleeper = await fixture.createTestUser(db)
  const group = await fixture.createTestGroup(app, owner, [member, sleeper])
  await db.updateTable('users').set({ active: false }).where('id', '=', sleeper.id).execute()
  await fixture.threeMessages(db, group._id, owner)
  await setLastSeen(group._id, member, '2024-05-01T10:00:01.123456Z')

  const byId = await api(app, member).get('groups.counters', { roomId: group._id })
  assertReply(t, byId, 200, {
    joined: true,
    members: 2,
    unreads: 2,
    unreadsFrom: '2024-05-01T10:00:01.123Z',
    msgs: 3,
    latest: '2024-05-01T10:00:03.123Z',
    userMentions: 0,
    success: true,
  })

  const byName = await api(app, member).get('groups.counters', { roomName: group.name })
  t.same(byName.json(), byId.json())

  const own = await api(app, owner).get('groups.counters', { roomId: group._id, userId: '' })
  assertReply(
    t,
    own,
    200,
    {
      joined: true,
      members: 2,
      unreads: 0,
      unreadsFrom: await lastSeenOf(group._id, owner),
      msgs: 3,
      latest: '2024-05-01T10:00:03.123Z',
      userMentions: 0,
      success: true,
    },
    'an empty userId means the caller',
  )
})

t.test('system messages written after the member last read the group are unread', async (t) => {
  const { app, owner, member, group } = await fixture.groupFixture(t, db)

  const info = await api(app, member).get('groups.info', { roomId: group._id })
  const fresh = await api(app, member).get('groups.counters', { roomId: group._id })
  t.same(
    fresh.json(),
    {
      joined: true,
      members: 2,
      unreads: 0,
      unreadsFrom: await lastSeenOf(group._id, member),
      msgs: 0,
      latest: info.json().group._updatedAt,
      userMentions: 0,
      success: true,
    },
    "without messages, latest is the group's _updatedAt",
  )

  const renamed = await api(app, owner).post('groups.rename', {
    roomId: group._id,
    name: `${group.name}-x`,
  })
  t.equal(renamed.statusCode, 200)
  const [renameMessage] = (
    await api(app, member).get('groups.history', { roomId: group._id })
  ).json().messages

  const after = await api(app, member).get('groups.counters', { roomId: group._id })
  t.same(after.json(), {
    joined: true,
    members: 2,
    unreads: 1,
    unreadsFrom: await lastSeenOf(group._id, member),
    msgs: 1,
    latest: renameMessage.ts,
    userMentions: 0,
    success: true,
  })
})

t.test("view-room-administration: another user's counters, in the group or not", async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  const admin = await fixture.createTestUser(db, { roles: ['admin'] })
  const outsider = await fixture.createTestUser(db)
  const group = await fixture.createTestGroup(app, owner, [admin])
  await fixture.threeMessages(db, group._id, owner)
  await setLastSeen(group._id, owner, '2024-05-01T10:00:02.500Z')

  const ofOwner = await api(app, admin).get('groups.counters', {
    roomId: group._id,
    userId: owner.id,
  })
  assertReply(t, ofOwner, 200, {
    joined: true,
    members: 2,
    unreads: 1,
    unreadsFrom: '2024-05-01T10:00:02.500Z',
    msgs: 3,
    latest: '2024-05-01T10:00:03.123Z',
    userMentions: 0,
    success: true,
  })

  const outside = notJoined(2, 3, '2024-05-01T10:00:03.123Z')
  const ofOutsider = await api(app, admin).get('groups.counters', {
    roomId: group._id,
    userId: outsider.id,
  })
  assertReply(t, ofOutsider, 200, outside, 'a user not in the group')
  const ofNobody = await api(app, admin).get('groups.counters', {
    roomId: group._id,
    userId: 'no-such-user',
  })
  t.same(ofNobody.json(), outside, 'a user that does not exist')

  const viewer = await fixture.userWithPermission(db, 'view-room-administration')
  await db.insertInto('room_members').values({ room_id: group._id, user_id: viewer.id }).execute()
  const byPermission = await api(app, viewer).get('groups.counters', {
    roomId: group._id,
    userId: owner.id,
  })
  assertReply(
    t,
    byPermission,
    200,
    { ...ofOwner.json(), members: 3 },
    'the permission is what counts, not the admin role',
  )
})

t.test('a member who closed the group is not joined', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  const member = await fixture.createTestUser(db)
  const admin = await fixture.createTestUser(db, { roles: ['admin'] })
  const group = await fixture.createTestGroup(app, owner, [member, admin])
  await fixture.threeMessages(db, group._id, owner)
  await fixture.setMembership(db, group._id, [member.id, admin.id], { open: false })

  const closed = await api(app, member).get('groups.counters', { roomId: group._id })
  assertReply(t, closed, 200, notJoined(null, null, null))

  const closedAdmin = await api(app, admin).get('groups.counters', { roomId: group._id })
  t.same(
    closedAdmin.json(),
    notJoined(3, 3, '2024-05-01T10:00:03.123Z'),
    'view-room-administration still sees the group counters',
  )
})

t.test('refusals', async (t) => {
  const { app, owner, member, group } = await fixture.groupFixture(t, db)
  const outsider = await fixture.createTestUser(db)
  const admin = await fixture.createTestUser(db, { roles: ['admin'] })
  const auditRows = await fixture.auditRowCount(db)

  for (const userId of [owner.id, member.id]) {
    const response = await api(app, member).get('groups.counters', { roomId: group._id, userId })
    assertReply(
      t,
      response,
      403,
      refused.unauthorized,
      "userId needs view-room-administration, even one's own",
    )
  }

  for (const [label, user] of [
    ['a plain user', outsider],
    ['a global admin', admin],
  ] as const) {
    const refs: Array<Record<string, string>> = [
      { roomId: group._id },
      { roomName: group.name },
      { roomId: 'no-such-room' },
      { roomId: group._id, userId: member.id },
    ]
    for (const ref of refs) {
      const response = await api(app, user).get('groups.counters', ref)
      assertReply(t, response, 400, refused.roomNotFound, `${label} ${JSON.stringify(ref)}`)
    }
  }

  const noRoom = await api(app, member).get('groups.counters', {})
  assertReply(t, noRoom, 400, refused.roomParamNotProvided)

  const anonymous = await api(app, null).get('groups.counters', { roomId: group._id })
  assertReply(t, anonymous, 401, refused.notLoggedIn)

  await fixture.markArchived(db, group._id)
  const queries: Array<Record<string, string>> = [
    { roomId: group._id },
    { roomId: group._id, userId: owner.id },
  ]
  for (const query of queries) {
    const response = await api(app, member).get('groups.counters', query)
    assertReply(t, response, 400, refused.archived(group.name), `archived ${JSON.stringify(query)}`)
  }

  t.equal(await fixture.auditRowCount(db), auditRows, 'reading counters writes no audit entry')
})
