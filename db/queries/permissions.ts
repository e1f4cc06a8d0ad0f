import type { Executor } from '../executor.js'

/** Whether any of the roles is granted the permission. */
export async function roleHasPermission(db: Executor, permission: string, roles: string[]) {
  if (roles.length === 0) return false
  const row = await db
    .selectFrom('permission_roles')
    .select('role_id')
    .where('permission_id', '=', permission)
    .where('role_id', 'in', roles)
    .limit(1)
    .executeTakeFirst()
  return row !== undefined
}
