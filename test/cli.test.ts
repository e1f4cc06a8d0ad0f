import { Readable } from 'node:stream'
import pg from 'pg'
import t, { type Test } from 'tap'
import { type CliIo, run } from '../cli/index.js'
import { createDatabase, type Db } from '../db/database.js'
import { randomId } from '../domain/ids.js'
import { migrations } from '../migrations/index.js'
import {
  buildApp,
  createTestGroup,
  createTestUser,
  postgresUrl,
  TEST_PASSWORD,
  testDatabase,
  tokensOf,
} from './helper.js'

const db = await testDatabase(t)

interface Outcome {
  code: number
  stdout: string
  stderr: string
}

interface RunOptions {
  db?: Db | undefined
  env?: Record<string, string>
  stdin?: string
  tty?: boolean
}

/** Runs the tool in this process, over the test database unless told otherwise. */
async function cli(argv: string[], options: RunOptions = {}): Promise<Outcome> {
  let stdout = ''
  let stderr = ''
  const stdin = Object.assign(Readable.from(options.stdin === undefined ? [] : [options.stdin]), {
    isTTY: options.tty ?? false,
  })
  const io: CliIo = {
    stdin,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { LOG_LEVEL: 'silent', ...options.env },
    db: 'db' in options ? options.db : db,
  }
  const code = await run(argv, io)
  return { code, stdout, stderr }
}

/** A database nobody has created tables in yet, and the settings that name it. */
async function freshDatabase(t: Test): Promise<{ db: Db; env: Record<string, string> }> {
  if (!postgresUrl) {
    const fresh = createDatabase({ url: '', poolSize: 1, dataDir: 'memory://' })
    t.teardown(() => fresh.destroy())
    return { db: fresh, env: { DATA_DIR: 'memory://' } }
  }
  const name = `groups_test_${randomId().toLowerCase()}`
  const admin = new pg.Client({ connectionString: postgresUrl })
  await admin.connect()
  await admin.query(`create database ${name}`)
  t.teardown(async () => {
    await admin.query(`drop database if exists ${name} with (force)`)
    await admin.end()
  })
  const url = new URL(postgresUrl)
  url.pathname = `/${name}`
  const fresh = createDatabase({ url: url.toString(), poolSize: 2, dataDir: '' })
  t.teardown(() => fresh.destroy())
  return { db: fresh, env: { DATABASE_URL: url.toString() } }
}

async function logIn(app: Awaited<ReturnType<typeof buildApp>>, user: string, password: string) {
  return app.inject({ method: 'POST', url: '/api/v1/login', payload: { user, password } })
}

function auditRows(action: string) {
  return db
    .selectFrom('audit_log')
    .select(['actor_id', 'action', 'after'])
    .where('action', '=', action)
    .orderBy('id')
    .execute()
}

let counter = 0
const uniqueName = (prefix: string) => {
  counter += 1
  return `${prefix}${counter}-${randomId().slice(0, 5).toLowerCase()}`
}

const commandNames = ['migrate', 'create-admin', 'reset-password', 'export-group']

t.test('--help lists every command; each command has its own --help', async (t) => {
  for (const argv of [['--help'], ['-h'], ['help']]) {
    const outcome = await cli(argv)
    t.equal(outcome.code, 0, argv.join(' '))
    t.match(outcome.stdout, /^Usage: private-groups <command> \[options\]/)
    for (const name of commandNames) t.match(outcome.stdout, `\n  ${name} `)
    t.equal(outcome.stderr, '')
  }
  for (const name of commandNames) {
    const own = await cli([name, '--help'])
    t.equal(own.code, 0, `${name} --help`)
    t.match(own.stdout, new RegExp(`^Usage: private-groups ${name}`))
    t.same(await cli(['help', name]), own, `help ${name} says the same`)
  }
})

