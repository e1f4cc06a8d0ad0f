import type { Db } from '../../db/database.js'
import { takeUserTurns } from '../../db/queries/turns.js'
import {
  decrementMemberCounts,
  listMembershipsOfUser,
  lockRoomsOfMember,
} from '../../db/queries/user-rooms.js'
import { deleteUserRow, findAnyUser, lockUser } from '../../db/queries/users.js'
import type { Actor } from '../actor.js'
import { recordAudit } from '../audit.js'
import { errors } from '../errors.js'
import type { UserLookup } from '../groups/lookup.js'
import { hasPermission } from '../permissions.js'
import { findAnyUserByRef } from './lookup.js'
import { assertAnotherActiveAdmin, assertNotLastOwner } from './safeguards.js'

/**
 * Deletes a user (`delete-user`). Refused while they are the only owner of a group with other
 * members, or the last active admin. Their memberships go with them and every group they were
 * in counts one member less; the messages they wrote stay.
 */
export async function deleteUser(db: Db, actor: Actor, ref: UserLookup): Promise<void> {
  if (!(await hasPermission(db, actor, 'delete-user'))) throw errors.forbidden()
  const { id } = await findAnyUserByRef(db, ref)

  await db.transaction().execute(async (trx) => {
    // The user's turn before anything else (db/queries/turns.ts): no one adds them to a group
    // until this ends, and their removals are logged after every join that committed first.
    // Then their rooms before their row, the order a group invite takes them in.
    await takeUserTurns(trx, [id])
    await lockRoomsOfMember(trx, id)
    if (!(await lockUser(trx, id, { forDelete: true }))) throw errors.invalidUser()
    const user = await findAnyUser(trx, { id })
    if (!user) throw errors.invalidUser()

    if (user.active && user.roles.includes('admin')) {
      await assertAnotherActiveAdmin(trx, id, errors.noAdminLeft)
    }
    await assertNotLastOwner(trx, id, 'deleting')

    const memberships = await listMembershipsOfUser(trx, id)
    await decrementMemberCounts(
      trx,
      memberships.map((membership) => membership.room_id),
    )
    await deleteUserRow(trx, id)
    for (const membership of memberships) {
      await recordAudit(trx, actor, {
        action: 'users.delete',
        roomId: membership.room_id,
        before: { member: user.username, roles: membership.roles },
      })
    }
    await recordAudit(trx, actor, {
      action: 'users.delete',
      before: {
        userId: id,
        username: user.username,
        name: user.name,
        email: user.email,
        roles: user.roles,
        active: user.active,
      },
    })
  })
  await db.logins.settled()
}
