import t from 'tap'
import { api, assertReply, fixture, refused } from '../../../../../helper.js'

const db = await fixture.testDatabase(t)

t.test('groups.history: system messages, newest first, in the API shape', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { owner, first, second, group, ids } = await fixture.groupWithHistory(app, db)

  const response = await api(app, second).get('groups.history', { roomId: group._id })

  t.equal(response.statusCode, 200)
  const u = { _id: owner.id, username: owner.username }
  t.same(response.json(), {
    messages: [
      {
        _id: ids.removedFirst,
        rid: group._id,
        msg: first.username,
        t: 'ru',
        ts: '2024-05-01T10:00:03.123Z',
        u,
        _updatedAt: '2024-05-01T10:00:03.123Z',
        groupable: false,
      },
      {
        _id: ids.addedSecond,
        rid: group._id,
        msg: second.username,
        t: 'au',
        ts: '2024-05-01T10:00:02.123Z',
        u,
        _updatedAt: '2024-05-01T10:00:02.123Z',
        groupable: false,
      },
      {
        _id: ids.addedFirst,
        rid: group._id,
        msg: first.username,
        t: 'au',
        ts: '2024-05-01T10:00:01.123Z',
        u,
        _updatedAt: '2024-05-01T10:00:01.123Z',
        groupable: false,
      },
    ],
    success: true,
  })
})

t.test('groups.history: count, offset and the latest/oldest window', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { owner, group, ids } = await fixture.groupWithHistory(app, db)
  const { addedFirst, addedSecond, removedFirst } = ids
  const at = (second: number) => `2024-05-01T10:00:0${second}.123Z`

  const cases: Array<{ query: Record<string, string>; expected: unknown[] }> = [
    { query: {}, expected: [removedFirst, addedSecond, addedFirst] },
    { query: { count: '2' }, expected: [removedFirst, addedSecond] },
    { query: { count: '1', offset: '1' }, expected: [addedSecond] },
    { query: { offset: '3' }, expected: [] },
    { query: { latest: at(2) }, expected: [addedFirst] },
    { query: { latest: at(2), inclusive: 'true' }, expected: [addedSecond, addedFirst] },
    { query: { oldest: at(2) }, expected: [removedFirst] },
    { query: { oldest: at(2), inclusive: 'true' }, expected: [removedFirst, addedSecond] },
    { query: { oldest: at(1), latest: at(3) }, expected: [addedSecond] },
    {
      query: { oldest: at(1), latest: at(3), inclusive: 'true' },
      expected: [removedFirst, addedSecond, addedFirst],
    },
    {
      query: { oldest: at(1), latest: at(3), inclusive: 'true', count: '1', offset: '1' },
      expected: [addedSecond],
    },
    { query: { latest: '2024-05-01T10:00:02.500Z' }, expected: [addedSecond, addedFirst] },
    { query: { oldest: '2024-05-01T10:00:03.500Z' }, expected: [] },
  ]
  for (const { query, expected } of cases) {
    const response = await api(app, owner).get('groups.history', { roomId: group._id, ...query })
    t.equal(response.statusCode, 200, JSON.stringify(query))
    t.same(
      response.json().messages.map((message: { _id: string }) => message._id),
      expected,
      JSON.stringify(query),
    )
  }
})

t.test('groups.history: 20 messages by default, above 100 cut to 100', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  const group = await fixture.createTestGroup(app, owner)
  await fixture.insertTextMessages(db, group._id, owner, 105)

  const byDefault = await api(app, owner).get('groups.history', { roomId: group._id })
  t.equal(byDefault.statusCode, 200)
  const messages = byDefault.json().messages
  t.equal(messages.length, 20)
  t.equal(messages[0].msg, 'message 104')
  t.equal(messages[19].msg, 'message 85')
  t.same(Object.keys(messages[0]).sort(), ['_id', '_updatedAt', 'msg', 'rid', 'ts', 'u'])

  for (const count of ['100', '101', '5000']) {
    const capped = await api(app, owner).get('groups.history', { roomId: group._id, count })
    t.equal(capped.statusCode, 200, `count=${count}`)
    const page = capped.json().messages
    t.equal(page.length, 100, `count=${count}`)
    t.equal(page[99].msg, 'message 5', `count=${count}`)
  }

  for (const { query, error } of [
    { query: { count: 'many' }, error: 'count must be a whole number written in decimal digits' },
    { query: { latest: 'yesterday' }, error: 'latest must match format "date-time"' },
    { query: { inclusive: 'maybe' }, error: 'inclusive must be boolean' },
  ]) {
    const response = await api(app, owner).get('groups.history', { roomId: group._id, ...query })
    assertReply(t, response, 400, refused.invalidParams(error), JSON.stringify(query))
  }
})

