import type { Db } from '../../db/database.js'
import type { Executor } from '../../db/executor.js'
import {
  addMemberRole,
  countRoomRole,
  findMemberRoles,
  removeMemberRole,
} from '../../db/queries/members.js'
import type { RoomLookup } from '../../db/queries/rooms.js'
import type { Actor } from '../actor.js'
import { ApiError, errors } from '../errors.js'
import { hasPermission } from '../permissions.js'
import { findGroupForMember, findTargetUser, type UserLookup } from './lookup.js'
import { recordSystemMessages } from './system-messages.js'

export type RoomRole = 'owner' | 'moderator' | 'leader'

const permissionFor: Record<RoomRole, string> = {
  owner: 'set-owner',
  moderator: 'set-moderator',
  leader: 'set-leader',
}

/** The role with its article, as Rocket.Chat's messages word it ("User is already an owner"). */
const roleWithArticle: Record<RoomRole, string> = {
  owner: 'an owner',
  moderator: 'a moderator',
  leader: 'a leader',
}

type RoleChange = RoomLookup & UserLookup

/** The group and the member whose room role changes, once the actor may change it. */
async function findRoleChangeTarget(
  trx: Executor,
  actor: Actor,
  input: RoleChange,
  role: RoomRole,
) {
  const room = await findGroupForMember(trx, input, actor, { lock: true })
  if (!(await hasPermission(trx, actor, permissionFor[role], room.member_roles))) {
    throw errors.notAllowed()
  }
  const user = await findTargetUser(trx, input)
  const roles = await findMemberRoles(trx, room.id, user.id)
  if (!roles) throw errors.userNotInRoom()
  return { room, user, roles }
}

export async function addRoomRole(
  db: Db,
  actor: Actor,
  input: RoleChange,
  role: RoomRole,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const { room, user, roles } = await findRoleChangeTarget(trx, actor, input, role)
    if (roles.includes(role)) {
      throw new ApiError(`error-user-already-${role}`, `User is already ${roleWithArticle[role]}`)
    }
    await addMemberRole(trx, room.id, user.id, role)
    await recordSystemMessages(trx, room.id, actor, [
      { type: 'subscription-role-added', msg: user.username, role },
    ])
  })
}

/** Takes a room role from a member; a group always keeps at least one owner. */
export async function removeRoomRole(
  db: Db,
  actor: Actor,
  input: RoleChange,
  role: RoomRole,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const { room, user, roles } = await findRoleChangeTarget(trx, actor, input, role)
    if (!roles.includes(role)) {
      throw new ApiError(`error-user-not-${role}`, `User is not ${roleWithArticle[role]}`)
    }
    if (role === 'owner' && (await countRoomRole(trx, room.id, 'owner')) <= 1) {
      throw new ApiError(
        'error-remove-last-owner',
        'This is the last owner. Please set a new owner before removing this one.',
      )
    }
    await removeMemberRole(trx, room.id, user.id, role)
    await recordSystemMessages(trx, room.id, actor, [
      { type: 'subscription-role-removed', msg: user.username, role },
    ])
  })
}
