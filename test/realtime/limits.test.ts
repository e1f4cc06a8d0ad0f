// Hostile frames and the limits of GET /websocket: what each gets, that the server goes on
// serving everyone else, and how much a session holds for a client that floods or stops reading.
import type { Socket } from 'node:net'
import t, { type Test } from 'tap'
import { CLOSE } from '../../transports/ddp/protocol.js'
import type { DdpLimits, DdpServices, DdpSocket } from '../../transports/ddp/services.js'
import { DdpSession } from '../../transports/ddp/session.js'
import { UserConnections } from '../../transports/user-connections.js'
import { createTestUser, ddp, testDatabase } from '../helper.js'

const db = await testDatabase(t)
const user = await createTestUser(db)

const NOT_ALLOWED = ddp.notAllowed
const TOO_MANY = ddp.meteorError(
  'too-many-requests',
  'Error, too many requests. Please slow down. You must wait 1 seconds before trying again.',
)
const LONG = 'x'.repeat(10_000)

function badRequest(text: string) {
  return [{ msg: 'error', reason: 'Bad request', offendingMessage: text.slice(0, 256) }]
}

/** Frames in a stable order, to compare those whose interleaving the test does not decide. */
const sorted = (frames: unknown[]) => frames.map((frame) => JSON.stringify(frame)).sort()

/** Another client gets the whole conversation: the server was not hurt by what came before. */
async function stillServes(t: Test, url: string) {
  const client = await ddp.loggedIn(t, url, user)
  client.send({ msg: 'ping', id: 'alive' })
  t.same(await client.next(), { msg: 'pong', id: 'alive' }, 'another client is served')
  client.send({
    msg: 'sub',
    id: 'own',
    name: 'stream-notify-user',
    params: [`${user.id}/rooms-changed`, false],
  })
  t.same(await client.next(), { msg: 'ready', subs: ['own'] })
  client.close()
}

