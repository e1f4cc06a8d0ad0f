import { RestClient } from '@rocket.chat/api-client'
import t, { type Test } from 'tap'
import {
  buildApp,
  createTestGroup,
  createTestUser,
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

t.test("Rocket.Chat's REST client takes a group from creation to leaving", async (t) => {
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

  const name = groupName('rc-client')
  const created: unknown = await client.post('/v1/groups.create', {
    name,
    members: [other.username],
  })
  const creator = { _id: admin.id, username: admin.username }
  const group = {
    name,
    fname: name,
    t: 'p',
    u: creator,
    ro: false,
    sysMes: true,
  }
  const roomId = groupId(created)
  t.match(roomId, /^[0-9A-Za-z]{17}$/)
  t.same(created, {
    group: {
      _id: roomId,
      ...group,
      usernames: [admin.username, other.username],
      msgs: 0,
      usersCount: 2,
      ...(await timestamps(roomId)),
    },
    success: true,
  })

  const invited: unknown = await client.post('/v1/groups.invite', {
    roomId,
    username: third.username,
  })
  t.same(invited, {
    group: {
      _id: roomId,
      ...group,
      usernames: [admin.username, other.username, third.username],
      msgs: 1,
      usersCount: 3,
      ...(await timestamps(roomId)),
    },
    success: true,
  })

  const ownerAdded: unknown = await client.post('/v1/groups.addOwner', {
    roomId,
    userId: other.id,
  })
  t.same(ownerAdded, { success: true })

  const newName = groupName('rc-renamed')
  const renamed: unknown = await client.post('/v1/groups.rename', { roomId, name: newName })
  t.same(renamed, {
    group: {
      _id: roomId,
      ...group,
      name: newName,
      fname: newName,
      usernames: [admin.username, other.username, third.username],
      msgs: 3,
      usersCount: 3,
      ...(await timestamps(roomId)),
    },
    success: true,
  })

  const info: unknown = await client.get('/v1/groups.info', { roomName: newName })
  t.same(info, renamed, 'groups.info finds the group by its new name')

  const left: unknown = await client.post('/v1/groups.leave', { roomId })
  t.same(left, {
    group: {
      _id: roomId,
      ...group,
      name: newName,
      fname: newName,
      usernames: [other.username, third.username],
      msgs: 4,
      usersCount: 2,
      ...(await timestamps(roomId)),
    },
    success: true,
  })

  const stored = await storedGroup(db, roomId)
  t.same(stored.members, [
    { username: other.username, roles: ['owner'] },
    { username: third.username, roles: [] },
  ])
  t.same(stored.messages, [
    { type: 'au', msg: third.username, username: admin.username, role: null },
    {
      type: 'subscription-role-added',
      msg: other.username,
      username: admin.username,
      role: 'owner',
    },
    { type: 'r', msg: newName, username: admin.username, role: null },
    { type: 'ul', msg: admin.username, username: admin.username, role: null },
  ])
  t.equal(stored.room?.name, newName)
  t.equal(stored.room?.creator_id, admin.id)
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
    group: {
      _id: group._id,
      name: group.name,
      fname: group.name,
      t: 'p',
      usernames: [owner.username],
      msgs: 1,
      usersCount: 1,
      u: { _id: owner.id, username: owner.username },
      ro: false,
      sysMes: true,
      ...(await timestamps(group._id)),
    },
    success: true,
  })
  t.same((await storedGroup(db, group._id)).members, [
    { username: owner.username, roles: ['owner'] },
  ])
})
