import { RestClient } from '@rocket.chat/api-client'
import t, { type Test } from 'tap'
import {
  buildApp,
  createTestGroup,
  createTestUser,
  fixture,
  groupName,
  storedGroup,
  TEST_PASSWORD,
  type TestUser,
  testDatabase,
} from './helper.js'

const db = await testDatabase(t)

const NOT_LOGGED_IN = 'You must be logged in to do this.'

interface LoginData {
  userId: string
  authToken: string
}

function isLoginData(value: unknown): value is LoginData {
  if (typeof value !== 'object' || value === null) return false
  return (
    'userId' in value &&
    typeof value.userId === 'string' &&
    'authToken' in value &&
    typeof value.authToken === 'string'
  )
}

/** The app on a real socket, and the base URL Rocket.Chat's client expects. */
async function listening(t: Test) {
  const app = await buildApp(t, db)
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, baseUrl }
}

/** Logs in through the client, the way a Rocket.Chat app does, and keeps the credentials. */
async function loggedInClient(baseUrl: string, user: TestUser) {
  const client = new RestClient({ baseUrl })
  const body: unknown = await client.post('/v1/login', {
    username: user.username,
    password: TEST_PASSWORD,
  })
  const data = typeof body === 'object' && body !== null && 'data' in body ? body.data : undefined
  if (!isLoginData(data)) throw new Error(`unexpected login answer: ${JSON.stringify(body)}`)
  client.setCredentials({ 'X-User-Id': data.userId, 'X-Auth-Token': data.authToken })
  return { client, body }
}

/** The client rejects non-2xx answers with the fetch Response; this reads its status and body. */
async function refusal(request: Promise<unknown>) {
  try {
    await request
  } catch (error) {
    if (error instanceof Response) return { status: error.status, body: await error.json() }
    throw error
  }
  throw new Error('the request was expected to be refused')
}

/** The `_id` of the group in a `{group}` answer. */
function groupId(body: unknown): string {
  const group =
    typeof body === 'object' && body !== null && 'group' in body ? body.group : undefined
  const id = typeof group === 'object' && group !== null && '_id' in group ? group._id : undefined
  if (typeof id !== 'string') throw new Error(`no group in ${JSON.stringify(body)}`)
  return id
}

/** A body the client's types forbid, sent anyway to see how the server refuses it. */
function untyped<T>(body: Record<string, unknown>): T {
  return body as unknown as T
}

/** The stored timestamps of a group, as the API formats them. */
async function timestamps(roomId: string) {
  const { room } = await storedGroup(db, roomId)
  if (!room) throw new Error(`group ${roomId} is not stored`)
  return { ts: room.created_at.toISOString(), _updatedAt: room.updated_at.toISOString() }
}

/** A `{group}` answer: the given fields with the group's stored timestamps. */
async function groupAnswer(roomId: string, group: Record<string, unknown>) {
  return { group: { ...group, ...(await timestamps(roomId)) }, success: true }
}

/**
 * groups.auditLog is this service's own endpoint, unknown to rest-typings: the client's `get`,
 * typed for that one endpoint.
 */
function readAuditLog(client: RestClient, params: { roomId: string }): Promise<unknown> {
  const get = client.get.bind(client) as unknown as (
    endpoint: '/v1/groups.auditLog',
    params: { roomId: string },
  ) => Promise<unknown>
  return get('/v1/groups.auditLog', params)
}

