import t from 'tap'
import { resetPassword } from '../../domain/users/reset-password.js'
import { api, createTestUser, ddp, fixture, TEST_PASSWORD, testDatabase } from '../helper.js'

const db = await testDatabase(t)
const NOT_ALLOWED = ddp.notAllowed

const eventNames = (client: ddp.RawDdp) =>
  client.received
    .filter((frame) => frame.msg === 'changed')
    .map((frame) => `${frame.collection} ${(frame.fields as { eventName: string }).eventName}`)

/**
 * A second group is created with the user in it: once its `rooms-changed` arrives, everything
 * logged before it has been delivered. Its own frames are taken out.
 */
async function barrier(
  app: Awaited<ReturnType<typeof ddp.listeningApp>>['app'],
  client: ddp.RawDdp,
  user: { id: string; username: string },
) {
  const roomId = await fixture.barrierGroup(app, db, user)
  await client.next(
    (frame) =>
      frame.msg === 'changed' &&
      (frame.fields as { eventName: string }).eventName === `${user.id}/rooms-changed` &&
      (frame.fields as { args: Array<{ _id?: string }> }).args[1]?._id === roomId,
  )
  while (client.received.some((frame) => JSON.stringify(frame).includes(roomId))) {
    await client.next((frame) => JSON.stringify(frame).includes(roomId))
  }
}

t.test('a kicked member gets the removal, a nosub, and then nothing about the group', async (t) => {
  const { owner, member, group } = await fixture.groupFixture(t, db)
  const { app, url } = await ddp.listeningApp(t, db)
  const client = await ddp.loggedInSocket(t, url, member)
  await client.followGroup(member, group._id)

  const kicked = await api(app, owner).on(group).post('groups.kick', { userId: member.id })
  t.equal(kicked.statusCode, 200)
  const removal = await client.next((frame) => frame.msg === 'changed')
  const membership = await db
    .selectFrom('events')
    .select('data')
    .where('kind', '=', 'member.removed')
    .where('room_id', '=', group._id)
    .executeTakeFirstOrThrow()
  const subscriptionId = (membership.data as { member: { id: string } }).member.id
  t.same(removal, {
    msg: 'changed',
    collection: 'stream-notify-user',
    id: 'id',
    fields: {
      eventName: `${member.id}/subscriptions-changed`,
      args: [
        'removed',
        {
          _id: subscriptionId,
          rid: group._id,
          u: { _id: member.id, username: member.username },
          t: 'p',
        },
      ],
    },
  })
  t.same(await client.next((frame) => frame.msg === 'nosub'), {
    msg: 'nosub',
    id: 'messages',
    error: NOT_ALLOWED,
  })

  // The group goes on without them: none of it reaches them.
  await api(app, owner)
    .on(group)
    .post('groups.rename', { name: `${group.name}-after` })
  await api(app, owner).on(group).post('groups.setTopic', { topic: 'after the kick' })
  await barrier(app, client, member)
  t.same(eventNames(client), [], 'nothing about the group after the removal')

  const again = await client.subscribe('again', 'stream-room-messages', group._id)
  t.same(again, { msg: 'nosub', id: 'again', error: NOT_ALLOWED }, 'cannot subscribe back')
})

t.test(
  'a non-member never receives a group event, even subscribed to every stream it may',
  async (t) => {
    const { owner, group } = await fixture.groupFixture(t, db)
    const outsider = await createTestUser(db)
    const { app, url } = await ddp.listeningApp(t, db)
    const client = await ddp.loggedInSocket(t, url, outsider)
    await client.followGroup(outsider)
    await client.subscribe('mine', 'stream-room-messages', '__my_messages__')
    t.same(await client.subscribe('theirs', 'stream-room-messages', group._id), {
      msg: 'nosub',
      id: 'theirs',
      error: NOT_ALLOWED,
    })

    await fixture.changeEveryWay(app, db, owner, group, `${group.name}-r`)
    await barrier(app, client, outsider)
    t.same(eventNames(client), [], 'no event of the group, no room role change')
  },
)

