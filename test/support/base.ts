import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import pg from 'pg'
import type { Test } from 'tap'
import { buildServer } from '../../build-server.js'
import { type Config, loadConfig } from '../../config.js'
import { createDatabase, type Db } from '../../db/database.js'
import { findViolations } from '../../db/queries/invariants.js'
import { insertLoginToken } from '../../db/queries/tokens.js'
import { insertUser } from '../../db/queries/users.js'
import { hashPassword } from '../../domain/auth/passwords.js'
import { hashLoginToken, newLoginToken, randomId } from '../../domain/ids.js'
import { embeddedTemplate, postgresTemplate } from './template.js'

/** Set to run the suite on a PostgreSQL server instead of the embedded database. */
export const postgresUrl = process.env.TEST_DATABASE_URL || ''

/** A `skip` for tests that need several connections to one PostgreSQL server. */
export const onlyOnPostgres = postgresUrl
  ? false
  : 'needs TEST_DATABASE_URL: several connections share one PostgreSQL server'

/**
 * What the test runner (scripts/test.mjs) says of the file's pass: `database-free` for files that
 * declare they need no database, which therefore run once rather than on each database.
 */
const pass = process.env.TEST_PASS ?? ''

/**
 * A fresh, migrated database for one test file: a new database on the PostgreSQL server of
 * TEST_DATABASE_URL (dropped afterwards), else an in-memory embedded one. Either is a copy of the
 * migrated template (test/support/template.ts), so no test sees another's rows.
 */
export async function testDatabase(t: Test): Promise<Db> {
  if (pass === 'database-free') {
    throw new Error(
      'this file runs in the database-free pass (its header says `// database-free`), yet it asks for a database: remove that line',
    )
  }
  if (!postgresUrl) return embeddedDatabase(t)
  const name = `groups_test_${randomId().toLowerCase()}`
  const admin = new pg.Client({ connectionString: postgresUrl })
  await admin.connect()
  await admin.query(
    `create database ${name} template ${await postgresTemplate(admin, postgresUrl)}`,
  )
  const url = new URL(postgresUrl)
  url.pathname = `/${name}`
  const db = createDatabase({ url: url.toString(), poolSize: 20, dataDir: '' })
  t.teardown(async () => {
    await db.destroy()
    await admin.query(`drop database if exists ${name} with (force)`)
    await admin.end()
  })
  return db
}

/**
 * An in-memory embedded database of the file's own, whichever database the suite runs on, copied
 * from the migrated template. For tests whose subject is not the database, such as the OpenAPI
 * document (which scripts/openapi.ts also builds on one): they may run in the database-free pass.
 */
export async function embeddedDatabase(t: Test): Promise<Db> {
  const db = createDatabase({
    url: '',
    poolSize: 1,
    dataDir: 'memory://',
    initialDataDir: await embeddedTemplate(),
  })
  t.teardown(() => db.destroy())
  // Ready before the file goes on: while PGlite compiles its WebAssembly nothing keeps Node's
  // event loop alive, and a file whose tests are all skipped could end meanwhile.
  await sql`select 1`.execute(db)
  return db
}

/**
 * A second connection pool of `poolSize` on the PostgreSQL database of `db`, as another process
 * of the service has: closed when the test ends.
 */
export function otherProcessDatabase(t: Test, db: Db, poolSize: number): Db {
  const { backend } = db
  if (!backend || !('pool' in backend)) throw new Error('needs PostgreSQL')
  const other = createDatabase({
    url: String(backend.pool.options.connectionString),
    poolSize,
    dataDir: '',
  })
  t.teardown(() => other.destroy())
  return other
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  // Rate limits would make tests depend on how many requests they send; rate-limit.test.ts turns them on.
  return loadConfig({
    LOG_LEVEL: 'silent',
    RATE_LIMIT_MAX: '0',
    // A refusal a route does not document fails the test that provokes it.
    STRICT_REFUSALS: 'true',
    ...overrides,
  })
}

