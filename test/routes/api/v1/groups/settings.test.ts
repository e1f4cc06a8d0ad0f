import type { FastifyInstance } from 'fastify'
import t from 'tap'
import {
  buildApp,
  createTestGroup,
  createTestUser,
  storedGroup,
  type TestUser,
  testDatabase,
} from '../../../../helper.js'

const db = await testDatabase(t)

const ISO_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
const A_WHILE_AGO = new Date('2020-01-01T00:00:00.000Z')

const NOT_LOGGED_IN = {
  success: false,
  status: 'error',
  message: 'You must be logged in to do this.',
  error: 'You must be logged in to do this.',
}

function refusal(errorType: string, message: string) {
  return { success: false, error: `${message} [${errorType}]`, errorType }
}

const ROOM_NOT_FOUND = refusal(
  'error-room-not-found',
  'The required "roomId" or "roomName" param provided does not match any group',
)
const ROOM_PARAM_NOT_PROVIDED = refusal(
  'error-room-param-not-provided',
  'The parameter "roomId" or "roomName" is required',
)
const EDITING_NOT_ALLOWED = refusal('error-action-not-allowed', 'Editing room is not allowed')
const archived = (name: string) =>
  refusal('error-room-archived', `The private group, ${name}, is archived`)
const plain = (error: string) => ({ success: false, error })

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

function post(app: FastifyInstance, endpoint: string, user: TestUser | null, payload: object) {
  return app.inject({
    method: 'POST',
    url: `/api/v1/${endpoint}`,
    headers: user?.headers ?? {},
    payload,
  })
}

async function groupInfo(app: FastifyInstance, user: TestUser, roomId: string) {
  const response = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.info',
    headers: user.headers,
    query: { roomId },
  })
  return response.json().group
}

async function auditRows(roomId: string) {
  return db
    .selectFrom('audit_log')
    .select(['action', 'actor_id', 'actor_username', 'room_id', 'before', 'after'])
    .where('room_id', '=', roomId)
    .orderBy('id')
    .execute()
}

async function setRoomRoles(roomId: string, userId: string, roles: string[]) {
  await db
    .updateTable('room_members')
    .set({ roles })
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .execute()
}

/**
 * An owner, a plain member and their group, dated in the past so an update shows in
 * `_updatedAt`; with the stored state and audit rows as they were before the test acts.
 */
async function ownedGroup(app: FastifyInstance) {
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  await db
    .updateTable('rooms')
    .set({ updated_at: A_WHILE_AGO })
    .where('id', '=', group._id)
    .execute()
  return {
    owner,
    member,
    group,
    before: await storedGroup(db, group._id),
    audit: await auditRows(group._id),
  }
}

/** The audit rows written since `ownedGroup` set the group up. */
async function newAuditRows(setup: Awaited<ReturnType<typeof ownedGroup>>) {
  return (await auditRows(setup.group._id)).slice(setup.audit.length)
}

t.test('groups.setTopic: 200 with the topic, a system message and an audit row', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, member, group } = setup

  const response = await post(app, 'groups.setTopic', owner, {
    roomId: group._id,
    topic: 'Discuss all of the testing',
  })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { topic: 'Discuss all of the testing', success: true })
  const stored = await storedGroup(db, group._id)
  t.equal(stored.room?.topic, 'Discuss all of the testing')
  t.equal(stored.room?.msgs, 1)
  t.ok((stored.room?.updated_at.getTime() ?? 0) > A_WHILE_AGO.getTime())
  t.same(stored.messages, [
    {
      type: 'room_changed_topic',
      msg: 'Discuss all of the testing',
      username: owner.username,
      role: null,
    },
  ])
  t.same(await newAuditRows(setup), [
    {
      action: 'groups.setTopic',
      actor_id: owner.id,
      actor_username: owner.username,
      room_id: group._id,
      before: { topic: null },
      after: { topic: 'Discuss all of the testing' },
    },
  ])
  const info = await groupInfo(app, member, group._id)
  t.equal(info.topic, 'Discuss all of the testing')
  t.equal(info.msgs, 1)
  t.not(info._updatedAt, A_WHILE_AGO.toISOString())
})

