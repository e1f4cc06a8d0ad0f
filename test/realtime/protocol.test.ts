// The DDP conversation of GET /websocket, frame by frame: connect, heartbeats, login and logout
// by resume token, methods, subscriptions. Hostile frames and limits: limits.test.ts.
import t from 'tap'
import { hashLoginToken } from '../../domain/ids.js'
import {
  api,
  createTestUser,
  ddp,
  fixture,
  loginChangesHeard,
  refused,
  type TestUser,
  testDatabase,
} from '../helper.js'

const db = await testDatabase(t)

const LOGGED_OUT = ddp.meteorError(
  403,
  "You've been logged out by the server. Please log in again.",
)
const NOT_ALLOWED = ddp.notAllowed
/** Rocket.Chat's login expiration, which the login result announces. */
const TOKEN_LIFETIME_MS = 90 * 24 * 60 * 60 * 1000

function resumeLogin(id: string, token: string) {
  return { msg: 'method', method: 'login', params: [{ resume: token }], id }
}

async function loginResult(user: TestUser) {
  const token = user.headers['x-auth-token']
  const row = await db
    .selectFrom('login_tokens')
    .select('created_at')
    .where('hashed_token', '=', hashLoginToken(token))
    .executeTakeFirstOrThrow()
  return {
    id: user.id,
    token,
    tokenExpires: { $date: row.created_at.getTime() + TOKEN_LIFETIME_MS },
    type: 'resume',
  }
}

/** A `sub` to the user's rooms-changed stream, as Meteor clients send it. */
const roomsChangedSub = (id: string, user: TestUser) => ({
  msg: 'sub',
  id,
  name: 'stream-notify-user',
  params: [`${user.id}/rooms-changed`, false],
})

/** One listening app for the tests that need no particular limits. */
const shared = await ddp.listeningApp(t, db)

t.test('connect is answered with connected and a session id of its own', async (t) => {
  const first = await ddp.RawDdp.open(shared.url)
  const second = await ddp.RawDdp.open(shared.url)
  t.teardown(() => {
    first.close()
    second.close()
  })
  const one = await first.connect()
  const two = await second.connect()
  t.type(one.session, 'string')
  t.ok((one.session as string).length > 0)
  t.same(one, { msg: 'connected', session: one.session })
  t.same(two, { msg: 'connected', session: two.session })
  t.not(one.session, two.session, 'each connection is a session')
  t.same(first.received, [], 'nothing else (no server_id, no ping)')
})

t.test('a client offering only an older version it supports is connected', async (t) => {
  const client = await ddp.openRaw(t, shared.url)
  client.send({ msg: 'connect', version: 'pre1', support: ['pre1'] })
  const [connected] = await ddp.take(client, 1)
  t.same(connected, { msg: 'connected', session: (connected as ddp.DdpFrame).session })
})

t.test('a first frame other than connect closes the socket with 1002', async (t) => {
  const firsts: Record<string, ddp.DdpFrame | string> = {
    'a ping': { msg: 'ping', id: 'p' },
    'a login': { msg: 'method', method: 'login', params: [{ resume: 'x' }], id: '1' },
    'a sub': { msg: 'sub', id: 's', name: 'stream-notify-logged', params: ['roles-change'] },
    'no JSON': 'connect',
    'a JSON array': JSON.stringify([ddp.CONNECT]),
    null: 'null',
    'a JSON number': '1',
    'a connect without msg': { version: '1', support: ['1'] },
  }
  for (const [name, frame] of Object.entries(firsts)) {
    t.test(name, async (t) => {
      const client = await ddp.openRaw(t, shared.url)
      client.send(frame)
      t.same(await client.closed, { code: 1002, reason: 'protocol error' })
      t.same(client.received, [], 'no frame before the close')
    })
  }
})

t.test('an unsupported version is answered with failed, then the socket closes', async (t) => {
  const connects: Record<string, ddp.DdpFrame> = {
    'version 2': { msg: 'connect', version: '2', support: ['2'] },
    'no version': { msg: 'connect' },
    'a numeric version': { msg: 'connect', version: 1, support: [1] },
    'a version in an array': { msg: 'connect', version: ['1'], support: [['1']] },
  }
  for (const [name, frame] of Object.entries(connects)) {
    t.test(name, async (t) => {
      const client = await ddp.openRaw(t, shared.url)
      client.send(frame)
      const closed = await client.closed
      t.same(client.received, [{ msg: 'failed', version: '1' }])
      t.same(closed, { code: 1002, reason: 'protocol error' })
    })
  }
})