t.test('groups.messages: a member pages through messages, newest first', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { owner, first, second, group, ids } = await fixture.groupWithHistory(app, db)
  const u = { _id: owner.id, username: owner.username }
  const message = (id: unknown, msg: string, type: string, second: number) => ({
    _id: id,
    rid: group._id,
    msg,
    t: type,
    ts: `2024-05-01T10:00:0${second}.123Z`,
    u,
    _updatedAt: `2024-05-01T10:00:0${second}.123Z`,
    groupable: false,
  })
  const removedFirst = message(ids.removedFirst, first.username, 'ru', 3)
  const addedSecond = message(ids.addedSecond, second.username, 'au', 2)
  const addedFirst = message(ids.addedFirst, first.username, 'au', 1)

  const all = await api(app, second).get('groups.messages', { roomId: group._id })
  assertReply(t, all, 200, {
    messages: [removedFirst, addedSecond, addedFirst],
    count: 3,
    offset: 0,
    total: 3,
    success: true,
  })

  const byName = await api(app, owner).get('groups.messages', {
    roomName: group.name,
    offset: '1',
    count: '1',
  })
  t.same(byName.json(), { messages: [addedSecond], count: 1, offset: 1, total: 3, success: true })

  const oldestFirst = await api(app, owner).get('groups.messages', {
    roomId: group._id,
    sort: '{"ts":1}',
  })
  t.same(oldestFirst.json().messages, [addedFirst, addedSecond, removedFirst])
  const byUpdate = await api(app, owner).get('groups.messages', {
    roomId: group._id,
    sort: '{"_updatedAt":-1}',
  })
  t.same(byUpdate.json().messages, [removedFirst, addedSecond, addedFirst])

  const past = await api(app, owner).get('groups.messages', { roomId: group._id, offset: '3' })
  t.same(past.json(), { messages: [], count: 0, offset: 3, total: 3, success: true })
})

t.test('groups.messages: query by text, type and author', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { owner, first, second, group, ids } = await fixture.groupWithHistory(app, db)
  const found = async (query: object) => {
    const response = await api(app, owner).get('groups.messages', {
      roomId: group._id,
      query: JSON.stringify(query),
    })
    t.equal(response.statusCode, 200, JSON.stringify(query))
    const body = response.json()
    t.equal(body.total, body.messages.length, JSON.stringify(query))
    return body.messages.map((message: { _id: string }) => message._id)
  }

  t.same(await found({ t: 'au' }), [ids.addedSecond, ids.addedFirst])
  t.same(await found({ t: 'au', msg: second.username }), [ids.addedSecond])
  t.same(await found({ msg: { $regex: `^${first.username.toUpperCase()}$`, $options: 'i' } }), [
    ids.removedFirst,
    ids.addedFirst,
  ])
  t.same(await found({ 'u.username': owner.username }), [
    ids.removedFirst,
    ids.addedSecond,
    ids.addedFirst,
  ])
  t.same(await found({ 'u._id': second.id }), [])

  for (const query of [
    'x',
    '{"rid":"another-room"}',
    '{"t":{"$in":["au"]}}',
    '{"msg":{"$regex":"["}}',
  ]) {
    const response = await api(app, owner).get('groups.messages', { roomId: group._id, query })
    assertReply(t, response, 400, refused.invalidQuery(query), query)
  }
})
