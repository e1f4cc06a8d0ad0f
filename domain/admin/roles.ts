import type { Db } from '../../db/database.js'
import { findRole, grantRole, listRoles, revokeRole } from '../../db/queries/roles.js'
import type { RoleUserBody, RoleView } from '../../schemas/admin.js'
import type { Actor } from '../actor.js'
import { recordAudit } from '../audit.js'
import { type ApiError, errors } from '../errors.js'
import { hasPermission } from '../permissions.js'
import { findAnyUserByRef } from '../users/lookup.js'
import { assertAnotherActiveAdmin } from '../users/safeguards.js'

interface StoredRole {
  id: string
  scope: string
  description: string
  protected: boolean
}

function toRoleView(role: StoredRole): RoleView {
  return {
    _id: role.id,
    name: role.id,
    scope: role.scope === 'Subscriptions' ? 'Subscriptions' : 'Users',
    description: role.description,
    protected: role.protected,
    mandatory2fa: false,
  }
}

export async function listAllRoles(db: Db): Promise<RoleView[]> {
  return (await listRoles(db)).map(toRoleView)
}

/** The checks both role changes share, in order: permission, role named, user, global role. */
async function resolve(db: Db, actor: Actor, body: RoleUserBody, unknownRole: () => ApiError) {
  if (!(await hasPermission(db, actor, 'assign-roles'))) throw errors.forbidden()
  const roleId = body.roleId || body.roleName
  if (!roleId) {
    throw errors.invalidRoleProperties()
  }
  const user = await findAnyUserByRef(db, body)
  const role = await findRole(db, roleId)
  if (!role) throw unknownRole()
  if (role.scope !== 'Users') {
    throw errors.roomRoleNotGlobal(role.id)
  }
  return { user, role }
}

/** Gives a user a global role (`assign-roles`). */
export async function addUserToRole(db: Db, actor: Actor, body: RoleUserBody): Promise<RoleView> {
  const { user, role } = await resolve(db, actor, body, errors.roleNotFound)
  await db.transaction().execute(async (trx) => {
    if (!(await grantRole(trx, user.id, role.id))) {
      throw errors.userAlreadyInRole()
    }
    await recordAudit(trx, actor, {
      action: 'roles.addUserToRole',
      before: { userId: user.id, username: user.username, roles: user.roles },
      after: { userId: user.id, username: user.username, roles: [...user.roles, role.id].sort() },
    })
  })
  await db.logins.settled()
  return toRoleView(role)
}

/** Takes a global role from a user (`assign-roles`); the last active admin keeps theirs. */
export async function removeUserFromRole(
  db: Db,
  actor: Actor,
  body: RoleUserBody,
): Promise<RoleView> {
  const { user, role } = await resolve(db, actor, body, errors.invalidRoleId)
  if (!user.roles.includes(role.id)) throw errors.userNotInRole()
  await db.transaction().execute(async (trx) => {
    if (role.id === 'admin' && user.active) {
      await assertAnotherActiveAdmin(trx, user.id, errors.noAdminLeft)
    }
    if (!(await revokeRole(trx, user.id, role.id))) throw errors.userNotInRole()
    await recordAudit(trx, actor, {
      action: 'roles.removeUserFromRole',
      before: { userId: user.id, username: user.username, roles: user.roles },
      after: {
        userId: user.id,
        username: user.username,
        roles: user.roles.filter((held) => held !== role.id),
      },
    })
  })
  await db.logins.settled()
  return toRoleView(role)
}
