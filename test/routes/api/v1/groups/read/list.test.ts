import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { api, assertReply, fixture, refused } from '../../../../../helper.js'

const db = await fixture.testDatabase(t)

/** A group's body as groups.list shows it: groups.info's, without the usernames. */
async function summaryOf(app: FastifyInstance, member: fixture.TestUser, roomId: string) {
  const { usernames: _, ...summary } = (
    await api(app, member).get('groups.info', { roomId })
  ).json().group
  return summary
}

t.test("groups.list: the caller's groups only, sorted by name, paged", async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)
  const other = await fixture.createTestUser(db)
  const charlie = await fixture.createTestGroup(app, user, [], fixture.groupName('charlie'))
  const bravo = await fixture.createTestGroup(app, other, [user], fixture.groupName('bravo'))
  await fixture.createTestGroup(app, other, [], fixture.groupName('alpha'))
  const alpha = await fixture.createTestGroup(app, user, [other], fixture.groupName('alpha'))

  const all = await api(app, user).get('groups.list')

  t.equal(all.statusCode, 200)
  const body = all.json()
  t.same(Object.keys(body).sort(), ['count', 'groups', 'offset', 'success', 'total'])
  t.same(
    body.groups.map((group: { name: string }) => group.name),
    [alpha.name, bravo.name, charlie.name],
  )
  t.same(
    { count: body.count, offset: body.offset, total: body.total, success: body.success },
    {
      count: 3,
      offset: 0,
      total: 3,
      success: true,
    },
  )
  const [first] = body.groups
  t.match(first.ts, fixture.ISO_TIMESTAMP)
  t.match(first._updatedAt, fixture.ISO_TIMESTAMP)
  t.same(first, {
    _id: alpha._id,
    name: alpha.name,
    fname: alpha.name,
    t: 'p',
    msgs: 0,
    usersCount: 2,
    u: { _id: user.id, username: user.username },
    ts: first.ts,
    ro: false,
    sysMes: true,
    _updatedAt: first._updatedAt,
  })

  const page = await api(app, user).get('groups.list', { offset: '1', count: '1' })
  t.equal(page.statusCode, 200)
  const paged = page.json()
  t.same(
    paged.groups.map((group: { _id: string }) => group._id),
    [bravo._id],
  )
  t.same(
    { count: paged.count, offset: paged.offset, total: paged.total },
    {
      count: 1,
      offset: 1,
      total: 3,
    },
  )

  const past = await api(app, user).get('groups.list', { offset: '5' })
  assertReply(t, past, 200, { groups: [], count: 0, offset: 5, total: 3, success: true })
})

t.test('groups.list: a user in no group gets an empty list', async (t) => {
  const app = await fixture.buildApp(t, db)
  const loner = await fixture.createTestUser(db)

  const response = await api(app, loner).get('groups.list')

  assertReply(t, response, 200, { groups: [], count: 0, offset: 0, total: 0, success: true })
})

t.test('groups.list: sort by any group field, most significant first', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)
  const prefix = fixture.groupName('sorted')
  const [b, a, c] = await fixture.seedGroupsOf(db, user, [
    { name: `${prefix}-b`, msgs: 5 },
    { name: `${prefix}-a`, msgs: 1 },
    { name: `${prefix}-c`, msgs: 5 },
  ])
  const names = async (sort?: string) => {
    const response = await api(app, user).get('groups.list', sort === undefined ? {} : { sort })
    t.equal(response.statusCode, 200, sort ?? 'no sort')
    return response.json().groups.map((group: { name: string }) => group.name)
  }

  t.same(await names(), [a?.name, b?.name, c?.name], 'by name by default')
  t.same(await names('{}'), [a?.name, b?.name, c?.name], '{} keeps the default')
  t.same(await names('{"name":-1}'), [c?.name, b?.name, a?.name])
  t.same(await names('{"msgs":-1,"name":1}'), [b?.name, c?.name, a?.name])
  t.same(await names('{"msgs":-1,"name":-1}'), [c?.name, b?.name, a?.name])
  t.same(await names('{"fname":1}'), [a?.name, b?.name, c?.name])
  t.same(await names('{"usersCount":1,"ts":1,"_updatedAt":1,"name":-1}'), [
    c?.name,
    b?.name,
    a?.name,
  ])
})

