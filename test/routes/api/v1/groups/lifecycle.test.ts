import type { FastifyInstance } from 'fastify'
import t from 'tap'
import {
  buildApp,
  createTestGroup,
  createTestUser,
  groupName,
  storedGroup,
  type TestUser,
  testDatabase,
} from '../../../../helper.js'

const db = await testDatabase(t)

const NOT_LOGGED_IN = {
  success: false,
  status: 'error',
  message: 'You must be logged in to do this.',
  error: 'You must be logged in to do this.',
}

function refusal(errorType: string, message: string) {
  return { success: false, error: `${message} [${errorType}]`, errorType }
}

const ROOM_NOT_FOUND = refusal(
  'error-room-not-found',
  'The required "roomId" or "roomName" param provided does not match any group',
)
const ROOM_PARAM_NOT_PROVIDED = refusal(
  'error-room-param-not-provided',
  'The parameter "roomId" or "roomName" is required',
)
const NOT_AUTHORIZED = refusal('error-not-authorized', 'Not authorized')
const NOT_ALLOWED = refusal('error-not-allowed', 'Not allowed')
const archived = (name: string) =>
  refusal('error-room-archived', `The private group, ${name}, is archived`)
const notArchived = (name: string) =>
  refusal('error-room-not-archived', `The private group, ${name}, is not archived`)

const endpoints = [
  'groups.archive',
  'groups.unarchive',
  'groups.delete',
  'groups.open',
  'groups.close',
]

function post(app: FastifyInstance, endpoint: string, user: TestUser | null, payload: object) {
  return app.inject({
    method: 'POST',
    url: `/api/v1/${endpoint}`,
    headers: user?.headers ?? {},
    payload,
  })
}

function groupInfo(app: FastifyInstance, user: TestUser, roomId: string) {
  return app.inject({
    method: 'GET',
    url: '/api/v1/groups.info',
    headers: user.headers,
    query: { roomId },
  })
}

async function listedGroups(app: FastifyInstance, user: TestUser) {
  const response = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.list',
    headers: user.headers,
  })
  const body = response.json()
  return { ids: body.groups.map((group: { _id: string }) => group._id), total: body.total }
}

async function auditRows(roomId: string) {
  return db
    .selectFrom('audit_log')
    .select(['action', 'actor_id', 'actor_username', 'room_id', 'before', 'after'])
    .where('room_id', '=', roomId)
    .orderBy('id')
    .execute()
}

async function memberOpen(roomId: string, userId: string) {
  const row = await db
    .selectFrom('room_members')
    .select('open')
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return row?.open
}

/** An owner, a plain member, a global admin who is a member, and their group. */
async function ownedGroup(app: FastifyInstance) {
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const admin = await createTestUser(db, { roles: ['admin'] })
  const group = await createTestGroup(app, owner, [member, admin])
  return { owner, member, admin, group, audit: await auditRows(group._id) }
}

async function archivedGroup(app: FastifyInstance) {
  const setup = await ownedGroup(app)
  const response = await post(app, 'groups.archive', setup.owner, { roomId: setup.group._id })
  if (response.statusCode !== 200) throw new Error(`not archived: ${response.body}`)
  return { ...setup, audit: await auditRows(setup.group._id) }
}

/** The audit rows written since the group was set up. */
async function newAuditRows(setup: { group: { _id: string }; audit: unknown[] }) {
  return (await auditRows(setup.group._id)).slice(setup.audit.length)
}

t.test('groups.archive: the owner archives; a system message and an audit row', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, member, group } = setup

  const response = await post(app, 'groups.archive', owner, { roomId: group._id })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { success: true })
  const stored = await storedGroup(db, group._id)
  t.equal(stored.room?.archived, true)
  t.equal(stored.room?.msgs, 1)
  t.same(stored.messages, [
    { type: 'room-archived', msg: '', username: owner.username, role: null },
  ])
  t.same(await newAuditRows(setup), [
    {
      action: 'groups.archive',
      actor_id: owner.id,
      actor_username: owner.username,
      room_id: group._id,
      before: { archived: false },
      after: { archived: true },
    },
  ])
  const info = await groupInfo(app, member, group._id)
  t.equal(info.statusCode, 200, 'members still see an archived group')
  t.match(info.json().group, { archived: true, msgs: 1 })
})

