import t from 'tap'
import { insertAuditEntry } from '../../../../../db/queries/audit.js'
import { api, assertReply, assertUnchanged, fixture, refused } from '../../../../helper.js'

const db = await fixture.testDatabase(t)

type App = Awaited<ReturnType<typeof fixture.buildApp>>

async function storedAuditIds(roomId?: string) {
  let query = db.selectFrom('audit_log').select('id').orderBy('id')
  if (roomId !== undefined) query = query.where('room_id', '=', roomId)
  return (await query.execute()).map((row) => String(row.id))
}

/** A group that went through a rename, an invite and a kick, all by its owner. */
async function groupWithChanges(app: App) {
  const owner = await fixture.createTestUser(db)
  const member = await fixture.createTestUser(db)
  const guest = await fixture.createTestUser(db)
  const group = await fixture.createTestGroup(app, owner, [member])
  const newName = `${group.name}-renamed`
  for (const [endpoint, payload] of [
    ['groups.rename', { roomId: group._id, name: newName }],
    ['groups.invite', { roomId: group._id, userId: guest.id }],
    ['groups.kick', { roomId: group._id, userId: guest.id }],
  ] as const) {
    const response = await api(app, owner).post(endpoint, payload)
    if (response.statusCode !== 200) throw new Error(`${endpoint} failed: ${response.body}`)
  }
  return { owner, member, guest, group, oldName: group.name, newName }
}

t.test("an owner reads their group's log: oldest first, who, when, before and after", async (t) => {
  const app = await fixture.buildApp(t, db)
  const { owner, guest, group, oldName, newName } = await groupWithChanges(app)
  await fixture.createTestGroup(app, owner)

  const response = await api(app, owner).get('groups.auditLog', { roomId: group._id })
  t.equal(response.statusCode, 200)
  const body = response.json()
  t.same(Object.keys(body).sort(), ['count', 'entries', 'offset', 'success', 'total'])
  t.same(
    { count: body.count, offset: body.offset, total: body.total, success: body.success },
    { count: 4, offset: 0, total: 4, success: true },
  )
  const ids = await storedAuditIds(group._id)
  t.same(
    body.entries.map((entry: { _id: string }) => entry._id),
    ids,
    'in the order they were written',
  )
  for (const entry of body.entries) t.match(entry.ts, fixture.ISO_TIMESTAMP)
  const [created, ...changes] = body.entries
  const u = { _id: owner.id, username: owner.username }
  t.match(created, {
    action: 'groups.create',
    rid: group._id,
    u,
    before: null,
    after: { name: oldName },
  })
  t.same(changes, [
    {
      _id: ids[1],
      ts: changes[0].ts,
      action: 'groups.rename',
      rid: group._id,
      u,
      before: { name: oldName },
      after: { name: newName },
    },
    {
      _id: ids[2],
      ts: changes[1].ts,
      action: 'groups.invite',
      rid: group._id,
      u,
      before: null,
      after: { member: guest.username },
    },
    {
      _id: ids[3],
      ts: changes[2].ts,
      action: 'groups.kick',
      rid: group._id,
      u,
      before: { member: guest.username, roles: [] },
      after: null,
    },
  ])
  t.ok(
    body.entries.every(
      (entry: { ts: string }, index: number) =>
        index === 0 || entry.ts >= body.entries[index - 1].ts,
    ),
    'times never go backwards',
  )

  const byName = await api(app, owner).get('groups.auditLog', { roomName: newName })
  assertReply(t, byName, 200, body)

  await fixture.markArchived(db, group._id)
  const archived = await api(app, owner).get('groups.auditLog', { roomId: group._id })
  assertReply(t, archived, 200, body, 'an archived group keeps its log readable')
})