t.test('groups.setTopic: found by roomName; a new topic records the old one', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, group } = setup

  await post(app, 'groups.setTopic', owner, { roomName: group.name, topic: 'first' })
  const response = await post(app, 'groups.setTopic', owner, {
    roomName: group.name,
    topic: 'second',
  })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { topic: 'second', success: true })
  t.same(
    (await newAuditRows(setup)).map((row) => [row.before, row.after]),
    [
      [{ topic: null }, { topic: 'first' }],
      [{ topic: 'first' }, { topic: 'second' }],
    ],
  )
  t.same(
    (await storedGroup(db, group._id)).messages.map((m) => m.msg),
    ['first', 'second'],
  )
})

t.test('groups.setTopic: the current topic again succeeds and changes nothing', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, group } = setup
  await post(app, 'groups.setTopic', owner, { roomId: group._id, topic: 'same' })
  const before = await storedGroup(db, group._id)

  const response = await post(app, 'groups.setTopic', owner, { roomId: group._id, topic: 'same' })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { topic: 'same', success: true })
  t.same(await storedGroup(db, group._id), before)
  t.equal((await newAuditRows(setup)).length, 1)
})

t.test('groups.setTopic: an empty topic on a group without one changes nothing', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, group, before } = setup

  const response = await post(app, 'groups.setTopic', owner, { roomId: group._id, topic: '' })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { topic: '', success: true })
  t.same(await storedGroup(db, group._id), before)
  t.same(await newAuditRows(setup), [])
})

t.test('groups.setTopic: an empty topic clears a set one', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, group } = setup
  await post(app, 'groups.setTopic', owner, { roomId: group._id, topic: 'old' })

  const response = await post(app, 'groups.setTopic', owner, { roomId: group._id, topic: '' })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { topic: '', success: true })
  const stored = await storedGroup(db, group._id)
  t.equal(stored.room?.topic, '')
  t.same(
    stored.messages.map((m) => [m.type, m.msg]),
    [
      ['room_changed_topic', 'old'],
      ['room_changed_topic', ''],
    ],
  )
  t.same((await newAuditRows(setup)).at(-1)?.after, { topic: '' })
})

t.test('groups.setDescription: 200, a system message and an audit row', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, member, group } = setup

  const response = await post(app, 'groups.setDescription', owner, {
    roomId: group._id,
    description: 'Testing out everything.',
  })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { description: 'Testing out everything.', success: true })
  const stored = await storedGroup(db, group._id)
  t.equal(stored.room?.description, 'Testing out everything.')
  t.equal(stored.room?.msgs, 1)
  t.same(stored.messages, [
    {
      type: 'room_changed_description',
      msg: 'Testing out everything.',
      username: owner.username,
      role: null,
    },
  ])
  t.same(await newAuditRows(setup), [
    {
      action: 'groups.setDescription',
      actor_id: owner.id,
      actor_username: owner.username,
      room_id: group._id,
      before: { description: null },
      after: { description: 'Testing out everything.' },
    },
  ])
  t.equal((await groupInfo(app, member, group._id)).description, 'Testing out everything.')
})

t.test('groups.setPurpose: 200 and an audit row, without a system message', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, member, group } = setup

  const response = await post(app, 'groups.setPurpose', owner, {
    roomId: group._id,
    purpose: 'Ship it',
  })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { purpose: 'Ship it', success: true })
  const stored = await storedGroup(db, group._id)
  t.equal(stored.room?.purpose, 'Ship it')
  t.equal(stored.room?.description, null, 'the description is a separate setting')
  t.equal(stored.room?.msgs, 0)
  t.same(stored.messages, [])
  t.ok((stored.room?.updated_at.getTime() ?? 0) > A_WHILE_AGO.getTime())
  t.same(await newAuditRows(setup), [
    {
      action: 'groups.setPurpose',
      actor_id: owner.id,
      actor_username: owner.username,
      room_id: group._id,
      before: { purpose: null },
      after: { purpose: 'Ship it' },
    },
  ])
  t.equal((await groupInfo(app, member, group._id)).purpose, 'Ship it')
})

t.test('groups.setAnnouncement: 200, a system message and an audit row', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, member, group } = setup

  const response = await post(app, 'groups.setAnnouncement', owner, {
    roomId: group._id,
    announcement: 'Test out everything.',
  })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { announcement: 'Test out everything.', success: true })
  const stored = await storedGroup(db, group._id)
  t.equal(stored.room?.announcement, 'Test out everything.')
  t.same(stored.messages, [
    {
      type: 'room_changed_announcement',
      msg: 'Test out everything.',
      username: owner.username,
      role: null,
    },
  ])
  t.same(await newAuditRows(setup), [
    {
      action: 'groups.setAnnouncement',
      actor_id: owner.id,
      actor_username: owner.username,
      room_id: group._id,
      before: { announcement: null },
      after: { announcement: 'Test out everything.' },
    },
  ])
  t.equal((await groupInfo(app, member, group._id)).announcement, 'Test out everything.')
})

