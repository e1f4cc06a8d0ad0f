import t from 'tap'
import { insertAuditEntry } from '../../../../../db/queries/audit.js'
import {
  buildApp,
  createTestGroup,
  createTestUser,
  groupName,
  type TestUser,
  testDatabase,
} from '../../../../helper.js'

const db = await testDatabase(t)

const ISO_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

function refusal(errorType: string, message: string) {
  return { success: false, error: `${message} [${errorType}]`, errorType }
}

const roomNotFound = refusal(
  'error-room-not-found',
  'The required "roomId" or "roomName" param provided does not match any group',
)
const unauthorized = refusal(
  'error-unauthorized',
  'User does not have the permissions required for this action',
)

type App = Awaited<ReturnType<typeof buildApp>>

function auditLog(app: App, user: TestUser, query: Record<string, string> = {}) {
  return app.inject({
    method: 'GET',
    url: '/api/v1/groups.auditLog',
    headers: user.headers,
    query,
  })
}

function post(app: App, endpoint: string, user: TestUser, payload: object) {
  return app.inject({ method: 'POST', url: `/api/v1/${endpoint}`, headers: user.headers, payload })
}

async function storedAuditIds(roomId?: string) {
  let query = db.selectFrom('audit_log').select('id').orderBy('id')
  if (roomId !== undefined) query = query.where('room_id', '=', roomId)
  return (await query.execute()).map((row) => String(row.id))
}

/** A group that went through a rename, an invite and a kick, all by its owner. */
async function groupWithChanges(app: App) {
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const guest = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  const newName = `${group.name}-renamed`
  for (const [endpoint, payload] of [
    ['groups.rename', { roomId: group._id, name: newName }],
    ['groups.invite', { roomId: group._id, userId: guest.id }],
    ['groups.kick', { roomId: group._id, userId: guest.id }],
  ] as const) {
    const response = await post(app, endpoint, owner, payload)
    if (response.statusCode !== 200) throw new Error(`${endpoint} failed: ${response.body}`)
  }
  return { owner, member, guest, group, oldName: group.name, newName }
}

t.test("an owner reads their group's log: oldest first, who, when, before and after", async (t) => {
  const app = await buildApp(t, db)
  const { owner, guest, group, oldName, newName } = await groupWithChanges(app)
  await createTestGroup(app, owner)

  const response = await auditLog(app, owner, { roomId: group._id })
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
  for (const entry of body.entries) t.match(entry.ts, ISO_TIMESTAMP)
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

  const byName = await auditLog(app, owner, { roomName: newName })
  t.equal(byName.statusCode, 200)
  t.same(byName.json(), body)

  await db.updateTable('rooms').set({ archived: true }).where('id', '=', group._id).execute()
  const archived = await auditLog(app, owner, { roomId: group._id })
  t.equal(archived.statusCode, 200, 'an archived group keeps its log readable')
  t.same(archived.json(), body)
})

t.test('paging: offset, count cut to 100, newest first on request', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const group = await createTestGroup(app, owner)
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
    const response = await auditLog(app, owner, { roomId: group._id, ...query })
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
    const response = await auditLog(app, owner, { roomId: group._id, sort })
    t.equal(response.statusCode, 400, sort)
    t.same(
      response.json(),
      refusal('error-invalid-sort', `Invalid sort parameter provided: "${sort}"`),
    )
  }
  for (const [query, error] of [
    [{ count: '-1' }, 'count must be >= 0'],
    [{ offset: 'first' }, 'offset must be integer'],
  ] as const) {
    const response = await auditLog(app, owner, { roomId: group._id, ...query })
    t.equal(response.statusCode, 400, JSON.stringify(query))
    t.same(response.json(), refusal('invalid-params', error))
  }
})

