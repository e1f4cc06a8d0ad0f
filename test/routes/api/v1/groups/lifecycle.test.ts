import type { FastifyInstance } from 'fastify'
import t from 'tap'
import {
  api,
  assertEachAnswered,
  assertReply,
  assertUnchanged,
  callsBy,
  fixture,
  type GroupCall,
  refused,
} from '../../../../helper.js'

const db = await fixture.testDatabase(t)

const notArchived = (name: string) =>
  refused.as('error-room-not-archived', `The private group, ${name}, is not archived`)

const endpoints = [
  'groups.archive',
  'groups.unarchive',
  'groups.delete',
  'groups.open',
  'groups.close',
]

async function listedGroups(app: FastifyInstance, user: fixture.TestUser) {
  const body = (await api(app, user).get('groups.list')).json()
  return { ids: body.groups.map((group: { _id: string }) => group._id), total: body.total }
}

async function memberOpen(roomId: string, userId: string) {
  return (await fixture.storedMembership(db, roomId, userId))?.open
}

/**
 * An owner, a plain member, a global admin who is a member, and their group; with snapshots
 * of the group and of its audit rows.
 */
function ownedGroup(app: FastifyInstance) {
  return fixture.groupWith(app, db, { member: {}, admin: { roles: ['admin'] } })
}

async function snapshots(roomId: string) {
  return {
    stored: await fixture.snapshotGroup(db, roomId),
    audit: await fixture.snapshotRoomAudit(db, roomId),
  }
}

async function archivedGroup(app: FastifyInstance) {
  const setup = await ownedGroup(app)
  const response = await api(app, setup.owner).post('groups.archive', { roomId: setup.group._id })
  if (response.statusCode !== 200) throw new Error(`not archived: ${response.body}`)
  return { ...setup, ...(await snapshots(setup.group._id)) }
}

t.test('groups.archive: the owner archives; a system message and an audit row', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { owner, member, group, audit } = await ownedGroup(app)

  const response = await api(app, owner).on(group).post('groups.archive')

  assertReply(t, response, 200, { success: true })
  const stored = await fixture.storedGroup(db, group._id)
  t.equal(stored.room?.archived, true)
  t.equal(stored.room?.msgs, 1)
  t.same(stored.messages, [fixture.storedMessage('room-archived', '', owner)])
  t.same(await fixture.auditSince(audit), [
    fixture.groupAudit(owner, 'groups.archive', group._id, { archived: false }, { archived: true }),
  ])
  const info = await api(app, member).get('groups.info', { roomId: group._id })
  t.equal(info.statusCode, 200, 'members still see an archived group')
  t.match(info.json().group, { archived: true, msgs: 1 })
})

t.test('groups.archive: by roomName, and by a global admin who is a member', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { admin, group } = await ownedGroup(app)

  const response = await api(app, admin).post('groups.archive', { roomName: group.name })

  assertReply(t, response, 200, { success: true })
  t.equal((await fixture.storedGroup(db, group._id)).room?.archived, true)
})

t.test('groups.archive: an archived group is refused with error-room-archived', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { owner, group, stored, audit } = await archivedGroup(app)

  const response = await api(app, owner).on(group).post('groups.archive')

  assertReply(t, response, 400, refused.archived(group.name))
  await assertUnchanged(t, stored, audit)
})

t.test('groups.archive: members without archive-room are not authorized', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { owner, member, group } = await ownedGroup(app)
  const moderator = await fixture.createTestUser(db)
  await api(app, owner).on(group).post('groups.invite', { userId: moderator.id })
  await fixture.setRoomRoles(db, group._id, moderator.id, ['moderator'])
  const { stored, audit } = await snapshots(group._id)

  const archives = callsBy('groups.archive', member, moderator)
  await assertEachAnswered(t, app, group, archives, 400, refused.notAuthorized)
  await assertUnchanged(t, stored, audit)
})

