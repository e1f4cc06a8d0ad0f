import { sql } from 'kysely'
import t from 'tap'
import { randomId } from '../../../../../domain/ids.js'
import {
  buildApp,
  createTestGroup,
  createTestUser,
  loginChangesHeard,
  type TestUser,
  testDatabase,
} from '../../../../helper.js'
import {
  api,
  archived,
  assertReply,
  notLoggedIn,
  roomNotFound,
  roomParamNotProvided,
  unauthorized,
} from '../../../../support/api.js'
import { ownedGroup } from '../../../../support/fixtures.js'

const db = await testDatabase(t)

/** Messages at 2024-05-01T10:00:0N.123456Z for N = 1, 2, 3, counted in the group's `msgs`. */
async function threeMessages(roomId: string, author: TestUser) {
  for (const second of [1, 2, 3]) {
    const time = sql<Date>`${`2024-05-01T10:00:0${second}.123456Z`}::timestamptz`
    await db
      .insertInto('messages')
      .values({
        id: randomId(),
        room_id: roomId,
        type: null,
        msg: `message ${second}`,
        role: null,
        user_id: author.id,
        username: author.username,
        created_at: time,
        updated_at: time,
      })
      .execute()
  }
  await db.updateTable('rooms').set({ msgs: 3 }).where('id', '=', roomId).execute()
}

async function setLastSeen(roomId: string, user: TestUser, at: string) {
  await db
    .updateTable('room_members')
    .set({ last_seen_at: sql<Date>`${at}::timestamptz` })
    .where('room_id', '=', roomId)
    .where('user_id', '=', user.id)
    .execute()
}

async function lastSeenOf(roomId: string, user: TestUser) {
  const row = await db
    .selectFrom('room_members')
    .select('last_seen_at')
    .where('room_id', '=', roomId)
    .where('user_id', '=', user.id)
    .executeTakeFirstOrThrow()
  return row.last_seen_at.toISOString()
}

async function auditRowCount() {
  const row = await db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow()
  return Number(row.count)
}

t.test("a member's counters: unread since last read, newest message, active members", async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const sleeper = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member, sleeper])
  await db.updateTable('users').set({ active: false }).where('id', '=', sleeper.id).execute()
  await threeMessages(group._id, owner)
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
  const app = await buildApp(t, db)
  const { owner, member, group } = await ownedGroup(app, db)

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
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const admin = await createTestUser(db, { roles: ['admin'] })
  const outsider = await createTestUser(db)
  const group = await createTestGroup(app, owner, [admin])
  await threeMessages(group._id, owner)
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

  const notJoined = {
    joined: false,
    members: 2,
    unreads: null,
    unreadsFrom: null,
    msgs: 3,
    latest: '2024-05-01T10:00:03.123Z',
    userMentions: null,
    success: true,
  }
  const ofOutsider = await api(app, admin).get('groups.counters', {
    roomId: group._id,
    userId: outsider.id,
  })
  assertReply(t, ofOutsider, 200, notJoined, 'a user not in the group')
  const ofNobody = await api(app, admin).get('groups.counters', {
    roomId: group._id,
    userId: 'no-such-user',
  })
  t.same(ofNobody.json(), notJoined, 'a user that does not exist')

  await db.insertInto('roles').values({ id: 'counters-viewer', scope: 'Users' }).execute()
  await db
    .insertInto('permission_roles')
    .values({ permission_id: 'view-room-administration', role_id: 'counters-viewer' })
    .execute()
  await loginChangesHeard(db)
  const viewer = await createTestUser(db, { roles: ['user', 'counters-viewer'] })
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
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const admin = await createTestUser(db, { roles: ['admin'] })
  const group = await createTestGroup(app, owner, [member, admin])
  await threeMessages(group._id, owner)
  await db
    .updateTable('room_members')
    .set({ open: false })
    .where('room_id', '=', group._id)
    .where('user_id', 'in', [member.id, admin.id])
    .execute()

  const closed = await api(app, member).get('groups.counters', { roomId: group._id })
  assertReply(t, closed, 200, {
    joined: false,
    members: null,
    unreads: null,
    unreadsFrom: null,
    msgs: null,
    latest: null,
    userMentions: null,
    success: true,
  })

  const closedAdmin = await api(app, admin).get('groups.counters', { roomId: group._id })
  t.same(
    closedAdmin.json(),
    {
      joined: false,
      members: 3,
      unreads: null,
      unreadsFrom: null,
      msgs: 3,
      latest: '2024-05-01T10:00:03.123Z',
      userMentions: null,
      success: true,
    },
    'view-room-administration still sees the group counters',
  )
})

t.test('refusals', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const outsider = await createTestUser(db)
  const admin = await createTestUser(db, { roles: ['admin'] })
  const group = await createTestGroup(app, owner, [member])
  const auditRows = await auditRowCount()

  for (const userId of [owner.id, member.id]) {
    const response = await api(app, member).get('groups.counters', { roomId: group._id, userId })
    assertReply(
      t,
      response,
      403,
      unauthorized,
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
      assertReply(t, response, 400, roomNotFound, `${label} ${JSON.stringify(ref)}`)
    }
  }

  const noRoom = await api(app, member).get('groups.counters', {})
  assertReply(t, noRoom, 400, roomParamNotProvided)

  const anonymous = await api(app, null).get('groups.counters', { roomId: group._id })
  assertReply(t, anonymous, 401, notLoggedIn)

  await db.updateTable('rooms').set({ archived: true }).where('id', '=', group._id).execute()
  const queries: Array<Record<string, string>> = [
    { roomId: group._id },
    { roomId: group._id, userId: owner.id },
  ]
  for (const query of queries) {
    const response = await api(app, member).get('groups.counters', query)
    assertReply(t, response, 400, archived(group.name), `archived ${JSON.stringify(query)}`)
  }

  t.equal(await auditRowCount(), auditRows, 'reading counters writes no audit entry')
})
