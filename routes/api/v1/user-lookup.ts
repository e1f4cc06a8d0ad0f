import { errors } from '../../../domain/errors.js'

/** No user has the id or username a request names, deactivated users included. */
export const noSuchUser = [errors.invalidUser, 'no such user'] as const

/** The refusals of naming any user by `userId` or `username`, in the order they are checked. */
export const anyUserLookup = [errors.userParamNotProvided, noSuchUser] as const