t.test('wrong usage: exit 2 with the reason and where to look', async (t) => {
  const cases: Array<[string[], string]> = [
    [[], 'Usage: private-groups <command>'],
    [['frobnicate'], "private-groups: unknown command 'frobnicate'\nRun 'private-groups --help'"],
    [['help', 'frobnicate'], "unknown command 'frobnicate'"],
    [['create-admin', '--email', 'a@example.com'], '--username is required'],
    [['create-admin', '--username', 'x', '--colour', 'red'], "Unknown option '--colour'"],
    [['migrate', 'extra'], 'migrate takes no arguments besides its options'],
    [['export-group'], 'export-group takes exactly <roomId>'],
    [['export-group', 'a', 'b'], 'export-group takes exactly <roomId>'],
    [['reset-password'], "--username is required\nRun 'private-groups reset-password --help'"],
  ]
  for (const [argv, message] of cases) {
    const outcome = await cli(argv, { env: { ADMIN_PASS: 'x', NEW_PASSWORD: 'x' } })
    t.equal(outcome.code, 2, argv.join(' ') || '(nothing)')
    t.match(outcome.stderr, message)
    t.equal(outcome.stdout, '')
  }
})

t.test('a password on the command line is refused and nothing is created', async (t) => {
  const username = uniqueName('argv')
  for (const flag of [['--password', 'hunter2'], ['--password=hunter2']]) {
    const outcome = await cli(['create-admin', '--username', username, '--email', 'a@b.c', ...flag])
    t.equal(outcome.code, 2)
    t.match(outcome.stderr, 'passwords are never taken from the command line')
  }
  const reset = await cli(['reset-password', '--username', username, '--password', 'x'])
  t.equal(reset.code, 2)
  t.notOk(
    await db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst(),
  )
})

t.test('create-admin with ADMIN_PASS: an admin who can log in', async (t) => {
  const app = await buildApp(t, db)
  const username = uniqueName('root')
  const auditedBefore = (await auditRows('users.create')).length

  const outcome = await cli(
    [
      'create-admin',
      '--username',
      username,
      '--email',
      `${username}@example.com`,
      '--name',
      'Root',
    ],
    { env: { ADMIN_PASS: 'admin pass phrase' } },
  )

  t.equal(outcome.code, 0, outcome.stderr)
  const user = await db
    .selectFrom('users')
    .select(['id', 'name', 'email', 'active'])
    .where('username', '=', username)
    .executeTakeFirstOrThrow()
  t.equal(outcome.stdout, `created admin ${username} (${user.id})\n`)
  t.same(user, { id: user.id, name: 'Root', email: `${username}@example.com`, active: true })
  const login = await logIn(app, username, 'admin pass phrase')
  t.equal(login.statusCode, 200)
  t.same(login.json().data.me.roles, ['admin', 'user'])
  t.match((await auditRows('users.create')).slice(auditedBefore), [
    { actor_id: null, after: { userId: user.id, username, roles: ['admin', 'user'] } },
  ])
})

t.test('create-admin reads the password from the first line of stdin', async (t) => {
  const app = await buildApp(t, db)
  const username = uniqueName('piped')

  const outcome = await cli(
    ['create-admin', '--username', username, '--email', `${username}@x.io`],
    {
      stdin: 'piped pass phrase\nsecond line ignored\n',
    },
  )

  t.equal(outcome.code, 0, outcome.stderr)
  t.equal((await logIn(app, username, 'piped pass phrase')).statusCode, 200)
  const { name } = await db
    .selectFrom('users')
    .select('name')
    .where('username', '=', username)
    .executeTakeFirstOrThrow()
  t.equal(name, username, 'the display name defaults to the username')
})

t.test('create-admin without a password: exit 2, nothing created', async (t) => {
  const username = uniqueName('nopass')
  const argv = ['create-admin', '--username', username, '--email', `${username}@x.io`]

  for (const options of [{ stdin: '' }, { stdin: '\nlater line\n' }, { tty: true }]) {
    const outcome = await cli(argv, options)
    t.equal(outcome.code, 2)
    t.match(outcome.stderr, 'no password: set ADMIN_PASS or pipe the password on stdin')
  }
  t.notOk(
    await db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst(),
  )
})