t.test('hostile frames are answered one by one, and the connection goes on', async (t) => {
  const { url } = await ddp.listeningApp(t, db, { REALTIME_MESSAGE_BURST: '1000' })
  const client = await ddp.loggedIn(t, url, user)
  const token = user.headers['x-auth-token']
  const notFound = (method: string) => ddp.meteorError(404, `Method '${method}' not found`)
  const long = (prefix: string) => `${prefix}${'y'.repeat(400)}`
  const cases: Array<[string, ddp.DdpFrame | string, unknown[]]> = [
    ['no JSON', 'hello', badRequest('hello')],
    ['truncated JSON', '{"msg":"ping"', badRequest('{"msg":"ping"')],
    ['a JSON array', '[{"msg":"ping"}]', badRequest('[{"msg":"ping"}]')],
    ['a number', '42', badRequest('42')],
    ['a number past doubles', '1e999', badRequest('1e999')],
    ['null', 'null', badRequest('null')],
    ['a string', '"ping"', badRequest('"ping"')],
    ['true', 'true', badRequest('true')],
    ['an empty frame', '', badRequest('')],
    ['whitespace', '   ', badRequest('   ')],
    ['an empty object', '{}', badRequest('{}')],
    ['garbage past what an error repeats', long('garbage'), badRequest(long('garbage'))],
    [
      'deeply nested JSON',
      `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
      badRequest('['.repeat(256)),
    ],
    ['an unknown msg', '{"msg":"nope"}', badRequest('{"msg":"nope"}')],
    ['msg a number', '{"msg":5}', badRequest('{"msg":5}')],
    ['msg an object', '{"msg":{"msg":"ping"}}', badRequest('{"msg":{"msg":"ping"}}')],
    ['msg an array', '{"msg":["ping"]}', badRequest('{"msg":["ping"]}')],
    [
      'msg named like an object member',
      '{"msg":"constructor"}',
      badRequest('{"msg":"constructor"}'),
    ],
    [
      'msg "__proto__"',
      '{"msg":"__proto__","__proto__":{"msg":"ping"}}',
      badRequest('{"msg":"__proto__","__proto__":{"msg":"ping"}}'),
    ],
    ['a second connect', JSON.stringify(ddp.CONNECT), badRequest(JSON.stringify(ddp.CONNECT))],
    [
      'a method without id',
      '{"msg":"method","method":"x"}',
      badRequest('{"msg":"method","method":"x"}'),
    ],
    [
      'a method with a numeric id',
      '{"msg":"method","method":"x","id":1}',
      badRequest('{"msg":"method","method":"x","id":1}'),
    ],
    [
      'a method with a null id',
      '{"msg":"method","method":"x","id":null}',
      badRequest('{"msg":"method","method":"x","id":null}'),
    ],
    [
      'a method with an object id',
      '{"msg":"method","method":"x","id":{}}',
      badRequest('{"msg":"method","method":"x","id":{}}'),
    ],
    [
      'a method without a name',
      '{"msg":"method","id":"m"}',
      badRequest('{"msg":"method","id":"m"}'),
    ],
    [
      'a method with a numeric name',
      '{"msg":"method","method":1,"id":"m"}',
      badRequest('{"msg":"method","method":1,"id":"m"}'),
    ],
    [
      'a method with an array name',
      '{"msg":"method","method":["login"],"id":"m"}',
      badRequest('{"msg":"method","method":["login"],"id":"m"}'),
    ],
    [
      'a method with a long id',
      { msg: 'method', method: 'x', params: [], id: LONG },
      ddp.answered(LONG, { error: notFound('x') }),
    ],
    [
      'a method with a long name',
      { msg: 'method', method: LONG, params: [], id: 'm' },
      ddp.answered('m', { error: notFound('x'.repeat(100)) }),
    ],
    [
      'a method with params an object',
      { msg: 'method', method: 'x', params: { a: 1 }, id: 'm' },
      ddp.answered('m', { error: notFound('x') }),
    ],
  ]
  const passwordOnly = ddp.meteorError(
    400,
    'Only resuming is offered: log in with POST /api/v1/login and resume with its authToken',
  )
  const logins: Array<[string, unknown]> = [
    ['params an object', { resume: token }],
    ['params a string', token],
    ['params empty', []],
    ['options null', [null]],
    ['options a string', [token]],
    ['options an array', [[{ resume: token }]]],
    ['resume a number', [{ resume: 5 }]],
    ['resume null', [{ resume: null }]],
    ['resume an object', [{ resume: { $ne: null } }]],
    ['resume an array', [{ resume: [token] }]],
  ]
  for (const [name, params] of logins) {
    cases.push([
      `login with ${name}`,
      { msg: 'method', method: 'login', params, id: name },
      ddp.answered(name, { error: passwordOnly }),
    ])
  }
  const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`
  cases.push([
    'login with deeply nested params',
    `{"msg":"method","method":"login","params":[${deep}],"id":"deep"}`,
    ddp.answered('deep', { error: passwordOnly }),
  ])
  const sub = (fields: Record<string, unknown>) => JSON.stringify({ msg: 'sub', ...fields })
  const subs: Array<[string, string, unknown[]]> = [
    [
      'a sub without id',
      sub({ name: 'stream-notify-logged', params: ['roles-change'] }),
      badRequest(sub({ name: 'stream-notify-logged', params: ['roles-change'] })),
    ],
    [
      'a sub with a numeric id',
      sub({ id: 1, name: 'stream-notify-logged', params: ['roles-change'] }),
      badRequest(sub({ id: 1, name: 'stream-notify-logged', params: ['roles-change'] })),
    ],
    [
      'a sub without a name',
      sub({ id: 's', params: ['roles-change'] }),
      badRequest(sub({ id: 's', params: ['roles-change'] })),
    ],
    [
      'a sub with a numeric name',
      sub({ id: 's', name: 7, params: ['roles-change'] }),
      badRequest(sub({ id: 's', name: 7, params: ['roles-change'] })),
    ],
    [
      'a sub without params',
      sub({ id: 's1', name: 'stream-notify-logged' }),
      [{ msg: 'nosub', id: 's1', error: NOT_ALLOWED }],
    ],
    [
      'a sub with params a string',
      sub({ id: 's2', name: 'stream-notify-logged', params: 'roles-change' }),
      [{ msg: 'nosub', id: 's2', error: NOT_ALLOWED }],
    ],
    [
      'a sub with a numeric event name',
      sub({ id: 's3', name: 'stream-notify-logged', params: [5] }),
      [{ msg: 'nosub', id: 's3', error: NOT_ALLOWED }],
    ],
    [
      'a sub with an object event name',
      sub({ id: 's4', name: 'stream-notify-user', params: [{ toString: `${user.id}/x` }] }),
      [{ msg: 'nosub', id: 's4', error: NOT_ALLOWED }],
    ],
    [
      'a sub with an event name of 201 characters',
      sub({ id: 's5', name: 'stream-notify-logged', params: ['e'.repeat(201)] }),
      [{ msg: 'nosub', id: 's5', error: NOT_ALLOWED }],
    ],
    [
      'a sub with a long name',
      sub({ id: 's6', name: LONG, params: ['roles-change'] }),
      [
        {
          msg: 'nosub',
          id: 's6',
          error: ddp.meteorError(404, `Subscription '${'x'.repeat(100)}' not found`),
        },
      ],
    ],
    [
      'a sub with a long id',
      sub({ id: LONG, name: 'stream-notify-logged', params: ['roles-change'] }),
      [{ msg: 'ready', subs: [LONG] }],
    ],
    ['an unsub without id', '{"msg":"unsub"}', badRequest('{"msg":"unsub"}')],
    ['an unsub with a numeric id', '{"msg":"unsub","id":3}', badRequest('{"msg":"unsub","id":3}')],
    [
      'an unsub with a long id',
      JSON.stringify({ msg: 'unsub', id: LONG }),
      [{ msg: 'nosub', id: LONG }],
    ],
    ['a ping with a numeric id', '{"msg":"ping","id":1}', [{ msg: 'pong' }]],
    ['a ping with an object id', '{"msg":"ping","id":{"a":1}}', [{ msg: 'pong' }]],
    [
      'a ping with a long id',
      JSON.stringify({ msg: 'ping', id: LONG }),
      [{ msg: 'pong', id: LONG }],
    ],
    ['a pong with garbage', '{"msg":"pong","id":[1,2,3]}', []],
  ]
  cases.push(...subs)

  for (const [name, frame, expected] of cases) {
    client.send(frame)
    client.send({ msg: 'ping', id: 'after' })
    const replies = await ddp.take(client, expected.length + 1)
    t.same(replies, [...expected, { msg: 'pong', id: 'after' }], name)
  }

  client.socket.send(Buffer.from(JSON.stringify({ msg: 'ping', id: 'binary' })), { binary: true })
  t.same(await client.next(), badRequest('')[0], 'a binary frame is a bad request')
  client.send({
    msg: 'sub',
    id: 'own',
    name: 'stream-notify-user',
    params: [`${user.id}/rooms-changed`, false],
  })
  t.same(await client.next(), { msg: 'ready', subs: ['own'] }, 'still logged in and served')
  t.same(client.received, [], 'nothing else was sent')
  await stillServes(t, url)
})

t.test('frames the WebSocket layer refuses close the connection', async (t) => {
  const MAX = 1024
  const { url } = await ddp.listeningApp(t, db, { REALTIME_MAX_FRAME_BYTES: String(MAX) })

  t.test('a frame of REALTIME_MAX_FRAME_BYTES is served', async (t) => {
    const client = await ddp.openConnected(t, url)
    const frame = JSON.stringify({ msg: 'ping', id: '' })
    const id = 'i'.repeat(MAX - frame.length)
    client.send({ msg: 'ping', id })
    t.same(await client.next(), { msg: 'pong', id })
  })

  t.test('one byte more closes with 1009', async (t) => {
    const client = await ddp.openConnected(t, url)
    const frame = JSON.stringify({ msg: 'ping', id: '' })
    client.send({ msg: 'ping', id: 'i'.repeat(MAX - frame.length + 1) })
    t.same(await client.closed, { code: 1009, reason: '' })
    t.same(client.received, [])
    await stillServes(t, url)
  })

  t.test('a much larger frame closes with 1009', async (t) => {
    const client = await ddp.openConnected(t, url)
    client.send('z'.repeat(1_000_000))
    t.same(await client.closed, { code: 1009, reason: '' })
    await stillServes(t, url)
  })

  t.test('a text frame that is not UTF-8 closes with 1007', async (t) => {
    const client = await ddp.openConnected(t, url)
    client.socket.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false })
    t.same(await client.closed, { code: 1007, reason: '' })
    await stillServes(t, url)
  })

  t.test('a binary first frame closes with 1002', async (t) => {
    const client = await ddp.openRaw(t, url)
    client.socket.send(Buffer.from(JSON.stringify(ddp.CONNECT)), { binary: true })
    t.same(await client.closed, { code: 1002, reason: 'protocol error' })
    t.same(client.received, [])
    await stillServes(t, url)
  })
})

