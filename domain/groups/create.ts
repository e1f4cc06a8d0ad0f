import type { Db } from '../../db/database.js'
import { insertMembers } from '../../db/queries/members.js'
import { insertRoom } from '../../db/queries/rooms.js'
import { findUsersByIdsOrUsernames } from '../../db/queries/users.js'
import type { GroupView } from '../../schemas/groups.js'
import type { Actor } from '../actor.js'
import { ApiError, errors } from '../errors.js'
import { randomId } from '../ids.js'
import { hasPermission } from '../permissions.js'
import { isUniqueViolation } from '../unique.js'
import { assertNameAvailable } from './names.js'
import { loadGroupView } from './view.js'

export interface CreateGroupInput {
  name: string
  members?: string[] | undefined
  readOnly?: boolean | undefined
}

/** Creates a private group owned by the actor, with the named users as members. */
export async function createGroup(
  db: Db,
  actor: Actor,
  input: CreateGroupInput,
  namePattern: RegExp,
): Promise<GroupView> {
  const name = input.name.trim()
  if (!name) throw new ApiError(undefined, 'Body param "name" is required')
  if (!(await hasPermission(db, actor, 'create-p'))) throw errors.notAllowed()

  try {
    return await db.transaction().execute(async (trx) => {
      await assertNameAvailable(trx, name, namePattern)
      const invited = await findUsersByIdsOrUsernames(trx, [], input.members ?? [])
      const others = invited.filter((user) => user.id !== actor.id)
      const room = await insertRoom(trx, {
        id: randomId(),
        name,
        fname: name,
        creator_id: actor.id,
        creator_username: actor.username,
        read_only: input.readOnly ?? false,
        users_count: others.length + 1,
      })
      await insertMembers(trx, room.id, [
        { userId: actor.id, roles: ['owner'] },
        ...others.map((user) => ({ userId: user.id, roles: [] })),
      ])
      return loadGroupView(trx, room)
    })
  } catch (error) {
    if (isUniqueViolation(error, 'rooms_name_key')) throw errors.duplicateChannelName(name)
    throw error
  }
}