t.test('create-admin refused by the rules: exit 1 with the API reason', async (t) => {
  const taken = await createTestUser(db)
  const before = (await auditRows('users.create')).length

  const duplicate = await cli(
    ['create-admin', '--username', taken.username.toUpperCase(), '--email', 'other@example.com'],
    { env: { ADMIN_PASS: 'x' } },
  )
  const invalid = await cli(['create-admin', '--username', 'no spaces', '--email', 'n@x.io'], {
    env: { ADMIN_PASS: 'x' },
  })

  t.equal(duplicate.code, 1)
  t.equal(
    duplicate.stderr,
    `private-groups: ${taken.username.toUpperCase()} is already in use :( [error-field-unavailable]\n`,
  )
  t.equal(invalid.code, 1)
  t.equal(
    invalid.stderr,
    'private-groups: no spaces is not a valid username [error-input-is-not-a-valid-field]\n',
  )
  t.equal((await auditRows('users.create')).length, before, 'no audit row for a refusal')
})

t.test('create-admin on a fresh database migrates it first', async (t) => {
  const fresh = await freshDatabase(t)
  const username = uniqueName('first')

  const outcome = await cli(['create-admin', '--username', username, '--email', 'f@x.io'], {
    db: fresh.db,
    env: { ADMIN_PASS: 'fresh pass phrase' },
  })

  t.equal(outcome.code, 0, outcome.stderr)
  t.equal(outcome.stderr, `migrated: ${Object.keys(migrations).join(', ')}\n`)
  const app = await buildApp(t, fresh.db)
  const login = await logIn(app, username, 'fresh pass phrase')
  t.equal(login.statusCode, 200)
  t.same(login.json().data.me.roles, ['admin', 'user'])
  t.same(
    await cli(['migrate'], { db: fresh.db }),
    { code: 0, stdout: 'already up to date\n', stderr: '' },
    'then migrate has nothing left to do',
  )
})

t.test('migrate applies every migration to the database the configuration names', async (t) => {
  // The embedded database in memory lives only as long as the command: nothing to reopen.
  const fresh = postgresUrl ? await freshDatabase(t) : undefined

  const outcome = await cli(['migrate'], {
    db: undefined,
    env: fresh?.env ?? { DATA_DIR: 'memory://' },
  })

  t.same(outcome, {
    code: 0,
    stdout: `applied: ${Object.keys(migrations).join(', ')}\n`,
    stderr: fresh
      ? `using PostgreSQL at ${fresh.env.DATABASE_URL}\n`
      : 'using the embedded database in memory:// (set DATABASE_URL to use PostgreSQL)\n',
  })
  if (fresh) {
    const rows = await fresh.db
      .withTables<{ kysely_migration: { name: string } }>()
      .selectFrom('kysely_migration')
      .select('name')
      .orderBy('name')
      .execute()
    t.same(
      rows.map((row) => row.name),
      Object.keys(migrations),
      'the configured database was migrated',
    )
  }
})

t.test(
  'the tool first says which database it uses; an unreachable one in a sentence',
  async (t) => {
    const outcome = await cli(['export-group', 'any-room'], {
      db: undefined,
      env: { DATABASE_URL: 'postgres://postgres:s3cret@127.0.0.1:1/groups' },
    })

    t.same(outcome, {
      code: 1,
      stdout: '',
      stderr:
        'using PostgreSQL at postgres://postgres:***@127.0.0.1:1/groups\n' +
        'private-groups: DATABASE_URL postgres://postgres:***@127.0.0.1:1/groups: nothing listens at 127.0.0.1:1 (connection refused); start PostgreSQL there, or fix the host or port in DATABASE_URL\n',
    })
  },
)

t.test('a bad configuration: exit 1 naming the variable', async (t) => {
  const outcome = await cli(['migrate'], { db: undefined, env: { DATABASE_POOL_SIZE: 'many' } })

  t.equal(outcome.code, 1)
  t.equal(
    outcome.stderr,
    'private-groups: Invalid configuration: DATABASE_POOL_SIZE must be a whole number\n',
  )
})

