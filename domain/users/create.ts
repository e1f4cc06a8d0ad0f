import type { Db } from '../../db/database.js'
import { anyUserHasRole, findGlobalRoles } from '../../db/queries/roles.js'
import { findTakenUserFields, findUserById, insertUser } from '../../db/queries/users.js'
import type { UserView } from '../../schemas/users.js'
import type { Actor } from '../actor.js'
import { recordAudit } from '../audit.js'
import { hashPassword } from '../auth/passwords.js'
import { ApiError, errors } from '../errors.js'
import { randomId } from '../ids.js'
import { hasPermission } from '../permissions.js'
import { isUniqueViolation } from '../unique.js'
import { toUserView } from './view.js'

export const USERNAME_PATTERN = /^[0-9a-zA-Z-_.]+$/
const BLOCKED_USERNAMES = new Set(['all', 'here'])

export interface NewUserInput {
  email: string
  name: string
  password: string
  username: string
  roles?: string[] | undefined
  active?: boolean | undefined
}

const fieldUnavailable = (value: string) =>
  new ApiError('error-field-unavailable', `${value} is already in use :(`)

/** Adds a user, with the checks Rocket.Chat applies; `actor` absent means the system itself. */
export async function createUser(db: Db, actor: Actor | null, input: NewUserInput) {
  if (actor && !(await hasPermission(db, actor, 'create-user'))) {
    throw errors.actionNotAllowed('Adding user is not allowed')
  }
  const username = input.username.trim()
  if (!USERNAME_PATTERN.test(username)) {
    throw new ApiError('error-input-is-not-a-valid-field', `${username} is not a valid username`)
  }
  if (BLOCKED_USERNAMES.has(username.toLowerCase())) {
    throw new ApiError('error-blocked-username', `${username} is blocked and can't be used!`)
  }
  const roles = [...new Set(input.roles?.length ? input.roles : ['user'])]
  const knownRoles = await findGlobalRoles(db, roles)
  const unknownRole = roles.find((role) => !knownRoles.includes(role))
  if (unknownRole !== undefined) {
    throw new ApiError('error-invalid-role', `Role ${unknownRole} does not exist`)
  }

  const taken = await findTakenUserFields(db, username, input.email)
  if (taken.some((user) => user.username.toLowerCase() === username.toLowerCase())) {
    throw fieldUnavailable(username)
  }
  if (taken.length > 0) throw fieldUnavailable(input.email)

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
    if (isUniqueViolation(error, 'users_username_lower_key')) throw fieldUnavailable(username)
    if (isUniqueViolation(error, 'users_email_lower_key')) throw fieldUnavailable(input.email)
    throw error
  }
  const user = await findUserById(db, id)
  if (!user) throw new Error(`user ${id} vanished after insert`)
  return toUserView(user)
}

/** First start: creates the configured admin when no user holds the admin role yet. */
export async function ensureAdmin(
  db: Db,
  admin: { username: string; password: string; email: string; name: string },
): Promise<UserView | undefined> {
  if (!admin.password) return undefined
  if (await anyUserHasRole(db, 'admin')) return undefined
  return createUser(db, null, {
    username: admin.username,
    password: admin.password,
    email: admin.email || `${admin.username}@localhost`,
    name: admin.name,
    roles: ['admin', 'user'],
  })
}