/** The deadlines to connect and to log in, short for the tests of them. */
const [CONNECT_MS, LOGIN_MS] = [200, 300]

t.test('deadlines', async (t) => {
  const { url } = await ddp.listeningApp(t, db, {
    REALTIME_CONNECT_TIMEOUT_MS: CONNECT_MS,
    REALTIME_LOGIN_TIMEOUT_MS: LOGIN_MS,
  })

  const missed = [
    {
      name: 'no connect within REALTIME_CONNECT_TIMEOUT_MS: 4001',
      deadline: CONNECT_MS,
      connects: false,
      closed: { code: 4001, reason: 'connect expected' },
    },
    {
      name: 'no login within REALTIME_LOGIN_TIMEOUT_MS of connecting: 4002',
      deadline: LOGIN_MS,
      connects: true,
      closed: { code: 4002, reason: 'login expected' },
    },
  ]
  for (const { name, deadline, connects, closed } of missed) {
    t.test(name, async (t) => {
      const opened = Date.now()
      const client = await ddp.openRaw(t, url)
      // The login deadline runs from the connect frame, the connect deadline from the socket.
      const from = connects ? Date.now() : opened
      if (connects) await client.connect()
      t.same(await client.closed, closed)
      t.ok(Date.now() - from >= deadline - 5, 'not before the deadline')
      t.same(client.received, [])
      await stillServes(t, url)
    })
  }

  t.test('a refused login does not stop the clock', async (t) => {
    const client = await ddp.openConnected(t, url)
    client.send({ msg: 'method', method: 'login', params: [{ resume: 'nobody' }], id: 'l' })
    t.same(
      await ddp.take(client, 2),
      ddp.answered('l', {
        error: ddp.meteorError(403, "You've been logged out by the server. Please log in again."),
      }),
    )
    t.same(await client.closed, { code: 4002, reason: 'login expected' })
  })

  t.test('a login in time stops the clock', async (t) => {
    const client = await ddp.loggedIn(t, url, user)
    // Two clients in turn, each connected after it and never logging in: once the second is
    // closed for that, twice the login deadline has passed since this one connected.
    for (let round = 0; round < 2; round++) {
      const silent = await ddp.openConnected(t, url)
      t.same(await silent.closed, { code: 4002, reason: 'login expected' }, 'one not logged in')
    }
    client.send({ msg: 'ping', id: 'later' })
    t.same(await client.next(), { msg: 'pong', id: 'later' })
    t.same(client.received, [])
  })
})

