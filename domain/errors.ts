/**
 * A refusal the API reports in its envelope: `{success:false, error, errorType}`.
 * Without an errorType the envelope carries the plain message only, as Rocket.Chat does
 * for a few checks (e.g. `The bodyParam "name" is required`).
 */
export class ApiError extends Error {
  readonly errorType: string | undefined
  readonly statusCode: number

  constructor(errorType: string | undefined, message: string, statusCode = 400) {
    super(message)
    this.name = 'ApiError'
    this.errorType = errorType
    this.statusCode = statusCode
  }

  /** The `error` field of the envelope: the reason, followed by its type in brackets. */
  get envelopeMessage(): string {
    return this.errorType ? `${this.message} [${this.errorType}]` : this.message
  }
}

export const NOT_LOGGED_IN_MESSAGE = 'You must be logged in to do this.'

/**
 * Not logged in, or a login refused; Rocket.Chat's 401 body has its own shape
 * (`{success:false, status:"error", message, error}`), built by the error handler.
 */
export class UnauthorizedError extends Error {
  readonly statusCode = 401
  readonly error: string

  constructor(message = NOT_LOGGED_IN_MESSAGE, error = message) {
    super(message)
    this.name = 'UnauthorizedError'
    this.error = error
  }
}

/** The `extraData` keys of `groups.create` that ask for a Rocket.Chat feature this service lacks. */
export const unsupportedFeatures = {
  encrypted: 'end-to-end encrypted groups',
  broadcast: 'broadcast groups',
  federated: 'federated groups',
  teamId: 'teams',
} as const
export type UnsupportedFeature = keyof typeof unsupportedFeatures

export const errors = {
  roomParamNotProvided: () =>
    new ApiError(
      'error-room-param-not-provided',
      'The parameter "roomId" or "roomName" is required',
    ),
  roomNotFound: () =>
    new ApiError(
      'error-room-not-found',
      'The required "roomId" or "roomName" param provided does not match any group',
    ),
  userParamNotProvided: () =>
    new ApiError(
      'error-user-param-not-provided',
      'The required "userId" or "username" param was not provided',
    ),
  invalidUser: () => new ApiError('error-invalid-user', 'Invalid user'),
  userNotInRoom: (message = 'User is not in this room') =>
    new ApiError('error-user-not-in-room', message),
  notAllowed: () => new ApiError('error-not-allowed', 'Not allowed'),
  actionNotAllowed: (message: string) => new ApiError('error-action-not-allowed', message),
  unauthorized: () =>
    new ApiError(
      'error-unauthorized',
      'User does not have the permissions required for this action',
      403,
    ),
  roomArchived: (name: string) =>
    new ApiError('error-room-archived', `The private group, ${name}, is archived`),
  roomNotArchived: (name: string) =>
    new ApiError('error-room-not-archived', `The private group, ${name}, is not archived`),
  notAuthorized: () => new ApiError('error-not-authorized', 'Not authorized'),
  lastOwner: () =>
    new ApiError(
      'error-you-are-last-owner',
      'You are the last owner. Please set new owner before leaving the room.',
    ),
  invalidRoomName: (name: string) =>
    new ApiError('error-invalid-room-name', `${name} is not a valid room name.`),
  duplicateChannelName: (name: string) =>
    new ApiError('error-duplicate-channel-name', `A channel with name '${name}' exists`),
  duplicateHandle: (name: string) =>
    new ApiError('error-duplicate-handle', `A user with the username '${name}' exists`),
  notSupported: (key: UnsupportedFeature) =>
    new ApiError(
      'error-not-supported',
      `extraData.${key} asks for ${unsupportedFeatures[key]}, which this service does not support`,
    ),
}
