import type { Db } from '../../db/database.js'
import { countAuditEntries, listAuditEntries } from '../../db/queries/audit.js'
import { findGroupByRef, type RoomLookup } from '../../db/queries/rooms.js'
import type { AuditEntry } from '../../db/types.js'
import type { AuditEntryView } from '../../schemas/audit.js'
import type { Actor } from '../actor.js'
import { errors } from '../errors.js'
import { type ListParams, type ListShape, parseListParams } from '../list-params.js'
import { hasPermission } from '../permissions.js'
import { requireJoinedGroup } from './lookup.js'

function toAuditEntryView(entry: AuditEntry): AuditEntryView {
  return {
    _id: String(entry.id),
    ts: entry.created_at.toISOString(),
    action: entry.action,
    rid: entry.room_id,
    u:
      entry.actor_id === null
        ? null
        : { _id: entry.actor_id, username: entry.actor_username ?? '' },
    before: entry.before ?? null,
    after: entry.after ?? null,
  }
}

/**
 * Whose entries the actor may read. Holders of `view-room-administration` read any group's, also
 * one they are not in or one deleted since (by its roomId; a deleted group's name is free for
 * others), and the whole log when they name no group. Everyone else must be an owner of the group.
 */
async function auditScope(db: Db, actor: Actor, ref: RoomLookup) {
  if (await hasPermission(db, actor, 'view-room-administration')) {
    if (ref.roomId) return { roomId: ref.roomId }
    if (!ref.roomName) return {}
    const room = await findGroupByRef(db, ref)
    if (!room) throw errors.roomNotFound()
    return { roomId: room.id }
  }
  const room = await requireJoinedGroup(db, ref, actor)
  if (!room.member_roles.includes('owner')) throw errors.forbidden()
  return { roomId: room.id }
}

const auditLogList: ListShape<'ts'> = {
  sort: { ts: 'ts' },
  defaultSort: [{ field: 'ts', direction: 'asc' }],
}

/** A page of the audit log, oldest entry first unless `sort` is `{"ts":-1}`. */
export async function listAuditLog(db: Db, actor: Actor, ref: RoomLookup, params: ListParams) {
  const scope = await auditScope(db, actor, ref)
  const { page, sort } = parseListParams(params, auditLogList)
  const [entries, total] = await Promise.all([
    listAuditEntries(db, scope, page, sort[0]?.direction),
    countAuditEntries(db, scope),
  ])
  return {
    entries: entries.map(toAuditEntryView),
    count: entries.length,
    offset: page.offset,
    total,
  }
}
