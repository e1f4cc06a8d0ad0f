import { sql } from 'kysely'
import pg from 'pg'
import type { Test } from 'tap'
import type { Db } from '../../db/database.js'
import { createTestUser, groupName, type TestUser } from './base.js'
import { type ServerProcess, startServer } from './server-process.js'
import type { WorkloadGroup } from './workload.js'

/** The connection string of the test file's own database on the PostgreSQL server. */
export async function databaseUrlOf(db: Db, postgresUrl: string): Promise<string> {
  const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(db)
  const url = new URL(postgresUrl)
  url.pathname = `/${rows[0]?.name}`
  return url.toString()
}

/**
 * A connection of its own to the test file's PostgreSQL database (beside the pool), ended with
 * the test: for holding a lock or a transaction open while the service works.
 */
export async function ownConnection(t: Test, db: Db, postgresUrl: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: await databaseUrlOf(db, postgresUrl) })
  await client.connect()
  t.teardown(() => client.end())
  return client
}

/**
 * Service processes on one database, with `env` besides, stopped (SIGKILL if need be) when the
 * test ends.
 */
export async function startCluster(
  t: Test,
  databaseUrl: string,
  size: number,
  env: Record<string, string> = {},
) {
  const servers: ServerProcess[] = []
  const start = async () => {
    const server = await startServer({ ...env, DATABASE_URL: databaseUrl })
    servers.push(server)
    return server
  }
  t.teardown(async () => {
    for (const server of servers) if (server.child.exitCode === null) server.child.kill('SIGKILL')
  })
  for (let i = 0; i < size; i++) await start()
  return { servers, start }
}

/**
 * Groups for a workload, written straight to the database: each with `size` members, two of
 * them owners, and no messages yet.
 */
export async function seedGroups(db: Db, count: number, size: number): Promise<WorkloadGroup[]> {
  const groups: WorkloadGroup[] = []
  for (let g = 0; g < count; g++) {
    const users: TestUser[] = []
    for (let u = 0; u < size; u++) users.push(await createTestUser(db))
    const id = `seed${g}${groupName('w').replaceAll('-', '')}`.slice(0, 17)
    const [first] = users
    if (!first) throw new Error('a group needs members')
    await db
      .insertInto('rooms')
      .values({
        id,
        name: groupName('seeded'),
        fname: id,
        creator_id: first.id,
        creator_username: first.username,
        users_count: users.length,
      })
      .execute()
    await db
      .insertInto('room_members')
      .values(
        users.map((user, index) => ({
          room_id: id,
          user_id: user.id,
          roles: index < 2 ? ['owner'] : [],
        })),
      )
      .execute()
    groups.push({ id, users })
  }
  return groups
}