t.test("Rocket.Chat's REST client takes a group through its whole life", async (t) => {
  const { baseUrl } = await listening(t)
  const admin = await createTestUser(db, { username: groupName('ana'), roles: ['admin', 'user'] })
  const other = await createTestUser(db, { username: groupName('bob') })
  const third = await createTestUser(db, { username: groupName('cy') })

  const { client, body: login } = await loggedInClient(baseUrl, admin)
  t.match(login, {
    status: 'success',
    data: {
      userId: admin.id,
      authToken: /^[A-Za-z0-9_-]{43}$/,
      me: {
        _id: admin.id,
        username: admin.username,
        name: `Name of ${admin.username}`,
        emails: [{ address: `${admin.username}@example.com`, verified: false }],
        active: true,
        type: 'user',
      },
    },
    success: true,
  })
  const { client: otherClient } = await loggedInClient(baseUrl, other)
  const ana = { _id: admin.id, username: admin.username }

  const name = groupName('rc-client')
  const created: unknown = await client.post('/v1/groups.create', {
    name,
    members: [other.username],
  })
  const roomId = groupId(created)
  t.match(roomId, /^[0-9A-Za-z]{17}$/)
  const group = { _id: roomId, name, fname: name, t: 'p', u: ana, sysMes: true }
  t.same(
    created,
    await groupAnswer(roomId, {
      ...group,
      ro: false,
      usernames: [admin.username, other.username],
      msgs: 0,
      usersCount: 2,
    }),
  )

  const invited: unknown = await client.post('/v1/groups.invite', {
    roomId,
    username: third.username,
  })
  const members = [admin.username, other.username, third.username]
  t.same(
    invited,
    await groupAnswer(roomId, { ...group, ro: false, usernames: members, msgs: 1, usersCount: 3 }),
  )

  const roleChanges: Array<[string, () => Promise<unknown>]> = [
    ['addModerator', () => client.post('/v1/groups.addModerator', { roomId, userId: other.id })],
    [
      'removeModerator',
      () => client.post('/v1/groups.removeModerator', { roomId, userId: other.id }),
    ],
    ['addLeader', () => client.post('/v1/groups.addLeader', { roomId, username: third.username })],
    ['removeLeader', () => client.post('/v1/groups.removeLeader', { roomId, userId: third.id })],
    ['addOwner', () => client.post('/v1/groups.addOwner', { roomId, userId: third.id })],
    ['removeOwner', () => client.post('/v1/groups.removeOwner', { roomId, userId: third.id })],
    ['addOwner', () => client.post('/v1/groups.addOwner', { roomId, userId: other.id })],
  ]
  for (const [endpoint, change] of roleChanges) t.same(await change(), { success: true }, endpoint)
  t.same((await storedGroup(db, roomId)).members, [
    { username: admin.username, roles: ['owner'] },
    { username: other.username, roles: ['owner'] },
    { username: third.username, roles: [] },
  ])

  const newName = groupName('rc-renamed')
  const renamed: unknown = await client.post('/v1/groups.rename', { roomId, name: newName })
  const named = { ...group, name: newName, fname: newName }
  t.same(
    renamed,
    await groupAnswer(roomId, { ...named, ro: false, usernames: members, msgs: 9, usersCount: 3 }),
  )
  const info: unknown = await client.get('/v1/groups.info', { roomName: newName })
  t.same(info, renamed, 'groups.info finds the group by its new name')

  t.same(await client.post('/v1/groups.setTopic', { roomId, topic: 'release' }), {
    topic: 'release',
    success: true,
  })
  t.same(await client.post('/v1/groups.setDescription', { roomId, description: 'v2 work' }), {
    description: 'v2 work',
    success: true,
  })
  t.same(await client.post('/v1/groups.setPurpose', { roomId, purpose: 'ship it' }), {
    purpose: 'ship it',
    success: true,
  })
  t.same(await client.post('/v1/groups.setAnnouncement', { roomId, announcement: 'friday' }), {
    announcement: 'friday',
    success: true,
  })
  const settings = {
    ...named,
    topic: 'release',
    description: 'v2 work',
    purpose: 'ship it',
    announcement: 'friday',
    ro: true,
  }
  const readOnly: unknown = await client.post('/v1/groups.setReadOnly', {
    roomId,
    readOnly: true,
  })
  t.same(
    readOnly,
    await groupAnswer(roomId, { ...settings, usernames: members, msgs: 13, usersCount: 3 }),
  )
  const customFields = { team: 'blue', size: 3 }
  const withFields: unknown = await client.post('/v1/groups.setCustomFields', {
    roomId,
    customFields,
  })
  t.same(
    withFields,
    await groupAnswer(roomId, {
      ...settings,
      customFields,
      usernames: members,
      msgs: 13,
      usersCount: 3,
    }),
  )
  t.same(await refusal(client.post('/v1/groups.setType', { roomId, type: 'p' })), {
    status: 400,
    body: {
      success: false,
      error: 'The private group type is the same as what it would be changed to.',
    },
  })

  t.same(await client.post('/v1/groups.archive', { roomId }), { success: true })
  t.same(await refusal(client.post('/v1/groups.rename', { roomId, name: groupName('rc-late') })), {
    status: 400,
    body: {
      success: false,
      error: `The private group, ${newName}, is archived [error-room-archived]`,
      errorType: 'error-room-archived',
    },
  })
  t.same(await client.post('/v1/groups.unarchive', { roomId }), { success: true })

  const left: unknown = await client.post('/v1/groups.leave', { roomId })
  t.same(
    left,
    await groupAnswer(roomId, {
      ...settings,
      customFields,
      usernames: [other.username, third.username],
      msgs: 16,
      usersCount: 2,
    }),
  )

  const beforeDelete = await storedGroup(db, roomId)
  t.same(beforeDelete.members, [
    { username: other.username, roles: ['owner'] },
    { username: third.username, roles: [] },
  ])
  const byAna = (type: string, msg: string, role: string | null = null) => ({
    type,
    msg,
    username: admin.username,
    role,
  })
  t.same(beforeDelete.messages, [
    byAna('au', third.username),
    byAna('subscription-role-added', other.username, 'moderator'),
    byAna('subscription-role-removed', other.username, 'moderator'),
    byAna('subscription-role-added', third.username, 'leader'),
    byAna('subscription-role-removed', third.username, 'leader'),
    byAna('subscription-role-added', third.username, 'owner'),
    byAna('subscription-role-removed', third.username, 'owner'),
    byAna('subscription-role-added', other.username, 'owner'),
    byAna('r', newName),
    byAna('room_changed_topic', 'release'),
    byAna('room_changed_description', 'v2 work'),
    byAna('room_changed_announcement', 'friday'),
    byAna('room-set-read-only', ''),
    byAna('room-archived', ''),
    byAna('room-unarchived', ''),
    byAna('ul', admin.username),
  ])
  t.equal(beforeDelete.room?.creator_id, admin.id)

  t.same(await otherClient.post('/v1/groups.delete', { roomId }), { success: true })
  t.same(
    await storedGroup(db, roomId),
    { room: undefined, members: [], messages: [] },
    'the group, its members and its messages are gone',
  )

  const role = (member: TestUser, roles: string[]) => ({ member: member.username, roles })
  const steps: Array<{ action: string; before: unknown; after: unknown }> = [
    {
      action: 'groups.create',
      before: null,
      after: { name, readOnly: false, members: [admin.username, other.username] },
    },
    { action: 'groups.invite', before: null, after: { member: third.username } },
    {
      action: 'groups.addModerator',
      before: role(other, []),
      after: role(other, ['moderator']),
    },
    {
      action: 'groups.removeModerator',
      before: role(other, ['moderator']),
      after: role(other, []),
    },
    { action: 'groups.addLeader', before: role(third, []), after: role(third, ['leader']) },
    { action: 'groups.removeLeader', before: role(third, ['leader']), after: role(third, []) },
    { action: 'groups.addOwner', before: role(third, []), after: role(third, ['owner']) },
    { action: 'groups.removeOwner', before: role(third, ['owner']), after: role(third, []) },
    { action: 'groups.addOwner', before: role(other, []), after: role(other, ['owner']) },
    { action: 'groups.rename', before: { name }, after: { name: newName } },
    { action: 'groups.setTopic', before: { topic: null }, after: { topic: 'release' } },
    {
      action: 'groups.setDescription',
      before: { description: null },
      after: { description: 'v2 work' },
    },
    { action: 'groups.setPurpose', before: { purpose: null }, after: { purpose: 'ship it' } },
    {
      action: 'groups.setAnnouncement',
      before: { announcement: null },
      after: { announcement: 'friday' },
    },
    { action: 'groups.setReadOnly', before: { readOnly: false }, after: { readOnly: true } },
    { action: 'groups.setCustomFields', before: { customFields: {} }, after: { customFields } },
    { action: 'groups.archive', before: { archived: false }, after: { archived: true } },
    { action: 'groups.unarchive', before: { archived: true }, after: { archived: false } },
    { action: 'groups.leave', before: role(admin, ['owner']), after: null },
  ]
  const stored = await db
    .selectFrom('audit_log')
    .select(['id', 'created_at'])
    .where('room_id', '=', roomId)
    .orderBy('id')
    .execute()
  t.equal(stored.length, steps.length + 1, 'one audit row a change, none for the refused calls')
  const entry = (index: number, u: typeof ana, step: (typeof steps)[number]) => ({
    _id: String(stored[index]?.id),
    ts: stored[index]?.created_at.toISOString(),
    rid: roomId,
    u,
    ...step,
  })
  const entries = [
    ...steps.map((step, index) => entry(index, ana, step)),
    entry(
      steps.length,
      { _id: other.id, username: other.username },
      {
        action: 'groups.delete',
        before: { name: newName, members: [other.username, third.username] },
        after: null,
      },
    ),
  ]
  t.same(
    await readAuditLog(client, { roomId }),
    { entries, count: entries.length, offset: 0, total: entries.length, success: true },
    "an admin reads the deleted group's log through the client, oldest first",
  )
})

