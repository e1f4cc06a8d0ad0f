import { sql, type Updateable } from 'kysely'
import type { Executor } from '../executor.js'
import type { NewUser, UsersTable } from '../types.js'

export type UserChanges = Pick<
  Updateable<UsersTable>,
  'username' | 'name' | 'email' | 'password_hash' | 'active'
>

export const userColumns = [
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

/** Users holding the username or the email, compared without case; `exceptUserId` left out. */
export async function findTakenUserFields(
  db: Executor,
  fields: { username?: string | undefined; email?: string | undefined },
  exceptUserId?: string,
) {
  const { username, email } = fields
  if (username === undefined && email === undefined) return []
  let query = db
    .selectFrom('users')
    .select(['username', 'email'])
    .where((eb) =>
      eb.or([
        ...(username !== undefined ? [eb(sql`lower(username)`, '=', username.toLowerCase())] : []),
        ...(email !== undefined ? [eb(sql`lower(email)`, '=', email.toLowerCase())] : []),
      ]),
    )
  if (exceptUserId !== undefined) query = query.where('id', '<>', exceptUserId)
  return query.execute()
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

/**
 * Inserts the user with their roles unless a user with that id or username (any case) exists:
 * false then, and nothing written. Concurrent callers wait for each other on the unique index
 * instead of failing, so two processes starting at once create one user.
 */
export async function insertUserIfAbsent(db: Executor, user: NewUser, roles: string[]) {
  const inserted = await db
    .insertInto('users')
    .values(user)
    .onConflict((conflict) => conflict.doNothing())
    .returning('id')
    .executeTakeFirst()
  if (!inserted) return false
  if (roles.length > 0) {
    await db
      .insertInto('user_roles')
      .values(roles.map((role) => ({ user_id: user.id, role_id: role })))
      .execute()
  }
  return true
}

/** A user, active or not, by id or (case-insensitively) by username, with their global roles. */
export async function findAnyUser(db: Executor, ref: { id: string } | { username: string }) {
  let query = db.selectFrom('users').select(userColumns).select(userRoles.as('roles'))
  query =
    'id' in ref
      ? query.where('users.id', '=', ref.id)
      : query.where(sql`lower(users.username)`, '=', ref.username.toLowerCase())
  return query.executeTakeFirst()
}

/** Locks the user's row for an update of its columns; undefined once the user is gone. */
export async function lockUser(db: Executor, id: string, options: { forDelete?: boolean } = {}) {
  const query = db.selectFrom('users').select('id').where('id', '=', id)
  const locked = options.forDelete ? query.forUpdate() : query.forNoKeyUpdate()
  return locked.executeTakeFirst()
}

export async function updateUserColumns(db: Executor, id: string, changes: UserChanges) {
  await db
    .updateTable('users')
    .set({ ...changes, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .execute()
}

export async function replaceUserRoles(db: Executor, userId: string, roles: string[]) {
  await db.deleteFrom('user_roles').where('user_id', '=', userId).execute()
  if (roles.length > 0) {
    await db
      .insertInto('user_roles')
      .values(roles.map((role) => ({ user_id: userId, role_id: role })))
      .execute()
  }
}

/** Carries a new username into the copies rooms and messages keep of it. */
export async function renameUserReferences(db: Executor, userId: string, username: string) {
  await db
    .updateTable('rooms')
    .set({ creator_username: username })
    .where('creator_id', '=', userId)
    .execute()
  await db.updateTable('messages').set({ username }).where('user_id', '=', userId).execute()
}

export async function deleteLoginTokensOfUser(db: Executor, userId: string) {
  await db.deleteFrom('login_tokens').where('user_id', '=', userId).execute()
}

/** Removes the user; their roles, tokens and memberships go with them (foreign-key cascades). */
export async function deleteUserRow(db: Executor, id: string) {
  await db.deleteFrom('users').where('id', '=', id).execute()
}
