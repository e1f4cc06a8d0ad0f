import t from 'tap'
import {
  buildApp,
  createTestGroup,
  createTestUser,
  storedGroup,
  testDatabase,
} from '../../../../helper.js'

const db = await testDatabase(t)

t.test('a member leaves: 200 with the group as it is afterwards', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])

  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/groups.leave',
    headers: member.headers,
    payload: { roomId: group._id },
  })

  t.equal(response.statusCode, 200)
  const body = response.json()
  t.same(Object.keys(body).sort(), ['group', 'success'])
  t.equal(body.success, true)
  t.match(body.group, {
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
  })
  t.match(body.group.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  t.match(body.group._updatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)

  const stored = await storedGroup(db, group._id)
  t.same(stored.members, [{ username: owner.username, roles: ['owner'] }])
  t.same(stored.messages, [
    { type: 'ul', msg: member.username, username: member.username, role: null },
  ])
  t.equal(stored.room?.msgs, 1)
  t.equal(stored.room?.users_count, 1)
})
