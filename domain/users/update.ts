import type { Db } from '../../db/database.js'
import { takeUserTurns } from '../../db/queries/turns.js'
import { lockRoomsOfMember } from '../../db/queries/user-rooms.js'
import {
  deleteLoginTokensOfUser,
  findAnyUser,
  lockUser,
  renameUserReferences,
  replaceUserRoles,
  type UserChanges,
  updateUserColumns,
} from '../../db/queries/users.js'
import type { User } from '../../db/types.js'
import type { UpdateUserBody, UserView } from '../../schemas/users.js'
import type { Actor } from '../actor.js'
import { recordAudit } from '../audit.js'
import { hashPassword } from '../auth/passwords.js'
import { errors } from '../errors.js'
import { hasPermission } from '../permissions.js'
import {
  assertFieldsAvailable,
  checkGlobalRoles,
  checkUsername,
  takenFieldRefusal,
} from './fields.js'
import { assertAnotherActiveAdmin, assertNotLastOwner } from './safeguards.js'
import { toUserView } from './view.js'

const sameRoles = (a: string[], b: string[]) =>
  a.length === b.length && a.every((role) => b.includes(role))

type Profile = Pick<User, 'username' | 'name' | 'email' | 'active'>

/** The columns that change, with their old and new values for the audit log. */
function diffUser(user: Profile, wanted: Partial<Profile>) {
  const before: Record<string, unknown> = {}
  const after: Record<string, unknown> = {}
  const changes: UserChanges = {}
  for (const key of ['username', 'name', 'email', 'active'] as const) {
    const value = wanted[key]
    if (value === undefined || value === user[key]) continue
    before[key] = user[key]
    after[key] = value
    Object.assign(changes, { [key]: value })
  }
  return { changes, before, after }
}

/**
 * Changes a user. Anyone may change their own name, username, email and password; changing
 * another user needs `edit-other-user-info`, (de)activating needs it too, and a different set
 * of roles needs `assign-roles`. Deactivating logs the user out everywhere.
 */
export async function updateUser(db: Db, actor: Actor, input: UpdateUserBody): Promise<UserView> {
  const { userId, data } = input
  const canEditOthers = await hasPermission(db, actor, 'edit-other-user-info')
  if (userId !== actor.id && !canEditOthers) {
    throw errors.editingUserNotAllowed()
  }
  const current = await findAnyUser(db, { id: userId })
  if (!current) throw errors.invalidUser()

  const roles = data.roles === undefined ? undefined : [...new Set(data.roles)].sort()
  const changesRoles = roles !== undefined && !sameRoles(roles, current.roles)
  const deactivates = data.active === false && current.active
  if (data.active !== undefined && data.active !== current.active && !canEditOthers) {
    throw errors.notAllowed()
  }
  if (changesRoles && !(await hasPermission(db, actor, 'assign-roles'))) {
    throw errors.assigningRolesNotAllowed()
  }
  const username = data.username === undefined ? undefined : checkUsername(data.username)
  if (roles !== undefined) await checkGlobalRoles(db, roles)
  const unique = { username, email: data.email }
  await assertFieldsAvailable(db, unique, { userId })
  const passwordHash = data.password === undefined ? undefined : await hashPassword(data.password)

  try {
    await db.transaction().execute(async (trx) => {
      // A deactivation takes the user's turn before anything else (db/queries/turns.ts): no
      // one adds them to a group until it ends, and every join that committed first is logged
      // before it. Then their rooms before their row, the order a group invite takes them in.
      if (deactivates) {
        await takeUserTurns(trx, [userId])
        await lockRoomsOfMember(trx, userId)
      }
      if (!(await lockUser(trx, userId))) throw errors.invalidUser()
      const user = await findAnyUser(trx, { id: userId })
      if (!user) throw errors.invalidUser()

      const isActiveAdmin = user.active && user.roles.includes('admin')
      if (isActiveAdmin && roles !== undefined && !roles.includes('admin')) {
        await assertAnotherActiveAdmin(trx, userId, errors.noAdminLeft)
      }
      if (isActiveAdmin && data.active === false) {
        await assertAnotherActiveAdmin(trx, userId, errors.noActiveAdminLeft)
      }
      if (deactivates) await assertNotLastOwner(trx, userId, 'deactivating')

      const { changes, before, after } = diffUser(user, { ...data, username })
      if (passwordHash !== undefined) {
        changes.password_hash = passwordHash
        after.passwordChanged = true
      }
      const newRoles = roles !== undefined && !sameRoles(roles, user.roles) ? roles : undefined
      if (newRoles) {
        before.roles = user.roles
        after.roles = newRoles
      }
      if (Object.keys(after).length === 0) return

      await updateUserColumns(trx, userId, changes)
      if (newRoles) await replaceUserRoles(trx, userId, newRoles)
      if (changes.username !== undefined) {
        await renameUserReferences(trx, userId, changes.username)
      }
      if (changes.active === false) await deleteLoginTokensOfUser(trx, userId)
      await recordAudit(trx, actor, {
        action: 'users.update',
        before: { userId, ...before },
        after: { userId, ...after },
      })
    })
  } catch (error) {
    throw takenFieldRefusal(error, unique) ?? error
  }
  await db.logins.settled()
  const updated = await findAnyUser(db, { id: userId })
  if (!updated) throw errors.invalidUser()
  return toUserView(updated)
}
