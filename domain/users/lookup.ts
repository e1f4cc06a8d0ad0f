import type { Executor } from '../../db/executor.js'
import { findAnyUser } from '../../db/queries/users.js'
import { type ApiError, errors } from '../errors.js'
import type { UserLookup } from '../groups/lookup.js'

/** The user a request names by `userId` (preferred) or `username`, deactivated or not. */
export async function findAnyUserByRef(
  db: Executor,
  ref: UserLookup,
  notFound: () => ApiError = errors.invalidUser,
) {
  if (!ref.userId && !ref.username) throw errors.userParamNotProvided()
  const user = ref.userId
    ? await findAnyUser(db, { id: ref.userId })
    : await findAnyUser(db, { username: ref.username ?? '' })
  if (!user) throw notFound()
  return user
}