t.test('an archived group refuses leave, rename and invite', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { owner, member, group, stored, audit } = await archivedGroup(app)
  const newcomer = await fixture.createTestUser(db)

  const attempts: GroupCall[] = [
    ['groups.leave', member, {}],
    ['groups.rename', owner, { name: fixture.groupName('renamed') }],
    ['groups.invite', owner, { userId: newcomer.id }],
  ]
  await assertEachAnswered(t, app, group, attempts, 400, refused.archived(group.name))
  await assertUnchanged(t, stored, audit)
})

t.test('groups.unarchive: an admin member unarchives; message and audit row', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { owner, admin, member, group, audit } = await archivedGroup(app)

  const response = await api(app, admin).on(group).post('groups.unarchive')

  assertReply(t, response, 200, { success: true })
  const stored = await fixture.storedGroup(db, group._id)
  t.equal(stored.room?.archived, false)
  t.same(
    stored.messages.map((m) => [m.type, m.msg, m.username]),
    [
      ['room-archived', '', owner.username],
      ['room-unarchived', '', admin.username],
    ],
  )
  t.same(await fixture.auditSince(audit), [
    fixture.groupAudit(
      admin,
      'groups.unarchive',
      group._id,
      { archived: true },
      { archived: false },
    ),
  ])
  const info = (await api(app, member).get('groups.info', { roomId: group._id })).json().group
  t.notOk('archived' in info)

  const leave = await api(app, member).on(group).post('groups.leave')
  t.equal(leave.statusCode, 200, 'an unarchived group can be left again')
})

t.test('groups.unarchive: the owner lacks unarchive-room by default', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { owner, member, group, stored, audit } = await archivedGroup(app)

  const unarchives = callsBy('groups.unarchive', owner, member)
  await assertEachAnswered(t, app, group, unarchives, 400, refused.notAuthorized)
  await assertUnchanged(t, stored, audit)
})

t.test('groups.unarchive: a group that is not archived is refused', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { admin, group, stored, audit } = await ownedGroup(app)

  const response = await api(app, admin).on(group).post('groups.unarchive')

  assertReply(t, response, 400, notArchived(group.name))
  await assertUnchanged(t, stored, audit)
})

t.test('groups.delete: the owner deletes the group, its members and messages', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { owner, member, admin, group, audit } = await ownedGroup(app)
  await api(app, owner).on(group).post('groups.setTopic', { topic: 'soon gone' })
  const members = (await fixture.storedGroup(db, group._id)).members.length

  const response = await api(app, owner).on(group).post('groups.delete')

  assertReply(t, response, 200, { success: true })
  t.equal(members, 3)
  t.same(await fixture.storedGroup(db, group._id), { room: undefined, members: [], messages: [] })
  const [deleted] = (await fixture.roomAuditRows(db, group._id)).slice(audit.before.length + 1)
  const before = deleted?.before as { name: string; members: string[] } | undefined
  t.match(deleted, {
    action: 'groups.delete',
    actor_id: owner.id,
    actor_username: owner.username,
    room_id: group._id,
    after: null,
  })
  t.equal(before?.name, group.name)
  t.same(
    [...(before?.members ?? [])].sort(),
    [owner.username, member.username, admin.username].sort(),
  )
  const info = await api(app, owner).get('groups.info', { roomId: group._id })
  assertReply(t, info, 400, refused.roomNotFound)
  t.notOk((await listedGroups(app, member)).ids.includes(group._id))
})

t.test('groups.delete: an admin member may delete, an archived group too', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { admin, group, audit } = await archivedGroup(app)

  const response = await api(app, admin).post('groups.delete', { roomName: group.name })

  assertReply(t, response, 200, { success: true })
  t.equal((await fixture.storedGroup(db, group._id)).room, undefined)
  t.same(
    (await fixture.auditSince(audit)).map((row) => [row.action, row.actor_username]),
    [['groups.delete', admin.username]],
  )
})

t.test('groups.delete: a member without delete-p is not allowed', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { member, group, stored, audit } = await ownedGroup(app)

  const response = await api(app, member).on(group).post('groups.delete')

  assertReply(t, response, 400, refused.notAllowed)
  await assertUnchanged(t, stored, audit)
})