t.test('beyond REALTIME_MAX_SUBSCRIPTIONS a sub is refused until one ends', async (t) => {
  const { url } = await ddp.listeningApp(t, db, { REALTIME_MAX_SUBSCRIPTIONS: '3' })
  const client = await ddp.loggedIn(t, url, user)
  const sub = (id: string, eventName: string, name = 'stream-notify-user') => {
    client.send({ msg: 'sub', id, name, params: [eventName, false] })
    return client.next()
  }
  t.same(await sub('a', `${user.id}/rooms-changed`), { msg: 'ready', subs: ['a'] })
  t.same(await sub('b', `${user.id}/subscriptions-changed`), { msg: 'ready', subs: ['b'] })
  t.same(await sub('refused', 'someone-else/rooms-changed'), {
    msg: 'nosub',
    id: 'refused',
    error: NOT_ALLOWED,
  })
  t.same(
    await sub('c', 'roles-change', 'stream-notify-logged'),
    { msg: 'ready', subs: ['c'] },
    'a refused sub takes no place',
  )
  const full = {
    msg: 'nosub',
    id: 'd',
    error: ddp.meteorError('too-many-subscriptions', 'At most 3 subscriptions per connection'),
  }
  t.same(await sub('d', `${user.id}/notification`), full)
  t.same(
    await sub('a', `${user.id}/rooms-changed`),
    { msg: 'ready', subs: ['a'] },
    'one already made is ready again',
  )
  client.send({ msg: 'unsub', id: 'b' })
  t.same(await client.next(), { msg: 'nosub', id: 'b' })
  t.same(await sub('d', `${user.id}/notification`), { msg: 'ready', subs: ['d'] }, 'a place freed')
  t.same(await sub('e', `${user.id}/message`), { ...full, id: 'e' })
  await stillServes(t, url)
})