t.test('paging: offset, count cut to 100, newest first on request', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  const group = await fixture.createTestGroup(app, owner)
  for (let index = 0; index < 105; index++) {
    await insertAuditEntry(db, {
      actorId: owner.id,
      actorUsername: owner.username,
      roomId: group._id,
      action: 'groups.setTopic',
      before: { topic: `topic ${index}` },
      after: { topic: `topic ${index + 1}` },
    })
  }
  const ids = await storedAuditIds(group._id)
  const page = async (query: Record<string, string>) => {
    const response = await api(app, owner).get('groups.auditLog', { roomId: group._id, ...query })
    t.equal(response.statusCode, 200, JSON.stringify(query))
    const body = response.json()
    return {
      ids: body.entries.map((entry: { _id: string }) => entry._id),
      count: body.count,
      offset: body.offset,
      total: body.total,
    }
  }

  t.same(await page({}), { ids: ids.slice(0, 50), count: 50, offset: 0, total: 106 })
  t.same(await page({ count: '101' }), {
    ids: ids.slice(0, 100),
    count: 100,
    offset: 0,
    total: 106,
  })
  t.same(await page({ offset: '100', count: '10' }), {
    ids: ids.slice(100),
    count: 6,
    offset: 100,
    total: 106,
  })
  t.same(await page({ sort: '{"ts":-1}', count: '3' }), {
    ids: ids.slice(-3).reverse(),
    count: 3,
    offset: 0,
    total: 106,
  })
  t.same(await page({ sort: '{"ts":1}', offset: '105' }), {
    ids: ids.slice(105),
    count: 1,
    offset: 105,
    total: 106,
  })

  for (const sort of ['ts', '{"action":1}', '{"ts":2}', '[]']) {
    const response = await api(app, owner).get('groups.auditLog', { roomId: group._id, sort })
    assertReply(t, response, 400, refused.invalidSort(sort), sort)
  }
  for (const [query, error] of [
    [{ count: '-1' }, 'count must be >= 0'],
    [{ offset: 'first' }, 'offset must be a whole number written in decimal digits'],
  ] as const) {
    const response = await api(app, owner).get('groups.auditLog', { roomId: group._id, ...query })
    assertReply(t, response, 400, refused.invalidParams(error), JSON.stringify(query))
  }
})

t.test('view-room-administration: any group, a deleted one by roomId, the whole log', async (t) => {
  const app = await fixture.buildApp(t, db)
  const admin = await fixture.createTestUser(db, { roles: ['admin'] })
  const { owner, group, newName } = await groupWithChanges(app)
  const ownersView = (await api(app, owner).get('groups.auditLog', { roomId: group._id })).json()

  const refs: Array<Record<string, string>> = [{ roomId: group._id }, { roomName: newName }]
  for (const ref of refs) {
    const response = await api(app, admin).get('groups.auditLog', ref)
    assertReply(t, response, 200, ownersView, `not a member, by ${JSON.stringify(ref)}`)
  }

  await db.insertInto('roles').values({ id: 'auditor', scope: 'Users' }).execute()
  await db
    .insertInto('permission_roles')
    .values({ permission_id: 'view-room-administration', role_id: 'auditor' })
    .execute()
  await fixture.loginChangesHeard(db)
  const auditor = await fixture.createTestUser(db, { roles: ['user', 'auditor'] })
  const byPermission = await api(app, auditor).get('groups.auditLog', { roomId: group._id })
  assertReply(t, byPermission, 200, ownersView, 'the permission is what counts, not the admin role')

  await insertAuditEntry(db, {
    actorId: null,
    actorUsername: null,
    roomId: null,
    action: 'permissions.update',
    before: { permission: 'create-p', roles: ['admin', 'user'] },
    after: { permission: 'create-p', roles: ['admin'] },
  })
  const allIds = await storedAuditIds()
  const everything = await api(app, admin).get('groups.auditLog', {
    sort: '{"ts":-1}',
    count: '100',
  })
  t.equal(everything.statusCode, 200)
  const whole = everything.json()
  t.equal(whole.total, allIds.length, 'without a room: every entry')
  t.same(
    whole.entries.map((entry: { _id: string }) => entry._id),
    allIds.reverse().slice(0, 100),
  )
  t.same(whole.entries[0], {
    _id: allIds[0],
    ts: whole.entries[0].ts,
    action: 'permissions.update',
    rid: null,
    u: null,
    before: { permission: 'create-p', roles: ['admin', 'user'] },
    after: { permission: 'create-p', roles: ['admin'] },
  })

  await db.deleteFrom('rooms').where('id', '=', group._id).execute()
  const deleted = await api(app, admin).get('groups.auditLog', { roomId: group._id })
  assertReply(t, deleted, 200, ownersView, "a deleted group's log, by its roomId")
  const byOldName = await api(app, admin).get('groups.auditLog', { roomName: newName })
  assertReply(t, byOldName, 400, refused.roomNotFound, 'a deleted group has no name any more')
  const gone = await api(app, owner).get('groups.auditLog', { roomId: group._id })
  t.same(gone.json(), refused.roomNotFound, 'its owners are gone with it')

  const unknown = await api(app, admin).get('groups.auditLog', { roomId: 'never-existed' })
  assertReply(t, unknown, 200, { entries: [], count: 0, offset: 0, total: 0, success: true })
})