t.test('groups.archive: by roomName, and by a global admin who is a member', async (t) => {
  const app = await buildApp(t, db)
  const { admin, group } = await ownedGroup(app)

  const response = await post(app, 'groups.archive', admin, { roomName: group.name })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { success: true })
  t.equal((await storedGroup(db, group._id)).room?.archived, true)
})

t.test('groups.archive: an archived group is refused with error-room-archived', async (t) => {
  const app = await buildApp(t, db)
  const setup = await archivedGroup(app)
  const before = await storedGroup(db, setup.group._id)

  const response = await post(app, 'groups.archive', setup.owner, { roomId: setup.group._id })

  t.equal(response.statusCode, 400)
  t.same(response.json(), archived(setup.group.name))
  t.same(await storedGroup(db, setup.group._id), before)
  t.same(await newAuditRows(setup), [])
})

t.test('groups.archive: members without archive-room are not authorized', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { member, group } = setup
  const moderator = await createTestUser(db)
  await post(app, 'groups.invite', setup.owner, { roomId: group._id, userId: moderator.id })
  await db
    .updateTable('room_members')
    .set({ roles: ['moderator'] })
    .where('room_id', '=', group._id)
    .where('user_id', '=', moderator.id)
    .execute()
  const before = await storedGroup(db, group._id)
  const auditBefore = await auditRows(group._id)

  for (const user of [member, moderator]) {
    const response = await post(app, 'groups.archive', user, { roomId: group._id })
    t.equal(response.statusCode, 400)
    t.same(response.json(), NOT_AUTHORIZED)
  }
  t.same(await storedGroup(db, group._id), before)
  t.same(await auditRows(group._id), auditBefore)
})

t.test('an archived group refuses leave, rename and invite', async (t) => {
  const app = await buildApp(t, db)
  const setup = await archivedGroup(app)
  const { owner, member, group } = setup
  const newcomer = await createTestUser(db)
  const before = await storedGroup(db, group._id)

  const attempts: Array<[string, TestUser, object]> = [
    ['groups.leave', member, {}],
    ['groups.rename', owner, { name: groupName('renamed') }],
    ['groups.invite', owner, { userId: newcomer.id }],
  ]
  for (const [endpoint, user, body] of attempts) {
    const response = await post(app, endpoint, user, { roomId: group._id, ...body })
    t.equal(response.statusCode, 400, endpoint)
    t.same(response.json(), archived(group.name), endpoint)
  }
  t.same(await storedGroup(db, group._id), before)
  t.same(await newAuditRows(setup), [])
})

t.test('groups.unarchive: an admin member unarchives; message and audit row', async (t) => {
  const app = await buildApp(t, db)
  const setup = await archivedGroup(app)
  const { admin, member, group } = setup

  const response = await post(app, 'groups.unarchive', admin, { roomId: group._id })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { success: true })
  const stored = await storedGroup(db, group._id)
  t.equal(stored.room?.archived, false)
  t.same(
    stored.messages.map((m) => [m.type, m.msg, m.username]),
    [
      ['room-archived', '', setup.owner.username],
      ['room-unarchived', '', admin.username],
    ],
  )
  t.same(await newAuditRows(setup), [
    {
      action: 'groups.unarchive',
      actor_id: admin.id,
      actor_username: admin.username,
      room_id: group._id,
      before: { archived: true },
      after: { archived: false },
    },
  ])
  const info = (await groupInfo(app, member, group._id)).json().group
  t.notOk('archived' in info)

  const leave = await post(app, 'groups.leave', member, { roomId: group._id })
  t.equal(leave.statusCode, 200, 'an unarchived group can be left again')
})

