import type { Executor } from '../db/executor.js'
import { roleHasPermission } from '../db/queries/permissions.js'
import type { Actor } from './actor.js'

/**
 * Rocket.Chat's check: the actor's global roles, plus their room roles when the check is
 * about a room, against the roles the permission lists.
 */
export function hasPermission(
  db: Executor,
  actor: Actor,
  permission: string,
  roomRoles: string[] = [],
): Promise<boolean> {
  return roleHasPermission(db, permission, [...actor.roles, ...roomRoles])
}
