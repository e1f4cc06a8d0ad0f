import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import {
  api,
  assertEachAnswered,
  assertReply,
  assertUnchanged,
  type Caller,
  fixture,
  type GroupCall,
  refused,
} from '../../../../helper.js'

const db = await fixture.testDatabase(t)

/** Each setter with a body that would change a fresh group. */
const setters: Array<[string, Record<string, unknown>]> = [
  ['groups.setTopic', { topic: 'a topic' }],
  ['groups.setDescription', { description: 'a description' }],
  ['groups.setPurpose', { purpose: 'a purpose' }],
  ['groups.setAnnouncement', { announcement: 'an announcement' }],
  ['groups.setReadOnly', { readOnly: true }],
  ['groups.setCustomFields', { customFields: { team: 'blue' } }],
  ['groups.setType', { type: 'c' }],
]

/** Each setter, sent by `caller`. */
const settersBy = (caller: Caller) =>
  setters.map(([endpoint, body]): GroupCall => [endpoint, caller, body])

async function groupInfo(app: FastifyInstance, user: fixture.TestUser, roomId: string) {
  const response = await api(app, user).get('groups.info', { roomId })
  return response.json().group
}

/**
 * An owner, a plain member and their group, dated in the past so an update shows in
 * `_updatedAt`; with snapshots of the group and of its audit rows taken before the test acts.
 */
async function ownedGroup(app: FastifyInstance) {
  const { owner, member, group } = await fixture.groupWith(app, db, { member: {} })
  await fixture.backdate(db, group._id)
  return { owner, member, group, ...(await snapshots(group._id)) }
}

async function snapshots(roomId: string) {
  return {
    stored: await fixture.snapshotGroup(db, roomId),
    audit: await fixture.snapshotRoomAudit(db, roomId),
  }
}

/** The text settings: each answers with the value; all but the purpose post a system message. */
const textSettings = [
  {
    name: 'groups.setTopic: 200 with the topic, a system message and an audit row',
    endpoint: 'groups.setTopic',
    setting: 'topic',
    value: 'Discuss all of the testing',
    messageType: 'room_changed_topic',
  },
  {
    name: 'groups.setDescription: 200, a system message and an audit row',
    endpoint: 'groups.setDescription',
    setting: 'description',
    value: 'Testing out everything.',
    messageType: 'room_changed_description',
  },
  {
    name: 'groups.setPurpose: 200 and an audit row, without a system message',
    endpoint: 'groups.setPurpose',
    setting: 'purpose',
    value: 'Ship it',
    messageType: null,
  },
  {
    name: 'groups.setAnnouncement: 200, a system message and an audit row',
    endpoint: 'groups.setAnnouncement',
    setting: 'announcement',
    value: 'Test out everything.',
    messageType: 'room_changed_announcement',
  },
] as const

for (const { name, endpoint, setting, value, messageType } of textSettings) {
  t.test(name, async (t) => {
    const app = await fixture.buildApp(t, db)
    const setup = await ownedGroup(app)
    const { owner, member, group } = setup
    const msgs = messageType ? 1 : 0

    const response = await api(app, owner)
      .on(group)
      .post(endpoint, { [setting]: value })

    assertReply(t, response, 200, { [setting]: value, success: true })
    const stored = await fixture.storedGroup(db, group._id)
    t.equal(stored.room?.[setting], value)
    for (const other of textSettings.filter((row) => row.setting !== setting)) {
      t.equal(stored.room?.[other.setting], null, `${other.setting} is a separate setting`)
    }
    t.equal(stored.room?.msgs, msgs)
    t.ok((stored.room?.updated_at.getTime() ?? 0) > fixture.A_WHILE_AGO.getTime())
    t.same(
      stored.messages,
      messageType ? [{ type: messageType, msg: value, username: owner.username, role: null }] : [],
    )
    t.same(await fixture.auditSince(setup.audit), [
      fixture.groupAudit(owner, endpoint, group._id, { [setting]: null }, { [setting]: value }),
    ])
    const info = await groupInfo(app, member, group._id)
    t.equal(info[setting], value)
    t.equal(info.msgs, msgs)
    t.not(info._updatedAt, fixture.A_WHILE_AGO.toISOString())
  })
}

