import t from 'tap'
import { api, assertReply, fixture, refused } from '../../../../helper.js'

const db = await fixture.testDatabase(t)

function byUsername(a: { username: string }, b: { username: string }) {
  return a.username < b.username ? -1 : 1
}

async function auditRows(roomId: string) {
  return db
    .selectFrom('audit_log')
    .select(['actor_username', 'action', 'before', 'after'])
    .where('room_id', '=', roomId)
    .orderBy('id')
    .execute()
}

async function auditRowsBy(user: fixture.TestUser) {
  return db.selectFrom('audit_log').select('id').where('actor_id', '=', user.id).execute()
}

async function roomsCreatedBy(user: fixture.TestUser) {
  return db.selectFrom('rooms').select('name').where('creator_id', '=', user.id).execute()
}

t.test('creates the group: 200 with the group, the creator its only owner', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  const first = await fixture.createTestUser(db)
  const second = await fixture.createTestUser(db)
  const name = fixture.groupName()

  const response = await api(app, owner).post('groups.create', {
    name,
    members: [first.username, 'no-such-user-anywhere', second.username, owner.username],
  })

  t.equal(response.statusCode, 200)
  const body = response.json()
  t.same(Object.keys(body).sort(), ['group', 'success'])
  t.equal(body.success, true)
  const { group } = body
  t.type(group._id, 'string')
  t.match(group.ts, fixture.ISO_TIMESTAMP)
  t.match(group._updatedAt, fixture.ISO_TIMESTAMP)
  t.same(
    [...group.usernames].sort(),
    [owner.username, first.username, second.username].sort(),
    'each member once, the unknown name skipped',
  )
  t.same(group, {
    _id: group._id,
    name,
    fname: name,
    t: 'p',
    usernames: group.usernames,
    msgs: 0,
    usersCount: 3,
    u: { _id: owner.id, username: owner.username },
    ts: group.ts,
    ro: false,
    sysMes: true,
    _updatedAt: group._updatedAt,
  })

  const stored = await fixture.storedGroup(db, group._id)
  t.same(
    [...stored.members].sort(byUsername),
    [
      { username: owner.username, roles: ['owner'] },
      { username: first.username, roles: [] },
      { username: second.username, roles: [] },
    ].sort(byUsername),
  )
  t.same(stored.messages, [], 'creating writes no system message')
  t.equal(stored.room?.msgs, 0)
  t.equal(stored.room?.users_count, 3)
  t.equal(stored.room?.read_only, false)
  t.same(await auditRows(group._id), [
    {
      actor_username: owner.username,
      action: 'groups.create',
      before: null,
      after: { name, readOnly: false, members: group.usernames },
    },
  ])
})

t.test('a group without members has the creator alone', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  const name = fixture.groupName()

  const response = await api(app, owner).post('groups.create', { name })

  t.equal(response.statusCode, 200)
  t.match(response.json().group, { name, usernames: [owner.username], usersCount: 1, msgs: 0 })
  const stored = await fixture.storedGroup(db, response.json().group._id)
  t.same(stored.members, [{ username: owner.username, roles: ['owner'] }])
})

t.test('readOnly makes the group read-only', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)

  const response = await api(app, owner).post('groups.create', {
    name: fixture.groupName(),
    readOnly: true,
  })

  t.equal(response.statusCode, 200)
  t.equal(response.json().group.ro, true)
  const stored = await fixture.storedGroup(db, response.json().group._id)
  t.equal(stored.room?.read_only, true)
})

t.test('a missing or blank name is refused with the plain message', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)

  for (const payload of [{}, { members: [] }, { name: '' }, { name: '   ' }]) {
    const response = await api(app, owner).post('groups.create', payload)
    assertReply(
      t,
      response,
      400,
      refused.plain('Body param "name" is required'),
      JSON.stringify(payload),
    )
  }
  t.same(await roomsCreatedBy(owner), [])
})

t.test('a name that is not a string is a schema error', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)

  const response = await api(app, owner).post('groups.create', { name: 123 })

  assertReply(t, response, 400, refused.invalidParams('name must be string'))
  t.same(await roomsCreatedBy(owner), [])
})

t.test('a name breaking the naming rule: error-invalid-room-name', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)

  for (const name of ['has space', 'bang!', 'slash/name']) {
    const response = await api(app, owner).post('groups.create', { name })
    assertReply(
      t,
      response,
      400,
      refused.as('error-invalid-room-name', `${name} is not a valid room name.`),
      name,
    )
  }
  t.same(await roomsCreatedBy(owner), [])
})

