import type { Db } from '../../db/database.js'
import { findNameHoldersAndUsers, insertGroup } from '../../db/queries/group-change.js'
import type { CreateGroupBody } from '../../schemas/groups.js'
import type { Actor } from '../actor.js'
import { auditEntry } from '../audit.js'
import { errors, type UnsupportedFeature, unsupportedFeatures } from '../errors.js'
import { randomId } from '../ids.js'
import { hasPermission } from '../permissions.js'
import { isUniqueViolation } from '../unique.js'
import { refuseHeldName, refuseNameShape } from './names.js'
import { inRequestedOrder } from './requested-order.js'
import { type GroupAnswer, toGroupAnswer } from './view.js'

/**
 * The room's settings from the body: top-level `readOnly` and `customFields` win over the
 * same keys in `extraData`, as in Rocket.Chat, where the top-level values are applied last.
 */
function roomSettings(input: CreateGroupBody) {
  const extra = input.extraData ?? {}
  return {
    read_only: input.readOnly ?? extra.readOnly ?? false,
    custom_fields: input.customFields ?? extra.customFields ?? {},
    topic: extra.topic ?? null,
    description: extra.description ?? null,
    announcement: extra.announcement ?? null,
  }
}

/**
 * Refuses `extraData` that turns on a feature this service lacks (a `true` switch, a team ID),
 * rather than create a group that lacks what was asked for. Other unknown keys are ignored.
 */
function refuseUnsupportedFeatures(extra: CreateGroupBody['extraData']) {
  if (!extra) return
  for (const key of Object.keys(unsupportedFeatures) as UnsupportedFeature[]) {
    if (extra[key]) throw errors.notSupported(key)
  }
}

/** The settings worth recording, left out while unset. */
function recordedSettings(settings: ReturnType<typeof roomSettings>) {
  return {
    readOnly: settings.read_only,
    ...(Object.keys(settings.custom_fields).length > 0
      ? { customFields: settings.custom_fields }
      : {}),
    ...(settings.topic !== null ? { topic: settings.topic } : {}),
    ...(settings.description !== null ? { description: settings.description } : {}),
    ...(settings.announcement !== null ? { announcement: settings.announcement } : {}),
  }
}

/**
 * Creates a private group with the named users as members. The creator joins as owner, unless
 * `excludeSelf` keeps them out (and they do not list themselves in `members`): then the first
 * valid user listed becomes the owner, so no group is ever created without one.
 */
export async function createGroup(
  db: Db,
  actor: Actor,
  input: CreateGroupBody,
  namePattern: RegExp,
): Promise<GroupAnswer> {
  const name = input.name.trim()
  if (!name) throw errors.bodyParamNameRequired('name')
  if (!(await hasPermission(db, actor, 'create-p'))) throw errors.notAllowed()
  refuseUnsupportedFeatures(input.extraData)
  const settings = roomSettings(input)

  try {
    refuseNameShape(name, namePattern)
    const listed = input.members ?? []
    const found = await findNameHoldersAndUsers(db, name, listed)
    refuseHeldName(name, found)
    const invited = inRequestedOrder(found.users, { ids: [], usernames: listed })
    const others = invited.filter((user) => user.id !== actor.id)
    const creatorJoins = !input.excludeSelf || others.length < invited.length
    const joining = creatorJoins ? [actor, ...others] : others
    const [owner, ...members] = joining
    if (!owner) {
      throw errors.invalidMembers()
    }
    const roomId = randomId()
    // One statement, so one transaction: the room, its members and the audit entry.
    const room = await insertGroup(
      db,
      {
        id: roomId,
        name,
        fname: name,
        creator_id: actor.id,
        creator_username: actor.username,
        users_count: joining.length,
        ...settings,
      },
      [
        { userId: owner.id, roles: ['owner'] },
        ...members.map((user) => ({ userId: user.id, roles: [] })),
      ],
      auditEntry(actor, {
        action: 'groups.create',
        roomId,
        after: {
          name,
          ...recordedSettings(settings),
          members: joining.map((user) => user.username),
          ...(creatorJoins ? {} : { owner: owner.username }),
        },
      }),
    )
    return toGroupAnswer(room, room.usernames)
  } catch (error) {
    if (isUniqueViolation(error, 'rooms_name_key')) throw errors.duplicateChannelName(name)
    throw error
  }
}