t.test('groups.setReadOnly: 200 with the group, both ways, with system messages', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, member, group } = setup

  const on = await post(app, 'groups.setReadOnly', owner, { roomId: group._id, readOnly: true })

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
  t.match(body.group._updatedAt, ISO_TIMESTAMP)
  t.not(body.group._updatedAt, A_WHILE_AGO.toISOString())

  const off = await post(app, 'groups.setReadOnly', owner, { roomId: group._id, readOnly: false })

  t.equal(off.statusCode, 200)
  t.match(off.json(), { group: { ro: false, msgs: 2 }, success: true })
  const stored = await storedGroup(db, group._id)
  t.equal(stored.room?.read_only, false)
  t.same(stored.messages, [
    { type: 'room-set-read-only', msg: '', username: owner.username, role: null },
    { type: 'room-removed-read-only', msg: '', username: owner.username, role: null },
  ])
  t.same(
    (await newAuditRows(setup)).map((row) => [row.action, row.before, row.after]),
    [
      ['groups.setReadOnly', { readOnly: false }, { readOnly: true }],
      ['groups.setReadOnly', { readOnly: true }, { readOnly: false }],
    ],
  )
})

t.test('groups.setReadOnly: the current setting is refused, before edit-room', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, member, group, before } = setup
  const SAME = plain(
    'The private group read only setting is the same as what it would be changed to.',
  )

  for (const user of [owner, member]) {
    const response = await post(app, 'groups.setReadOnly', user, {
      roomId: group._id,
      readOnly: false,
    })
    t.equal(response.statusCode, 400)
    t.same(response.json(), SAME)
  }
  t.same(await storedGroup(db, group._id), before)
  t.same(await newAuditRows(setup), [])
})

t.test('groups.setCustomFields: 200 with the group showing the fields', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, member, group } = setup
  const customFields = { team: 'blue', budget: 12, tags: ['a', 'b'], nested: { on: true } }

  const response = await post(app, 'groups.setCustomFields', owner, {
    roomId: group._id,
    customFields,
  })

  t.equal(response.statusCode, 200)
  const body = response.json()
  t.same(Object.keys(body).sort(), ['group', 'success'])
  t.same(body.group.customFields, customFields)
  t.equal(body.group.msgs, 0, 'no system message')
  t.not(body.group._updatedAt, A_WHILE_AGO.toISOString())
  const stored = await storedGroup(db, group._id)
  t.same(stored.room?.custom_fields, customFields)
  t.same(stored.messages, [])
  t.same(await newAuditRows(setup), [
    {
      action: 'groups.setCustomFields',
      actor_id: owner.id,
      actor_username: owner.username,
      room_id: group._id,
      before: { customFields: {} },
      after: { customFields },
    },
  ])
  t.same((await groupInfo(app, member, group._id)).customFields, customFields)
})

t.test('groups.setCustomFields: the same fields in another order change nothing', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, group } = setup
  await post(app, 'groups.setCustomFields', owner, {
    roomId: group._id,
    customFields: { a: 1, b: 2 },
  })
  const before = await storedGroup(db, group._id)

  const response = await post(app, 'groups.setCustomFields', owner, {
    roomId: group._id,
    customFields: { b: 2, a: 1 },
  })

  t.equal(response.statusCode, 200)
  t.same(response.json().group.customFields, { a: 1, b: 2 })
  t.same(await storedGroup(db, group._id), before)
  t.equal((await newAuditRows(setup)).length, 1)
})

t.test('groups.setCustomFields: an empty object clears them from the body', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, group } = setup
  await post(app, 'groups.setCustomFields', owner, {
    roomId: group._id,
    customFields: { a: 1 },
  })

  const response = await post(app, 'groups.setCustomFields', owner, {
    roomId: group._id,
    customFields: {},
  })

  t.equal(response.statusCode, 200)
  t.notOk('customFields' in response.json().group)
  t.same((await storedGroup(db, group._id)).room?.custom_fields, {})
  t.same((await newAuditRows(setup)).at(-1)?.before, { customFields: { a: 1 } })
})