t.test('a client ping is answered with a pong carrying its id, or none', async (t) => {
  const client = await ddp.openConnected(t, shared.url)
  client.send({ msg: 'ping', id: 'abc' })
  client.send({ msg: 'ping' })
  client.send({ msg: 'pong' })
  client.send({ msg: 'pong', id: 'stray' })
  client.send({ msg: 'ping', id: 'last' })
  t.same(await ddp.take(client, 3), [
    { msg: 'pong', id: 'abc' },
    { msg: 'pong' },
    { msg: 'pong', id: 'last' },
  ])
  t.same(client.received, [], 'a pong from the client is not answered')
})

t.test('server pings', async (t) => {
  const PING_AFTER_MS = 200
  // Long enough that a loaded machine answering a ping late is not closed for it.
  const PONG_TIMEOUT_MS = 500
  const { url } = await ddp.listeningApp(t, db, {
    REALTIME_PING_AFTER_MS: PING_AFTER_MS,
    REALTIME_PONG_TIMEOUT_MS: PONG_TIMEOUT_MS,
  })

  t.test('a silent client is pinged, then closed with 4000 TIMEOUT', async (t) => {
    const client = await ddp.openRaw(t, url)
    client.send(ddp.CONNECT)
    const lastSent = Date.now()
    const connected = await client.next()
    t.same(connected, { msg: 'connected', session: connected.session })
    t.same(await client.next(), { msg: 'ping' })
    const pingedAfter = Date.now() - lastSent
    t.ok(pingedAfter >= PING_AFTER_MS - 5, `pinged after ${pingedAfter} ms of silence`)
    t.same(await client.closed, { code: 4000, reason: 'TIMEOUT' })
    const closedAfter = Date.now() - lastSent
    t.ok(
      closedAfter >= PING_AFTER_MS + PONG_TIMEOUT_MS - 5,
      `closed after ${closedAfter} ms of silence`,
    )
    t.same(client.received, [], 'nothing between the ping and the close')
  })

  t.test('a client that answers the pings stays open', async (t) => {
    const client = await ddp.openConnected(t, url)
    const started = Date.now()
    for (let pings = 0; pings < 3; pings++) {
      t.same(await client.next(), { msg: 'ping' })
      client.send({ msg: 'pong' })
    }
    const open = Date.now() - started
    t.ok(open > PING_AFTER_MS + PONG_TIMEOUT_MS, `answered 3 pings in ${open} ms`)
    client.send({ msg: 'ping', id: 'still there' })
    t.same(await client.next(), { msg: 'pong', id: 'still there' })
  })

  t.test('any frame from the client counts as a sign of life', async (t) => {
    const client = await ddp.openConnected(t, url)
    let pongs = 0
    // Two silent clients in turn, each connected after this one: once the server has closed the
    // second for silence, this one has been open past twice the ping period and pong timeout.
    for (let round = 0; round < 2; round++) {
      const silent = await ddp.openConnected(t, url)
      let silenced = false
      const closed = silent.closed.finally(() => {
        silenced = true
      })
      // Never a pong, but pings of its own, more often than the server would ping: the pause is
      // this client's pace, what the test is about.
      while (!silenced) {
        const id = String(pongs++)
        client.send({ msg: 'ping', id })
        t.same(await client.next((frame) => frame.msg === 'pong'), { msg: 'pong', id })
        await new Promise((resolve) => setTimeout(resolve, PING_AFTER_MS / 4))
      }
      t.same(await closed, { code: 4000, reason: 'TIMEOUT' }, 'a silent client is closed')
    }
    t.equal(client.socket.readyState, client.socket.OPEN, 'open past the pong timeout')
  })
})

t.test('login with a REST auth token as resume token: result, then updated', async (t) => {
  const user = await createTestUser(db)
  const client = await ddp.openConnected(t, shared.url)
  client.send(resumeLogin('login-1', user.headers['x-auth-token']))
  t.same(await ddp.take(client, 2), ddp.answered('login-1', { result: await loginResult(user) }))
  client.send(roomsChangedSub('mine', user))
  t.same(await client.next(), { msg: 'ready', subs: ['mine'] }, 'logged in as that user')
})

