import type { Db } from '../../db/database.js'
import type { Executor } from '../../db/executor.js'
import {
  applyGroupChange,
  holdsRoomRole,
  memberByRef,
  ownerCount,
  usersByRefs,
} from '../../db/queries/group-change.js'
import { listMemberUsernamesJson } from '../../db/queries/members.js'
import type { RoomLookup } from '../../db/queries/rooms.js'
import type { UserTurns } from '../../db/queries/turns.js'
import type { Actor } from '../actor.js'
import { auditEntry } from '../audit.js'
import { errors } from '../errors.js'
import { allows, type Permission, type PermissionGrants, permissionGrants } from '../permissions.js'
import { changeGroup, requireTarget } from './change.js'
import type { UserLookup } from './lookup.js'
import { inRequestedOrder } from './requested-order.js'
import { systemMessageRows } from './system-messages.js'
import { type GroupAnswer, toGroupAnswer } from './view.js'

export interface InviteInput extends RoomLookup, UserLookup {
  userIds?: string[] | undefined
  usernames?: string[] | undefined
}

interface ManagePermissions {
  /** Checked with the caller's room roles when the caller is a member. */
  inRoom: Permission
  /** Global; lets a caller act on any group, also one they are not in. */
  anyGroup: Permission
}

interface LockedGroup {
  member_roles: string[] | null
  archived: boolean
  name: string
}

/**
 * Refuses the change unless the caller may manage the group's members: a member through the
 * room permission (or the global one), a non-member only through the global one. Anyone else
 * gets `error-room-not-found`, so groups do not leak.
 */
function requireManager<G extends LockedGroup>(
  grants: PermissionGrants,
  actor: Actor,
  group: G,
  permissions: ManagePermissions,
): G {
  const mayActAnywhere = allows(grants, actor, permissions.anyGroup)
  const joined = group.member_roles !== null
  if (!joined && !mayActAnywhere) throw errors.roomNotFound()
  if (group.archived) throw errors.roomArchived(group.name)
  if (
    joined &&
    !allows(grants, actor, permissions.inRoom, group.member_roles ?? []) &&
    !mayActAnywhere
  ) {
    throw errors.notAllowed()
  }
  return group
}

/** Who an invitation names; `userId` wins over `username`, as for one user. */
function namedInvitees(input: InviteInput) {
  const ids = [...(input.userIds ?? [])]
  const usernames = [...(input.usernames ?? [])]
  if (input.userId) ids.unshift(input.userId)
  else if (input.username) usernames.unshift(input.username)
  return { ids: ids.filter(Boolean), usernames: usernames.filter(Boolean) }
}

const INVITE: ManagePermissions = {
  inRoom: 'add-user-to-joined-room',
  anyGroup: 'add-user-to-any-p-room',
}

/** Adds users to a group, one `au` message each; users already in it stay as they are. */
export async function inviteToGroup(
  db: Db,
  actor: Actor,
  input: InviteInput,
): Promise<GroupAnswer> {
  const grants = await permissionGrants(db)
  const named = namedInvitees(input)
  return changeGroup(
    db,
    input,
    actor,
    (query, turns) => query.select(usersByRefs(named.ids, named.usernames, turns).as('invitees')),
    async (trx, group) => {
      const room = requireManager(grants, actor, group, INVITE)
      if (named.ids.length === 0 && named.usernames.length === 0) {
        throw errors.userParamNotProvided()
      }
      if (room.invitees.length === 0) throw errors.emptyInviteList()
      const newcomers = inRequestedOrder(room.invitees, named).filter((user) => !user.member)
      if (newcomers.length === 0) return unchanged(trx, room)
      const invited = await applyGroupChange(trx, {
        roomId: room.id,
        members: {
          add: newcomers.map((user) => ({ userId: user.id, username: user.username, roles: [] })),
        },
        usersCount: newcomers.length,
        audit: newcomers.map((user) =>
          auditEntry(actor, {
            action: 'groups.invite',
            roomId: room.id,
            after: { member: user.username },
          }),
        ),
        messages: systemMessageRows(
          room.id,
          actor,
          newcomers.map((user) => ({ type: 'au', msg: user.username })),
        ),
        usernames: true,
      })
      return toGroupAnswer(invited, invited.usernames)
    },
    named,
  )
}

/** The group as it is, when a request changes nothing. */
async function unchanged(trx: Executor, room: Parameters<typeof toGroupAnswer>[0]) {
  return toGroupAnswer(room, await listMemberUsernamesJson(trx, room.id))
}

const KICK: ManagePermissions = { inRoom: 'remove-user', anyGroup: 'kick-user-from-any-p-room' }

/**
 * Removes another user from a group; the group's last owner cannot be removed. A holder of
 * `kick-user-from-any-p-room` skips the check that the user is a member, as in Rocket.Chat:
 * kicking someone who is not in the group succeeds and changes nothing.
 */
export async function kickFromGroup(
  db: Db,
  actor: Actor,
  input: RoomLookup & UserLookup,
): Promise<void> {
  const grants = await permissionGrants(db)
  await changeGroup(
    db,
    input,
    actor,
    (query, turns) =>
      query.select([
        memberByRef(input, turns).as('target'),
        ownerCount(holdsRoomRole(input, 'owner')).as('owners'),
      ]),
    async (trx, group) => {
      const room = requireManager(grants, actor, group, KICK)
      const user = requireTarget(input, room.target)
      const roles = user.roles
      if (!roles) {
        if (allows(grants, actor, KICK.anyGroup)) return
        throw errors.userNotInRoom()
      }
      if (roles.includes('owner') && (room.owners ?? 0) <= 1) throw errors.lastOwner()
      await applyGroupChange(trx, {
        roomId: room.id,
        members: { remove: { userId: user.id } },
        usersCount: -1,
        audit: [
          auditEntry(actor, {
            action: 'groups.kick',
            roomId: room.id,
            before: { member: user.username, roles },
          }),
        ],
        messages: systemMessageRows(room.id, actor, [{ type: 'ru', msg: user.username }]),
      })
    },
    kickedUser(input),
  )
}

/** Whose turn a kick takes: the user named by id, else by username. */
function kickedUser(input: UserLookup): UserTurns {
  if (input.userId) return { ids: [input.userId] }
  return { ids: [], usernames: input.username ? [input.username] : [] }
}
