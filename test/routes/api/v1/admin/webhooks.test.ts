// webhooks.*: managing outgoing webhooks, their secrets and their deliveries, and every refusal.
import t, { type Test } from 'tap'
import { SecretBox } from '../../../../../domain/webhooks/secrets.js'
import { api, assertReply, fixture, ISO_TIMESTAMP, refused } from '../../../../helper.js'

const db = await fixture.testDatabase(t)

const KEY = 'a test key of at least thirty-two characters'
// Nothing is sent: the deliveries these tests queue stay as they were queued.
const config = fixture.testConfig({ WEBHOOK_ENCRYPTION_KEY: KEY, WEBHOOKS_DELIVER: 'false' })
const box = new SecretBox(KEY)
const SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/

const notFound = refused.as('error-webhook-not-found', 'No webhook has this webhookId')

async function setup(t: Test) {
  const app = await fixture.buildApp(t, db, config)
  const admin = await fixture.createTestUser(db, { roles: ['admin', 'user'] })
  const create = async (body: Record<string, unknown> = {}) => {
    const response = await api(app, admin).post('webhooks.create', {
      url: 'https://hooks.example.com/in',
      ...body,
    })
    t.equal(response.statusCode, 200, 'created')
    return response.json() as { webhook: { _id: string }; secret: string }
  }
  return { app, admin, create }
}

const stored = (id: string) =>
  db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

t.test('webhooks.create: the webhook, and its secret shown once and kept encrypted', async (t) => {
  const { app, admin } = await setup(t)
  const audit = await fixture.auditFromNow(db)

  const response = await api(app, admin).post('webhooks.create', {
    url: 'https://hooks.example.com/in',
    events: ['group.renamed', 'member.added'],
    roomIds: ['ByehQjC44FwMeiLbX'],
    description: 'search index',
  })

  t.equal(response.statusCode, 200)
  const body = response.json()
  t.match(body, {
    webhook: {
      _id: String,
      url: 'https://hooks.example.com/in',
      events: ['group.renamed', 'member.added'],
      roomIds: ['ByehQjC44FwMeiLbX'],
      description: 'search index',
      enabled: true,
      disabledReason: null,
      createdAt: ISO_TIMESTAMP,
    },
    secret: SECRET,
    success: true,
  })
  const row = await stored(body.webhook._id)
  t.notOk(row.secret.includes(body.secret.slice(6)), 'the secret is not stored in clear')
  t.equal(box.open(row.secret), body.secret, 'the stored secret opens with the key')
  t.throws(() => new SecretBox(`${KEY}, another`).open(row.secret), 'and only with the key')
  const entries = await audit.read()
  t.same(
    entries.map((entry) => entry.action),
    ['webhooks.create'],
  )
  t.notOk(JSON.stringify(entries).includes(body.secret.slice(6)), 'no secret in the audit log')
})

t.test('webhooks.create: only http and https URLs without credentials', async (t) => {
  const { app, admin } = await setup(t)
  const before = await db.selectFrom('webhooks').select('id').execute()
  for (const url of [
    'ftp://hooks.example.com/in',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'not a url',
    'https://user:pass@hooks.example.com/in',
  ]) {
    const response = await api(app, admin).post('webhooks.create', { url })
    assertReply(
      t,
      response,
      400,
      refused.as(
        'error-invalid-url',
        'The url must be an absolute http or https URL without credentials',
      ),
      url,
    )
  }
  t.same(await db.selectFrom('webhooks').select('id').execute(), before, 'nothing stored')
})

t.test(
  'webhooks.create: an unknown event type or a field past its bounds is invalid',
  async (t) => {
    const { app, admin } = await setup(t)
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ events: ['group.exploded'] }, /^events\.0 must be equal to one of the allowed values /],
      [
        { url: `https://example.com/${'a'.repeat(2100)}` },
        /^url must NOT have more than 2048 characters /,
      ],
      [{ description: 'd'.repeat(1025) }, /^description must NOT have more than 1024 characters /],
      [{ secret: 'whsec_mine' }, /^secret is not allowed here /],
    ]
    for (const [body, words] of cases) {
      const response = await api(app, admin).post('webhooks.create', {
        url: 'https://hooks.example.com/in',
        ...body,
      })
      t.equal(response.statusCode, 400, JSON.stringify(body).slice(0, 40))
      t.match(response.json(), { success: false, errorType: 'invalid-params', error: words })
    }
  },
)

t.test('webhooks.create and rotateSecret: refused without WEBHOOK_ENCRYPTION_KEY', async (t) => {
  const { create } = await setup(t)
  const { webhook } = await create()
  const app = await fixture.buildApp(t, db, fixture.testConfig())
  const admin = await fixture.createTestUser(db, { roles: ['admin', 'user'] })
  const refusal = refused.as(
    'error-webhooks-not-configured',
    'Webhooks need WEBHOOK_ENCRYPTION_KEY to be set on the server',
  )
  const before = await stored(webhook._id)

  const created = await api(app, admin).post('webhooks.create', { url: 'https://example.com/' })
  assertReply(t, created, 400, refusal, 'create')
  const rotated = await api(app, admin).post('webhooks.rotateSecret', { webhookId: webhook._id })
  assertReply(t, rotated, 400, refusal, 'rotateSecret')
  t.same(await stored(webhook._id), before, 'the secret is unchanged')
})