t.test('groups.setTopic: found by roomName; a new topic records the old one', async (t) => {
  const app = await fixture.buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, group } = setup

  await api(app, owner).post('groups.setTopic', { roomName: group.name, topic: 'first' })
  const response = await api(app, owner).post('groups.setTopic', {
    roomName: group.name,
    topic: 'second',
  })

  assertReply(t, response, 200, { topic: 'second', success: true })
  t.same(
    (await fixture.auditSince(setup.audit)).map((row) => [row.before, row.after]),
    [
      [{ topic: null }, { topic: 'first' }],
      [{ topic: 'first' }, { topic: 'second' }],
    ],
  )
  t.same(
    (await fixture.storedGroup(db, group._id)).messages.map((m) => m.msg),
    ['first', 'second'],
  )
})

t.test('groups.setTopic: the current topic again succeeds and changes nothing', async (t) => {
  const app = await fixture.buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, group } = setup
  await api(app, owner).on(group).post('groups.setTopic', { topic: 'same' })
  const stored = await fixture.snapshotGroup(db, group._id)

  const response = await api(app, owner).on(group).post('groups.setTopic', { topic: 'same' })

  assertReply(t, response, 200, { topic: 'same', success: true })
  await assertUnchanged(t, stored)
  t.equal((await fixture.auditSince(setup.audit)).length, 1)
})

t.test('groups.setTopic: an empty topic on a group without one changes nothing', async (t) => {
  const app = await fixture.buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, group, stored } = setup

  const response = await api(app, owner).on(group).post('groups.setTopic', { topic: '' })

  assertReply(t, response, 200, { topic: '', success: true })
  await assertUnchanged(t, stored, setup.audit)
})

t.test('groups.setTopic: an empty topic clears a set one', async (t) => {
  const app = await fixture.buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, group } = setup
  await api(app, owner).on(group).post('groups.setTopic', { topic: 'old' })

  const response = await api(app, owner).on(group).post('groups.setTopic', { topic: '' })

  assertReply(t, response, 200, { topic: '', success: true })
  const stored = await fixture.storedGroup(db, group._id)
  t.equal(stored.room?.topic, '')
  t.same(
    stored.messages.map((m) => [m.type, m.msg]),
    [
      ['room_changed_topic', 'old'],
      ['room_changed_topic', ''],
    ],
  )
  t.same((await fixture.auditSince(setup.audit)).at(-1)?.after, { topic: '' })
})

t.test('groups.setReadOnly: 200 with the group, both ways, with system messages', async (t) => {
  const app = await fixture.buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, member, group } = setup

  const on = await api(app, owner).on(group).post('groups.setReadOnly', { readOnly: true })

  t.equal(on.statusCode, 200)
  const body = on.json()
  t.same(Object.keys(body).sort(), ['group', 'success'])
  t.match(body.group, {
    _id: group._id,
    name: group.name,
    t: 'p',
    ro: true,
    msgs: 1,
    usersCount: 2,
    u: { _id: owner.id, username: owner.username },
  })
  t.same([...body.group.usernames].sort(), [owner.username, member.username].sort())
  t.match(body.group._updatedAt, fixture.ISO_TIMESTAMP)
  t.not(body.group._updatedAt, fixture.A_WHILE_AGO.toISOString())

  const off = await api(app, owner).on(group).post('groups.setReadOnly', { readOnly: false })

  t.equal(off.statusCode, 200)
  t.match(off.json(), { group: { ro: false, msgs: 2 }, success: true })
  const stored = await fixture.storedGroup(db, group._id)
  t.equal(stored.room?.read_only, false)
  t.same(stored.messages, [
    fixture.storedMessage('room-set-read-only', '', owner),
    fixture.storedMessage('room-removed-read-only', '', owner),
  ])
  t.same(
    (await fixture.auditSince(setup.audit)).map((row) => [row.action, row.before, row.after]),
    [
      ['groups.setReadOnly', { readOnly: false }, { readOnly: true }],
      ['groups.setReadOnly', { readOnly: true }, { readOnly: false }],
    ],
  )
})