t.test('a token that does not log in is refused with 403', async (t) => {
  const user = await createTestUser(db)
  const tokens: Record<string, unknown> = {
    'an unknown token': 'not-a-token-anyone-was-given',
    'an empty token': '',
    "the user's id": user.id,
    "a token's hash": hashLoginToken(user.headers['x-auth-token']),
  }
  const client = await ddp.openConnected(t, shared.url)
  for (const [name, token] of Object.entries(tokens)) {
    client.send({ msg: 'method', method: 'login', params: [{ resume: token }], id: name })
    t.same(await ddp.take(client, 2), ddp.answered(name, { error: LOGGED_OUT }), name)
  }
  client.send(roomsChangedSub('mine', user))
  t.same(
    await client.next(),
    { msg: 'nosub', id: 'mine', error: NOT_ALLOWED },
    'still not logged in',
  )
})

t.test('a password login is refused with 400: only resuming is offered', async (t) => {
  const user = await createTestUser(db)
  const client = await ddp.openConnected(t, shared.url)
  client.send({
    msg: 'method',
    method: 'login',
    params: [
      {
        user: { username: user.username },
        password: { digest: 'a'.repeat(64), algorithm: 'sha-256' },
      },
    ],
    id: 'pw',
  })
  t.same(
    await ddp.take(client, 2),
    ddp.answered('pw', {
      error: ddp.meteorError(
        400,
        'Only resuming is offered: log in with POST /api/v1/login and resume with its authToken',
      ),
    }),
  )
})

t.test("a deactivated user's token is refused with 403", async (t) => {
  const user = await createTestUser(db)
  await db.updateTable('users').set({ active: false }).where('id', '=', user.id).execute()
  const client = await ddp.openConnected(t, shared.url)
  client.send(resumeLogin('deactivated', user.headers['x-auth-token']))
  t.same(await ddp.take(client, 2), ddp.answered('deactivated', { error: LOGGED_OUT }))
})

t.test('logout is answered (not cut off by its own token going), then closes', async (t) => {
  const user = await createTestUser(db)
  const me = () => api(shared.app, user).get('me')
  t.equal((await me()).statusCode, 200, 'the token works over REST before')
  const client = await ddp.loggedIn(t, shared.url, user)
  const sameToken = await ddp.loggedIn(t, shared.url, user)
  client.send({ msg: 'method', method: 'logout', params: [], id: 'out' })
  t.same(await ddp.take(client, 2), ddp.answered('out', {}))
  t.same(await client.closed, { code: 1002, reason: 'protocol error' })
  t.same(client.received, [])
  t.same(
    await sameToken.closed,
    { code: 4003, reason: 'logged out' },
    'another connection on the token is closed',
  )

  await loginChangesHeard(db)
  const rest = await me()
  t.equal(rest.statusCode, 401, 'refused over REST')
  t.same(rest.json(), refused.notLoggedIn)
  const again = await ddp.openConnected(t, shared.url)
  again.send(resumeLogin('again', user.headers['x-auth-token']))
  t.same(await ddp.take(again, 2), ddp.answered('again', { error: LOGGED_OUT }), 'refused over DDP')
})

t.test('once a DDP logout is answered, REST refuses the token', async (t) => {
  // As REST's own logout does: the answer waits until the login cache has heard of the deletion.
  let accepted = 0
  for (let i = 0; i < 20; i++) {
    const user = await createTestUser(db)
    await api(shared.app, user).get('me')
    const client = await ddp.loggedIn(t, shared.url, user)
    client.send({ msg: 'method', method: 'logout', params: [], id: 'out' })
    await ddp.take(client, 2)
    if ((await api(shared.app, user).get('me')).statusCode !== 401) accepted++
  }
  t.equal(accepted, 0, 'REST refused the token at once after every logout')
})

t.test('logout before login answers and keeps the connection', async (t) => {
  const client = await ddp.openConnected(t, shared.url)
  client.send({ msg: 'method', method: 'logout', params: [], id: 'out' })
  t.same(await ddp.take(client, 2), ddp.answered('out', {}))
  client.send({ msg: 'ping', id: 'open' })
  t.same(await client.next(), { msg: 'pong', id: 'open' })
})