t.test('reset-password: the new password works, the old one and every token do not', async (t) => {
  const app = await buildApp(t, db)
  const user = await createTestUser(db)
  const second = await logIn(app, user.username, TEST_PASSWORD)
  t.equal(second.statusCode, 200)

  const outcome = await cli(['reset-password', '--username', user.username.toUpperCase()], {
    env: { NEW_PASSWORD: 'brand new phrase' },
  })

  t.equal(outcome.code, 0, outcome.stderr)
  t.equal(
    outcome.stdout,
    `password of ${user.username} (${user.id}) reset; logged out everywhere\n`,
  )
  t.same(await tokensOf(db, user.id), [], 'every login token deleted')
  const me = await app.inject({ method: 'GET', url: '/api/v1/me', headers: user.headers })
  t.equal(me.statusCode, 401, 'an old token no longer works')
  t.equal((await logIn(app, user.username, TEST_PASSWORD)).statusCode, 401)
  t.equal((await logIn(app, user.username, 'brand new phrase')).statusCode, 200)
  t.match(await auditRows('users.resetPassword'), [
    { actor_id: null, after: { userId: user.id, username: user.username } },
  ])
})

t.test('reset-password reads stdin; an unknown user is exit 1 and changes nothing', async (t) => {
  const app = await buildApp(t, db)
  const user = await createTestUser(db)
  const before = (await auditRows('users.resetPassword')).length

  const piped = await cli(['reset-password', '--username', user.username], {
    stdin: 'piped new phrase\n',
  })
  const unknown = await cli(['reset-password', '--username', 'nobody-here'], {
    env: { NEW_PASSWORD: 'x' },
  })

  t.equal(piped.code, 0, piped.stderr)
  t.equal((await logIn(app, user.username, 'piped new phrase')).statusCode, 200)
  t.equal(unknown.code, 1)
  t.equal(unknown.stderr, 'private-groups: No user is named nobody-here [error-invalid-user]\n')
  t.equal((await auditRows('users.resetPassword')).length, before + 1, 'one row, for the reset')
})

t.test('export-group: the group, members with roles, and every message', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  const renamed = await app.inject({
    method: 'POST',
    url: '/api/v1/groups.rename',
    headers: owner.headers,
    payload: { roomId: group._id, name: `${group.name}-renamed` },
  })
  t.equal(renamed.statusCode, 200)

  const outcome = await cli(['export-group', group._id])

  t.equal(outcome.code, 0, outcome.stderr)
  t.equal(outcome.stderr, '')
  const exported = JSON.parse(outcome.stdout)
  t.same(Object.keys(exported), ['group', 'members', 'messages'])
  const info = await app.inject({
    method: 'GET',
    url: `/api/v1/groups.info?roomId=${group._id}`,
    headers: owner.headers,
  })
  t.same(exported.group, info.json().group, 'the group as groups.info shows it')
  t.match(exported.members, [
    {
      _id: owner.id,
      username: owner.username,
      name: `Name of ${owner.username}`,
      roles: ['owner'],
    },
    { _id: member.id, username: member.username, roles: [] },
  ])
  t.equal(exported.members.length, 2)
  t.match(exported.members[0].joinedAt, /^\d{4}-\d\d-\d\dT/)
  const history = await app.inject({
    method: 'GET',
    url: `/api/v1/groups.history?roomId=${group._id}&count=100`,
    headers: owner.headers,
  })
  t.same(exported.messages, history.json().messages.reverse(), 'every message, oldest first')
  t.ok(exported.messages.length >= 1)
})

t.test('export-group of an unknown id: exit 1, nothing on stdout', async (t) => {
  const outcome = await cli(['export-group', 'no-such-room'])

  t.equal(outcome.code, 1)
  t.equal(outcome.stdout, '')
  t.equal(
    outcome.stderr,
    'private-groups: No private group has the id no-such-room [error-room-not-found]\n',
  )
})