t.test('view-room-administration: any group, a deleted one by roomId, the whole log', async (t) => {
  const app = await buildApp(t, db)
  const admin = await createTestUser(db, { roles: ['admin'] })
  const { owner, group, newName } = await groupWithChanges(app)
  const ownersView = (await auditLog(app, owner, { roomId: group._id })).json()

  const refs: Array<Record<string, string>> = [{ roomId: group._id }, { roomName: newName }]
  for (const ref of refs) {
    const response = await auditLog(app, admin, ref)
    t.equal(response.statusCode, 200, `not a member, by ${JSON.stringify(ref)}`)
    t.same(response.json(), ownersView)
  }

  await db.insertInto('roles').values({ id: 'auditor', scope: 'Users' }).execute()
  await db
    .insertInto('permission_roles')
    .values({ permission_id: 'view-room-administration', role_id: 'auditor' })
    .execute()
  const auditor = await createTestUser(db, { roles: ['user', 'auditor'] })
  const byPermission = await auditLog(app, auditor, { roomId: group._id })
  t.equal(byPermission.statusCode, 200, 'the permission is what counts, not the admin role')
  t.same(byPermission.json(), ownersView)

  await insertAuditEntry(db, {
    actorId: null,
    actorUsername: null,
    roomId: null,
    action: 'permissions.update',
    before: { permission: 'create-p', roles: ['admin', 'user'] },
    after: { permission: 'create-p', roles: ['admin'] },
  })
  const allIds = await storedAuditIds()
  const everything = await auditLog(app, admin, { sort: '{"ts":-1}', count: '100' })
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
  const deleted = await auditLog(app, admin, { roomId: group._id })
  t.equal(deleted.statusCode, 200, "a deleted group's log, by its roomId")
  t.same(deleted.json(), ownersView)
  const byOldName = await auditLog(app, admin, { roomName: newName })
  t.equal(byOldName.statusCode, 400, 'a deleted group has no name any more')
  t.same(byOldName.json(), roomNotFound)
  const gone = await auditLog(app, owner, { roomId: group._id })
  t.same(gone.json(), roomNotFound, 'its owners are gone with it')

  const unknown = await auditLog(app, admin, { roomId: 'never-existed' })
  t.equal(unknown.statusCode, 200)
  t.same(unknown.json(), { entries: [], count: 0, offset: 0, total: 0, success: true })
})

t.test('refusals: members who are not owners, non-members, no room, not logged in', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const moderator = await createTestUser(db)
  const outsider = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member, moderator], groupName('audited'))
  await db
    .updateTable('room_members')
    .set({ roles: ['moderator', 'leader'] })
    .where('room_id', '=', group._id)
    .where('user_id', '=', moderator.id)
    .execute()
  const otherOwner = await createTestUser(db)
  await createTestGroup(app, otherOwner)

  for (const [label, user] of [
    ['a member', member],
    ['a moderator', moderator],
  ] as const) {
    const refs: Array<Record<string, string>> = [{ roomId: group._id }, { roomName: group.name }]
    for (const ref of refs) {
      const response = await auditLog(app, user, ref)
      t.equal(response.statusCode, 403, `${label} ${JSON.stringify(ref)}`)
      t.same(response.json(), unauthorized)
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
      const response = await auditLog(app, user, ref)
      t.equal(response.statusCode, 400, `${label} ${JSON.stringify(ref)}`)
      t.same(response.json(), roomNotFound)
    }
  }

  const noRoom = await auditLog(app, otherOwner)
  t.equal(noRoom.statusCode, 400, 'only view-room-administration reads the whole log')
  t.same(
    noRoom.json(),
    refusal('error-room-param-not-provided', 'The parameter "roomId" or "roomName" is required'),
  )

  const anonymous = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.auditLog',
    query: { roomId: group._id },
  })
  t.equal(anonymous.statusCode, 401)
  t.same(anonymous.json(), {
    success: false,
    status: 'error',
    message: 'You must be logged in to do this.',
    error: 'You must be logged in to do this.',
  })
})

t.test('a refused change leaves no audit entry, a reading none either', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  const taken = await createTestGroup(app, owner)
  const before = await storedAuditIds()

  const duplicate = await post(app, 'groups.rename', owner, { roomId: group._id, name: taken.name })
  t.equal(duplicate.statusCode, 400)
  const lastOwner = await post(app, 'groups.leave', owner, { roomId: group._id })
  t.equal(lastOwner.statusCode, 400)
  const notAllowed = await post(app, 'groups.rename', member, { roomId: group._id, name: 'x-y' })
  t.equal(notAllowed.statusCode, 400)
  await auditLog(app, owner, { roomId: group._id })

  t.same(await storedAuditIds(), before)
  const response = await auditLog(app, owner, { roomId: group._id })
  t.equal(response.json().total, 1, 'only the creation')
})