t.test('webhooks.*: 403 without manage-outgoing-integrations, 401 logged out', async (t) => {
  const { app, create } = await setup(t)
  const { webhook } = await create()
  const user = await fixture.createTestUser(db)
  const before = await stored(webhook._id)
  const calls: Array<[string, 'get' | 'post', Record<string, string>]> = [
    ['webhooks.create', 'post', { url: 'https://example.com/' }],
    ['webhooks.list', 'get', {}],
    ['webhooks.update', 'post', { webhookId: webhook._id, description: 'mine' }],
    ['webhooks.delete', 'post', { webhookId: webhook._id }],
    ['webhooks.rotateSecret', 'post', { webhookId: webhook._id }],
    ['webhooks.test', 'post', { webhookId: webhook._id }],
    ['webhooks.deliveries', 'get', { webhookId: webhook._id }],
    ['webhooks.redeliver', 'post', { webhookId: webhook._id, deliveryId: '1' }],
  ]
  for (const [endpoint, method, body] of calls) {
    assertReply(
      t,
      await api(app, user)[method](endpoint, body),
      403,
      refused.unauthorized,
      endpoint,
    )
    assertReply(t, await api(app, null)[method](endpoint, body), 401, refused.notLoggedIn, endpoint)
  }
  t.same(await stored(webhook._id), before, 'nothing changed')
  t.equal(
    (
      await db
        .selectFrom('webhook_deliveries')
        .where('webhook_id', '=', webhook._id)
        .selectAll()
        .execute()
    ).length,
    0,
    'nothing queued',
  )
})

t.test('webhooks.*: an unknown webhookId is refused', async (t) => {
  const { app, admin } = await setup(t)
  const webhookId = 'noSuchWebhook0000'
  const calls: Array<[string, 'get' | 'post', Record<string, string>]> = [
    ['webhooks.update', 'post', { webhookId, description: 'x' }],
    ['webhooks.delete', 'post', { webhookId }],
    ['webhooks.rotateSecret', 'post', { webhookId }],
    ['webhooks.test', 'post', { webhookId }],
    ['webhooks.deliveries', 'get', { webhookId }],
    ['webhooks.redeliver', 'post', { webhookId, deliveryId: '1' }],
  ]
  for (const [endpoint, method, body] of calls) {
    assertReply(t, await api(app, admin)[method](endpoint, body), 400, notFound, endpoint)
  }
})

t.test('webhooks.list: a page of the webhooks, oldest first', async (t) => {
  const { app, admin, create } = await setup(t)
  await create({ description: 'first' })
  await create({ description: 'second' })
  const total = Number(
    (
      await db
        .selectFrom('webhooks')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  )
  const last = await api(app, admin).get('webhooks.list', { offset: String(total - 1), count: '5' })
  t.equal(last.statusCode, 200)
  t.match(last.json(), {
    webhooks: [{ description: 'second', enabled: true }],
    count: 1,
    offset: total - 1,
    total,
    success: true,
  })
  t.notOk('secret' in last.json().webhooks[0], 'no secret listed')
})

t.test('webhooks.update: changes the fields given; enabling clears the reason', async (t) => {
  const { app, admin, create } = await setup(t)
  const { webhook } = await create({ events: ['group.created'] })
  await db
    .updateTable('webhooks')
    .set({ enabled: false, disabled_reason: 'answered 410 Gone' })
    .where('id', '=', webhook._id)
    .execute()

  const response = await api(app, admin).post('webhooks.update', {
    webhookId: webhook._id,
    url: 'http://other.example.com/x',
    events: [],
    enabled: true,
  })

  t.equal(response.statusCode, 200)
  t.match(response.json().webhook, {
    _id: webhook._id,
    url: 'http://other.example.com/x',
    events: [],
    enabled: true,
    disabledReason: null,
  })
  const row = await stored(webhook._id)
  t.match(row, {
    url: 'http://other.example.com/x',
    events: [],
    enabled: true,
    disabled_reason: null,
  })

  const bad = await api(app, admin).post('webhooks.update', {
    webhookId: webhook._id,
    url: 'gopher://x',
  })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().errorType, 'error-invalid-url')
  t.same(await stored(webhook._id), row, 'a refused update changes nothing')
})

t.test('webhooks.delete: the webhook and its deliveries go', async (t) => {
  const { app, admin, create } = await setup(t)
  const { webhook } = await create()
  await api(app, admin).post('webhooks.test', { webhookId: webhook._id })

  const response = await api(app, admin).post('webhooks.delete', { webhookId: webhook._id })

  assertReply(t, response, 200, { success: true })
  t.equal(
    await db.selectFrom('webhooks').where('id', '=', webhook._id).selectAll().executeTakeFirst(),
    undefined,
  )
  const left = await db
    .selectFrom('webhook_deliveries')
    .where('webhook_id', '=', webhook._id)
    .selectAll()
    .execute()
  t.same(left, [])
  assertReply(
    t,
    await api(app, admin).post('webhooks.delete', { webhookId: webhook._id }),
    400,
    notFound,
  )
})