t.test('groups.setReadOnly: the current setting is refused, before edit-room', async (t) => {
  const app = await fixture.buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, member, group, stored } = setup
  const SAME = refused.plain(
    'The private group read only setting is the same as what it would be changed to.',
  )

  for (const user of [owner, member]) {
    const response = await api(app, user).on(group).post('groups.setReadOnly', { readOnly: false })
    assertReply(t, response, 400, SAME)
  }
  await assertUnchanged(t, stored, setup.audit)
})

t.test('groups.setCustomFields: 200 with the group showing the fields', async (t) => {
  const app = await fixture.buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, member, group } = setup
  const customFields = { team: 'blue', budget: 12, tags: ['a', 'b'], nested: { on: true } }

  const response = await api(app, owner).on(group).post('groups.setCustomFields', { customFields })

  t.equal(response.statusCode, 200)
  const body = response.json()
  t.same(Object.keys(body).sort(), ['group', 'success'])
  t.same(body.group.customFields, customFields)
  t.equal(body.group.msgs, 0, 'no system message')
  t.not(body.group._updatedAt, fixture.A_WHILE_AGO.toISOString())
  const stored = await fixture.storedGroup(db, group._id)
  t.same(stored.room?.custom_fields, customFields)
  t.same(stored.messages, [])
  t.same(await fixture.auditSince(setup.audit), [
    fixture.groupAudit(
      owner,
      'groups.setCustomFields',
      group._id,
      { customFields: {} },
      { customFields },
    ),
  ])
  t.same((await groupInfo(app, member, group._id)).customFields, customFields)
})

/** A group whose owner has set `first` as its custom fields, and a way to set them again. */
async function withCustomFields(t: Test, first: Record<string, unknown>) {
  const app = await fixture.buildApp(t, db)
  const setup = await ownedGroup(app)
  const setFields = (customFields: Record<string, unknown>) =>
    api(app, setup.owner).on(setup.group).post('groups.setCustomFields', { customFields })
  await setFields(first)
  return { ...setup, setFields, stored: await fixture.snapshotGroup(db, setup.group._id) }
}

t.test('groups.setCustomFields: the same fields in another order change nothing', async (t) => {
  const { setFields, stored, audit } = await withCustomFields(t, { a: 1, b: 2 })

  const response = await setFields({ b: 2, a: 1 })

  t.equal(response.statusCode, 200)
  t.same(response.json().group.customFields, { a: 1, b: 2 })
  await assertUnchanged(t, stored)
  t.equal((await fixture.auditSince(audit)).length, 1)
})

t.test('groups.setCustomFields: an empty object clears them from the body', async (t) => {
  const { setFields, group, audit } = await withCustomFields(t, { a: 1 })

  const response = await setFields({})

  t.equal(response.statusCode, 200)
  t.notOk('customFields' in response.json().group)
  t.same((await fixture.storedGroup(db, group._id)).room?.custom_fields, {})
  t.same((await fixture.auditSince(audit)).at(-1)?.before, { customFields: { a: 1 } })
})

t.test('groups.setCustomFields: a value that is not an object is invalid-params', async (t) => {
  const app = await fixture.buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, group, stored } = setup

  for (const customFields of ['text', 12, ['a'], null, true]) {
    const response = await api(app, owner)
      .on(group)
      .post('groups.setCustomFields', { customFields })
    t.equal(response.statusCode, 400, JSON.stringify(customFields))
    t.match(response.json(), {
      success: false,
      error: /\[invalid-params\]$/,
      errorType: 'invalid-params',
    })
  }
  await assertUnchanged(t, stored, setup.audit)
})

t.test('groups.setType: p is refused as unchanged, whoever asks', async (t) => {
  const app = await fixture.buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, member, group, stored } = setup

  for (const user of [owner, member]) {
    const response = await api(app, user).on(group).post('groups.setType', { type: 'p' })
    assertReply(
      t,
      response,
      400,
      refused.plain('The private group type is the same as what it would be changed to.'),
    )
  }
  await assertUnchanged(t, stored, setup.audit)
})