/**
 * The config for an app built on a database that fails from its start, which only an injected
 * database can do (the service's own start migrates first): nothing is written at start, so no
 * `rocket.cat` is created.
 */
export function brokenDatabaseConfig(): Config {
  return testConfig({ CREATE_ROCKET_CAT: 'false' })
}

/** The whole app on a fresh Fastify instance over the given database, closed after the test. */
export async function buildApp(
  t: Test,
  db: Db,
  config: Config = testConfig(),
): Promise<FastifyInstance> {
  const server = await buildServer(config, { db })
  await server.ready()
  t.teardown(() => server.close())
  return server
}

/**
 * After changing tokens, users' names, activity or roles, or permissions straight in the
 * database: returns once the apps on `db` have heard of the change (their login cache learns of
 * changes by notification, see domain/auth/login-changes.ts), as the service's own changes do
 * before they answer.
 */
export function loginChangesHeard(db: Db): Promise<void> {
  return db.logins.settled()
}

export const TEST_PASSWORD = 'correct horse battery staple'
let testPasswordHash: Promise<string> | undefined

export interface TestUser {
  id: string
  username: string
  headers: { 'x-user-id': string; 'x-auth-token': string }
}

let userCounter = 0

/** A user stored directly (password TEST_PASSWORD), with a login token for its headers. */
export async function createTestUser(
  db: Db,
  options: { username?: string; roles?: string[]; active?: boolean } = {},
): Promise<TestUser> {
  testPasswordHash ??= hashPassword(TEST_PASSWORD)
  userCounter += 1
  const id = randomId()
  const username = options.username ?? `user${userCounter}-${id.slice(0, 5).toLowerCase()}`
  // One transaction, as the service creates users: the new user's roles are then no news to
  // realtime clients (migration 2026120201).
  const passwordHash = await testPasswordHash
  await db.transaction().execute((trx) =>
    insertUser(
      trx,
      {
        id,
        username,
        name: `Name of ${username}`,
        email: `${username}@example.com`,
        password_hash: passwordHash,
        active: options.active ?? true,
      },
      options.roles ?? ['user'],
    ),
  )
  const token = newLoginToken()
  await insertLoginToken(db, id, hashLoginToken(token))
  return { id, username, headers: { 'x-user-id': id, 'x-auth-token': token } }
}

let groupCounter = 0

/** A unique group name for a test. */
export function groupName(prefix = 'group'): string {
  groupCounter += 1
  return `${prefix}-${groupCounter}-${randomId().slice(0, 6).toLowerCase()}`
}

/** Creates a group through the API as `owner`, with the given members. */
export async function createTestGroup(
  server: FastifyInstance,
  owner: TestUser,
  members: TestUser[] = [],
  name = groupName(),
) {
  const response = await server.inject({
    method: 'POST',
    url: '/api/v1/groups.create',
    headers: owner.headers,
    payload: { name, members: members.map((member) => member.username) },
  })
  if (response.statusCode !== 200) throw new Error(`group not created: ${response.body}`)
  return response.json().group as { _id: string; name: string }
}

/** The stored state of a group, read straight from the database. */
export async function storedGroup(db: Db, roomId: string) {
  const room = await db.selectFrom('rooms').selectAll().where('id', '=', roomId).executeTakeFirst()
  const members = await db
    .selectFrom('room_members')
    .innerJoin('users', 'users.id', 'room_members.user_id')
    .select(['users.username', 'room_members.roles'])
    .where('room_id', '=', roomId)
    .orderBy('users.username')
    .execute()
  const messages = await db
    .selectFrom('messages')
    .select(['type', 'msg', 'username', 'role'])
    .where('room_id', '=', roomId)
    .orderBy(sql`created_at`)
    .execute()
  return { room, members, messages }
}

/** Asserts the stored data breaks none of the service's invariants. */
export async function assertInvariants(t: Test, db: Db) {
  t.same(await findViolations(db), [], 'no invariant violations')
}

// The one door for test files: the builder above, and the request helpers and fixtures, also
// as one `fixture` namespace so that a test file's header stays one line.
