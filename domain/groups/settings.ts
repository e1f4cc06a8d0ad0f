import type { Db } from '../../db/database.js'
import type { Executor } from '../../db/executor.js'
import { applyGroupChange } from '../../db/queries/group-change.js'
import { listMemberUsernamesJson } from '../../db/queries/members.js'
import type { RoomLookup } from '../../db/queries/rooms.js'
import type { Room } from '../../db/types.js'
import type { Actor } from '../actor.js'
import { auditEntry } from '../audit.js'
import { errors } from '../errors.js'
import { allows, type PermissionGrants, permissionGrants } from '../permissions.js'
import { changeGroup, requireMember } from './change.js'
import { systemMessageRows } from './system-messages.js'
import { type GroupAnswer, toGroupAnswer } from './view.js'

/** The free-text settings, each with its endpoint and the system message Rocket.Chat writes. */
const textSettings = {
  topic: { action: 'groups.setTopic', messageType: 'room_changed_topic' },
  description: { action: 'groups.setDescription', messageType: 'room_changed_description' },
  purpose: { action: 'groups.setPurpose', messageType: undefined },
  announcement: { action: 'groups.setAnnouncement', messageType: 'room_changed_announcement' },
} as const
export type TextSetting = keyof typeof textSettings

type EditableGroup = Room & { member_roles: string[] }

/** Every setter works on the locked group, refusing archived ones, in one transaction. */
async function editGroup<T>(
  db: Db,
  actor: Actor,
  ref: RoomLookup,
  edit: (trx: Executor, room: EditableGroup, grants: PermissionGrants) => Promise<T>,
): Promise<T> {
  const grants = await permissionGrants(db)
  return changeGroup(
    db,
    ref,
    actor,
    (query) => query,
    (trx, group) => edit(trx, requireMember(group, { refuseArchived: true }), grants),
  )
}

function requireEditRoom(grants: PermissionGrants, actor: Actor, room: EditableGroup) {
  if (!allows(grants, actor, 'edit-room', room.member_roles)) {
    throw errors.editingRoomNotAllowed()
  }
}

/**
 * Sets the topic, description, purpose or announcement. Like Rocket.Chat, sending the
 * current value (or an empty one for an unset setting) succeeds without changing anything.
 */
export async function setTextSetting(
  db: Db,
  actor: Actor,
  ref: RoomLookup,
  setting: TextSetting,
  value: string,
): Promise<void> {
  await editGroup(db, actor, ref, async (trx, room, grants) => {
    requireEditRoom(grants, actor, room)
    const current = room[setting]
    if (value === (current ?? '')) return
    const { action, messageType } = textSettings[setting]
    await applyGroupChange(trx, {
      roomId: room.id,
      settings: { [setting]: value },
      audit: [
        auditEntry(actor, {
          action,
          roomId: room.id,
          before: { [setting]: current },
          after: { [setting]: value },
        }),
      ],
      messages: systemMessageRows(
        room.id,
        actor,
        messageType ? [{ type: messageType, msg: value }] : [],
      ),
    })
  })
}

/** Rocket.Chat compares with the current value before it checks `edit-room`; so do we. */
export async function setReadOnly(
  db: Db,
  actor: Actor,
  ref: RoomLookup,
  readOnly: boolean,
): Promise<GroupAnswer> {
  return editGroup(db, actor, ref, async (trx, room, grants) => {
    if (room.read_only === readOnly) {
      throw errors.readOnlyUnchanged()
    }
    requireEditRoom(grants, actor, room)
    const type = readOnly ? 'room-set-read-only' : 'room-removed-read-only'
    const changed = await applyGroupChange(trx, {
      roomId: room.id,
      settings: { read_only: readOnly },
      audit: [
        auditEntry(actor, {
          action: 'groups.setReadOnly',
          roomId: room.id,
          before: { readOnly: room.read_only },
          after: { readOnly },
        }),
      ],
      messages: systemMessageRows(room.id, actor, [{ type, msg: '' }]),
      usernames: true,
    })
    return toGroupAnswer(changed, changed.usernames)
  })
}

/** A JSON value with every object's keys in order, so two can be compared as jsonb does. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical)
  if (value === null || typeof value !== 'object') return value
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return Object.fromEntries(entries.map(([key, item]) => [key, canonical(item)]))
}

const sameJson = (a: unknown, b: unknown) =>
  JSON.stringify(canonical(a)) === JSON.stringify(canonical(b))

/** Replaces the custom fields as a whole; the same fields again change nothing. */
export async function setCustomFields(
  db: Db,
  actor: Actor,
  ref: RoomLookup,
  customFields: Record<string, unknown>,
): Promise<GroupAnswer> {
  return editGroup(db, actor, ref, async (trx, room, grants) => {
    requireEditRoom(grants, actor, room)
    // Compared as JSON values, so key order does not count as a change.
    if (sameJson(room.custom_fields, customFields)) {
      return toGroupAnswer(room, await listMemberUsernamesJson(trx, room.id))
    }
    const changed = await applyGroupChange(trx, {
      roomId: room.id,
      customFields,
      audit: [
        auditEntry(actor, {
          action: 'groups.setCustomFields',
          roomId: room.id,
          before: { customFields: room.custom_fields },
          after: { customFields },
        }),
      ],
      usernames: true,
    })
    return toGroupAnswer(changed, changed.usernames)
  })
}

/**
 * Every group here is private and public channels are outside this service, so no type
 * change can succeed: `p` is refused as unchanged (Rocket.Chat's check, made before
 * `edit-room`), `c` as unsupported.
 */
export async function setGroupType(
  db: Db,
  actor: Actor,
  ref: RoomLookup,
  type: 'c' | 'p',
): Promise<never> {
  return editGroup(db, actor, ref, async (_trx, room, grants) => {
    if (type === 'p') {
      throw errors.typeUnchanged()
    }
    requireEditRoom(grants, actor, room)
    throw errors.publicChannelsNotSupported()
  })
}