t.test('groups.unarchive: the owner lacks unarchive-room by default', async (t) => {
  const app = await buildApp(t, db)
  const setup = await archivedGroup(app)
  const before = await storedGroup(db, setup.group._id)

  for (const user of [setup.owner, setup.member]) {
    const response = await post(app, 'groups.unarchive', user, { roomId: setup.group._id })
    t.equal(response.statusCode, 400)
    t.same(response.json(), NOT_AUTHORIZED)
  }
  t.same(await storedGroup(db, setup.group._id), before)
  t.same(await newAuditRows(setup), [])
})

t.test('groups.unarchive: a group that is not archived is refused', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const before = await storedGroup(db, setup.group._id)

  const response = await post(app, 'groups.unarchive', setup.admin, { roomId: setup.group._id })

  t.equal(response.statusCode, 400)
  t.same(response.json(), notArchived(setup.group.name))
  t.same(await storedGroup(db, setup.group._id), before)
  t.same(await newAuditRows(setup), [])
})

t.test('groups.delete: the owner deletes the group, its members and messages', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, member, admin, group } = setup
  await post(app, 'groups.setTopic', owner, { roomId: group._id, topic: 'soon gone' })
  const members = (await storedGroup(db, group._id)).members.length

  const response = await post(app, 'groups.delete', owner, { roomId: group._id })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { success: true })
  t.equal(members, 3)
  t.same(await storedGroup(db, group._id), { room: undefined, members: [], messages: [] })
  const [deleted] = (await auditRows(group._id)).slice(setup.audit.length + 1)
  const before = deleted?.before as { name: string; members: string[] } | undefined
  t.match(deleted, {
    action: 'groups.delete',
    actor_id: owner.id,
    actor_username: owner.username,
    room_id: group._id,
    after: null,
  })
  t.equal(before?.name, group.name)
  t.same(
    [...(before?.members ?? [])].sort(),
    [owner.username, member.username, admin.username].sort(),
  )
  const info = await groupInfo(app, owner, group._id)
  t.equal(info.statusCode, 400)
  t.same(info.json(), ROOM_NOT_FOUND)
  t.notOk((await listedGroups(app, member)).ids.includes(group._id))
})

t.test('groups.delete: an admin member may delete, an archived group too', async (t) => {
  const app = await buildApp(t, db)
  const setup = await archivedGroup(app)

  const response = await post(app, 'groups.delete', setup.admin, { roomName: setup.group.name })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { success: true })
  t.equal((await storedGroup(db, setup.group._id)).room, undefined)
  t.same(
    (await newAuditRows(setup)).map((row) => [row.action, row.actor_username]),
    [['groups.delete', setup.admin.username]],
  )
})

t.test('groups.delete: a member without delete-p is not allowed', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const before = await storedGroup(db, setup.group._id)

  const response = await post(app, 'groups.delete', setup.member, { roomId: setup.group._id })

  t.equal(response.statusCode, 400)
  t.same(response.json(), NOT_ALLOWED)
  t.same(await storedGroup(db, setup.group._id), before)
  t.same(await newAuditRows(setup), [])
})

t.test('groups.close and groups.open: one member hides, then shows the group', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, member, group } = setup
  const other = await createTestGroup(app, member)
  const before = await storedGroup(db, group._id)
  const listed = await listedGroups(app, member)
  t.same([...listed.ids].sort(), [group._id, other._id].sort())

  const close = await post(app, 'groups.close', member, { roomId: group._id })

  t.equal(close.statusCode, 200)
  t.same(close.json(), { success: true })
  t.equal(await memberOpen(group._id, member.id), false)
  t.same(await listedGroups(app, member), { ids: [other._id], total: 1 })
  t.same((await listedGroups(app, owner)).ids, [group._id], "others' lists are unchanged")
  t.equal((await groupInfo(app, member, group._id)).statusCode, 200, 'still a member')

  const open = await post(app, 'groups.open', member, { roomName: group.name })

  t.equal(open.statusCode, 200)
  t.same(open.json(), { success: true })
  t.equal(await memberOpen(group._id, member.id), true)
  t.same((await listedGroups(app, member)).total, 2)
  t.same(await storedGroup(db, group._id), before, 'the group itself is untouched')
  t.same(await newAuditRows(setup), [
    {
      action: 'groups.close',
      actor_id: member.id,
      actor_username: member.username,
      room_id: group._id,
      before: { member: member.username, open: true },
      after: { member: member.username, open: false },
    },
    {
      action: 'groups.open',
      actor_id: member.id,
      actor_username: member.username,
      room_id: group._id,
      before: { member: member.username, open: false },
      after: { member: member.username, open: true },
    },
  ])
})