t.test('floods', async (t) => {
  const BURST = 10
  // The server pings a client silent for REALTIME_PING_AFTER_MS, by the clock that refills its
  // tokens: the ping tells a client that so much time has passed.
  const PING_AFTER_MS = 1600
  const { url } = await ddp.listeningApp(t, db, {
    REALTIME_MESSAGE_BURST: BURST,
    REALTIME_MESSAGES_PER_SECOND: '2',
    REALTIME_PING_AFTER_MS: PING_AFTER_MS,
  })
  const notFound = ddp.meteorError(404, "Method 'x' not found")

  t.test('beyond the burst, calls and subs are told to slow down, then served again', async (t) => {
    // `connect` took one token: nine calls are served, the next call and sub are refused.
    const client = await ddp.openConnected(t, url)
    const ids = Array.from({ length: BURST - 1 }, (_, i) => `m${i + 1}`)
    for (const id of [...ids, 'refused'])
      client.send({ msg: 'method', method: 'x', params: [], id })
    client.send({
      msg: 'sub',
      id: 'sub-refused',
      name: 'stream-notify-logged',
      params: ['roles-change'],
    })
    const expected = [
      ...ids.flatMap((id) => ddp.answered(id, { error: notFound })),
      ...ddp.answered('refused', { error: TOO_MANY }),
      { msg: 'nosub', id: 'sub-refused', error: TOO_MANY },
    ]
    const received = await ddp.take(client, expected.length)
    t.same(sorted(received), sorted(expected))
    t.same(
      received.filter((frame) => frame.id?.toString().startsWith('m')).map((frame) => frame.id),
      ids,
      'the calls served are answered in order',
    )

    // Two tokens below zero at two a second: one is back after 1.5 s, so by the server's ping.
    t.same(await client.next(), { msg: 'ping' }, `pinged after ${PING_AFTER_MS} ms of silence`)
    client.send({ msg: 'method', method: 'x', params: [], id: 'later' })
    t.same(await ddp.take(client, 2), ddp.answered('later', { error: notFound }))
    t.same(client.received, [])
    t.equal(client.socket.readyState, client.socket.OPEN)
  })

  t.test('a client that keeps on is closed with 4005', async (t) => {
    const client = await ddp.openConnected(t, url)
    const ids = Array.from({ length: 300 }, (_, i) => `m${i + 1}`)
    for (const id of ids) client.send({ msg: 'method', method: 'x', params: [], id })
    t.same(await client.closed, { code: 4005, reason: 'too many messages' })
    // Nine served (if their turn came before the close), ten refused, then the close.
    const served = ids.slice(0, BURST - 1)
    const refused = ids.slice(BURST - 1, 2 * BURST - 1)
    const answers = new Map<string, ddp.DdpFrame[]>()
    for (const frame of client.received) {
      const id = String(frame.id ?? (frame.methods as string[])[0])
      answers.set(id, [...(answers.get(id) ?? []), frame])
    }
    t.same(
      [...answers.keys()].filter((id) => !served.includes(id)).sort(),
      [...refused].sort(),
      'exactly the ten past the burst are refused; none after the close',
    )
    for (const id of refused) t.same(answers.get(id), ddp.answered(id, { error: TOO_MANY }), id)
    for (const id of served) {
      if (answers.has(id)) t.same(answers.get(id), ddp.answered(id, { error: notFound }), id)
    }
    await stillServes(t, url)
  })
})

