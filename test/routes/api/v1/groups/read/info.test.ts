import t from 'tap'
import { api, assertReply, fixture } from '../../../../../helper.js'

const db = await fixture.testDatabase(t)

t.test('groups.info: a member gets the group by roomId or roomName', async (t) => {
  const { app, owner, member, group } = await fixture.groupFixture(t, db)

  const byId = await api(app, member).get('groups.info', { roomId: group._id })
  const body = fixture.assertGroupAnswer(t, byId)
  t.same([...body.group.usernames].sort(), [owner.username, member.username].sort())
  t.same(
    body.group,
    fixture.groupBody({
      ...body.group,
      _id: group._id,
      name: group.name,
      creator: owner,
      msgs: 0,
      usersCount: 2,
    }),
  )

  const byName = await api(app, owner).get('groups.info', { roomName: group.name })
  assertReply(t, byName, 200, body)
})

t.test('groups.info: roomId wins over roomName', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  const first = await fixture.createTestGroup(app, owner)
  const second = await fixture.createTestGroup(app, owner)

  const response = await api(app, owner).get('groups.info', {
    roomId: first._id,
    roomName: second.name,
  })

  t.equal(response.statusCode, 200)
  t.equal(response.json().group._id, first._id)
  t.equal(response.json().group.name, first.name)
})

t.test('groups.info: a global admin who is a member sees the group', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  const admin = await fixture.createTestUser(db, { roles: ['admin'] })
  const group = await fixture.createTestGroup(app, owner, [admin])

  const response = await api(app, admin).get('groups.info', { roomId: group._id })

  t.equal(response.statusCode, 200)
  t.equal(response.json().group._id, group._id)
})
