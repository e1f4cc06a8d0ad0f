import type { Db } from '../../db/database.js'
import type { Executor } from '../../db/executor.js'
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

const CREATE_ATTEMPTS = 3

/** A listed member was deactivated or deleted before the group was created: roll back. */
class MembersChanged extends Error {}

/**
 * One attempt at creating the group, in one transaction of three round trips: BEGIN with the
 * lookup of the name's holders and the listed users, which waits for the turns of those users
 * and of the creator (db/queries/turns.ts), then the insert, then COMMIT.
 */
async function insertGroupOnce(
  trx: Executor,
  actor: Actor,
  input: CreateGroupBody,
  name: string,
  settings: ReturnType<typeof roomSettings>,
  listed: string[],
) {
  const found = await findNameHoldersAndUsers(trx, name, listed, actor.id)
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
  // One statement: the room, its members and the audit entry.
  const room = await insertGroup(
    trx,
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
  if (room.added !== joining.length) throw new MembersChanged()
  return room
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
    // No stored name holds NUL, which a statement's text cannot carry.
    if (name.includes('\0')) throw errors.invalidRoomName(name)
    const listed = input.members ?? []
    // A listed user deactivated or deleted between the lookup and the turns is left out by the
    // insert, which then rolls back: looked up again, they are no longer listed. Each new
    // attempt needs another user gone, so a few suffice.
    for (let attempt = 1; attempt <= CREATE_ATTEMPTS; attempt++) {
      const room = await db
        .transaction()
        .execute((trx) => insertGroupOnce(trx, actor, input, name, settings, listed))
        .catch((error: unknown) => {
          if (error instanceof MembersChanged) return undefined
          throw error
        })
      if (room) return toGroupAnswer(room, room.usernames)
    }
    throw new Error(`the members of group ${name} kept changing while it was created`)
  } catch (error) {
    if (isUniqueViolation(error, 'rooms_name_key')) throw errors.duplicateChannelName(name)
    throw error
  }
}