t.test(
  'groups.listAll: every private group, member or not, for view-room-administration',
  async (t) => {
    const app = await fixture.buildApp(t, db)
    const admin = await fixture.createTestUser(db, { roles: ['admin'] })
    const owner = await fixture.createTestUser(db)
    const prefix = fixture.groupName('every')
    const b = await fixture.createTestGroup(app, owner, [], `${prefix}-b`)
    const a = await fixture.createTestGroup(app, owner, [admin], `${prefix}-a`)
    const c = await fixture.createTestGroup(app, admin, [], `${prefix}-c`)
    const [summaryA, summaryB, summaryC] = [
      await summaryOf(app, owner, a._id),
      await summaryOf(app, owner, b._id),
      await summaryOf(app, admin, c._id),
    ]
    const ours = JSON.stringify({ name: { $regex: `^${prefix}-` } })
    const auditRows = await fixture.auditRowCount(db)

    const filtered = await api(app, admin).get('groups.listAll', { query: ours })
    assertReply(t, filtered, 200, {
      groups: [summaryA, summaryB, summaryC],
      offset: 0,
      count: 3,
      total: 3,
      success: true,
    })

    const everything = await api(app, admin).get('groups.listAll', { count: '100' })
    t.equal(everything.statusCode, 200)
    const stored = await db
      .selectFrom('rooms')
      .select('name')
      .where('type', '=', 'p')
      .orderBy('name')
      .execute()
    t.equal(everything.json().total, stored.length, 'total counts every private group')
    t.same(
      everything.json().groups.map((group: { name: string }) => group.name),
      stored.slice(0, 100).map((room) => room.name),
      'by name',
    )

    const page = await api(app, admin).get('groups.listAll', {
      query: ours,
      offset: '1',
      count: '1',
      sort: '{"name":-1}',
    })
    t.same(page.json(), { groups: [summaryB], offset: 1, count: 1, total: 3, success: true })

    const custodian = await fixture.userWithPermission(db, 'view-room-administration')
    const byPermission = await api(app, custodian).get('groups.listAll', { query: ours })
    assertReply(
      t,
      byPermission,
      200,
      filtered.json(),
      'the permission is what counts, not the admin role',
    )

    t.equal(await fixture.auditRowCount(db), auditRows, 'reading writes no audit entry')
  },
)

t.test('groups.listAll: query by name or fname, equal or by regular expression', async (t) => {
  const app = await fixture.buildApp(t, db)
  const admin = await fixture.createTestUser(db, { roles: ['admin'] })
  const prefix = fixture.groupName('query')
  const [a, b, c] = await fixture.seedGroupsOf(db, admin, [
    { name: `${prefix}-alpha` },
    { name: `${prefix}-beta` },
    { name: `${prefix}-gamma` },
  ])
  const names = async (query: object) => {
    const response = await api(app, admin).get('groups.listAll', { query: JSON.stringify(query) })
    t.equal(response.statusCode, 200, JSON.stringify(query))
    const body = response.json()
    t.equal(body.total, body.groups.length)
    return body.groups.map((group: { name: string }) => group.name)
  }

  t.same(await names({ name: b?.name }), [b?.name])
  t.same(await names({ fname: c?.name }), [c?.name])
  t.same(await names({ name: `${prefix}-ALPHA` }), [], 'equality is exact')
  t.same(await names({ name: { $regex: `^${prefix}-(alpha|gamma)$` } }), [a?.name, c?.name])
  t.same(await names({ name: { $regex: `^${prefix.toUpperCase()}-BETA` } }), [], 'case matters')
  t.same(await names({ name: { $regex: `^${prefix.toUpperCase()}-BETA`, $options: 'i' } }), [
    b?.name,
  ])
  t.same(await names({ name: { $regex: `^${prefix}-`, $options: '' }, fname: a?.name }), [a?.name])
  t.same(await names({ name: { $regex: 'a'.repeat(128) } }), [], '128 characters are allowed')
})

t.test('groups.listAll: refusals', async (t) => {
  const app = await fixture.buildApp(t, db)
  const admin = await fixture.createTestUser(db, { roles: ['admin'] })
  const user = await fixture.createTestUser(db)
  await fixture.createTestGroup(app, user)
  const auditRows = await fixture.auditRowCount(db)

  const plain = await api(app, user).get('groups.listAll')
  assertReply(
    t,
    plain,
    403,
    refused.unauthorized,
    'an owner of groups still needs view-room-administration',
  )
  const withQuery = await api(app, user).get('groups.listAll', { query: 'not json', sort: 'x' })
  assertReply(t, withQuery, 403, refused.unauthorized, 'the permission is checked first')

  for (const query of [
    'name',
    '["name"]',
    '"name"',
    'null',
    '{"usernames":"x"}',
    '{"name":5}',
    '{"name":null}',
    '{"name":{"$ne":"x"}}',
    '{"name":{"$regex":"x","$where":"1"}}',
    '{"name":{"$regex":5}}',
    '{"name":{"$regex":"x","$options":"m"}}',
    `{"name":{"$regex":"${'a'.repeat(129)}"}}`,
    '{"name":{"$regex":"("}}',
    '{"name":"a\\u0000b"}',
    '{"$or":[{"name":"a"}]}',
  ]) {
    const response = await api(app, admin).get('groups.listAll', { query })
    assertReply(t, response, 400, refused.invalidQuery(query), query)
  }
  t.equal(await fixture.auditRowCount(db), auditRows, 'refusals write no audit entry')
})