t.test("another room's name: error-duplicate-channel-name", async (t) => {
  const app = await fixture.buildApp(t, db)
  const first = await fixture.createTestUser(db)
  const second = await fixture.createTestUser(db)
  const name = fixture.groupName()
  const created = await api(app, first).post('groups.create', { name })
  t.equal(created.statusCode, 200)

  const response = await api(app, second).post('groups.create', { name, members: [first.username] })

  assertReply(
    t,
    response,
    400,
    refused.as('error-duplicate-channel-name', `A channel with name '${name}' exists`),
  )
  t.same(await roomsCreatedBy(second), [])
  const stored = await fixture.storedGroup(db, created.json().group._id)
  t.same(stored.members, [{ username: first.username, roles: ['owner'] }])
})

t.test("a user's username as the name: error-duplicate-handle", async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  const other = await fixture.createTestUser(db)

  const response = await api(app, owner).post('groups.create', { name: other.username })

  assertReply(
    t,
    response,
    400,
    refused.as('error-duplicate-handle', `A user with the username '${other.username}' exists`),
  )
  t.same(await roomsCreatedBy(owner), [])
})

t.test('a user without create-p (a guest): error-not-allowed', async (t) => {
  const app = await fixture.buildApp(t, db)
  const guest = await fixture.createTestUser(db, { roles: ['guest'] })

  const response = await api(app, guest).post('groups.create', { name: fixture.groupName() })

  assertReply(t, response, 400, refused.notAllowed)
  t.same(await roomsCreatedBy(guest), [])
})

t.test('not logged in: 401 and nothing created', async (t) => {
  const app = await fixture.buildApp(t, db)
  const user = await fixture.createTestUser(db)
  const name = fixture.groupName()

  const callers = [null, { headers: { ...user.headers, 'x-auth-token': 'not-the-token' } }]
  for (const caller of callers) {
    const response = await api(app, caller).post('groups.create', { name })
    assertReply(t, response, 401, refused.notLoggedIn)
  }
  const room = await db.selectFrom('rooms').select('id').where('name', '=', name).executeTakeFirst()
  t.equal(room, undefined)
})

t.test(
  'excludeSelf: the creator stays out, the first valid member listed owns the group',
  async (t) => {
    const app = await fixture.buildApp(t, db)
    const creator = await fixture.createTestUser(db)
    const first = await fixture.createTestUser(db)
    const second = await fixture.createTestUser(db)
    const name = fixture.groupName()

    const response = await api(app, creator).post('groups.create', {
      name,
      members: ['no-such-user-anywhere', second.username, first.username],
      excludeSelf: true,
    })

    t.equal(response.statusCode, 200)
    const { group } = response.json()
    t.same([...group.usernames].sort(), [first.username, second.username].sort())
    t.same(group.u, { _id: creator.id, username: creator.username }, 'the creator is still `u`')
    t.equal(group.usersCount, 2)
    const stored = await fixture.storedGroup(db, group._id)
    t.same(
      [...stored.members].sort(byUsername),
      [
        { username: second.username, roles: ['owner'] },
        { username: first.username, roles: [] },
      ].sort(byUsername),
    )
    t.equal(stored.room?.users_count, 2)
    t.same(await auditRows(group._id), [
      {
        actor_username: creator.username,
        action: 'groups.create',
        before: null,
        after: {
          name,
          readOnly: false,
          members: [second.username, first.username],
          owner: second.username,
        },
      },
    ])

    const info = await api(app, creator).get('groups.info', { roomId: group._id })
    t.equal(info.statusCode, 400, 'the creator is not a member')
    t.equal(info.json().errorType, 'error-room-not-found')
  },
)

const creatorKept: Array<
  [string, boolean, (creator: fixture.TestUser, member: fixture.TestUser) => string[]]
> = [
  [
    'excludeSelf with the creator listed in members: the creator joins as owner',
    true,
    (creator, member) => [member.username, creator.username],
  ],
  ['excludeSelf false keeps the creator as owner', false, (_, member) => [member.username]],
]
for (const [name, excludeSelf, members] of creatorKept) {
  t.test(name, async (t) => {
    const app = await fixture.buildApp(t, db)
    const creator = await fixture.createTestUser(db)
    const member = await fixture.createTestUser(db)

    const response = await api(app, creator).post('groups.create', {
      name: fixture.groupName(),
      members: members(creator, member),
      excludeSelf,
    })

    t.equal(response.statusCode, 200)
    const stored = await fixture.storedGroup(db, response.json().group._id)
    t.same(
      [...stored.members].sort(byUsername),
      [
        { username: creator.username, roles: ['owner'] },
        { username: member.username, roles: [] },
      ].sort(byUsername),
    )
  })
}

