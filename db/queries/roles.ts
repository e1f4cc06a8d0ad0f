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
