import type { Db } from '../../db/database.js'
import { insertMembers } from '../../db/queries/members.js'
import { insertRoom } from '../../db/queries/rooms.js'
import { findUsersByIdsOrUsernames } from '../../db/queries/users.js'
import type { CreateGroupBody, GroupView } from '../../schemas/groups.js'
import type { Actor } from '../actor.js'
import { recordAudit } from '../audit.js'
import { errors, type UnsupportedFeature, unsupportedFeatures } from '../errors.js'
import { randomId } from '../ids.js'
import { hasPermission } from '../permissions.js'
import { isUniqueViolation } from '../unique.js'
import { assertNameAvailable } from './names.js'
import { inRequestedOrder } from './requested-order.js'
import { loadGroupView } from './view.js'

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
): Promise<GroupView> {
  const name = input.name.trim()
  if (!name) throw errors.bodyParamNameRequired('name')
  if (!(await hasPermission(db, actor, 'create-p'))) throw errors.notAllowed()
  refuseUnsupportedFeatures(input.extraData)
  const settings = roomSettings(input)

  try {
    return await db.transaction().execute(async (trx) => {
      await assertNameAvailable(trx, name, namePattern)
      const listed = input.members ?? []
      const invited = inRequestedOrder(await findUsersByIdsOrUsernames(trx, [], listed), {
        ids: [],
        usernames: listed,
      })
      const others = invited.filter((user) => user.id !== actor.id)
      const creatorJoins = !input.excludeSelf || others.length < invited.length
      const joining = creatorJoins ? [actor, ...others] : others
      const [owner, ...members] = joining
      if (!owner) {
        throw errors.invalidMembers()
      }
      const room = await insertRoom(trx, {
        id: randomId(),
        name,
        fname: name,
        creator_id: actor.id,
        creator_username: actor.username,
        users_count: joining.length,
        ...settings,
      })
      await insertMembers(trx, room.id, [
        { userId: owner.id, roles: ['owner'] },
        ...members.map((user) => ({ userId: user.id, roles: [] })),
      ])
      await recordAudit(trx, actor, {
        action: 'groups.create',
        roomId: room.id,
        after: {
          name,
          ...recordedSettings(settings),
          members: joining.map((user) => user.username),
          ...(creatorJoins ? {} : { owner: owner.username }),
        },
      })
      return loadGroupView(trx, room)
    })
  } catch (error) {
    if (isUniqueViolation(error, 'rooms_name_key')) throw errors.duplicateChannelName(name)
    throw error
  }
}