t.test('an unknown method is refused with 404, logged in or not', async (t) => {
  const user = await createTestUser(db)
  const client = await ddp.openConnected(t, shared.url)
  const notFound = (method: string) => ddp.meteorError(404, `Method '${method}' not found`)
  client.send({ msg: 'method', method: 'x', params: [], id: 'before' })
  t.same(await ddp.take(client, 2), ddp.answered('before', { error: notFound('x') }))
  client.send(resumeLogin('login', user.headers['x-auth-token']))
  await ddp.take(client, 2)
  client.send({
    msg: 'method',
    method: 'sendMessage',
    params: [{ rid: 'r', msg: 'hi' }],
    id: 'after',
  })
  t.same(await ddp.take(client, 2), ddp.answered('after', { error: notFound('sendMessage') }))
  client.send({ msg: 'method', method: 'x', id: 'no params' })
  t.same(await ddp.take(client, 2), ddp.answered('no params', { error: notFound('x') }))
})

t.test('subscriptions a user may make are ready', async (t) => {
  const { owner, member, group } = await fixture.groupWith(shared.app, db, { member: {} })
  const client = await ddp.loggedIn(t, shared.url, member)
  const allowed: Array<[string, string]> = [
    ['stream-notify-user', `${member.id}/subscriptions-changed`],
    ['stream-notify-user', `${member.id}/rooms-changed`],
    ['stream-notify-logged', 'roles-change'],
    ['stream-room-messages', group._id],
    ['stream-room-messages', '__my_messages__'],
    ['stream-notify-room', `${group._id}/user-activity`],
    ['stream-notify-all', 'public-settings-changed'],
    ['stream-roles', 'roles'],
  ]
  for (const [index, [name, eventName]] of allowed.entries()) {
    const id = `sub-${index}`
    client.send({
      msg: 'sub',
      id,
      name,
      params: [eventName, { useCollection: false, args: [null] }],
    })
    t.same(await client.next(), { msg: 'ready', subs: [id] }, `${name} ${eventName}`)
  }
  client.send({
    msg: 'sub',
    id: 'sub-0',
    name: 'stream-notify-user',
    params: [`${member.id}/subscriptions-changed`],
  })
  t.same(await client.next(), { msg: 'ready', subs: ['sub-0'] }, 'the same id again is ready again')

  // The group's subscription delivers: a rename reaches it as a message.
  await api(shared.app, owner).on(group).post('groups.setTopic', { topic: 'subscribed' })
  const message = await client.next(
    (frame) =>
      frame.collection === 'stream-room-messages' &&
      (frame.fields as { eventName: string }).eventName === group._id,
  )
  t.match(message, {
    fields: { args: [{ t: 'room_changed_topic', msg: 'subscribed', rid: group._id }] },
  })
})

t.test('a stream that does not exist: nosub 404', async (t) => {
  const user = await createTestUser(db)
  for (const logIn of [false, true]) {
    const client = await ddp.openConnected(t, shared.url)
    if (logIn) {
      client.send(resumeLogin('login', user.headers['x-auth-token']))
      await ddp.take(client, 2)
    }
    client.send({ msg: 'sub', id: 'x', name: 'meteor_autoupdate_clientVersions', params: [] })
    t.same(
      await client.next(),
      {
        msg: 'nosub',
        id: 'x',
        error: ddp.meteorError(404, "Subscription 'meteor_autoupdate_clientVersions' not found"),
      },
      logIn ? 'logged in' : 'not logged in',
    )
  }
})

t.test("another user's stream-notify-user events: nosub not-allowed", async (t) => {
  const user = await createTestUser(db)
  const other = await createTestUser(db)
  const client = await ddp.loggedIn(t, shared.url, user)
  const eventNames = [
    `${other.id}/rooms-changed`,
    `${other.id}/subscriptions-changed`,
    `${user.id}`,
    `${user.id.slice(0, -1)}/rooms-changed`,
    `x${user.id}/rooms-changed`,
    'rooms-changed',
    '',
  ]
  for (const eventName of eventNames) {
    client.send({
      msg: 'sub',
      id: eventName || 'empty',
      name: 'stream-notify-user',
      params: [eventName, false],
    })
    t.same(
      await client.next(),
      { msg: 'nosub', id: eventName || 'empty', error: NOT_ALLOWED },
      JSON.stringify(eventName),
    )
  }
})