t.test(
  'room role changes go to the room members only; global ones to every logged-in user',
  async (t) => {
    const { owner, member, group } = await fixture.groupFixture(t, db)
    const outsider = await createTestUser(db)
    const admin = await createTestUser(db, { roles: ['admin'] })
    const { app, url } = await ddp.listeningApp(t, db)
    const inside = await ddp.loggedInSocket(t, url, member)
    const outside = await ddp.loggedInSocket(t, url, outsider)
    await inside.subscribe('roles', 'stream-notify-logged', 'roles-change')
    await outside.subscribe('roles', 'stream-notify-logged', 'roles-change')

    await api(app, owner).on(group).post('groups.addModerator', { userId: member.id })
    const roomRole = await inside.next((frame) => frame.collection === 'stream-notify-logged')
    t.same(roomRole, {
      msg: 'changed',
      collection: 'stream-notify-logged',
      id: 'id',
      fields: {
        eventName: 'roles-change',
        args: [
          {
            type: 'added',
            _id: 'moderator',
            u: { _id: member.id, username: member.username },
            scope: group._id,
          },
        ],
      },
    })

    const promoted = await api(app, admin).post('users.update', {
      userId: outsider.id,
      data: { roles: ['user', 'bot'] },
    })
    t.equal(promoted.statusCode, 200, promoted.body)
    const expected = {
      msg: 'changed',
      collection: 'stream-notify-logged',
      id: 'id',
      fields: {
        eventName: 'roles-change',
        args: [{ type: 'added', _id: 'bot', u: { _id: outsider.id, username: outsider.username } }],
      },
    }
    t.same(await outside.next((frame) => frame.collection === 'stream-notify-logged'), expected)
    t.same(await inside.next((frame) => frame.collection === 'stream-notify-logged'), expected)
    t.same(eventNames(outside), [], 'the outsider never heard of the room role')
  },
)

const revocations = {
  'logging out over REST': async (
    app: Awaited<ReturnType<typeof ddp.listeningApp>>['app'],
    user: Awaited<ReturnType<typeof createTestUser>>,
  ) => {
    const reply = await api(app, user).post('logout')
    if (reply.statusCode !== 200) throw new Error(reply.body)
  },
  'deletion of the user': async (
    app: Awaited<ReturnType<typeof ddp.listeningApp>>['app'],
    user: Awaited<ReturnType<typeof createTestUser>>,
  ) => {
    const admin = await createTestUser(db, { roles: ['admin'] })
    const reply = await api(app, admin).post('users.delete', { userId: user.id })
    if (reply.statusCode !== 200) throw new Error(reply.body)
  },
  deactivation: async (
    app: Awaited<ReturnType<typeof ddp.listeningApp>>['app'],
    user: Awaited<ReturnType<typeof createTestUser>>,
  ) => {
    const admin = await createTestUser(db, { roles: ['admin'] })
    const reply = await api(app, admin).post('users.update', {
      userId: user.id,
      data: { active: false },
    })
    if (reply.statusCode !== 200) throw new Error(reply.body)
  },
  'a password reset': async (_app: unknown, user: Awaited<ReturnType<typeof createTestUser>>) => {
    await resetPassword(db, null, { username: user.username, password: `${TEST_PASSWORD}!` })
  },
}

for (const [name, revoke] of Object.entries(revocations)) {
  t.test(`${name} closes the user's sockets within a second, with nothing more sent`, async (t) => {
    const { owner, member, group } = await fixture.groupFixture(t, db)
    const { app, url } = await ddp.listeningApp(t, db)
    const client = await ddp.loggedInSocket(t, url, member)
    await client.followGroup(member, group._id)
    await revoke(app, member)
    const revokedAt = Date.now()
    const closed = await client.closed
    t.same(closed, { code: 4003, reason: 'logged out' })
    t.ok(Date.now() - revokedAt < 1000, `closed ${Date.now() - revokedAt} ms after the revocation`)
    t.same(eventNames(client), [])

    const retry = await ddp.loggedInSocket(t, url, owner)
    t.ok(retry, 'others are still served')
  })
}
