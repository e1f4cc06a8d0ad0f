import type { Executor } from '../../db/executor.js'
import { countActiveHoldersExcept, lockRole } from '../../db/queries/roles.js'
import { findGroupsOnlyOwnedBy } from '../../db/queries/user-rooms.js'
import { errors, type Refusal } from '../errors.js'

/**
 * Refuses to take the last active admin away. The admin role's row stays locked until the
 * transaction ends, so two such changes at once are counted one after the other.
 */
export async function assertAnotherActiveAdmin(
  db: Executor,
  userId: string,
  refusal: Refusal<'noAdminLeft' | 'noActiveAdminLeft'>,
) {
  await lockRole(db, 'admin')
  if ((await countActiveHoldersExcept(db, 'admin', userId)) === 0) throw refusal()
}

/**
 * Refuses to take away a user who is the only owner of a group that has other members, so no
 * group is left without an owner. The caller has locked the user's rooms.
 */
export async function assertNotLastOwner(db: Executor, userId: string, doing: string) {
  const groups = await findGroupsOnlyOwnedBy(db, userId)
  if (groups.length > 0) {
    throw errors.userLastOwner(groups, doing)
  }
}