/** A group of an owner and a member, with the owner logged in through the client. */
async function ownerWithClient(t: Test) {
  const { app, baseUrl } = await listening(t)
  const owner = await createTestUser(db, { username: groupName('ana') })
  const member = await createTestUser(db, { username: groupName('bob') })
  const group = await createTestGroup(app, owner, [member])
  const { client } = await loggedInClient(baseUrl, owner)
  return { baseUrl, owner, member, group, client }
}

t.test('the client gets 400 for a rename without a name', async (t) => {
  const { client, group } = await ownerWithClient(t)
  const missing = await refusal(client.post('/v1/groups.rename', untyped({ roomId: group._id })))
  t.same(missing, {
    status: 400,
    body: { success: false, error: 'The bodyParam "name" is required' },
  })
  const blank = await refusal(client.post('/v1/groups.rename', { roomId: group._id, name: '' }))
  t.same(blank, missing)
  t.equal((await storedGroup(db, group._id)).room?.name, group.name)
})

t.test('the client gets 400 for a leave without a room', async (t) => {
  const { client } = await ownerWithClient(t)
  t.same(await refusal(client.post('/v1/groups.leave', untyped({}))), {
    status: 400,
    body: {
      success: false,
      error: 'The parameter "roomId" or "roomName" is required [error-room-param-not-provided]',
      errorType: 'error-room-param-not-provided',
    },
  })
})