t.test('groups.setType: c is refused, public channels being unsupported', async (t) => {
  const app = await fixture.buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, group, stored } = setup

  const response = await api(app, owner).on(group).post('groups.setType', { type: 'c' })

  assertReply(
    t,
    response,
    400,
    refused.as(
      'error-action-not-allowed',
      'Public channels are not supported by this service; a private group cannot become one',
    ),
  )
  await assertUnchanged(t, stored, setup.audit)
})

t.test('groups.setType: another type is invalid-params', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { owner, group } = await ownedGroup(app)

  for (const type of ['d', 'l', 'P', '', 1]) {
    const response = await api(app, owner).on(group).post('groups.setType', { type })
    t.equal(response.statusCode, 400, JSON.stringify(type))
    t.match(response.json(), { success: false, errorType: 'invalid-params' })
  }
})

t.test("a missing setting: Rocket.Chat's plain bodyParam message", async (t) => {
  const app = await fixture.buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, group, stored } = setup
  const expected: Array<[string, string]> = [
    ['groups.setTopic', 'The bodyParam "topic" is required'],
    ['groups.setDescription', 'The bodyParam "description" is required'],
    ['groups.setPurpose', 'The bodyParam "purpose" is required'],
    ['groups.setAnnouncement', 'The bodyParam "announcement" is required'],
    ['groups.setReadOnly', 'The bodyParam "readOnly" is required'],
    ['groups.setCustomFields', 'The bodyParam "customFields" is required with a type like object.'],
    ['groups.setType', 'The bodyParam "type" is required'],
  ]

  for (const [endpoint, message] of expected) {
    const response = await api(app, owner).on(group).post(endpoint)
    assertReply(t, response, 400, refused.plain(message), endpoint)
  }
  await assertUnchanged(t, stored, setup.audit)
})

t.test('a setting of the wrong type or an unknown field is invalid-params', async (t) => {
  const app = await fixture.buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, group, stored } = setup
  const bodies: Array<[string, Record<string, unknown>]> = [
    ['groups.setTopic', { topic: 12 }],
    ['groups.setDescription', { description: null }],
    ['groups.setPurpose', { purpose: ['x'] }],
    ['groups.setAnnouncement', { announcement: { text: 'x' } }],
    ['groups.setReadOnly', { readOnly: 'true' }],
    ['groups.setTopic', { topic: 'x', color: 'red' }],
  ]

  for (const [endpoint, body] of bodies) {
    const response = await api(app, owner)
      .on(group)
      .post(endpoint, { ...body })
    t.equal(response.statusCode, 400, `${endpoint} ${JSON.stringify(body)}`)
    t.match(response.json(), { success: false, errorType: 'invalid-params' })
  }
  await assertUnchanged(t, stored, setup.audit)
})

t.test('every setter: a member without edit-room is refused, nothing changes', async (t) => {
  const app = await fixture.buildApp(t, db)
  const setup = await ownedGroup(app)
  const { member, group } = setup
  const leader = await fixture.createTestUser(db)
  await api(app, setup.owner).on(group).post('groups.invite', { userId: leader.id })
  await fixture.setRoomRoles(db, group._id, leader.id, ['leader'])
  const stored = await fixture.snapshotGroup(db, group._id)
  const audit = await fixture.snapshotRoomAudit(db, group._id)

  for (const user of [member, leader]) {
    await assertEachAnswered(t, app, group, settersBy(user), 400, refused.editingNotAllowed)
  }
  await assertUnchanged(t, stored, audit)
})

