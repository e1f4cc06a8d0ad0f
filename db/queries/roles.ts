import type { Executor } from '../executor.js'

/** Which of the given ids are global (user-level) roles. */
export async function findGlobalRoles(db: Executor, ids: string[]) {
  if (ids.length === 0) return []
  const rows = await db
    .selectFrom('roles')
    .select('id')
    .where('id', 'in', ids)
    .where('scope', '=', 'Users')
    .execute()
  return rows.map((row) => row.id)
}

export async function anyUserHasRole(db: Executor, role: string) {
  const row = await db
    .selectFrom('user_roles')
    .select('user_id')
    .where('role_id', '=', role)
    .limit(1)
    .executeTakeFirst()
  return row !== undefined
}

export async function listRoles(db: Executor) {
  return db.selectFrom('roles').selectAll().orderBy('id').execute()
}

export async function findRole(db: Executor, id: string) {
  return db.selectFrom('roles').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Which of the given ids are roles of any scope. */
export async function findRoleIds(db: Executor, ids: string[]) {
  if (ids.length === 0) return []
  const rows = await db.selectFrom('roles').select('id').where('id', 'in', ids).execute()
  return rows.map((row) => row.id)
}

/**
 * Locks a role's row while its holders change: two removals of the last admins then run one
 * after the other, and the second sees the first. Granting the role (a foreign-key check)
 * does not wait for it.
 */
export async function lockRole(db: Executor, id: string) {
  await db.selectFrom('roles').select('id').where('id', '=', id).forNoKeyUpdate().execute()
}

/** Active users holding the role, other than `exceptUserId`. */
export async function countActiveHoldersExcept(db: Executor, role: string, exceptUserId: string) {
  const row = await db
    .selectFrom('user_roles')
    .innerJoin('users', 'users.id', 'user_roles.user_id')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('user_roles.role_id', '=', role)
    .where('users.active', '=', true)
    .where('users.id', '<>', exceptUserId)
    .executeTakeFirstOrThrow()
  return Number(row.count)
}

/** Gives the user a role; false when they already held it. */
export async function grantRole(db: Executor, userId: string, role: string) {
  const inserted = await db
    .insertInto('user_roles')
    .values({ user_id: userId, role_id: role })
    .onConflict((oc) => oc.columns(['user_id', 'role_id']).doNothing())
    .returning('role_id')
    .executeTakeFirst()
  return inserted !== undefined
}

/** Takes a role from the user; false when they did not hold it. */
export async function revokeRole(db: Executor, userId: string, role: string) {
  const deleted = await db
    .deleteFrom('user_roles')
    .where('user_id', '=', userId)
    .where('role_id', '=', role)
    .returning('role_id')
    .executeTakeFirst()
  return deleted !== undefined
}
