import t from 'tap'
import { buildApp, createTestUser, groupName, type TestUser, testDatabase } from './helper.js'

const db = await testDatabase(t)

const ISO_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

t.test('a group from creation to deletion, every step in the audit log in order', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const operator = await createTestUser(db, { roles: ['admin'] })
  const member = await createTestUser(db)
  const auditor = await createTestUser(db, { roles: ['admin'] })
  const name = groupName('life')
  const post = async (user: TestUser, endpoint: string, payload: object) => {
    const response = await app.inject({
      method: 'POST',
      url: `/api/v1/${endpoint}`,
      headers: user.headers,
      payload,
    })
    t.equal(response.statusCode, 200, `${endpoint}: ${response.body}`)
    return response.json()
  }
  const done = { success: true }

  const created = await post(owner, 'groups.create', { name, members: [operator.username] })
  t.match(created, { group: { name, t: 'p', u: { _id: owner.id }, ro: false }, success: true })
  t.same([...created.group.usernames].sort(), [owner.username, operator.username].sort())
  const roomId: string = created.group._id
  const room = { roomId }

  const invited = await post(owner, 'groups.invite', { ...room, userId: member.id })
  t.match(invited, { group: { _id: roomId, usersCount: 3 }, success: true })
  t.ok(invited.group.usernames.includes(member.username))

  t.same(await post(owner, 'groups.addModerator', { ...room, userId: member.id }), done)
  t.same(await post(owner, 'groups.addOwner', { ...room, userId: member.id }), done)
  t.same(await post(member, 'groups.setTopic', { ...room, topic: 'Quarterly planning' }), {
    topic: 'Quarterly planning',
    success: true,
  })
  t.same(await post(member, 'groups.archive', room), done)
  t.same(await post(operator, 'groups.unarchive', room), done)

  const left = await post(member, 'groups.leave', room)
  t.match(left, {
    group: { _id: roomId, usersCount: 2, topic: 'Quarterly planning' },
    success: true,
  })
  t.notOk(left.group.usernames.includes(member.username))
  t.notOk(left.group.archived, 'no longer archived')

  t.same(await post(owner, 'groups.delete', room), done)
  const info = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.info',
    headers: owner.headers,
    query: room,
  })
  t.equal(info.statusCode, 400, 'the group is gone')
  t.equal(info.json().errorType, 'error-room-not-found')

  const log = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.auditLog',
    headers: auditor.headers,
    query: room,
  })
  t.equal(log.statusCode, 200)
  const body = log.json()
  t.same(
    { count: body.count, offset: body.offset, total: body.total, success: body.success },
    { count: 9, offset: 0, total: 9, success: true },
  )
  const by = (user: TestUser) => ({ _id: user.id, username: user.username })
  const moderatorOnly = { member: member.username, roles: ['moderator'] }
  const moderatorAndOwner = { member: member.username, roles: ['moderator', 'owner'] }
  t.same(
    body.entries.map(({ action, rid, u, before, after }: Record<string, unknown>) => ({
      action,
      rid,
      u,
      before,
      after,
    })),
    [
      {
        action: 'groups.create',
        rid: roomId,
        u: by(owner),
        before: null,
        after: { name, readOnly: false, members: [owner.username, operator.username] },
      },
      {
        action: 'groups.invite',
        rid: roomId,
        u: by(owner),
        before: null,
        after: { member: member.username },
      },
      {
        action: 'groups.addModerator',
        rid: roomId,
        u: by(owner),
        before: { member: member.username, roles: [] },
        after: moderatorOnly,
      },
      {
        action: 'groups.addOwner',
        rid: roomId,
        u: by(owner),
        before: moderatorOnly,
        after: moderatorAndOwner,
      },
      {
        action: 'groups.setTopic',
        rid: roomId,
        u: by(member),
        before: { topic: null },
        after: { topic: 'Quarterly planning' },
      },
      {
        action: 'groups.archive',
        rid: roomId,
        u: by(member),
        before: { archived: false },
        after: { archived: true },
      },
      {
        action: 'groups.unarchive',
        rid: roomId,
        u: by(operator),
        before: { archived: true },
        after: { archived: false },
      },
      {
        action: 'groups.leave',
        rid: roomId,
        u: by(member),
        before: moderatorAndOwner,
        after: null,
      },
      {
        action: 'groups.delete',
        rid: roomId,
        u: by(owner),
        before: { name, members: [owner.username, operator.username].sort() },
        after: null,
      },
    ],
  )
  const ids = body.entries.map((entry: { _id: string }) => Number(entry._id))
  t.same(
    ids,
    [...ids].sort((a, b) => a - b),
    'in the order the steps happened',
  )
  for (const [index, entry] of body.entries.entries()) {
    t.match(entry.ts, ISO_TIMESTAMP)
    if (index > 0) t.ok(entry.ts >= body.entries[index - 1].ts, `${entry.action} is not earlier`)
  }
})