t.test('every setter: a moderator and a global admin who is a member may edit', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  const moderator = await fixture.createTestUser(db)
  const admin = await fixture.createTestUser(db, { roles: ['admin'] })
  const group = await fixture.createTestGroup(app, owner, [moderator, admin])
  await fixture.setRoomRoles(db, group._id, moderator.id, ['moderator'])

  for (const user of [moderator, admin]) {
    const changes: Array<[string, Record<string, unknown>]> = [
      ['groups.setTopic', { topic: `topic by ${user.username}` }],
      ['groups.setDescription', { description: `description by ${user.username}` }],
      ['groups.setPurpose', { purpose: `purpose by ${user.username}` }],
      ['groups.setAnnouncement', { announcement: `announcement by ${user.username}` }],
      ['groups.setCustomFields', { customFields: { by: user.username } }],
    ]
    for (const [endpoint, body] of changes) {
      const response = await api(app, user)
        .on(group)
        .post(endpoint, { ...body })
      t.equal(response.statusCode, 200, `${endpoint} by ${user.username}`)
    }
  }
  const onByModerator = await api(app, moderator)
    .on(group)
    .post('groups.setReadOnly', { readOnly: true })
  const offByAdmin = await api(app, admin).on(group).post('groups.setReadOnly', { readOnly: false })
  t.equal(onByModerator.statusCode, 200)
  t.equal(offByAdmin.statusCode, 200)

  const info = await groupInfo(app, owner, group._id)
  t.match(info, {
    topic: `topic by ${admin.username}`,
    description: `description by ${admin.username}`,
    purpose: `purpose by ${admin.username}`,
    announcement: `announcement by ${admin.username}`,
    customFields: { by: admin.username },
    ro: false,
  })
  const actors = (await fixture.roomAuditRows(db, group._id))
    .filter((row) => row.action !== 'groups.create')
    .map((row) => row.actor_username)
  t.same(actors, [
    ...Array(5).fill(moderator.username),
    ...Array(5).fill(admin.username),
    moderator.username,
    admin.username,
  ])
})

t.test('every setter: a non-member, even a global admin, gets error-room-not-found', async (t) => {
  const app = await fixture.buildApp(t, db)
  const setup = await ownedGroup(app)
  const { group, stored } = setup
  const outsider = await fixture.createTestUser(db)
  const admin = await fixture.createTestUser(db, { roles: ['admin'] })

  for (const user of [outsider, admin]) {
    for (const [endpoint, body] of setters) {
      for (const ref of [{ roomId: group._id }, { roomName: group.name }]) {
        const response = await api(app, user).post(endpoint, { ...ref, ...body })
        assertReply(t, response, 400, refused.roomNotFound, endpoint)
      }
    }
  }
  await assertUnchanged(t, stored, setup.audit)
})

t.test('every setter: an unknown group, or none named', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { owner } = await ownedGroup(app)

  for (const [endpoint, body] of setters) {
    const unknown = await api(app, owner).post(endpoint, { roomId: 'no-such-room', ...body })
    assertReply(t, unknown, 400, refused.roomNotFound, endpoint)

    const unnamed = await api(app, owner).post(endpoint, body)
    assertReply(t, unnamed, 400, refused.roomParamNotProvided, endpoint)
  }
})

t.test('every setter: not logged in is 401', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { group, stored } = await ownedGroup(app)

  await assertEachAnswered(t, app, group, settersBy(null), 401, refused.notLoggedIn)
  await assertUnchanged(t, stored)
})

t.test('every setter: an archived group is refused with error-room-archived', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { owner, group } = await ownedGroup(app)
  const archive = await api(app, owner).on(group).post('groups.archive')
  t.equal(archive.statusCode, 200)
  const stored = await fixture.snapshotGroup(db, group._id)
  const audit = await fixture.snapshotRoomAudit(db, group._id)

  await assertEachAnswered(t, app, group, settersBy(owner), 400, refused.archived(group.name))
  await assertUnchanged(t, stored, audit)
})

t.test('the group body lists every setting once set, in info and list', async (t) => {
  const app = await fixture.buildApp(t, db)
  const { owner, group } = await ownedGroup(app)

  const fresh = await groupInfo(app, owner, group._id)
  for (const key of ['topic', 'description', 'purpose', 'announcement', 'customFields']) {
    t.notOk(key in fresh, `${key} absent while unset`)
  }

  for (const [endpoint, body] of setters.filter(([endpoint]) => endpoint !== 'groups.setType')) {
    const response = await api(app, owner)
      .on(group)
      .post(endpoint, { ...body })
    t.equal(response.statusCode, 200, endpoint)
  }

  const settings = {
    topic: 'a topic',
    description: 'a description',
    purpose: 'a purpose',
    announcement: 'an announcement',
    customFields: { team: 'blue' },
    ro: true,
    msgs: 4,
  }
  t.match(await groupInfo(app, owner, group._id), settings)
  const list = await api(app, owner).get('groups.list')
  t.match(
    list.json().groups.find((listed: { _id: string }) => listed._id === group._id),
    settings,
  )
})