t.test('refusals: members who are not owners, non-members, no room, not logged in', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  const member = await fixture.createTestUser(db)
  const moderator = await fixture.createTestUser(db)
  const outsider = await fixture.createTestUser(db)
  const group = await fixture.createTestGroup(
    app,
    owner,
    [member, moderator],
    fixture.groupName('audited'),
  )
  await fixture.setRoomRoles(db, group._id, moderator.id, ['moderator', 'leader'])
  const otherOwner = await fixture.createTestUser(db)
  await fixture.createTestGroup(app, otherOwner)

  for (const [label, user] of [
    ['a member', member],
    ['a moderator', moderator],
  ] as const) {
    const refs: Array<Record<string, string>> = [{ roomId: group._id }, { roomName: group.name }]
    for (const ref of refs) {
      const response = await api(app, user).get('groups.auditLog', ref)
      assertReply(t, response, 403, refused.unauthorized, `${label} ${JSON.stringify(ref)}`)
    }
  }

  for (const [label, user] of [
    ['a non-member', outsider],
    ['the owner of another group', otherOwner],
  ] as const) {
    const refs: Array<Record<string, string>> = [
      { roomId: group._id },
      { roomName: group.name },
      { roomId: 'no-such-room' },
      { roomName: 'no-such-room' },
    ]
    for (const ref of refs) {
      const response = await api(app, user).get('groups.auditLog', ref)
      assertReply(t, response, 400, refused.roomNotFound, `${label} ${JSON.stringify(ref)}`)
    }
  }

  const noRoom = await api(app, otherOwner).get('groups.auditLog')
  assertReply(
    t,
    noRoom,
    400,
    refused.roomParamNotProvided,
    'only view-room-administration reads the whole log',
  )

  const anonymous = await api(app, null).get('groups.auditLog', { roomId: group._id })
  assertReply(t, anonymous, 401, refused.notLoggedIn)
})

t.test('a refused change leaves no audit entry, a reading none either', async (t) => {
  const { app, owner, member, group } = await fixture.groupFixture(t, db)
  const taken = await fixture.createTestGroup(app, owner)
  const audit = await fixture.snapshot(() => storedAuditIds())

  const duplicate = await api(app, owner).on(group).post('groups.rename', { name: taken.name })
  t.equal(duplicate.statusCode, 400)
  const lastOwner = await api(app, owner).on(group).post('groups.leave')
  t.equal(lastOwner.statusCode, 400)
  const notAllowed = await api(app, member).on(group).post('groups.rename', { name: 'x-y' })
  t.equal(notAllowed.statusCode, 400)
  await api(app, owner).get('groups.auditLog', { roomId: group._id })

  await assertUnchanged(t, audit)
  const response = await api(app, owner).get('groups.auditLog', { roomId: group._id })
  t.equal(response.json().total, 1, 'only the creation')
})
