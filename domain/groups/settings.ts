import type { Db } from '../../db/database.js'
import type { Executor } from '../../db/executor.js'
import { replaceCustomFields, updateRoomSettings } from '../../db/queries/room-settings.js'
import type { RoomLookup } from '../../db/queries/rooms.js'
import type { GroupView } from '../../schemas/groups.js'
import type { Actor } from '../actor.js'
import { recordAudit } from '../audit.js'
import { errors } from '../errors.js'
import { allows, type PermissionGrants, permissionGrants } from '../permissions.js'
import { requireJoinedGroup } from './lookup.js'
import { recordSystemMessages } from './system-messages.js'
import { loadGroupView } from './view.js'

/** The free-text settings, each with its endpoint and the system message Rocket.Chat writes. */
const textSettings = {
  topic: { action: 'groups.setTopic', messageType: 'room_changed_topic' },
  description: { action: 'groups.setDescription', messageType: 'room_changed_description' },
  purpose: { action: 'groups.setPurpose', messageType: undefined },
  announcement: { action: 'groups.setAnnouncement', messageType: 'room_changed_announcement' },
} as const
export type TextSetting = keyof typeof textSettings

type EditableGroup = Awaited<ReturnType<typeof requireJoinedGroup>>

/** Every setter works on the locked group, refusing archived ones, in one transaction. */
async function editGroup<T>(
  db: Db,
  actor: Actor,
  ref: RoomLookup,
  edit: (trx: Executor, room: EditableGroup, grants: PermissionGrants) => Promise<T>,
): Promise<T> {
  const grants = await permissionGrants(db)
  return db.transaction().execute(async (trx) => {
    const room = await requireJoinedGroup(trx, ref, actor, { lock: true, refuseArchived: true })
    return edit(trx, room, grants)
  })
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
    await updateRoomSettings(trx, room.id, { [setting]: value })
    await recordAudit(trx, actor, {
      action,
      roomId: room.id,
      before: { [setting]: current },
      after: { [setting]: value },
    })
    await recordSystemMessages(
      trx,
      room.id,
      actor,
      messageType ? [{ type: messageType, msg: value }] : [],
    )
  })
}

/** Rocket.Chat compares with the current value before it checks `edit-room`; so do we. */
export async function setReadOnly(
  db: Db,
  actor: Actor,
  ref: RoomLookup,
  readOnly: boolean,
): Promise<GroupView> {
  return editGroup(db, actor, ref, async (trx, room, grants) => {
    if (room.read_only === readOnly) {
      throw errors.readOnlyUnchanged()
    }
    requireEditRoom(grants, actor, room)
    await updateRoomSettings(trx, room.id, { read_only: readOnly })
    await recordAudit(trx, actor, {
      action: 'groups.setReadOnly',
      roomId: room.id,
      before: { readOnly: room.read_only },
      after: { readOnly },
    })
    const type = readOnly ? 'room-set-read-only' : 'room-removed-read-only'
    return loadGroupView(trx, await recordSystemMessages(trx, room.id, actor, [{ type, msg: '' }]))
  })
}

/** Replaces the custom fields as a whole; the same fields again change nothing. */
export async function setCustomFields(
  db: Db,
  actor: Actor,
  ref: RoomLookup,
  customFields: Record<string, unknown>,
): Promise<GroupView> {
  return editGroup(db, actor, ref, async (trx, room, grants) => {
    requireEditRoom(grants, actor, room)
    if (!(await replaceCustomFields(trx, room.id, customFields))) return loadGroupView(trx, room)
    await recordAudit(trx, actor, {
      action: 'groups.setCustomFields',
      roomId: room.id,
      before: { customFields: room.custom_fields },
      after: { customFields },
    })
    return loadGroupView(trx, await recordSystemMessages(trx, room.id, actor, []))
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
