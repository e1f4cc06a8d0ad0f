import { errors } from '../errors.js'

/**
 * Refuses a group name that breaks the naming rule, or, for a rename, the group's current name
 * (keeping it is refused like any taken name).
 */
export function refuseNameShape(name: string, pattern: RegExp, currentName?: string) {
  if (!pattern.test(name)) throw errors.invalidRoomName(name)
  if (name === currentName) throw errors.duplicateChannelName(name)
}

/** Refuses a name a room or a user (case aside) already holds. */
export function refuseHeldName(name: string, holders: { room: boolean; user: boolean }) {
  if (holders.room) throw errors.duplicateChannelName(name)
  if (holders.user) throw errors.duplicateHandle(name)
}
