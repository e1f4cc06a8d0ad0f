import { errors } from '../../../../domain/errors.js'

/** The first refusals of every route that names a group, in the order they are checked. */
export const groupLookup = [errors.roomParamNotProvided, errors.roomNotFound] as const

/** …then, for a route that changes the group: it must not be archived. */
export const changeableGroup = [...groupLookup, errors.roomArchived] as const