t.test('groups.open and groups.close: no change is a plain failure', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { member, group } = setup

  const open = await post(app, 'groups.open', member, { roomId: group._id })
  t.equal(open.statusCode, 400)
  t.same(open.json(), {
    success: false,
    error: `The private group, ${group.name}, is already open for the sender`,
  })

  await post(app, 'groups.close', member, { roomId: group._id })
  const auditBefore = await auditRows(group._id)
  const close = await post(app, 'groups.close', member, { roomId: group._id })
  t.equal(close.statusCode, 400)
  t.same(close.json(), {
    success: false,
    error: `The private group, ${group.name}, is already closed to the sender`,
  })
  t.equal(await memberOpen(group._id, member.id), false)
  t.same(await auditRows(group._id), auditBefore)
})

t.test('groups.close and groups.open work on an archived group', async (t) => {
  const app = await buildApp(t, db)
  const { member, group } = await archivedGroup(app)

  const close = await post(app, 'groups.close', member, { roomId: group._id })
  t.equal(close.statusCode, 200)
  t.notOk((await listedGroups(app, member)).ids.includes(group._id))
  const open = await post(app, 'groups.open', member, { roomId: group._id })
  t.equal(open.statusCode, 200)
  t.ok((await listedGroups(app, member)).ids.includes(group._id))
})

t.test('every lifecycle endpoint: a non-member, even a global admin, gets not found', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const outsider = await createTestUser(db)
  const admin = await createTestUser(db, { roles: ['admin'] })
  const before = await storedGroup(db, setup.group._id)

  for (const user of [outsider, admin]) {
    for (const endpoint of endpoints) {
      const response = await post(app, endpoint, user, { roomId: setup.group._id })
      t.equal(response.statusCode, 400, endpoint)
      t.same(response.json(), ROOM_NOT_FOUND, endpoint)
    }
  }
  t.same(await storedGroup(db, setup.group._id), before)
  t.same(await newAuditRows(setup), [])
})

t.test('every lifecycle endpoint: an unknown group, none named, an unknown field', async (t) => {
  const app = await buildApp(t, db)
  const { owner, group } = await ownedGroup(app)

  for (const endpoint of endpoints) {
    const unknown = await post(app, endpoint, owner, { roomName: 'no-such-group' })
    t.equal(unknown.statusCode, 400, endpoint)
    t.same(unknown.json(), ROOM_NOT_FOUND, endpoint)

    const unnamed = await post(app, endpoint, owner, {})
    t.equal(unnamed.statusCode, 400, endpoint)
    t.same(unnamed.json(), ROOM_PARAM_NOT_PROVIDED, endpoint)

    const extra = await post(app, endpoint, owner, { roomId: group._id, force: true })
    t.equal(extra.statusCode, 400, endpoint)
    t.match(extra.json(), { success: false, errorType: 'invalid-params' }, endpoint)
  }
  t.ok((await storedGroup(db, group._id)).room)
})

t.test('every lifecycle endpoint: not logged in is 401', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const before = await storedGroup(db, setup.group._id)

  for (const endpoint of endpoints) {
    const response = await post(app, endpoint, null, { roomId: setup.group._id })
    t.equal(response.statusCode, 401, endpoint)
    t.same(response.json(), NOT_LOGGED_IN, endpoint)
  }
  t.same(await storedGroup(db, setup.group._id), before)
})
