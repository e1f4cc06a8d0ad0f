import type { Executor } from '../../db/executor.js'
import { findGlobalRoles } from '../../db/queries/roles.js'
import { findTakenUserFields } from '../../db/queries/users.js'
import { type ApiError, errors } from '../errors.js'
import { isUniqueViolation } from '../unique.js'

const USERNAME_PATTERN = /^[0-9a-zA-Z-_.]+$/
const BLOCKED_USERNAMES = new Set(['all', 'here'])

export const fieldUnavailable = (value: string) => errors.fieldUnavailable(value)

/** A username as Rocket.Chat accepts it: trimmed, `^[0-9a-zA-Z-_.]+$`, not all or here. */
export function checkUsername(input: string): string {
  const username = input.trim()
  if (!USERNAME_PATTERN.test(username)) {
    throw errors.invalidUsername(username)
  }
  if (BLOCKED_USERNAMES.has(username.toLowerCase())) {
    throw errors.blockedUsername(username)
  }
  return username
}

/** Refuses any role that is not a global (Users-scoped) role. */
export async function checkGlobalRoles(db: Executor, roles: string[]): Promise<void> {
  const known = await findGlobalRoles(db, roles)
  const unknown = roles.find((role) => !known.includes(role))
  if (unknown !== undefined) {
    throw errors.unknownRole(unknown)
  }
}

export interface UniqueUserFields {
  username?: string | undefined
  email?: string | undefined
}

interface AvailabilityOptions {
  /** The user being changed, whose own username and email do not count as taken. */
  userId?: string | undefined
  /** The refusal for a taken username, where it differs from `error-field-unavailable`. */
  usernameTaken?: ((username: string) => ApiError) | undefined
}

/** Refuses a username or email another user holds, compared without case; the username first. */
export async function assertFieldsAvailable(
  db: Executor,
  fields: UniqueUserFields,
  options: AvailabilityOptions = {},
): Promise<void> {
  const taken = await findTakenUserFields(db, fields, options.userId)
  const { username, email } = fields
  if (
    username !== undefined &&
    taken.some((user) => user.username.toLowerCase() === username.toLowerCase())
  ) {
    throw (options.usernameTaken ?? fieldUnavailable)(username)
  }
  if (email !== undefined && taken.length > 0) throw fieldUnavailable(email)
}

/**
 * The refusal for a unique violation on username or email: another request took the value
 * between the check above and the write. Undefined for any other error.
 */
export function takenFieldRefusal(
  error: unknown,
  fields: UniqueUserFields,
  options: Pick<AvailabilityOptions, 'usernameTaken'> = {},
): ApiError | undefined {
  if (isUniqueViolation(error, 'users_username_lower_key')) {
    return (options.usernameTaken ?? fieldUnavailable)(fields.username ?? '')
  }
  if (isUniqueViolation(error, 'users_email_lower_key')) return fieldUnavailable(fields.email ?? '')
  return undefined
}