t.test('groups.setCustomFields: a value that is not an object is invalid-params', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, group, before } = setup

  for (const customFields of ['text', 12, ['a'], null, true]) {
    const response = await post(app, 'groups.setCustomFields', owner, {
      roomId: group._id,
      customFields,
    })
    t.equal(response.statusCode, 400, JSON.stringify(customFields))
    t.match(response.json(), {
      success: false,
      error: /\[invalid-params\]$/,
      errorType: 'invalid-params',
    })
  }
  t.same(await storedGroup(db, group._id), before)
  t.same(await newAuditRows(setup), [])
})

t.test('groups.setType: p is refused as unchanged, whoever asks', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, member, group, before } = setup

  for (const user of [owner, member]) {
    const response = await post(app, 'groups.setType', user, { roomId: group._id, type: 'p' })
    t.equal(response.statusCode, 400)
    t.same(
      response.json(),
      plain('The private group type is the same as what it would be changed to.'),
    )
  }
  t.same(await storedGroup(db, group._id), before)
  t.same(await newAuditRows(setup), [])
})

t.test('groups.setType: c is refused, public channels being unsupported', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, group, before } = setup

  const response = await post(app, 'groups.setType', owner, { roomId: group._id, type: 'c' })

  t.equal(response.statusCode, 400)
  t.same(
    response.json(),
    refusal(
      'error-action-not-allowed',
      'Public channels are not supported by this service; a private group cannot become one',
    ),
  )
  t.same(await storedGroup(db, group._id), before)
  t.same(await newAuditRows(setup), [])
})

t.test('groups.setType: another type is invalid-params', async (t) => {
  const app = await buildApp(t, db)
  const { owner, group } = await ownedGroup(app)

  for (const type of ['d', 'l', 'P', '', 1]) {
    const response = await post(app, 'groups.setType', owner, { roomId: group._id, type })
    t.equal(response.statusCode, 400, JSON.stringify(type))
    t.match(response.json(), { success: false, errorType: 'invalid-params' })
  }
})

t.test("a missing setting: Rocket.Chat's plain bodyParam message", async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, group, before } = setup
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
    const response = await post(app, endpoint, owner, { roomId: group._id })
    t.equal(response.statusCode, 400, endpoint)
    t.same(response.json(), plain(message), endpoint)
  }
  t.same(await storedGroup(db, group._id), before)
  t.same(await newAuditRows(setup), [])
})

t.test('a setting of the wrong type or an unknown field is invalid-params', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { owner, group, before } = setup
  const bodies: Array<[string, Record<string, unknown>]> = [
    ['groups.setTopic', { topic: 12 }],
    ['groups.setDescription', { description: null }],
    ['groups.setPurpose', { purpose: ['x'] }],
    ['groups.setAnnouncement', { announcement: { text: 'x' } }],
    ['groups.setReadOnly', { readOnly: 'true' }],
    ['groups.setTopic', { topic: 'x', color: 'red' }],
  ]

  for (const [endpoint, body] of bodies) {
    const response = await post(app, endpoint, owner, { roomId: group._id, ...body })
    t.equal(response.statusCode, 400, `${endpoint} ${JSON.stringify(body)}`)
    t.match(response.json(), { success: false, errorType: 'invalid-params' })
  }
  t.same(await storedGroup(db, group._id), before)
  t.same(await newAuditRows(setup), [])
})

t.test('every setter: a member without edit-room is refused, nothing changes', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { member, group } = setup
  const leader = await createTestUser(db)
  await post(app, 'groups.invite', setup.owner, { roomId: group._id, userId: leader.id })
  await setRoomRoles(group._id, leader.id, ['leader'])
  const withLeader = await storedGroup(db, group._id)
  const auditBefore = await auditRows(group._id)

  for (const user of [member, leader]) {
    for (const [endpoint, body] of setters) {
      const response = await post(app, endpoint, user, { roomId: group._id, ...body })
      t.equal(response.statusCode, 400, endpoint)
      t.same(response.json(), EDITING_NOT_ALLOWED, endpoint)
    }
  }
  t.same(await storedGroup(db, group._id), withLeader)
  t.same(await auditRows(group._id), auditBefore)
})

