import t from 'tap'
import { api, assertReply, assertUnchanged, fixture, refused } from '../../../../helper.js'

const db = await fixture.testDatabase(t)

t.test('users.delete', async (t) => {
  const app = await fixture.buildApp(t, db)

  t.test('removes the user, their memberships and tokens; groups count one less', async (t) => {
    const boss = await fixture.createAdmin(db)
    const { owner, member: doomed, group: shared } = await fixture.ownedGroup(app, db)
    const solo = await fixture.createTestGroup(app, doomed)
    const sharedBefore = await fixture.storedGroup(db, shared._id)
    const soloBefore = await fixture.storedGroup(db, solo._id)
    const audit = await fixture.auditFromNow(db)

    const response = await api(app, boss).post('users.delete', { userId: doomed.id })

    assertReply(t, response, 200, { success: true })
    t.equal(await fixture.storedUser(db, doomed.id), undefined)
    t.same(await fixture.tokensOf(db, doomed.id), [])
    const sharedAfter = await fixture.storedGroup(db, shared._id)
    t.same(sharedAfter.members, [{ username: owner.username, roles: ['owner'] }])
    t.equal(sharedAfter.room?.users_count, 2 - 1)
    t.equal(sharedAfter.room?.msgs, sharedBefore.room?.msgs, 'messages stay')
    t.same(sharedAfter.messages, sharedBefore.messages)
    const soloAfter = await fixture.storedGroup(db, solo._id)
    t.same(soloAfter.members, [])
    t.equal(soloAfter.room?.users_count, 0)
    t.equal(soloAfter.room?.msgs, soloBefore.room?.msgs)
    const info = await api(app, owner).get('groups.info', { roomId: shared._id })
    t.same(info.json().group.usernames, [owner.username])
    const rows = await audit.read()
    const roomRows = rows.filter((row) => row.room_id !== null)
    t.same(
      roomRows.sort((a, b) => String(a.room_id).localeCompare(String(b.room_id))),
      [
        { room: shared._id, roles: [] },
        { room: solo._id, roles: ['owner'] },
      ]
        .map(({ room, roles }) => ({
          actor_id: boss.id,
          actor_username: boss.username,
          room_id: room,
          action: 'users.delete',
          before: { member: doomed.username, roles },
          after: null,
        }))
        .sort((a, b) => a.room_id.localeCompare(b.room_id)),
    )
    t.same(rows.at(-1), {
      actor_id: boss.id,
      actor_username: boss.username,
      room_id: null,
      action: 'users.delete',
      before: {
        userId: doomed.id,
        username: doomed.username,
        name: `Name of ${doomed.username}`,
        email: `${doomed.username}@example.com`,
        roles: ['user'],
        active: true,
      },
      after: null,
    })
    t.equal(rows.length, 3)
    const me = await api(app, doomed).get('me')
    t.equal(me.statusCode, 401)
    await fixture.assertInvariants(t, db)
  })

  t.test('the only owner of a group with other members: user-last-owner', async (t) => {
    const boss = await fixture.createAdmin(db)
    const { owner, member, group: first } = await fixture.ownedGroup(app, db)
    const second = await fixture.createTestGroup(app, owner, [member])
    const audit = await fixture.auditFromNow(db)
    const before = [
      await fixture.storedGroup(db, first._id),
      await fixture.storedGroup(db, second._id),
    ]

    const response = await api(app, boss).post('users.delete', { username: owner.username })

    t.equal(response.statusCode, 400)
    const names = [first.name, second.name].sort()
    t.same(
      response.json(),
      refused.as(
        'user-last-owner',
        `The user is the last owner of ${names.join(', ')}. Set new owners before deleting the user.`,
      ),
    )
    t.ok(await fixture.storedUser(db, owner.id))
    t.same(
      [await fixture.storedGroup(db, first._id), await fixture.storedGroup(db, second._id)],
      before,
    )
    await assertUnchanged(t, audit)

    await fixture.setRoomRoles(db, first._id, member.id, ['owner'])
    await fixture.setRoomRoles(db, second._id, member.id, ['owner'])
    const withCoOwners = await api(app, boss).post('users.delete', { username: owner.username })
    t.equal(withCoOwners.statusCode, 200, 'with another owner everywhere, the user may go')
    t.same((await fixture.storedGroup(db, first._id)).members, [
      { username: member.username, roles: ['owner'] },
    ])
    await fixture.assertInvariants(t, db)
  })

  t.test('a deactivated user, by username', async (t) => {
    const boss = await fixture.createAdmin(db)
    const gone = await fixture.createTestUser(db, { active: false })
    const response = await api(app, boss).post('users.delete', { username: gone.username })
    t.equal(response.statusCode, 200)
    t.equal(await fixture.storedUser(db, gone.id), undefined)
  })

  t.test('the last active admin: error-action-not-allowed', async (t) => {
    const boss = await fixture.createAdmin(db)
    await fixture.onlyActiveAdmins(t, db, [boss])
    const audit = await fixture.auditFromNow(db)

    const response = await api(app, boss).post('users.delete', { userId: boss.id })

    assertReply(
      t,
      response,
      400,
      refused.as('error-action-not-allowed', 'Leaving the app without admins is not allowed'),
    )
    t.ok(await fixture.storedUser(db, boss.id))
    await assertUnchanged(t, audit)
  })

  t.test('refusals: 403 without delete-user, unknown or missing user', async (t) => {
    const boss = await fixture.createAdmin(db)
    const user = await fixture.createTestUser(db)
    const victim = await fixture.createTestUser(db)
    const audit = await fixture.auditFromNow(db)

    const forbidden = await api(app, user).post('users.delete', { userId: victim.id })
    assertReply(t, forbidden, 403, refused.unauthorized)

    const unknown = await api(app, boss).post('users.delete', { userId: 'no-such-user' })
    assertReply(t, unknown, 400, refused.invalidUser)

    const missing = await api(app, boss).post('users.delete', {})
    assertReply(t, missing, 400, refused.userParamNotProvided)

    const anonymous = await api(app, null).post('users.delete', { userId: victim.id })
    assertReply(t, anonymous, 401, refused.notLoggedIn)

    t.ok(await fixture.storedUser(db, victim.id))
    await assertUnchanged(t, audit)
  })
})

