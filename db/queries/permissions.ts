import { sql } from 'kysely'
import type { Executor } from '../executor.js'

/** Every (permission, role) grant: a few dozen rows, read whole. */
export async function listPermissionGrants(db: Executor) {
  return db.selectFrom('permission_roles').select(['permission_id', 'role_id']).execute()
}

const permissionRoles = sql<
  string[]
>`array(select role_id from permission_roles where permission_id = permissions.id order by role_id)`

/** Every permission with the roles it lists, optionally only those changed after a moment. */
export async function listPermissions(db: Executor, updatedAfter?: Date) {
  let query = db
    .selectFrom('permissions')
    .select(['permissions.id', 'permissions.updated_at'])
    .select(permissionRoles.as('roles'))
  // Compared at the millisecond precision of the `_updatedAt` a client sends back.
  if (updatedAfter) {
    query = query.where(sql`date_trunc('milliseconds', permissions.updated_at)`, '>', updatedAfter)
  }
  return query.orderBy('permissions.id').execute()
}

/** Locks the named permissions, in id order, and returns them with their current roles. */
export async function lockPermissions(db: Executor, ids: string[]) {
  if (ids.length === 0) return []
  return db
    .selectFrom('permissions')
    .select('permissions.id')
    .select(permissionRoles.as('roles'))
    .where('permissions.id', 'in', ids)
    .orderBy('permissions.id')
    .forUpdate()
    .execute()
}

export async function replacePermissionRoles(db: Executor, permission: string, roles: string[]) {
  await db.deleteFrom('permission_roles').where('permission_id', '=', permission).execute()
  if (roles.length > 0) {
    await db
      .insertInto('permission_roles')
      .values(roles.map((role) => ({ permission_id: permission, role_id: role })))
      .execute()
  }
  await db
    .updateTable('permissions')
    .set({ updated_at: sql<Date>`now()` })
    .where('id', '=', permission)
    .execute()
}
