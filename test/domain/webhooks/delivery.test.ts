// Webhook delivery end to end: group events to a receiver on 127.0.0.1, signed (checked with the
// standardwebhooks package), in commit order, retried, disabled, refused by the SSRF guard.
import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'
import t, { type Test } from 'tap'
import { pruneEvents } from '../../../db/queries/events.js'
import { api, fixture, until } from '../../helper.js'

const db = await fixture.testDatabase(t)

/** Deliveries follow a poll of the dispatcher and a machine that may be busy. */
const WAIT = { timeoutMs: 30_000 }

const KEY = 'a test key of at least thirty-two characters'

interface Received {
  headers: http.IncomingHttpHeaders
  body: string
}

/** A receiver on 127.0.0.1 answering each request with `answer(n)` (n counts from 0). */
async function receiver(
  t: Test,
  answer: (n: number) => {
    status: number
    headers?: Record<string, string>
    body?: string
  } = () => ({
    status: 204,
  }),
) {
  const received: Received[] = []
  const server = http.createServer((request, response) => {
    let body = ''
    request.on('data', (chunk) => {
      body += chunk
    })
    request.on('end', () => {
      const reply = answer(received.length)
      received.push({ headers: request.headers, body })
      response.writeHead(reply.status, reply.headers).end(reply.body ?? '')
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}/hook`, received }
}

async function setup(t: Test, overrides: Record<string, string> = {}) {
  const app = await fixture.buildApp(
    t,
    db,
    fixture.testConfig({
      WEBHOOK_ENCRYPTION_KEY: KEY,
      WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true',
      WEBHOOK_RETRY_UNIT_MS: '1',
      REALTIME_POLL_MS: '20',
      ...overrides,
    }),
  )
  // Each test's endpoints go with it, so no later test's dispatcher sends to them.
  t.teardown(async () => {
    await db.deleteFrom('webhooks').execute()
  })
  const admin = await fixture.createTestUser(db, { roles: ['admin', 'user'] })
  const create = async (body: Record<string, unknown>) => {
    const response = await api(app, admin).post('webhooks.create', body)
    if (response.statusCode !== 200) throw new Error(response.body)
    return response.json() as { webhook: { _id: string }; secret: string }
  }
  return { app, admin, create }
}

const storedWebhook = (id: string) =>
  db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

const attemptsOf = (webhookId: string) =>
  db
    .selectFrom('webhook_attempts')
    .innerJoin('webhook_deliveries', 'webhook_deliveries.id', 'webhook_attempts.delivery_id')
    .select([
      'webhook_attempts.status_code',
      'webhook_attempts.error',
      'webhook_attempts.response_body',
      'webhook_deliveries.status',
      'webhook_deliveries.next_attempt_at',
      'webhook_attempts.attempted_at',
    ])
    .where('webhook_deliveries.webhook_id', '=', webhookId)
    .orderBy('webhook_attempts.id')
    .execute()

t.test(
  'group events reach the receiver signed, in commit order, one per group event',
  async (t) => {
    const { app, create } = await setup(t)
    const { url, received } = await receiver(t)
    const { secret } = await create({ url })
    const owner = await fixture.createTestUser(db)
    const member = await fixture.createTestUser(db)
    const group = await fixture.createTestGroup(app, owner)
    const as = api(app, owner).on(group)
    await as.post('groups.invite', { userId: member.id })
    await as.post('groups.addModerator', { userId: member.id })
    await as.post('groups.setTopic', { topic: 'webhooks' })
    await as.post('groups.rename', { name: `${group.name}-renamed` })
    await as.post('groups.kick', { userId: member.id })
    await as.post('groups.archive')
    await as.post('groups.delete')

    await until(
      () => `ten webhooks, received ${received.map((request) => JSON.parse(request.body).type)}`,
      () => received.length >= 10,
      WAIT,
    )

    const verifier = new Webhook(secret)
    const events = received.map(({ headers, body }) => {
      const verified = verifier.verify(body, headers as Record<string, string>) as {
        type: string
        data: Record<string, unknown>
      }
      return { id: String(headers['webhook-id']), type: verified.type, data: verified.data }
    })
    const roomId = group._id
    t.same(
      events.map(({ type, data }) => ({ type, data })),
      [
        { type: 'group.created', data: { roomId, name: group.name, createdBy: owner.id } },
        {
          type: 'member.added',
          data: { roomId, userId: owner.id, username: owner.username, by: owner.id },
        },
        {
          type: 'member.added',
          data: { roomId, userId: member.id, username: member.username, by: owner.id },
        },
        { type: 'member.roleAdded', data: { roomId, userId: member.id, role: 'moderator' } },
        { type: 'group.updated', data: { roomId, topic: 'webhooks' } },
        {
          type: 'group.renamed',
          data: { roomId, name: `${group.name}-renamed`, previousName: group.name },
        },
        { type: 'member.removed', data: { roomId, userId: member.id, reason: 'kicked' } },
        { type: 'group.archived', data: { roomId } },
        { type: 'group.deleted', data: { roomId } },
        { type: 'member.removed', data: { roomId, userId: owner.id, reason: 'deleted' } },
      ],
    )
    t.equal(new Set(events.map((event) => event.id)).size, events.length, 'each its own id')
    t.ok(
      events.every((event) => /^\d+\.\d+$/.test(event.id)),
      'webhook-id is the event position',
    )
  },
)

t.test('filters: only the types and groups named', async (t) => {
  const { app, create } = await setup(t)
  const { url, received } = await receiver(t)
  const owner = await fixture.createTestUser(db)
  const watched = await fixture.createTestGroup(app, owner)
  await create({ url, events: ['group.renamed'], roomIds: [watched._id] })
  const other = await fixture.createTestGroup(app, owner)
  await api(app, owner)
    .on(other)
    .post('groups.rename', { name: `${other.name}-x` })
  await api(app, owner).on(watched).post('groups.setTopic', { topic: 'not sent' })
  await api(app, owner)
    .on(watched)
    .post('groups.rename', { name: `${watched.name}-x` })

  await until('one webhook', () => received.length >= 1, WAIT)
  await api(app, owner)
    .on(watched)
    .post('groups.rename', { name: `${watched.name}-y` })
  await until('two webhooks', () => received.length >= 2, WAIT)

  t.same(
    received.map((request) => JSON.parse(request.body).data.name),
    [`${watched.name}-x`, `${watched.name}-y`],
  )
})

t.test('a failure is retried with the same webhook-id until it succeeds', async (t) => {
  const { app, create } = await setup(t)
  const { url, received } = await receiver(t, (n) =>
    n < 2 ? { status: 500, body: 'try later' } : { status: 200 },
  )
  const { webhook } = await create({ url, events: ['group.created'] })
  const owner = await fixture.createTestUser(db)
  await fixture.createTestGroup(app, owner)

  await until('three attempts', () => received.length >= 3, WAIT)
  await until('recorded', async () => (await attemptsOf(webhook._id)).length >= 3, WAIT)

  t.same(new Set(received.map((request) => request.headers['webhook-id'])).size, 1)
  t.match(await attemptsOf(webhook._id), [
    { status_code: 500, response_body: 'try later' },
    { status_code: 500 },
    { status_code: 200, status: 'succeeded' },
  ])
})

t.test('410 disables the endpoint at once, with the reason', async (t) => {
  const { app, create } = await setup(t)
  const { url, received } = await receiver(t, () => ({ status: 410 }))
  const { webhook } = await create({ url })
  const owner = await fixture.createTestUser(db)
  await fixture.createTestGroup(app, owner)

  await until('disabled', async () => !(await storedWebhook(webhook._id)).enabled, WAIT)

  t.equal(received.length, 1, 'one attempt')
  t.match(await storedWebhook(webhook._id), {
    enabled: false,
    disabled_reason: 'the endpoint answered 410 Gone',
  })
})

t.test('past the schedule the endpoint is disabled, and says why', async (t) => {
  const { app, admin, create } = await setup(t, { WEBHOOK_RETRY_UNIT_MS: '0' })
  const { url, received } = await receiver(t, () => ({ status: 502 }))
  const { webhook } = await create({ url, events: ['group.created'] })
  const owner = await fixture.createTestUser(db)
  await fixture.createTestGroup(app, owner)

  await until('disabled', async () => !(await storedWebhook(webhook._id)).enabled, WAIT)

  t.equal(received.length, 10, 'ten attempts: the whole schedule')
  const listed = await api(app, admin).get('webhooks.list', { count: '100' })
  t.match(
    listed.json().webhooks.find((listedHook: { _id: string }) => listedHook._id === webhook._id),
    {
      enabled: false,
      disabledReason: 'no success in 10 attempts over the retry schedule; the last answered 502',
    },
  )
})

t.test('Retry-After is honoured on 429; redirects are not followed', async (t) => {
  const { app, create } = await setup(t)
  const { url, received } = await receiver(t, (n) =>
    n === 0 ? { status: 429, headers: { 'retry-after': '3600' } } : { status: 200 },
  )
  const redirected = await receiver(t)
  const moved = await receiver(t, () => ({ status: 302, headers: { location: redirected.url } }))
  const { webhook } = await create({ url, events: ['group.created'] })
  const { webhook: movedHook } = await create({ url: moved.url, events: ['group.created'] })
  const owner = await fixture.createTestUser(db)
  await fixture.createTestGroup(app, owner)

  await until('429 recorded', async () => (await attemptsOf(webhook._id)).length >= 1, WAIT)
  await until('302 recorded', async () => (await attemptsOf(movedHook._id)).length >= 1, WAIT)

  const [limited] = await attemptsOf(webhook._id)
  const wait = (limited?.next_attempt_at.getTime() ?? 0) - (limited?.attempted_at.getTime() ?? 0)
  t.ok(wait > 3_500_000 && wait < 3_700_000, `an hour later, as asked (${wait} ms)`)
  t.equal(received.length, 1, 'not tried again meanwhile')
  t.match(await attemptsOf(movedHook._id), [{ status_code: 302, status: 'pending' }])
  t.equal(redirected.received.length, 0, 'the redirect was not followed')
})

t.test('SSRF guard: private destinations are refused unless allowed', async (t) => {
  const { app, create } = await setup(t, { WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'false' })
  const { url, received } = await receiver(t)
  const port = new URL(url).port
  const { webhook: literal } = await create({ url, events: ['group.created'] })
  const { webhook: named } = await create({
    url: `http://localhost:${port}/hook`,
    events: ['group.created'],
  })
  const owner = await fixture.createTestUser(db)
  await fixture.createTestGroup(app, owner)

  await until(
    'refusals recorded',
    async () => {
      const [a, b] = await Promise.all([attemptsOf(literal._id), attemptsOf(named._id)])
      return a.length >= 1 && b.length >= 1
    },
    WAIT,
  )

  t.match(await attemptsOf(literal._id), [
    { status_code: null, error: '127.0.0.1 is a non-public address', status: 'pending' },
  ])
  t.match(await attemptsOf(named._id), [
    {
      status_code: null,
      error: /^localhost resolves to (127\.0\.0\.1|::1), a non-public address$/,
    },
  ])
  t.equal(received.length, 0, 'nothing reached the receiver')
})