t.test('groups.close and groups.open: one member hides, then shows the group', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { owner, member, group, audit } = await ownedGroup(app)
  const other = await fixture.createTestGroup(app, member)
  const stored = await fixture.snapshotGroup(db, group._id)
  const listed = await listedGroups(app, member)
  t.same([...listed.ids].sort(), [group._id, other._id].sort())

  const close = await api(app, member).on(group).post('groups.close')

  assertReply(t, close, 200, { success: true })
  t.equal(await memberOpen(group._id, member.id), false)
  t.same(await listedGroups(app, member), { ids: [other._id], total: 1 })
  t.same((await listedGroups(app, owner)).ids, [group._id], "others' lists are unchanged")
  const info = await api(app, member).get('groups.info', { roomId: group._id })
  t.equal(info.statusCode, 200, 'still a member')

  const open = await api(app, member).post('groups.open', { roomName: group.name })

  assertReply(t, open, 200, { success: true })
  t.equal(await memberOpen(group._id, member.id), true)
  t.same((await listedGroups(app, member)).total, 2)
  await assertUnchanged(t, stored)
  const toggles = [['groups.close', true, false] as const, ['groups.open', false, true] as const]
  t.same(
    await fixture.auditSince(audit),
    toggles.map(([action, was, is]) =>
      fixture.groupAudit(
        member,
        action,
        group._id,
        { member: member.username, open: was },
        {
          member: member.username,
          open: is,
        },
      ),
    ),
  )
})

t.test('groups.open and groups.close: no change is a plain failure', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { member, group } = await ownedGroup(app)

  const open = await api(app, member).on(group).post('groups.open')
  assertReply(
    t,
    open,
    400,
    refused.plain(`The private group, ${group.name}, is already open for the sender`),
  )

  await api(app, member).on(group).post('groups.close')
  const audit = await fixture.snapshotRoomAudit(db, group._id)
  const close = await api(app, member).on(group).post('groups.close')
  assertReply(
    t,
    close,
    400,
    refused.plain(`The private group, ${group.name}, is already closed to the sender`),
  )
  t.equal(await memberOpen(group._id, member.id), false)
  await assertUnchanged(t, audit)
})

t.test('groups.close and groups.open work on an archived group', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { member, group } = await archivedGroup(app)

  const close = await api(app, member).on(group).post('groups.close')
  t.equal(close.statusCode, 200)
  t.notOk((await listedGroups(app, member)).ids.includes(group._id))
  const open = await api(app, member).on(group).post('groups.open')
  t.equal(open.statusCode, 200)
  t.ok((await listedGroups(app, member)).ids.includes(group._id))
})

t.test('every lifecycle endpoint: a non-member, even a global admin, gets not found', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { group, stored, audit } = await ownedGroup(app)
  const outsider = await fixture.createTestUser(db)
  const admin = await fixture.createTestUser(db, { roles: ['admin'] })

  for (const user of [outsider, admin]) {
    for (const endpoint of endpoints) {
      const response = await api(app, user).on(group).post(endpoint)
      assertReply(t, response, 400, refused.roomNotFound, endpoint)
    }
  }
  await assertUnchanged(t, stored, audit)
})

t.test('every lifecycle endpoint: an unknown group, none named, an unknown field', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { owner, group } = await ownedGroup(app)

  for (const endpoint of endpoints) {
    const unknown = await api(app, owner).post(endpoint, { roomName: 'no-such-group' })
    assertReply(t, unknown, 400, refused.roomNotFound, endpoint)

    const unnamed = await api(app, owner).post(endpoint, {})
    assertReply(t, unnamed, 400, refused.roomParamNotProvided, endpoint)

    const extra = await api(app, owner).on(group).post(endpoint, { force: true })
    t.equal(extra.statusCode, 400, endpoint)
    t.match(extra.json(), { success: false, errorType: 'invalid-params' }, endpoint)
  }
  t.ok((await fixture.storedGroup(db, group._id)).room)
})

t.test('every lifecycle endpoint: not logged in is 401', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { group, stored } = await ownedGroup(app)

  for (const endpoint of endpoints) {
    const response = await api(app, null).on(group).post(endpoint)
    assertReply(t, response, 401, refused.notLoggedIn, endpoint)
  }
  await assertUnchanged(t, stored)
})
