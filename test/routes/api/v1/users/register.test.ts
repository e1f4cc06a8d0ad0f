import t from 'tap'
import { randomId } from '../../../../../domain/ids.js'
import { api, assertReply, assertUnchanged, fixture, refused } from '../../../../helper.js'

const db = await fixture.testDatabase(t)

t.test('users.register', async (t) => {
  const registration = (username: string) => ({
    username,
    email: `${username}@example.org`,
    pass: 'a long secret',
    name: `Person ${username}`,
  })
  const fresh = () => `reg${randomId().slice(0, 8).toLowerCase()}`

  t.test('off by default: error-user-registration-disabled, nothing stored', async (t) => {
    const app = await fixture.buildApp(t, db)
    const body = registration(fresh())
    const audit = await fixture.auditFromNow(db)

    const response = await api(app, null).post('users.register', body)

    assertReply(
      t,
      response,
      400,
      refused.as('error-user-registration-disabled', 'User registration is disabled'),
    )
    const stored = await db
      .selectFrom('users')
      .select('id')
      .where('username', '=', body.username)
      .execute()
    t.same(stored, [])
    await assertUnchanged(t, audit)
  })

  t.test('with ALLOW_REGISTRATION=true: an active user with the user role', async (t) => {
    const app = await fixture.buildApp(t, db, fixture.testConfig({ ALLOW_REGISTRATION: 'true' }))
    const body = registration(fresh())
    const audit = await fixture.auditFromNow(db)

    const response = await api(app, null).post('users.register', body)

    t.equal(response.statusCode, 200)
    const { user } = response.json()
    t.same(response.json(), { user: await fixture.fullView(db, user._id), success: true })
    t.match(user, {
      username: body.username,
      name: body.name,
      emails: [{ address: body.email, verified: false }],
      roles: ['user'],
      active: true,
    })
    const loggedIn = await fixture.login(app, body.username, body.pass)
    t.equal(loggedIn.statusCode, 200)
    t.same(await audit.read(), [
      {
        actor_id: user._id,
        actor_username: body.username,
        room_id: null,
        action: 'users.register',
        before: null,
        after: { userId: user._id, username: body.username, roles: ['user'] },
      },
    ])
  })

  t.test('refusals when on', async (t) => {
    const app = await fixture.buildApp(t, db, fixture.testConfig({ ALLOW_REGISTRATION: 'true' }))
    const existing = await fixture.createTestUser(db)

    const cases: Array<[object, object]> = [
      [
        registration(existing.username.toUpperCase()),
        { success: false, error: 'Username is already in use' },
      ],
      [
        { ...registration(fresh()), email: `${existing.username}@example.com` },
        refused.as(
          'error-field-unavailable',
          `${existing.username}@example.com is already in use :(`,
        ),
      ],
      [
        { ...registration(fresh()), username: 'bad name' },
        refused.as('error-input-is-not-a-valid-field', 'bad name is not a valid username'),
      ],
      [
        registration('all'),
        refused.as('error-blocked-username', "all is blocked and can't be used!"),
      ],
      [
        { ...registration(fresh()), pass: undefined },
        refused.invalidParams("must have required property 'pass'"),
      ],
      [
        { ...registration(fresh()), roles: ['admin'] },
        refused.invalidParams('roles is not allowed here'),
      ],
    ]
    const audit = await fixture.auditFromNow(db)
    for (const [payload, expected] of cases) {
      const response = await api(app, null).post('users.register', payload)
      assertReply(t, response, 400, expected, JSON.stringify(payload))
    }
    await assertUnchanged(t, audit)
  })
})
