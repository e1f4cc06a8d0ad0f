import { sql } from 'kysely'
import type { Executor } from '../executor.js'
import type { NewUser } from '../types.js'

const userColumns = [
  'users.id',
  'users.username',
  'users.name',
  'users.email',
  'users.active',
  'users.status',
  'users.created_at',
  'users.updated_at',
] as const

/** A user's global role ids, as a column of a query over `users`. */
export const userRoles = sql<
  string[]
>`array(select role_id from user_roles where user_id = users.id order by role_id)`

export async function findUserById(db: Executor, id: string) {
  return db
    .selectFrom('users')
    .select(userColumns)
    .select(userRoles.as('roles'))
    .where('users.id', '=', id)
    .executeTakeFirst()
}

export async function findUserByUsername(db: Executor, username: string) {
  return db
    .selectFrom('users')
    .select(['id', 'username'])
    .where(sql`lower(username)`, '=', username.toLowerCase())
    .executeTakeFirst()
}

/** The credentials row for a login by username or email, matched case-insensitively. */
export async function findCredentials(db: Executor, login: { username?: string; email?: string }) {
  let query = db.selectFrom('users').select(['id', 'password_hash', 'active'])
  if (login.email !== undefined) {
    query = query.where(sql`lower(email)`, '=', login.email.toLowerCase())
  } else {
    query = query.where(sql`lower(username)`, '=', (login.username ?? '').toLowerCase())
  }
  return query.executeTakeFirst()
}

export async function findTakenUserFields(db: Executor, username: string, email: string) {
  return db
    .selectFrom('users')
    .select(['username', 'email'])
    .where((eb) =>
      eb.or([
        eb(sql`lower(username)`, '=', username.toLowerCase()),
        eb(sql`lower(email)`, '=', email.toLowerCase()),
      ]),
    )
    .execute()
}

/** Users named by id or username, for adding to a group; usernames match case-insensitively. */
export async function findUsersByIdsOrUsernames(db: Executor, ids: string[], usernames: string[]) {
  if (ids.length === 0 && usernames.length === 0) return []
  return db
    .selectFrom('users')
    .select(['id', 'username'])
    .where((eb) =>
      eb.or([
        ...(ids.length > 0 ? [eb('id', 'in', ids)] : []),
        ...(usernames.length > 0
          ? [
              eb(
                sql`lower(username)`,
                'in',
                usernames.map((name) => name.toLowerCase()),
              ),
            ]
          : []),
      ]),
    )
    .where('active', '=', true)
    .execute()
}

export async function insertUser(db: Executor, user: NewUser, roles: string[]) {
  await db.insertInto('users').values(user).execute()
  if (roles.length > 0) {
    await db
      .insertInto('user_roles')
      .values(roles.map((role) => ({ user_id: user.id, role_id: role })))
      .execute()
  }
}
