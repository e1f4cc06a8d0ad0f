import t from 'tap'
import { api, assertReply, assertUnchanged, fixture, refused } from '../../../../../helper.js'

const db = await fixture.testDatabase(t)

t.test('info, members, history, messages and counters without a room parameter', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  await fixture.createTestGroup(app, owner)

  for (const endpoint of [
    'groups.info',
    'groups.members',
    'groups.history',
    'groups.messages',
    'groups.counters',
  ]) {
    const response = await api(app, owner).get(endpoint)
    assertReply(t, response, 400, refused.roomParamNotProvided, endpoint)
  }
})

t.test(
  'a non-member, even a global admin, gets error-room-not-found from every group endpoint',
  async (t) => {
    const { app, owner, member, group, stored } = await fixture.groupFixture(t, db)
    const outsider = await fixture.createTestUser(db)
    const admin = await fixture.createTestUser(db, { roles: ['admin'] })

    const endpoints: Array<{
      method: 'GET' | 'POST'
      endpoint: string
      extra: Record<string, string>
    }> = [
      { method: 'GET', endpoint: 'groups.info', extra: {} },
      { method: 'GET', endpoint: 'groups.members', extra: {} },
      { method: 'GET', endpoint: 'groups.history', extra: {} },
      { method: 'GET', endpoint: 'groups.messages', extra: {} },
      { method: 'GET', endpoint: 'groups.counters', extra: {} },
      { method: 'POST', endpoint: 'groups.invite', extra: { userId: outsider.id } },
      { method: 'POST', endpoint: 'groups.kick', extra: { userId: member.id } },
      { method: 'POST', endpoint: 'groups.addOwner', extra: { userId: member.id } },
      { method: 'POST', endpoint: 'groups.removeOwner', extra: { userId: owner.id } },
    ]
    const callers = [
      { label: 'a plain user', user: outsider },
      { label: 'a global admin', user: admin },
    ]
    const refs: Array<Record<string, string>> = [
      { roomId: group._id },
      { roomName: group.name },
      { roomId: 'no-such-room' },
      { roomName: 'no-such-room' },
    ]

    for (const { method, endpoint, extra } of endpoints) {
      for (const { label, user } of callers) {
        for (const ref of refs) {
          const params = { ...ref, ...extra }
          const response =
            method === 'GET'
              ? await api(app, user).get(endpoint, params)
              : await api(app, user).post(endpoint, params)
          const what = `${endpoint} by ${label} with ${JSON.stringify(ref)}`
          assertReply(t, response, 400, refused.roomNotFound, what)
        }
      }
    }

    await assertUnchanged(t, stored)
  },
)

t.test('not logged in: 401 from every reading endpoint', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  const group = await fixture.createTestGroup(app, owner)

  for (const endpoint of [
    'groups.info',
    'groups.list',
    'groups.listAll',
    'groups.members',
    'groups.history',
    'groups.messages',
    'groups.counters',
  ]) {
    const response = await api(app, null).get(endpoint, { roomId: group._id })
    assertReply(t, response, 401, refused.notLoggedIn, endpoint)
  }
})

t.test('list, listAll, members and messages: bad paging is invalid-params', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db, { roles: ['admin'] })
  const group = await fixture.createTestGroup(app, owner)

  const cases: Array<{ query: Record<string, string>; error: string }> = [
    { query: { count: 'ten' }, error: 'count must be a whole number written in decimal digits' },
    { query: { count: '1.5' }, error: 'count must be a whole number written in decimal digits' },
    { query: { count: '-1' }, error: 'count must be >= 0' },
    { query: { offset: '-1' }, error: 'offset must be >= 0' },
    { query: { offset: 'x' }, error: 'offset must be a whole number written in decimal digits' },
  ]
  for (const endpoint of ['groups.list', 'groups.listAll', 'groups.members', 'groups.messages']) {
    for (const { query, error } of cases) {
      const response = await api(app, owner).get(endpoint, { roomId: group._id, ...query })
      assertReply(
        t,
        response,
        400,
        refused.invalidParams(error),
        `${endpoint} ${JSON.stringify(query)}`,
      )
    }
  }
})