/** A session on a socket that only records, with services whose `resume` waits for `release`. */
function sessionOnRecorder(limits: Partial<DdpLimits>, now: () => number = Date.now) {
  const sent: string[] = []
  let closedWith: { code: number; reason: string } | undefined
  let release = () => {}
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  const calls = { resume: 0 }
  const socket: DdpSocket & { bufferedAmount: number } = {
    bufferedAmount: 0,
    send(text) {
      sent.push(text)
    },
    close(code, reason) {
      closedWith = { code, reason }
    },
  }
  const services: DdpServices = {
    async login() {
      calls.resume++
      await gate
      return undefined
    },
    async logout() {},
    outbox() {
      throw new Error('no login succeeds here')
    },
    async isMember() {
      return false
    },
    connections: new UserConnections(10),
    async online() {},
    async offline() {},
    replayed() {},
    slowClosed() {},
    log: { warn() {} },
  }
  const session = new DdpSession(
    socket,
    services,
    {
      connectTimeoutMs: 60_000,
      loginTimeoutMs: 60_000,
      pingAfterMs: 60_000,
      pongTimeoutMs: 60_000,
      maxSubscriptions: 10,
      messagesPerSecond: 1,
      messageBurst: 10,
      sendBufferBytes: 1_048_576,
      ...limits,
    },
    now,
  )
  return {
    session,
    socket,
    calls,
    release,
    sent: () => sent.map((text) => JSON.parse(text) as ddp.DdpFrame),
    closedWith: () => closedWith,
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve))

/**
 * A session on the recorder that has said `connect`; its gate is opened and it is ended when the
 * test ends.
 */
async function connectedSession(t: Test, limits: Partial<DdpLimits>, now?: () => number) {
  const recorder = sessionOnRecorder(limits, now)
  t.teardown(() => {
    recorder.release()
    return recorder.session.ended()
  })
  recorder.session.receive(JSON.stringify(ddp.CONNECT))
  await turn()
  return recorder
}

/** The ids of 300 logins, `login1` to `login300`. */
const slowLoginIds = () => Array.from({ length: 300 }, (_, i) => `login${i + 1}`)

/** A login by a token whose resume waits at the recorder's gate. */
const slowLogin = (id: string) =>
  JSON.stringify({ msg: 'method', method: 'login', params: [{ resume: 'slow' }], id })

t.test('a session holds at most the burst of a flood; it refuses the rest', async (t) => {
  // Within the rate, but faster than the server answers: the queue stops at the burst.
  const BURST = 5
  let now = 0
  const { session, calls, release, sent, closedWith } = await connectedSession(
    t,
    { messageBurst: BURST, messagesPerSecond: 1000 },
    () => now,
  )
  const ids = slowLoginIds()
  for (const id of ids) {
    session.receive(slowLogin(id))
    // The next frame two milliseconds later by the session's clock: two tokens' time.
    now += 2
    await turn()
  }
  t.equal(calls.resume, 1, 'one login is being resumed')
  const [connected, ...refusals] = sent()
  t.same(connected, { msg: 'connected', session: session.id })
  const waiting = ids.slice(0, BURST + 1)
  t.same(
    refusals,
    ids.slice(BURST + 1).flatMap((id) => ddp.answered(id, { error: TOO_MANY })),
    'one being served and the burst waiting; every other frame refused at once',
  )
  t.equal(closedWith(), undefined, 'a client within the rate is not closed')

  release()
  await turn()
  const loggedOut = ddp.meteorError(
    403,
    "You've been logged out by the server. Please log in again.",
  )
  t.same(
    sent().slice(1 + refusals.length),
    waiting.flatMap((id) => ddp.answered(id, { error: loggedOut })),
    'the waiting ones are answered in order',
  )
  t.equal(calls.resume, BURST + 1)
})

t.test(
  'a flood of a few hundred frames at once is refused past the burst, then closed',
  async (t) => {
    const BURST = 20
    const { session, calls, release, sent, closedWith } = await connectedSession(t, {
      messageBurst: BURST,
    })
    const ids = slowLoginIds()
    for (const id of ids) session.receive(slowLogin(id))
    // `connect` took a token: 19 are queued, the next 20 refused, and the one after closes the
    // session before any queued one had its turn.
    t.same(closedWith(), CLOSE.flood)
    release()
    await turn()
    t.equal(calls.resume, 0, 'nothing queued is served after the close')
    t.same(sent(), [
      { msg: 'connected', session: session.id },
      ...ids.slice(BURST - 1, 2 * BURST - 1).flatMap((id) => ddp.answered(id, { error: TOO_MANY })),
    ])
  },
)

