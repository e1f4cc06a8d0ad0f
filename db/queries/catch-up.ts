import type { Executor } from '../executor.js'
import type { Room, RoomMember } from '../types.js'

/** The membership fields a subscription shows. */
export type SubscriptionMember = Pick<
  RoomMember,
  | 'id'
  | 'room_id'
  | 'user_id'
  | 'username'
  | 'roles'
  | 'open'
  | 'created_at'
  | 'last_seen_at'
  | 'updated_at'
>

export interface GroupMembership {
  room: Room
  member: SubscriptionMember
}

/**
 * "After `moment`" at the millisecond precision of the dates a client sends back (the
 * `_updatedAt` it was given): from the next millisecond on, which an index on the column serves.
 */
function fromNextMillisecond(moment: Date): Date {
  return new Date(moment.getTime() + 1)
}

function membershipsOf(db: Executor, userId: string) {
  return db
    .selectFrom('room_members')
    .innerJoin('rooms', 'rooms.id', 'room_members.room_id')
    .selectAll('rooms')
    .select([
      'room_members.id as member_id',
      'room_members.username as member_username',
      'room_members.roles as member_roles',
      'room_members.open as member_open',
      'room_members.created_at as member_created_at',
      'room_members.last_seen_at as member_last_seen_at',
      'room_members.updated_at as member_updated_at',
    ])
    .where('room_members.user_id', '=', userId)
    .where('rooms.type', '=', 'p')
}

type MembershipRow = Room & {
  member_id: string
  member_username: string
  member_roles: string[]
  member_open: boolean
  member_created_at: Date
  member_last_seen_at: Date
  member_updated_at: Date
}

function toMembership(userId: string, row: MembershipRow): GroupMembership {
  const {
    member_id,
    member_username,
    member_roles,
    member_open,
    member_created_at,
    member_last_seen_at,
    member_updated_at,
    ...room
  } = row
  return {
    room,
    member: {
      id: member_id,
      room_id: room.id,
      user_id: userId,
      username: member_username,
      roles: member_roles,
      open: member_open,
      created_at: member_created_at,
      last_seen_at: member_last_seen_at,
      updated_at: member_updated_at,
    },
  }
}

/**
 * The user's groups with their memberships, by group name; with `changedAfter`, only those where
 * the group or the membership changed after it.
 */
export async function listMembershipsChangedAfter(
  db: Executor,
  userId: string,
  changedAfter?: Date,
): Promise<GroupMembership[]> {
  let query = membershipsOf(db, userId)
  if (changedAfter) {
    const from = fromNextMillisecond(changedAfter)
    query = query.where((eb) =>
      eb.or([eb('rooms.updated_at', '>=', from), eb('room_members.updated_at', '>=', from)]),
    )
  }
  const rows = await query.orderBy('rooms.name').execute()
  return rows.map((row) => toMembership(userId, row))
}

/** The user's membership of one group, with the group; nothing for a non-member. */
export async function findMembership(
  db: Executor,
  roomId: string,
  userId: string,
): Promise<GroupMembership | undefined> {
  const row = await membershipsOf(db, userId).where('rooms.id', '=', roomId).executeTakeFirst()
  return row && toMembership(userId, row)
}

/** The user's groups, by name; with `changedAfter`, only those changed after it. */
export async function listGroupsOfMemberChangedAfter(
  db: Executor,
  userId: string,
  changedAfter?: Date,
): Promise<Room[]> {
  let query = db
    .selectFrom('room_members')
    .innerJoin('rooms', 'rooms.id', 'room_members.room_id')
    .selectAll('rooms')
    .where('room_members.user_id', '=', userId)
    .where('rooms.type', '=', 'p')
  if (changedAfter) {
    query = query.where('rooms.updated_at', '>=', fromNextMillisecond(changedAfter))
  }
  return query.orderBy('rooms.name').execute()
}