t.test('the client gets 401 without credentials', async (t) => {
  const { baseUrl, owner, member, group } = await ownerWithClient(t)
  const anonymous = new RestClient({ baseUrl })
  t.same(await refusal(anonymous.post('/v1/groups.leave', { roomId: group._id })), {
    status: 401,
    body: { success: false, status: 'error', message: NOT_LOGGED_IN, error: NOT_LOGGED_IN },
  })
  t.same((await storedGroup(db, group._id)).members, [
    { username: owner.username, roles: ['owner'] },
    { username: member.username, roles: [] },
  ])
})

t.test('the client gets error-you-are-last-owner when the last owner leaves', async (t) => {
  const { client, group } = await ownerWithClient(t)
  t.same(await refusal(client.post('/v1/groups.leave', { roomId: group._id })), {
    status: 400,
    body: {
      success: false,
      error:
        'You are the last owner. Please set new owner before leaving the room. [error-you-are-last-owner]',
      errorType: 'error-you-are-last-owner',
    },
  })
  const stored = await storedGroup(db, group._id)
  t.same(stored.messages, [])
  t.equal(stored.room?.users_count, 2)
})

t.test('POST /api/v1/groups.leave over a socket with plain fetch', async (t) => {
  const { app, baseUrl } = await listening(t)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])

  const response = await fetch(`${baseUrl}/api/v1/groups.leave`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'X-User-Id': member.headers['x-user-id'],
      'X-Auth-Token': member.headers['x-auth-token'],
    },
    body: JSON.stringify({ roomId: group._id }),
  })

  t.equal(response.status, 200)
  t.match(response.headers.get('content-type'), /^application\/json(;|$)/)
  t.same(await response.json(), {
    group: fixture.groupBody({
      ...group,
      ...(await timestamps(group._id)),
      creator: owner,
      usernames: [owner.username],
      msgs: 1,
      usersCount: 1,
    }),
    success: true,
  })
  t.same((await storedGroup(db, group._id)).members, [
    { username: owner.username, roles: ['owner'] },
  ])
})

t.test(
  'the client logs out with post("/v1/logout") and no body; the token is then dead',
  async (t) => {
    const { baseUrl } = await listening(t)
    const user = await createTestUser(db)
    const { client } = await loggedInClient(baseUrl, user)
    t.match(await client.get('/v1/me'), { _id: user.id, username: user.username }, 'logged in')

    const body = await client.post('/v1/logout')

    t.same(body, { status: 'success', data: { message: "You've been logged out!" }, success: true })
    const after = await refusal(client.get('/v1/me'))
    t.equal(after.status, 401)
    t.same(after.body, {
      success: false,
      status: 'error',
      message: NOT_LOGGED_IN,
      error: NOT_LOGGED_IN,
    })
  },
)

t.test(
  'answers carry Content-Type: application/json exactly, as Rocket.Chat’s tests compare it',
  async (t) => {
    const { baseUrl } = await listening(t)
    const user = await createTestUser(db)
    const { body } = await loggedInClient(baseUrl, user)
    const { data } = body as { data: LoginData }
    const headers = { 'x-user-id': data.userId, 'x-auth-token': data.authToken }
    for (const path of ['/api/v1/me', '/api/v1/groups.list', '/api/v1/groups.info', '/api/info']) {
      const response = await fetch(`${baseUrl}${path}`, { headers })
      t.equal(response.headers.get('content-type'), 'application/json', path)
    }
  },
)
