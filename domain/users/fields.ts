import type { Executor } from '../../db/executor.js'
import { findGlobalRoles } from '../../db/queries/roles.js'
import { findTakenUserFieldsOfOthers } from '../../db/queries/users.js'
import { ApiError } from '../errors.js'
import { USERNAME_PATTERN } from './create.js'

const BLOCKED_USERNAMES = new Set(['all', 'here'])

export const fieldUnavailable = (value: string) =>
  new ApiError('error-field-unavailable', `${value} is already in use :(`)

/** A username as users.create accepts it: trimmed, `^[0-9a-zA-Z-_.]+$`, not all or here. */
export function checkUsername(input: string): string {
  const username = input.trim()
  if (!USERNAME_PATTERN.test(username)) {
    throw new ApiError('error-input-is-not-a-valid-field', `${username} is not a valid username`)
  }
  if (BLOCKED_USERNAMES.has(username.toLowerCase())) {
    throw new ApiError('error-blocked-username', `${username} is blocked and can't be used!`)
  }
  return username
}

/** Refuses any role that is not a global (Users-scoped) role. */
export async function checkGlobalRoles(db: Executor, roles: string[]): Promise<void> {
  const known = await findGlobalRoles(db, roles)
  const unknown = roles.find((role) => !known.includes(role))
  if (unknown !== undefined) {
    throw new ApiError('error-invalid-role', `Role ${unknown} does not exist`)
  }
}

/** Refuses a username or email another user holds, compared without case. */
export async function assertFieldsAvailable(
  db: Executor,
  userId: string,
  fields: { username?: string | undefined; email?: string | undefined },
): Promise<void> {
  const taken = await findTakenUserFieldsOfOthers(db, userId, fields)
  const { username, email } = fields
  if (
    username !== undefined &&
    taken.some((user) => user.username.toLowerCase() === username.toLowerCase())
  ) {
    throw fieldUnavailable(username)
  }
  if (email !== undefined && taken.length > 0) throw fieldUnavailable(email)
}
