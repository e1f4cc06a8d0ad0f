import type { Db } from '../../db/database.js'
import { anyUserHasRole } from '../../db/queries/roles.js'
import { findUserById, insertUser } from '../../db/queries/users.js'
import type { UserView } from '../../schemas/users.js'
import type { Actor } from '../actor.js'
import { recordAudit } from '../audit.js'
import { hashPassword } from '../auth/passwords.js'
import { errors } from '../errors.js'
import { randomId } from '../ids.js'
import { hasPermission } from '../permissions.js'
import {
  assertFieldsAvailable,
  checkGlobalRoles,
  checkUsername,
  takenFieldRefusal,
} from './fields.js'
import { toUserView } from './view.js'

export interface NewUserInput {
  email: string
  name: string
  password: string
  username: string
  roles?: string[] | undefined
  active?: boolean | undefined
}

/** Adds a user, with the checks Rocket.Chat applies; `actor` absent means the system itself. */
export async function createUser(db: Db, actor: Actor | null, input: NewUserInput) {
  if (actor && !(await hasPermission(db, actor, 'create-user'))) {
    throw errors.addingUserNotAllowed()
  }
  const username = checkUsername(input.username)
  const roles = [...new Set(input.roles?.length ? input.roles : ['user'])]
  await checkGlobalRoles(db, roles)
  const unique = { username, email: input.email }
  await assertFieldsAvailable(db, unique)

  const id = randomId()
  const passwordHash = await hashPassword(input.password)
  try {
    await db.transaction().execute(async (trx) => {
      await insertUser(
        trx,
        {
          id,
          username,
          name: input.name,
          email: input.email,
          password_hash: passwordHash,
          active: input.active ?? true,
        },
        roles,
      )
      await recordAudit(trx, actor, {
        action: 'users.create',
        after: { userId: id, username, roles, active: input.active ?? true },
      })
    })
  } catch (error) {
    throw takenFieldRefusal(error, unique) ?? error
  }
  const user = await findUserById(db, id)
  if (!user) throw new Error(`user ${id} vanished after insert`)
  return toUserView(user)
}

/** Whether some user holds the admin role, so someone can administer the service. */
export function adminExists(db: Db): Promise<boolean> {
  return anyUserHasRole(db, 'admin')
}

/** First start: creates the configured admin when no user holds the admin role yet. */
export async function ensureAdmin(
  db: Db,
  admin: { username: string; password: string; email: string; name: string },
): Promise<UserView | undefined> {
  if (!admin.password) return undefined
  if (await adminExists(db)) return undefined
  return createUser(db, null, {
    username: admin.username,
    password: admin.password,
    email: admin.email || `${admin.username}@localhost`,
    name: admin.name,
    roles: ['admin', 'user'],
  })
}