t.test('excludeSelf without a valid member: error-invalid-members, nothing created', async (t) => {
  const app = await fixture.buildApp(t, db)
  const creator = await fixture.createTestUser(db)
  const inactive = await fixture.createTestUser(db, { active: false })

  for (const members of [undefined, [], ['no-such-user-anywhere', inactive.username]]) {
    const response = await api(app, creator).post('groups.create', {
      name: fixture.groupName(),
      members,
      excludeSelf: true,
    })
    assertReply(
      t,
      response,
      400,
      refused.as(
        'error-invalid-members',
        'With excludeSelf, members must name at least one valid user to own the group',
      ),
      JSON.stringify(members),
    )
  }
  t.same(await roomsCreatedBy(creator), [])
  t.same(await auditRowsBy(creator), [], 'no audit row')
})

t.test('customFields are stored and shown on the group', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  const customFields = { team: 'blue', level: 3, tags: ['a', 'b'], nested: { on: true } }
  const name = fixture.groupName()

  const response = await api(app, owner).post('groups.create', { name, customFields })

  t.equal(response.statusCode, 200)
  const { group } = response.json()
  t.same(group.customFields, customFields)
  const stored = await fixture.storedGroup(db, group._id)
  t.same(stored.room?.custom_fields, customFields)
  const info = await api(app, owner).get('groups.info', { roomId: group._id })
  t.same(info.json().group.customFields, customFields)
  t.same(await auditRows(group._id), [
    {
      actor_username: owner.username,
      action: 'groups.create',
      before: null,
      after: { name, readOnly: false, customFields, members: [owner.username] },
    },
  ])
})

t.test('extraData sets topic, description, announcement, readOnly and customFields', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  const name = fixture.groupName()
  const extraData = {
    topic: 'The topic',
    description: 'What the group is for',
    announcement: 'Read this first',
    readOnly: true,
    customFields: { from: 'extraData' },
  }

  const response = await api(app, owner).post('groups.create', { name, extraData })

  t.equal(response.statusCode, 200)
  const { group } = response.json()
  t.match(group, {
    topic: 'The topic',
    description: 'What the group is for',
    announcement: 'Read this first',
    ro: true,
    customFields: { from: 'extraData' },
  })
  t.notOk('purpose' in group, 'purpose stays unset')
  const stored = await fixture.storedGroup(db, group._id)
  t.match(stored.room, {
    topic: 'The topic',
    description: 'What the group is for',
    announcement: 'Read this first',
    purpose: null,
    read_only: true,
    custom_fields: { from: 'extraData' },
  })
  t.same(stored.messages, [], 'creating writes no system message')
  t.same(await auditRows(group._id), [
    {
      actor_username: owner.username,
      action: 'groups.create',
      before: null,
      after: {
        name,
        readOnly: true,
        customFields: { from: 'extraData' },
        topic: 'The topic',
        description: 'What the group is for',
        announcement: 'Read this first',
        members: [owner.username],
      },
    },
  ])
})

t.test('top-level readOnly and customFields win over extraData', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)

  const response = await api(app, owner).post('groups.create', {
    name: fixture.groupName(),
    readOnly: false,
    customFields: { from: 'body' },
    extraData: { readOnly: true, customFields: { from: 'extraData' }, topic: 'kept' },
  })

  t.equal(response.statusCode, 200)
  t.match(response.json().group, { ro: false, customFields: { from: 'body' }, topic: 'kept' })
  const stored = await fixture.storedGroup(db, response.json().group._id)
  t.equal(stored.room?.read_only, false)
  t.same(stored.room?.custom_fields, { from: 'body' })
})

t.test('empty customFields leave the group without customFields', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)

  const response = await api(app, owner).post('groups.create', {
    name: fixture.groupName(),
    customFields: {},
    extraData: {},
  })

  t.equal(response.statusCode, 200)
  t.notOk('customFields' in response.json().group)
})

