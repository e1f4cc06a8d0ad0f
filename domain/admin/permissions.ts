import type { Db } from '../../db/database.js'
import {
  listPermissions,
  lockPermissions,
  replacePermissionRoles,
} from '../../db/queries/permissions.js'
import { findRoleIds } from '../../db/queries/roles.js'
import type { PermissionsUpdateBody, PermissionView } from '../../schemas/admin.js'
import type { Actor } from '../actor.js'
import { recordAudit } from '../audit.js'
import { isStorableTime } from '../dates.js'
import { errors } from '../errors.js'
import { hasPermission } from '../permissions.js'

function toPermissionView(row: { id: string; roles: string[]; updated_at: Date }): PermissionView {
  return { _id: row.id, roles: row.roles, _updatedAt: row.updated_at.toISOString() }
}

/** Every permission and the roles it lists; with `updatedSince`, only those changed after it. */
export async function listAllPermissions(db: Db, updatedSince?: string) {
  let after: Date | undefined
  if (updatedSince) {
    after = new Date(updatedSince)
    if (!isStorableTime(after)) {
      throw errors.invalidUpdatedSince()
    }
  }
  return { update: (await listPermissions(db, after)).map(toPermissionView), remove: [] }
}

/**
 * Replaces the roles of each listed permission (`access-permissions`), all or none. The change
 * holds from the next request on, in every process that shares the database: it answers once
 * the change's notification has reached this process (see auth/login-changes.ts).
 */
export async function updatePermissions(
  db: Db,
  actor: Actor,
  body: PermissionsUpdateBody,
): Promise<PermissionView[]> {
  if (!(await hasPermission(db, actor, 'access-permissions'))) throw errors.forbidden()
  const updated = await db.transaction().execute(async (trx) => {
    const current = await lockPermissions(trx, [...new Set(body.permissions.map((p) => p._id))])
    if (current.length !== body.permissions.length) {
      throw errors.invalidPermission()
    }
    const roles = [...new Set(body.permissions.flatMap((p) => p.roles))]
    if ((await findRoleIds(trx, roles)).length !== roles.length) {
      throw errors.invalidRole()
    }
    for (const permission of body.permissions) {
      const before = current.find((row) => row.id === permission._id)?.roles ?? []
      await replacePermissionRoles(trx, permission._id, permission.roles)
      await recordAudit(trx, actor, {
        action: 'permissions.update',
        before: { permission: permission._id, roles: before },
        after: { permission: permission._id, roles: [...permission.roles].sort() },
      })
    }
    return (await listPermissions(trx)).map(toPermissionView)
  })
  await db.logins.settled()
  return updated
}