t.test('webhooks.rotateSecret: a new secret; the old one kept for the overlap', async (t) => {
  const { app, admin, create } = await setup(t)
  const { webhook, secret } = await create()
  const before = Date.now()

  const response = await api(app, admin).post('webhooks.rotateSecret', { webhookId: webhook._id })

  t.equal(response.statusCode, 200)
  t.match(response.json(), { secret: SECRET, success: true })
  const fresh = response.json().secret as string
  t.not(fresh, secret)
  const row = await stored(webhook._id)
  t.equal(box.open(row.secret), fresh)
  t.equal(box.open(row.previous_secret ?? ''), secret)
  const until = row.previous_secret_until?.getTime() ?? 0
  t.ok(until >= before + 86_400_000 && until <= Date.now() + 86_400_000, 'for 24 hours')
})

t.test('webhooks.test and deliveries: a queued webhook.test event, listed', async (t) => {
  const { app, admin, create } = await setup(t)
  const { webhook } = await create()

  const response = await api(app, admin).post('webhooks.test', { webhookId: webhook._id })

  t.equal(response.statusCode, 200)
  const { deliveryId } = response.json()
  t.match(response.json(), { deliveryId: /^\d+$/, success: true })
  const list = await api(app, admin).get('webhooks.deliveries', { webhookId: webhook._id })
  t.equal(list.statusCode, 200)
  t.match(list.json(), {
    deliveries: [
      {
        _id: deliveryId,
        messageId: /^test_/,
        type: 'webhook.test',
        status: 'pending',
        createdAt: ISO_TIMESTAMP,
        nextAttemptAt: ISO_TIMESTAMP,
        payload: {
          type: 'webhook.test',
          timestamp: ISO_TIMESTAMP,
          data: { webhookId: webhook._id },
        },
        attempts: [],
      },
    ],
    count: 1,
    offset: 0,
    total: 1,
    success: true,
  })
})

t.test('webhooks.redeliver: one delivery again, with the same webhook-id', async (t) => {
  const { app, admin, create } = await setup(t)
  const { webhook } = await create()
  const { deliveryId } = (
    await api(app, admin).post('webhooks.test', { webhookId: webhook._id })
  ).json()

  const response = await api(app, admin).post('webhooks.redeliver', {
    webhookId: webhook._id,
    deliveryId,
  })

  assertReply(t, response, 200, { success: true })
  const rows = await db
    .selectFrom('webhook_deliveries')
    .select(['message_id', 'payload'])
    .where('webhook_id', '=', webhook._id)
    .orderBy('id')
    .execute()
  t.equal(rows.length, 2)
  t.same(rows[1], rows[0], 'the same message')
})

t.test('webhooks.redeliver: after an event, the cursor goes back to it', async (t) => {
  const { app, admin, create } = await setup(t)
  const owner = await fixture.createTestUser(db)
  await fixture.createTestGroup(app, owner)
  const event = await db
    .selectFrom('events')
    .select((eb) => [eb.ref('id').as('id'), eb.cast<string>('xid', 'text').as('xid')])
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow()
  const { webhook } = await create()

  const response = await api(app, admin).post('webhooks.redeliver', {
    webhookId: webhook._id,
    after: `${event.xid}.${event.id}`,
  })

  assertReply(t, response, 200, { success: true })
  const row = await stored(webhook._id)
  t.same([row.cursor_xid, Number(row.cursor_id)], [event.xid, Number(event.id)])
})

t.test('webhooks.redeliver: refusals, and nothing changed by them', async (t) => {
  const { app, admin, create } = await setup(t)
  const { webhook } = await create()
  const before = await stored(webhook._id)
  const which = refused.as('error-invalid-params', 'Give either deliveryId or after')
  const noEvent = refused.as(
    'error-event-not-found',
    'The event log does not hold this event (unknown, or pruned)',
  )
  const cases: Array<[Record<string, string>, object]> = [
    [{ webhookId: webhook._id }, which],
    [{ webhookId: webhook._id, deliveryId: '1', after: '1.1' }, which],
    [
      { webhookId: webhook._id, deliveryId: '999999999999' },
      refused.as('error-delivery-not-found', 'This webhook has no delivery with this deliveryId'),
    ],
    [{ webhookId: webhook._id, after: '1.1' }, noEvent],
    [{ webhookId: webhook._id, after: '99999999999999999999.1' }, noEvent],
  ]
  for (const [body, refusal] of cases) {
    assertReply(
      t,
      await api(app, admin).post('webhooks.redeliver', body),
      400,
      refusal,
      JSON.stringify(body),
    )
  }
  t.same(await stored(webhook._id), before)
})
