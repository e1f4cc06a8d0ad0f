import type { Executor } from '../../db/executor.js'
import { findNameHolders } from '../../db/queries/rooms.js'
import { errors } from '../errors.js'

/**
 * Refuses a group name that breaks the naming rule or that a room or user already holds.
 * A rename passes the group's current name: keeping it is refused like any taken name.
 */
export async function assertNameAvailable(
  db: Executor,
  name: string,
  pattern: RegExp,
  currentName?: string,
) {
  if (!pattern.test(name)) throw errors.invalidRoomName(name)
  if (name === currentName) throw errors.duplicateChannelName(name)
  const holders = await findNameHolders(db, name)
  if (holders.room) throw errors.duplicateChannelName(name)
  if (holders.user) throw errors.duplicateHandle(name)
}