// On PGlite requests run one after another; on PostgreSQL these run truly at once.
t.test('deleting an owner while the other owner leaves never orphans the group', async (t) => {
  const app = await fixture.buildApp(t, db)
  const boss = await fixture.createAdmin(db)
  for (let round = 0; round < 10; round++) {
    const doomed = await fixture.createTestUser(db)
    const leaving = await fixture.createTestUser(db)
    const member = await fixture.createTestUser(db)
    const group = await fixture.createTestGroup(app, doomed, [leaving, member])
    await fixture.setRoomRoles(db, group._id, leaving.id, ['owner'])

    const [deleted, left] = await Promise.all([
      api(app, boss).post('users.delete', { userId: doomed.id }),
      api(app, leaving).on(group).post('groups.leave'),
    ])

    t.same(
      [deleted.statusCode, left.statusCode].sort(),
      [200, 400],
      `round ${round}: exactly one succeeds`,
    )
    const { members } = await fixture.storedGroup(db, group._id)
    t.equal(members.filter((m) => m.roles.includes('owner')).length, 1, `round ${round}: an owner`)
  }
  await fixture.assertInvariants(t, db)
})

t.test('two admins deleting each other at once leave one admin', async (t) => {
  const app = await fixture.buildApp(t, db)
  for (let round = 0; round < 10; round++) {
    const first = await fixture.createAdmin(db)
    const second = await fixture.createAdmin(db)
    await fixture.onlyActiveAdmins(t, db, [first, second])

    const responses = await Promise.all([
      api(app, first).post('users.delete', { userId: second.id }),
      api(app, second).post('users.delete', { userId: first.id }),
    ])

    const statuses = responses.map((response) => response.statusCode).sort()
    t.ok(
      statuses[0] === 200 && statuses[1] !== 200,
      `round ${round}: exactly one deletion succeeds (${statuses})`,
    )
    const left = await db
      .selectFrom('users')
      .select('id')
      .where('id', 'in', [first.id, second.id])
      .execute()
    t.equal(left.length, 1, `round ${round}: one admin is left`)
  }
})