t.test(
  'customFields, extraData and excludeSelf of the wrong shape are schema errors',
  async (t) => {
    const app = await fixture.buildApp(t, db)
    const owner = await fixture.createTestUser(db)
    const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i]))

    for (const [payload, message] of [
      [{ customFields: 'text' }, 'customFields must be object'],
      [{ customFields: ['a'] }, 'customFields must be object'],
      [{ customFields: tooMany }, 'customFields must NOT have more than 50 properties'],
      [{ extraData: 'text' }, 'extraData must be object'],
      [{ extraData: { encrypted: 'yes' } }, 'extraData.encrypted must be boolean'],
      [{ extraData: { teamId: 5 } }, 'extraData.teamId must be string'],
      [{ extraData: { topic: 5 } }, 'extraData.topic must be string'],
      [
        { extraData: { topic: 'x'.repeat(4097) } },
        'extraData.topic must NOT have more than 4096 characters',
      ],
      [
        { extraData: { customFields: tooMany } },
        'extraData.customFields must NOT have more than 50 properties',
      ],
      [{ excludeSelf: 'yes' }, 'excludeSelf must be boolean'],
    ] as const) {
      const response = await api(app, owner).post('groups.create', {
        name: fixture.groupName(),
        ...payload,
      })
      assertReply(t, response, 400, refused.invalidParams(message), message)
    }
    t.same(await roomsCreatedBy(owner), [])
  },
)

t.test('unknown extraData keys are ignored: neither stored nor refused', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)
  const name = fixture.groupName()

  const response = await api(app, owner).post('groups.create', {
    name,
    extraData: {
      topic: 'kept',
      sidepanel: { items: ['channels'] },
      prid: 'ByehQjC44FwMeiLbX',
      unknown: null,
      ro: true,
    },
  })

  t.equal(response.statusCode, 200)
  const { group } = response.json()
  t.same(group, {
    _id: group._id,
    name,
    fname: name,
    t: 'p',
    usernames: [owner.username],
    msgs: 0,
    usersCount: 1,
    u: { _id: owner.id, username: owner.username },
    ts: group.ts,
    ro: false,
    sysMes: true,
    _updatedAt: group._updatedAt,
    topic: 'kept',
  })
  const info = await api(app, owner).get('groups.info', { roomId: group._id })
  t.same(info.json(), { group, success: true }, 'read back as created')
  const stored = await fixture.storedGroup(db, group._id)
  t.match(stored.room, {
    name,
    topic: 'kept',
    description: null,
    announcement: null,
    purpose: null,
    read_only: false,
    custom_fields: {},
  })
  t.same(await auditRows(group._id), [
    {
      actor_username: owner.username,
      action: 'groups.create',
      before: null,
      after: { name, readOnly: false, topic: 'kept', members: [owner.username] },
    },
  ])
})

const unsupportedFeatures = [
  ['encrypted', true, 'end-to-end encrypted groups'],
  ['broadcast', true, 'broadcast groups'],
  ['federated', true, 'federated groups'],
  ['teamId', 'ByehQjC44FwMeiLbX', 'teams'],
] as const

t.test('extraData turning on a feature this service lacks: error-not-supported', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)

  for (const [key, value, feature] of unsupportedFeatures) {
    const name = fixture.groupName()
    const response = await api(app, owner).post('groups.create', {
      name,
      extraData: { topic: 'not kept', [key]: value },
    })
    assertReply(
      t,
      response,
      400,
      {
        success: false,
        error: `extraData.${key} asks for ${feature}, which this service does not support [error-not-supported]`,
        errorType: 'error-not-supported',
      },
      key,
    )
    const room = await db
      .selectFrom('rooms')
      .select('id')
      .where('name', '=', name)
      .executeTakeFirst()
    t.equal(room, undefined, `${key}: no room`)
  }
  t.same(await roomsCreatedBy(owner), [])
  t.same(await auditRowsBy(owner), [], 'no audit row')
})

t.test('extraData asking for none of those features creates the group as usual', async (t) => {
  const app = await fixture.buildApp(t, db)
  const owner = await fixture.createTestUser(db)

  const offValues: Array<[string, unknown]> = [
    ['encrypted', false],
    ['broadcast', false],
    ['federated', false],
    ['teamId', null],
    ['teamId', ''],
  ]
  for (const [key, value] of [
    ...offValues,
    ['all at once', { encrypted: false, broadcast: false, federated: false, teamId: null }],
  ] as const) {
    const name = fixture.groupName()
    const extraData = key === 'all at once' ? value : { [key]: value }
    const response = await api(app, owner).post('groups.create', { name, extraData })
    t.equal(response.statusCode, 200, JSON.stringify(extraData))
    const { group } = response.json()
    t.match(group, { name, usernames: [owner.username], usersCount: 1, ro: false })
    for (const feature of ['encrypted', 'broadcast', 'federated', 'teamId']) {
      t.notOk(feature in group, `${JSON.stringify(extraData)}: no ${feature} on the group`)
    }
    const stored = await fixture.storedGroup(db, group._id)
    t.same(stored.members, [{ username: owner.username, roles: ['owner'] }])
  }
})
