// groups.online: presence is driven through the app's `presence`, as the realtime endpoint drives it.
import { RestClient } from '@rocket.chat/api-client'
import Fastify, { type FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import service from '../../../../../app.js'
import { serverOptions } from '../../../../../server-options.js'
import { api, assertReply, fixture, refused } from '../../../../helper.js'

const db = await fixture.testDatabase(t)

/**
 * The app as `fixture.buildApp` builds it, with the app's own instance: app.ts is registered
 * encapsulated, so its decorators (`presence`) are not on the server it returns.
 */
async function buildApp(t: Test) {
  const config = fixture.testConfig()
  const server = Fastify(serverOptions(config))
  let inner: FastifyInstance | undefined
  server.addHook('onRegister', (instance) => {
    inner ??= instance
  })
  await server.register(service, { config, db })
  await server.ready()
  t.teardown(() => server.close())
  if (!inner) throw new Error('the app registered no context of its own')
  return Object.assign(server, { presence: inner.presence })
}

/** `fixture.groupFixture` on an app from `buildApp`. */
async function groupFixture(t: Test) {
  const server = await buildApp(t)
  return { app: server, ...(await fixture.groupWith(server, db, { member: {} })) }
}

const invalidQuery = refused.plain('Invalid query')
const notAllowed = refused.as('error-not-allowed', 'Not Allowed')

const online = (...users: fixture.TestUser[]) => ({
  online: users.map((user) => ({ _id: user.id, username: user.username })),
  success: true,
})

for (const [name, caller] of Object.entries(fixture.withoutLogin)) {
  t.test(`${name}: 401`, async (t) => {
    const { app, owner, member, group } = await groupFixture(t)
    const response = await api(app, caller(owner, member)).get('groups.online', { _id: group._id })
    assertReply(t, response, 401, refused.notLoggedIn)
  })
}

t.test('neither `_id` nor a `query` naming the group: Invalid query', async (t) => {
  const { app, member } = await groupFixture(t)
  const cases = { nothing: {}, 'empty _id': { _id: '' }, 'query {}': { query: '{}' } }
  for (const [label, query] of Object.entries(cases)) {
    assertReply(t, await api(app, member).get('groups.online', query), 400, invalidQuery, label)
  }
})

t.test('a `query` that is not JSON, or not `{_id}` alone: error-invalid-query', async (t) => {
  const { app, member, group } = await groupFixture(t)
  const queries = [
    '{',
    'not json',
    '[]',
    'null',
    '"text"',
    '{"_id":1}',
    '{"_id":{"$ne":null}}',
    '{"name":"team"}',
    `{"_id":"${group._id}","t":"p"}`,
  ]
  for (const query of queries) {
    const response = await api(app, member).get('groups.online', { query, _id: group._id })
    assertReply(t, response, 400, refused.invalidQuery(query), query)
  }
})

t.test('a group that does not exist, or the caller is not in: error-not-allowed', async (t) => {
  const { app, group } = await groupFixture(t)
  const stranger = await fixture.createTestUser(db)
  const admin = await fixture.createTestUser(db, { roles: ['user', 'admin'] })
  await app.presence.connected('c-stranger', stranger.id)

  const asks = {
    'an unknown _id': [stranger, { _id: 'NoSuchGroupId1234' }],
    'an unknown _id in query': [stranger, { query: '{"_id":"NoSuchGroupId1234"}' }],
    'an empty _id in query': [stranger, { query: '{"_id":""}' }],
    'a non-member': [stranger, { _id: group._id }],
    'a non-member by query': [stranger, { query: JSON.stringify({ _id: group._id }) }],
    'an admin who is not a member': [admin, { _id: group._id }],
  } as const
  for (const [label, [caller, query]] of Object.entries(asks)) {
    assertReply(t, await api(app, caller).get('groups.online', query), 400, notAllowed, label)
  }
})

t.test('a member sees the members online, by username, and no one else', async (t) => {
  const app = await buildApp(t)
  const [amy, bob, cid, dan] = (await fixture.usersNamed(db, 'a', 'b', 'c', 'd')) as [
    fixture.TestUser,
    fixture.TestUser,
    fixture.TestUser,
    fixture.TestUser,
  ]
  const group = await fixture.createTestGroup(app, dan, [cid, bob, amy])
  const stranger = await fixture.createTestUser(db)
  await app.presence.connected('c-dan', dan.id)
  await app.presence.connected('c-amy', amy.id)
  await app.presence.connected('c-amy-2', amy.id)
  await app.presence.connected('c-stranger', stranger.id)

  const byId = await api(app, bob).get('groups.online', { _id: group._id })
  assertReply(t, byId, 200, online(amy, dan), 'by _id; bob himself is not connected')

  const byQuery = await api(app, cid).get('groups.online', { query: `{"_id":"${group._id}"}` })
  assertReply(t, byQuery, 200, online(amy, dan), 'by query')

  const idWins = await api(app, bob).get('groups.online', {
    _id: group._id,
    query: '{"_id":"NoSuchGroupId1234"}',
  })
  assertReply(t, idWins, 200, online(amy, dan), '_id wins over query')
})

t.test('a member who disconnects goes offline; one of two connections is enough', async (t) => {
  const { app, owner, member, group } = await groupFixture(t)
  await app.presence.connected('c1', member.id)
  await app.presence.connected('c2', member.id)
  const ask = () => api(app, owner).get('groups.online', { _id: group._id })
  assertReply(t, await ask(), 200, online(member))

  await app.presence.disconnected('c1')
  assertReply(t, await ask(), 200, online(member), 'still one connection')
  await app.presence.disconnected('c2')
  assertReply(t, await ask(), 200, online(), 'offline')
})

t.test('an archived group can be read', async (t) => {
  const { app, owner, member, group } = await groupFixture(t)
  await fixture.markArchived(db, group._id)
  await app.presence.connected('c1', owner.id)
  assertReply(
    t,
    await api(app, member).get('groups.online', { _id: group._id }),
    200,
    online(owner),
  )
})

t.test("closing a process takes its connections offline; another's stay", async (t) => {
  const { app, owner, member, group } = await groupFixture(t)
  const closing = await buildApp(t)
  await closing.presence.connected('c-member', member.id)
  await app.presence.connected('c-owner', owner.id)
  const onlineIds = async () => {
    const response = await api(app, owner).get('groups.online', { _id: group._id })
    t.equal(response.statusCode, 200)
    return response.json().online.map((user: { _id: string }) => user._id)
  }
  t.same((await onlineIds()).sort(), [member.id, owner.id].sort(), 'both online')

  await closing.close()
  t.same(await onlineIds(), [owner.id], "the closed process's user is offline")
})

t.test("Rocket.Chat's REST client reads groups.online over a socket", async (t) => {
  const { app, owner, member, group } = await groupFixture(t)
  await app.presence.connected('c1', member.id)
  const client = new RestClient({ baseUrl: await app.listen({ port: 0, host: '127.0.0.1' }) })
  client.setCredentials({ 'X-User-Id': owner.id, 'X-Auth-Token': owner.headers['x-auth-token'] })

  t.same(await client.get('/v1/groups.online', { _id: group._id }), online(member))
  // Its types say `query` is an object, which it would send as "[object Object]": send the JSON.
  const query = JSON.stringify({ _id: group._id }) as unknown as Record<string, string>
  t.same(await client.get('/v1/groups.online', { query }), online(member))
})
