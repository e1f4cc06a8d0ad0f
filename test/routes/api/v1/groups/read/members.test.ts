import t from 'tap'
import { api, assertReply, fixture } from '../../../../../helper.js'

const db = await fixture.testDatabase(t)

t.test('groups.members: members by username, paged, with the total', async (t) => {
  const app = await fixture.buildApp(t, db)
  const base = fixture.groupName('member')
  const owner = await fixture.createTestUser(db, { username: `${base}a` })
  const members = [
    await fixture.createTestUser(db, { username: `${base}d` }),
    await fixture.createTestUser(db, { username: `${base}b` }),
    await fixture.createTestUser(db, { username: `${base}c` }),
  ]
  const group = await fixture.createTestGroup(app, owner, members)
  const item = (username: string, id: string) => ({
    _id: id,
    username,
    name: `Name of ${username}`,
    status: 'offline',
  })
  const [d, b, c] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]]

  const all = await api(app, c).get('groups.members', { roomId: group._id })
  assertReply(t, all, 200, {
    members: [
      item(owner.username, owner.id),
      item(b.username, b.id),
      item(c.username, c.id),
      item(d.username, d.id),
    ],
    count: 4,
    offset: 0,
    total: 4,
    success: true,
  })

  const page = await api(app, owner).get('groups.members', {
    roomName: group.name,
    offset: '1',
    count: '2',
  })
  assertReply(t, page, 200, {
    members: [item(b.username, b.id), item(c.username, c.id)],
    count: 2,
    offset: 1,
    total: 4,
    success: true,
  })
})

t.test('groups.members: sort by username or name', async (t) => {
  const app = await fixture.buildApp(t, db)
  const base = fixture.groupName('msort')
  const owner = await fixture.createTestUser(db, { username: `${base}a` })
  const b = await fixture.createTestUser(db, { username: `${base}b` })
  const c = await fixture.createTestUser(db, { username: `${base}c` })
  const group = await fixture.createTestGroup(app, owner, [b, c])
  await db.updateTable('users').set({ name: 'Zed' }).where('id', '=', owner.id).execute()
  await db.updateTable('users').set({ name: 'Anna' }).where('id', '=', c.id).execute()
  const usernames = async (sort: string) => {
    const response = await api(app, b).get('groups.members', { roomId: group._id, sort })
    t.equal(response.statusCode, 200, sort)
    return response.json().members.map((member: { username: string }) => member.username)
  }

  t.same(await usernames('{"username":-1}'), [c.username, b.username, owner.username])
  t.same(await usernames('{"name":1}'), [c.username, b.username, owner.username])
  t.same(await usernames('{"name":-1}'), [owner.username, b.username, c.username])
})