t.test('every setter: a moderator and a global admin who is a member may edit', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const moderator = await createTestUser(db)
  const admin = await createTestUser(db, { roles: ['admin'] })
  const group = await createTestGroup(app, owner, [moderator, admin])
  await setRoomRoles(group._id, moderator.id, ['moderator'])

  for (const user of [moderator, admin]) {
    const changes: Array<[string, Record<string, unknown>]> = [
      ['groups.setTopic', { topic: `topic by ${user.username}` }],
      ['groups.setDescription', { description: `description by ${user.username}` }],
      ['groups.setPurpose', { purpose: `purpose by ${user.username}` }],
      ['groups.setAnnouncement', { announcement: `announcement by ${user.username}` }],
      ['groups.setCustomFields', { customFields: { by: user.username } }],
    ]
    for (const [endpoint, body] of changes) {
      const response = await post(app, endpoint, user, { roomId: group._id, ...body })
      t.equal(response.statusCode, 200, `${endpoint} by ${user.username}`)
    }
  }
  const onByModerator = await post(app, 'groups.setReadOnly', moderator, {
    roomId: group._id,
    readOnly: true,
  })
  const offByAdmin = await post(app, 'groups.setReadOnly', admin, {
    roomId: group._id,
    readOnly: false,
  })
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
  const actors = (await auditRows(group._id))
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
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { group, before } = setup
  const outsider = await createTestUser(db)
  const admin = await createTestUser(db, { roles: ['admin'] })

  for (const user of [outsider, admin]) {
    for (const [endpoint, body] of setters) {
      for (const ref of [{ roomId: group._id }, { roomName: group.name }]) {
        const response = await post(app, endpoint, user, { ...ref, ...body })
        t.equal(response.statusCode, 400, endpoint)
        t.same(response.json(), ROOM_NOT_FOUND, endpoint)
      }
    }
  }
  t.same(await storedGroup(db, group._id), before)
  t.same(await newAuditRows(setup), [])
})

t.test('every setter: an unknown group, or none named', async (t) => {
  const app = await buildApp(t, db)
  const { owner } = await ownedGroup(app)

  for (const [endpoint, body] of setters) {
    const unknown = await post(app, endpoint, owner, { roomId: 'no-such-room', ...body })
    t.equal(unknown.statusCode, 400, endpoint)
    t.same(unknown.json(), ROOM_NOT_FOUND, endpoint)

    const unnamed = await post(app, endpoint, owner, body)
    t.equal(unnamed.statusCode, 400, endpoint)
    t.same(unnamed.json(), ROOM_PARAM_NOT_PROVIDED, endpoint)
  }
})

t.test('every setter: not logged in is 401', async (t) => {
  const app = await buildApp(t, db)
  const setup = await ownedGroup(app)
  const { group, before } = setup

  for (const [endpoint, body] of setters) {
    const response = await post(app, endpoint, null, { roomId: group._id, ...body })
    t.equal(response.statusCode, 401, endpoint)
    t.same(response.json(), NOT_LOGGED_IN, endpoint)
  }
  t.same(await storedGroup(db, group._id), before)
})

t.test('every setter: an archived group is refused with error-room-archived', async (t) => {
  const app = await buildApp(t, db)
  const { owner, group } = await ownedGroup(app)
  const archive = await post(app, 'groups.archive', owner, { roomId: group._id })
  t.equal(archive.statusCode, 200)
  const before = await storedGroup(db, group._id)
  const auditBefore = await auditRows(group._id)

  for (const [endpoint, body] of setters) {
    const response = await post(app, endpoint, owner, { roomId: group._id, ...body })
    t.equal(response.statusCode, 400, endpoint)
    t.same(response.json(), archived(group.name), endpoint)
  }
  t.same(await storedGroup(db, group._id), before)
  t.same(await auditRows(group._id), auditBefore)
})

t.test('the group body lists every setting once set, in info and list', async (t) => {
  const app = await buildApp(t, db)
  const { owner, group } = await ownedGroup(app)

  const fresh = await groupInfo(app, owner, group._id)
  for (const key of ['topic', 'description', 'purpose', 'announcement', 'customFields']) {
    t.notOk(key in fresh, `${key} absent while unset`)
  }

  for (const [endpoint, body] of setters.filter(([endpoint]) => endpoint !== 'groups.setType')) {
    const response = await post(app, endpoint, owner, { roomId: group._id, ...body })
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
  const list = await app.inject({
    method: 'GET',
    url: '/api/v1/groups.list',
    headers: owner.headers,
  })
  t.match(
    list.json().groups.find((listed: { _id: string }) => listed._id === group._id),
    settings,
  )
})