t.test('count above 100 is cut to 100 on list, listAll, members and messages', async (t) => {
  const app = await fixture.buildApp(t, db)
  const admin = await fixture.createTestUser(db, { roles: ['admin'] })
  const prefix = fixture.groupName('many')
  await fixture.seedGroupsOf(
    db,
    admin,
    Array.from({ length: 101 }, (_, index) => ({
      name: `${prefix}-${String(index).padStart(3, '0')}`,
    })),
  )
  const group = await fixture.createTestGroup(app, admin, [], `${prefix}-zzz`)
  await fixture.seedMembers(db, group._id, 100)
  await fixture.insertTextMessages(db, group._id, admin, 101)
  const onlyPrefix = JSON.stringify({ name: { $regex: `^${prefix}-\\d+$` } })

  const lists: Array<{ endpoint: string; key: string; query: Record<string, string> }> = [
    { endpoint: 'groups.list', key: 'groups', query: {} },
    { endpoint: 'groups.listAll', key: 'groups', query: { query: onlyPrefix } },
    { endpoint: 'groups.members', key: 'members', query: { roomId: group._id } },
    { endpoint: 'groups.messages', key: 'messages', query: { roomId: group._id } },
  ]
  const totals: Record<string, number> = {
    'groups.list': 102,
    'groups.listAll': 101,
    'groups.members': 101,
    'groups.messages': 101,
  }
  for (const { endpoint, key, query } of lists) {
    for (const count of ['100', '101', '100000']) {
      const response = await api(app, admin).get(endpoint, { ...query, count })
      const what = `${endpoint} count=${count}`
      t.equal(response.statusCode, 200, what)
      const body = response.json()
      t.equal(body[key].length, 100, what)
      t.same(
        { count: body.count, offset: body.offset, total: body.total },
        { count: 100, offset: 0, total: totals[endpoint] },
        what,
      )
    }
    const byDefault = (await api(app, admin).get(endpoint, query)).json()
    t.equal(byDefault[key].length, 50, `${endpoint} shows 50 by default`)
    t.equal(byDefault.count, 50)
  }
})

t.test('a sort that is not a JSON object of known fields to 1 or -1 is refused', async (t) => {
  const app = await fixture.buildApp(t, db)
  const admin = await fixture.createTestUser(db, { roles: ['admin'] })
  const group = await fixture.createTestGroup(app, admin)
  const room = { roomId: group._id }

  const everywhere = [
    'name',
    '{name:1}',
    '[["ts",1]]',
    '"ts"',
    'null',
    '1',
    '{"ts":0}',
    '{"ts":"1"}',
    '{"ts":true}',
    '{"ts":1,"password_hash":-1}',
    '{"__proto__":1}',
  ]
  const cases: Array<{ endpoint: string; query: Record<string, string>; raws: string[] }> = [
    { endpoint: 'groups.list', query: {}, raws: [...everywhere, '{"username":1}'] },
    { endpoint: 'groups.listAll', query: {}, raws: [...everywhere, '{"u":1}'] },
    { endpoint: 'groups.members', query: room, raws: [...everywhere, '{"status":1}'] },
    { endpoint: 'groups.messages', query: room, raws: [...everywhere, '{"msg":1}'] },
  ]
  for (const { endpoint, query, raws } of cases) {
    for (const sort of raws) {
      const response = await api(app, admin).get(endpoint, { ...query, sort })
      assertReply(t, response, 400, refused.invalidSort(sort), `${endpoint} ${sort}`)
    }
  }
})

t.test(
  'an archived group: members and messages refused, info and history still read',
  async (t) => {
    const { app, owner, member, group } = await fixture.groupFixture(t, db)
    await fixture.insertTextMessages(db, group._id, owner, 1)
    await db.updateTable('rooms').set({ archived: true }).where('id', '=', group._id).execute()

    for (const endpoint of ['groups.members', 'groups.messages']) {
      const response = await api(app, member).get(endpoint, { roomId: group._id })
      assertReply(t, response, 400, refused.archived(group.name), endpoint)
    }
    const info = await api(app, member).get('groups.info', { roomId: group._id })
    t.equal(info.statusCode, 200)
    t.equal(info.json().group.archived, true)
    const history = await api(app, member).get('groups.history', { roomId: group._id })
    t.equal(history.statusCode, 200)
    t.equal(history.json().messages.length, 1)
    const outsider = await fixture.createTestUser(db)
    const hidden = await api(app, outsider).get('groups.messages', { roomId: group._id })
    t.same(hidden.json(), refused.roomNotFound, 'a non-member still learns nothing')
  },
)
