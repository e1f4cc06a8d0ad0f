import type { Db } from '../db/database.js'
import { listPermissionGrants } from '../db/queries/permissions.js'
import type { Actor } from './actor.js'
import type { PermissionGrants } from './auth/login-cache.js'
import type { Permission } from './permission-names.js'

export type { Permission, PermissionGrants }

async function loadGrants(db: Db): Promise<PermissionGrants> {
  const grants = new Map<string, Set<string>>()
  for (const { permission_id, role_id } of await listPermissionGrants(db)) {
    let roles = grants.get(permission_id)
    if (!roles) {
      roles = new Set()
      grants.set(permission_id, roles)
    }
    roles.add(role_id)
  }
  return grants
}

/**
 * The roles every permission lists: from the login cache when the database has one, else read.
 * Load them before opening a transaction that checks permissions, so the check needs no
 * statement of its own inside it.
 */
export function permissionGrants(db: Db): Promise<PermissionGrants> {
  const { cache } = db.logins
  return cache ? cache.grants(() => loadGrants(db)) : loadGrants(db)
}

/**
 * Rocket.Chat's check: the actor's global roles, plus their room roles when the check is
 * about a room, against the roles the permission lists.
 */
export function allows(
  grants: PermissionGrants,
  actor: Actor,
  permission: Permission,
  roomRoles: readonly string[] = [],
): boolean {
  const roles = grants.get(permission)
  if (!roles) return false
  return actor.roles.some((role) => roles.has(role)) || roomRoles.some((role) => roles.has(role))
}

export async function hasPermission(
  db: Db,
  actor: Actor,
  permission: Permission,
  roomRoles: readonly string[] = [],
): Promise<boolean> {
  return allows(await permissionGrants(db), actor, permission, roomRoles)
}