t.test('during a rotation both secrets sign; responses are kept truncated', async (t) => {
  const { app, admin, create } = await setup(t)
  const { url, received } = await receiver(t, () => ({ status: 200, body: 'x'.repeat(5000) }))
  const { webhook, secret } = await create({ url, events: ['group.created'] })
  const rotated = await api(app, admin).post('webhooks.rotateSecret', { webhookId: webhook._id })
  const fresh = rotated.json().secret as string
  const owner = await fixture.createTestUser(db)
  await fixture.createTestGroup(app, owner)

  await until('delivered', async () => (await attemptsOf(webhook._id)).length >= 1, WAIT)

  const [request] = received
  const headers = request?.headers as Record<string, string>
  t.equal(headers['webhook-signature']?.split(' ').length, 2, 'two signatures')
  t.ok(new Webhook(secret).verify(request?.body ?? '', headers), 'the old secret verifies')
  t.ok(new Webhook(fresh).verify(request?.body ?? '', headers), 'the new secret verifies')
  const [attempt] = await attemptsOf(webhook._id)
  t.equal(attempt?.response_body, 'x'.repeat(1024))
})

t.test('pruning keeps the events an enabled endpoint has not been given', async (t) => {
  const { app, create } = await setup(t, { WEBHOOKS_DELIVER: 'false' })
  const { url } = await receiver(t)
  await create({ url })
  const owner = await fixture.createTestUser(db)
  await fixture.createTestGroup(app, owner)
  const before = await db.selectFrom('events').select('id').execute()

  await pruneEvents(db, new Date(Date.now() + 60_000))

  const after = await db.selectFrom('events').select('id').execute()
  t.ok(after.length > 0, 'the events after its cursor are kept')
  t.ok(after.length <= before.length)
  await db.updateTable('webhooks').set({ enabled: false }).execute()
  await pruneEvents(db, new Date(Date.now() + 60_000))
  t.same(await db.selectFrom('events').select('id').execute(), [], 'disabled, they go')
})