t.test(
  'a client that sends but never reads is closed once its replies fill the buffer',
  async (t) => {
    const LIMIT = 4096
    const { session, socket, sent, closedWith } = sessionOnRecorder({
      sendBufferBytes: LIMIT,
      messageBurst: 100,
    })
    t.teardown(() => session.ended())
    const send = socket.send.bind(socket)
    socket.send = (text) => {
      socket.bufferedAmount += text.length
      send(text)
    }
    session.receive(JSON.stringify(ddp.CONNECT))
    const id = 'p'.repeat(1000)
    for (let i = 0; i < 20; i++) session.receive(JSON.stringify({ msg: 'ping', id }))
    await turn()
    t.same(closedWith(), CLOSE.slowClient)
    const pong = JSON.stringify({ msg: 'pong', id })
    t.ok(socket.bufferedAmount <= LIMIT, `${socket.bufferedAmount} bytes held`)
    t.ok(
      socket.bufferedAmount + pong.length > LIMIT,
      'closed at the reply that would pass the limit',
    )
    const [connected, ...pongs] = sent()
    t.same(connected, { msg: 'connected', session: session.id })
    t.same(
      pongs,
      pongs.map(() => ({ msg: 'pong', id })),
    )
  },
)

t.test('a client that stops reading while events come is closed with 4004', async (t) => {
  // Each topic change of its group is about 25 kB to each subscriber.
  const { app, url, member, group, g } = await ddp.slowReaderScene(t, db, 65_536)
  const slow = await ddp.loggedIn(t, url, member)
  const witness = await ddp.loggedIn(t, url, member)
  const texts = new Map<ddp.RawDdp, string[]>()
  for (const client of [slow, witness]) {
    await client.subscribe('rooms', 'stream-notify-user', `${member.id}/rooms-changed`)
    await client.subscribe('messages', 'stream-room-messages', group._id)
    await client.subscribe('mine', 'stream-room-messages', '__my_messages__')
    const received: string[] = []
    texts.set(client, received)
    client.socket.on('message', (data) => received.push(data.toString()))
  }
  const tcp = (slow.socket as unknown as { _socket: Socket })._socket
  const topicChanged = (topic: string) => (frame: ddp.DdpFrame) =>
    frame.msg === 'changed' &&
    (frame.fields as { args: Array<{ topic?: string }> }).args[1]?.topic === topic

  // Rounds of changes while the slow client does not read, twice as many each time, until the
  // kernel's buffers are full and the server's own buffer passes its limit.
  let changes = 0
  let closed: { code: number; reason: string } | undefined
  for (let round = 200; !closed && changes < 5000; round *= 2) {
    tcp.pause()
    for (let sent = 0; sent < round; sent += 10) {
      await Promise.all(
        Array.from({ length: 10 }, () =>
          g.post('groups.setTopic', { topic: `${changes++} `.padEnd(5000, '.') }),
        ),
      )
    }
    // The witness has the last change: the server has handed every change to the slow client.
    const last = `last of ${changes}`
    await g.post('groups.setTopic', { topic: last })
    await witness.next(topicChanged(last), 60_000)
    witness.received.length = 0
    tcp.resume()
    closed = await Promise.race([
      slow.closed,
      slow.next(topicChanged(last), 60_000).then(
        () => undefined,
        () => slow.closed,
      ),
    ])
  }
  t.same(closed, { code: 4004, reason: 'send buffer full' }, `closed after ${changes} changes`)
  const slowTexts = texts.get(slow) ?? []
  const witnessTexts = texts.get(witness) ?? []
  t.ok(slowTexts.length < witnessTexts.length, 'the slow client missed what came after the close')
  t.same(slowTexts, witnessTexts.slice(0, slowTexts.length), 'what it got is whole and in order')
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
  t.match(metrics, /^realtime_slow_client_closes_total\{transport="ddp"\} 1$/m, 'counted')

  witness.send({ msg: 'ping', id: 'reading' })
  t.same(await witness.next((frame) => frame.msg === 'pong'), { msg: 'pong', id: 'reading' })
  t.equal(witness.socket.readyState, witness.socket.OPEN, 'a client that reads is kept')
  await stillServes(t, url)
})