t.test('streams of a group the user is not in, or of no group: nosub not-allowed', async (t) => {
  const { group } = await fixture.groupWith(shared.app, db, { member: {} })
  const outsider = await createTestUser(db)
  const client = await ddp.loggedIn(t, shared.url, outsider)
  const refusedStreams: Array<[string, string]> = [
    ['stream-room-messages', group._id],
    ['stream-room-messages', 'NoSuchGroupAtAllXyz'],
    ['stream-notify-room', `${group._id}/user-activity`],
    ['stream-notify-room', `${group._id}/deleteMessage`],
    ['stream-notify-room', 'NoSuchGroupAtAllXyz/user-activity'],
    ['stream-notify-room', '/user-activity'],
  ]
  for (const [index, [name, eventName]] of refusedStreams.entries()) {
    client.send({ msg: 'sub', id: `s${index}`, name, params: [eventName, false] })
    t.same(
      await client.next(),
      { msg: 'nosub', id: `s${index}`, error: NOT_ALLOWED },
      `${name} ${eventName}`,
    )
  }
})

t.test('a subscription before login: nosub not-allowed, even to open streams', async (t) => {
  const user = await createTestUser(db)
  const client = await ddp.openConnected(t, shared.url)
  const streams: Array<[string, string]> = [
    ['stream-notify-user', `${user.id}/rooms-changed`],
    ['stream-notify-logged', 'roles-change'],
    ['stream-notify-all', 'public-settings-changed'],
  ]
  for (const [name, eventName] of streams) {
    client.send({ msg: 'sub', id: name, name, params: [eventName, false] })
    t.same(await client.next(), { msg: 'nosub', id: name, error: NOT_ALLOWED }, name)
  }
  client.send(resumeLogin('login', user.headers['x-auth-token']))
  await ddp.take(client, 2)
  client.send(roomsChangedSub('after', user))
  t.same(await client.next(), { msg: 'ready', subs: ['after'] }, 'allowed once logged in')
})

t.test('unsub answers nosub, and the events stop', async (t) => {
  const { owner, member, group } = await fixture.groupWith(shared.app, db, { member: {} })
  const client = await ddp.loggedIn(t, shared.url, member)
  await client.subscribe('rooms', 'stream-notify-user', `${member.id}/rooms-changed`)
  await client.subscribe('messages', 'stream-room-messages', group._id)
  const g = api(shared.app, owner).on(group)
  const isMessage = (frame: ddp.DdpFrame) => frame.collection === 'stream-room-messages'
  const isRoomChange = (frame: ddp.DdpFrame) =>
    (frame.fields as { eventName?: string } | undefined)?.eventName === `${member.id}/rooms-changed`

  await g.post('groups.setTopic', { topic: 'before' })
  await client.next(isRoomChange)
  t.match(await client.next(isMessage), { fields: { args: [{ msg: 'before' }] } }, 'subscribed')

  client.send({ msg: 'unsub', id: 'messages' })
  t.same(await client.next(), { msg: 'nosub', id: 'messages' })
  client.send({ msg: 'unsub', id: 'never-subscribed' })
  t.same(await client.next(), { msg: 'nosub', id: 'never-subscribed' }, 'an unknown id too')

  await g.post('groups.setTopic', { topic: 'after' })
  await g.post('groups.setTopic', { topic: 'barrier' })
  await client.next(isRoomChange)
  const barrier = await client.next(isRoomChange)
  t.match(barrier, { fields: { args: ['updated', { topic: 'barrier' }] } })
  t.same(client.received.filter(isMessage), [], 'no message after the unsub')
})

t.test('logging in again as another user ends the first user’s subscriptions', async (t) => {
  const first = await createTestUser(db)
  const second = await createTestUser(db)
  const client = await ddp.loggedIn(t, shared.url, first)
  await client.subscribe('mine', 'stream-notify-user', `${first.id}/rooms-changed`)
  client.send(resumeLogin('switch', second.headers['x-auth-token']))
  t.same(await ddp.take(client, 3), [
    { msg: 'nosub', id: 'mine' },
    ...ddp.answered('switch', { result: await loginResult(second) }),
  ])
  client.send(roomsChangedSub('old', first))
  t.same(await client.next(), { msg: 'nosub', id: 'old', error: NOT_ALLOWED })
})
