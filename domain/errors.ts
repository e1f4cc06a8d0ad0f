/**
 * Every refusal the service can answer, once: its wire `errorType`, its HTTP status, its message
 * and when it happens. Domain code throws `errors.<code>(…)`; the error handler writes the
 * envelope; the route documentation builds its "Refusals" paragraph and examples from the same
 * entries, so the words cannot drift from the code.
 */

/** The `extraData` keys of `groups.create` that ask for a Rocket.Chat feature this service lacks. */
export const unsupportedFeatures = {
  encrypted: 'end-to-end encrypted groups',
  broadcast: 'broadcast groups',
  federated: 'federated groups',
  teamId: 'teams',
} as const
export type UnsupportedFeature = keyof typeof unsupportedFeatures

interface Definition<T extends string | undefined, A extends unknown[]> {
  /** The envelope's `errorType`; none for Rocket.Chat's few plain-message refusals. */
  type: T
  message: (...args: A) => string
  /** When it happens, as the route documentation says it (a route may say it more precisely). */
  when: string
  status?: number
  /** Arguments for the documentation's example. */
  example?: A
  /** Answered by the service around every route (validation, limits, outages), not by a rule. */
  anyRoute?: boolean
  /**
   * Its words name a parameter of the route that gives it: a route lists it with an example of
   * its own (routes/describe.ts refuses it without one), never with the catalogue's.
   */
  routeExample?: boolean
}

function define<const T extends string | undefined, A extends unknown[] = []>(
  definition: Definition<T, A>,
): Definition<T, A> {
  return definition
}

const room = 'team-testing'

const catalogue = {
  // Any route: the request itself, the service's limits and its health.
  invalidParams: define({
    type: 'invalid-params',
    message: (reason: string) => reason,
    when: 'a parameter the schema refuses',
    example: ['offset must be >= 0'],
    anyRoute: true,
    routeExample: true,
  }),
  invalidRequest: define({
    type: 'invalid-request',
    message: () => 'Invalid request',
    when: 'a request Fastify cannot take',
    anyRoute: true,
  }),
  payloadTooLarge: define({
    type: 'error-payload-too-large',
    message: () => 'Request body is too large',
    when: 'a body over the size limit',
    status: 413,
    anyRoute: true,
  }),
  unsupportedMediaType: define({
    type: 'error-unsupported-media-type',
    message: () => 'Unsupported content type; send application/json',
    when: 'a body that is not JSON',
    status: 415,
    anyRoute: true,
  }),
  endpointNotFound: define({
    type: 'error-not-found',
    message: (methods: readonly string[] = [], endpoint = '') =>
      methods.length
        ? `API endpoint not found: use ${methods.join(' or ')} for ${endpoint}`
        : 'API endpoint not found',
    when: 'no such endpoint, or not with this method',
    status: 404,
    anyRoute: true,
  }),
  tooManyRequests: define({
    type: 'error-too-many-requests',
    message: (seconds: number) =>
      `Error, too many requests. Please slow down. You must wait ${seconds} seconds before trying this endpoint again.`,
    when: 'too many calls to this endpoint in the window',
    status: 429,
    example: [42],
    anyRoute: true,
  }),
  tooManyConnections: define({
    type: 'error-too-many-connections',
    message: (max: number) => `At most ${max} connections per user`,
    when: 'the user holds `REALTIME_MAX_CONNECTIONS_PER_USER` realtime connections in this process already',
    status: 429,
    example: [20],
  }),
  databaseUnavailable: define({
    type: 'error-database-unavailable',
    message: () => 'The database is unavailable, try again shortly',
    when: 'the database is down or restarting',
    status: 503,
    anyRoute: true,
  }),
  upgradeRequired: define({
    type: 'error-websocket-required',
    message: () => 'This is the realtime endpoint: connect with a WebSocket',
    when: 'a plain HTTP request to /websocket',
  }),
  notReady: define({
    type: 'error-not-ready',
    message: (reason: string) => reason,
    when: 'the service cannot serve requests yet',
    status: 503,
    example: ['the database does not answer'],
    anyRoute: true,
  }),
  internal: define({
    type: undefined,
    message: () => 'Internal server error',
    when: 'a failure of the service itself',
    status: 500,
    anyRoute: true,
  }),

  // Logging in (401: Rocket.Chat's body `{success:false, status:"error", message, error}`).
  notLoggedIn: define({
    type: undefined,
    message: () => 'You must be logged in to do this.',
    when: 'no valid `X-User-Id` and `X-Auth-Token`',
    status: 401,
    anyRoute: true,
  }),
  loginFailed: define({
    type: undefined,
    message: () => 'Unauthorized',
    when: 'an unknown user or a wrong password',
    status: 401,
  }),
  userNotActivated: define({
    type: 'error-user-is-not-activated',
    message: () => 'User is not activated',
    when: 'a deactivated user',
    status: 401,
  }),
  loginBlockedForIp: define({
    type: 'error-login-blocked-for-ip',
    message: () => 'Login has been temporarily blocked For IP',
    when: 'too many failed logins from this address',
    status: 401,
  }),
  loginBlockedForUser: define({
    type: 'error-login-blocked-for-user',
    message: () => 'Login has been temporarily blocked For User',
    when: 'too many failed logins for this user',
    status: 401,
  }),

  // Naming a group or a user.
  roomParamNotProvided: define({
    type: 'error-room-param-not-provided',
    message: () => 'The parameter "roomId" or "roomName" is required',
    when: 'no `roomId`/`roomName`',
  }),
  roomNotFound: define({
    type: 'error-room-not-found',
    message: () => 'The required "roomId" or "roomName" param provided does not match any group',
    when: 'a group that does not exist or that the caller is not in',
  }),
  roomIdParamRequired: define({
    type: undefined,
    message: () => "The 'roomId' param is required",
    when: 'an empty `roomId`',
  }),
  noGroupWithId: define({
    type: 'error-room-not-found',
    message: (roomId: string) => `No private group has the id ${roomId}`,
    when: 'no group has that id',
    example: ['ByehQjC44FwMeiLbX'],
  }),
  groupNotAccessible: define({
    type: 'error-not-allowed',
    message: () => 'Not Allowed',
    when: 'a group that does not exist or that the caller is not in',
  }),
  userParamNotProvided: define({
    type: 'error-user-param-not-provided',
    message: () => 'The required "userId" or "username" param was not provided',
    when: 'no `userId`/`username`',
  }),
  invalidUser: define({
    type: 'error-invalid-user',
    message: () => 'Invalid user',
    when: 'no such active user',
  }),
  noUserNamed: define({
    type: 'error-invalid-user',
    message: (username: string) => `No user is named ${username}`,
    when: 'no user has that username',
    example: ['rocket.cat'],
  }),
  userNotFound: define({
    type: undefined,
    message: () => 'User not found.',
    when: 'no such user',
  }),
  userNotInRoom: define({
    type: 'error-user-not-in-room',
    message: () => 'User is not in this room',
    when: 'a user who is not a member',
  }),
  bodyParamRequired: define({
    type: undefined,
    message: (param: string) => `The bodyParam "${param}" is required`,
    when: 'a required body parameter missing',
    example: ['name'],
  }),
  bodyParamRequiredAsObject: define({
    type: undefined,
    message: (param: string) => `The bodyParam "${param}" is required with a type like object.`,
    when: 'a required object parameter missing',
    example: ['data'],
  }),
  bodyParamNameRequired: define({
    type: undefined,
    message: (param: string) => `Body param "${param}" is required`,
    when: 'a required body parameter missing',
    example: ['name'],
  }),

  // Permissions.
  notAllowed: define({
    type: 'error-not-allowed',
    message: () => 'Not allowed',
    when: 'no permission',
  }),
  notAuthorized: define({
    type: 'error-not-authorized',
    message: () => 'Not authorized',
    when: 'no permission',
  }),
  forbidden: define({
    type: 'error-unauthorized',
    message: () => 'User does not have the permissions required for this action',
    when: 'the caller lacks the permission the route needs',
    status: 403,
  }),
  editingRoomNotAllowed: define({
    type: 'error-action-not-allowed',
    message: () => 'Editing room is not allowed',
    when: 'no `edit-room`',
  }),
  publicChannelsNotSupported: define({
    type: 'error-action-not-allowed',
    message: () =>
      'Public channels are not supported by this service; a private group cannot become one',
    when: 'a change to a public channel',
  }),
  addingUserNotAllowed: define({
    type: 'error-action-not-allowed',
    message: () => 'Adding user is not allowed',
    when: 'no `create-user`',
  }),
  editingUserNotAllowed: define({
    type: 'error-action-not-allowed',
    message: () => 'Editing user is not allowed',
    when: 'no `edit-other-user-info`',
  }),
  assigningRolesNotAllowed: define({
    type: 'error-action-not-allowed',
    message: () => 'Assign roles is not allowed',
    when: 'roles changed without `assign-roles`',
  }),
  noAdminLeft: define({
    type: 'error-action-not-allowed',
    message: () => 'Leaving the app without admins is not allowed',
    when: 'the last active admin would lose the role',
  }),
  noActiveAdminLeft: define({
    type: 'error-action-not-allowed',
    message: () => 'Leaving the app without an active admin is not allowed',
    when: 'the last active admin would be deactivated',
  }),

  // A group's state and rules.
  roomArchived: define({
    type: 'error-room-archived',
    message: (name: string) => `The private group, ${name}, is archived`,
    when: 'an archived group',
    example: [room],
  }),
  roomNotArchived: define({
    type: 'error-room-not-archived',
    message: (name: string) => `The private group, ${name}, is not archived`,
    when: 'a group that is not archived',
    example: [room],
  }),
  lastOwner: define({
    type: 'error-you-are-last-owner',
    message: () => 'You are the last owner. Please set new owner before leaving the room.',
    when: "the group's last owner",
  }),
  removeLastOwner: define({
    type: 'error-remove-last-owner',
    message: () => 'This is the last owner. Please set a new owner before removing this one.',
    when: "the group's last owner",
  }),
  userAlreadyOwner: define({
    type: 'error-user-already-owner',
    message: () => 'User is already an owner',
    when: 'a user who already is an owner',
  }),
  userAlreadyModerator: define({
    type: 'error-user-already-moderator',
    message: () => 'User is already a moderator',
    when: 'a user who already is a moderator',
  }),
  userAlreadyLeader: define({
    type: 'error-user-already-leader',
    message: () => 'User is already a leader',
    when: 'a user who already is a leader',
  }),
  userNotOwner: define({
    type: 'error-user-not-owner',
    message: () => 'User is not an owner',
    when: 'a user who is not an owner',
  }),
  userNotModerator: define({
    type: 'error-user-not-moderator',
    message: () => 'User is not a moderator',
    when: 'a user who is not a moderator',
  }),
  userNotLeader: define({
    type: 'error-user-not-leader',
    message: () => 'User is not a leader',
    when: 'a user who is not a leader',
  }),
  invalidRoomName: define({
    type: 'error-invalid-room-name',
    message: (name: string) => `${name} is not a valid room name.`,
    when: 'a name that `ROOM_NAME_PATTERN` refuses',
    example: ['team testing!'],
  }),
  duplicateChannelName: define({
    type: 'error-duplicate-channel-name',
    message: (name: string) => `A channel with name '${name}' exists`,
    when: 'a name another group has',
    example: [room],
  }),
  duplicateHandle: define({
    type: 'error-duplicate-handle',
    message: (name: string) => `A user with the username '${name}' exists`,
    when: 'a name a user has',
    example: ['rocket.cat'],
  }),
  notSupported: define({
    type: 'error-not-supported',
    message: (key: UnsupportedFeature) =>
      `extraData.${key} asks for ${unsupportedFeatures[key]}, which this service does not support`,
    when: '`extraData` asking for encryption, broadcast, federation or a team',
    example: ['encrypted'],
  }),
  invalidMembers: define({
    type: 'error-invalid-members',
    message: () => 'With excludeSelf, members must name at least one valid user to own the group',
    when: '`excludeSelf` without a valid member to own the group',
  }),
  emptyInviteList: define({
    type: 'error-empty-invite-list',
    message: () => 'Cannot invite if no valid users are provided',
    when: 'none of the named users is an active user',
  }),
  readOnlyUnchanged: define({
    type: undefined,
    message: () =>
      'The private group read only setting is the same as what it would be changed to.',
    when: 'the group already has that read-only setting',
  }),
  typeUnchanged: define({
    type: undefined,
    message: () => 'The private group type is the same as what it would be changed to.',
    when: 'the group already has that type',
  }),
  alreadyOpen: define({
    type: undefined,
    message: (name: string) => `The private group, ${name}, is already open for the sender`,
    when: 'a group the caller already shows',
    example: [room],
  }),
  alreadyHidden: define({
    type: undefined,
    message: (name: string) => `The private group, ${name}, is already closed to the sender`,
    when: 'a group the caller already hides',
    example: [room],
  }),

  // Lists.
  invalidSort: define({
    type: 'error-invalid-sort',
    message: (raw: string) => `Invalid sort parameter provided: "${raw}"`,
    when: 'a `sort` that is not a JSON object of known fields to 1 or -1',
    example: ['{"members":1}'],
  }),
  invalidQuery: define({
    type: 'error-invalid-query',
    message: (raw: string) => `Invalid query parameter provided: "${raw}"`,
    when: 'a `query` that is not a JSON filter on known fields',
    example: ['{"$where":"1"}'],
  }),
  groupQueryMissing: define({
    type: undefined,
    message: () => 'Invalid query',
    when: 'neither `_id` nor a `query` naming the group',
  }),
  invalidUpdatedSince: define({
    type: 'error-roomId-param-invalid',
    message: () => 'The "updatedSince" query parameter must be a valid date.',
    when: 'an `updatedSince` that is not a date',
  }),
  invalidLastUpdate: define({
    type: 'error-roomId-param-invalid',
    message: () => 'The "lastUpdate" query parameter must be a valid date.',
    when: 'an `updatedSince` that is not a date',
  }),
  updatedSinceParamInvalid: define({
    type: 'error-updatedSince-param-invalid',
    message: () => 'The "updatedSince" query parameter must be a valid date.',
    when: 'an `updatedSince` that is not a date',
  }),
  updatedSinceTooOld: define({
    type: 'error-updatedSince-too-old',
    message: (keptSince: string) =>
      `The changes before ${keptSince} are no longer kept: call again without "updatedSince" to reload everything`,
    when: 'an `updatedSince` before the oldest change the event log still keeps',
    example: ['2026-11-25T12:00:00.000Z'],
  }),

  // Users.
  invalidUsername: define({
    type: 'error-input-is-not-a-valid-field',
    message: (username: string) => `${username} is not a valid username`,
    when: 'a username with characters other than letters, digits, `-`, `_` and `.`',
    example: ['not valid'],
  }),
  blockedUsername: define({
    type: 'error-blocked-username',
    message: (username: string) => `${username} is blocked and can't be used!`,
    when: 'a reserved username (`all`, `here`)',
    example: ['here'],
  }),
  fieldUnavailable: define({
    type: 'error-field-unavailable',
    message: (value: string) => `${value} is already in use :(`,
    when: 'a username or email another user has',
    example: ['rocket.cat'],
  }),
  usernameInUse: define({
    type: undefined,
    message: () => 'Username is already in use',
    when: 'a username another user has',
  }),
  registrationDisabled: define({
    type: 'error-user-registration-disabled',
    message: () => 'User registration is disabled',
    when: 'self sign-up is turned off',
  }),
  userLastOwner: define({
    type: 'user-last-owner',
    message: (groups: readonly string[], doing: string) =>
      `The user is the last owner of ${groups.join(', ')}. Set new owners before ${doing} the user.`,
    when: 'the user is the last owner of a group that has other members',
    example: [[room], 'deleting'],
  }),

  // Roles and permissions.
  unknownRole: define({
    type: 'error-invalid-role',
    message: (role: string) => `Role ${role} does not exist`,
    when: 'a role that does not exist',
    example: ['captain'],
  }),
  invalidRole: define({
    type: 'error-invalid-role',
    message: () => 'Invalid role',
    when: 'a role that does not exist',
  }),
  roomRoleNotGlobal: define({
    type: 'error-invalid-role',
    message: (role: string) =>
      `${role} is a room role: change it with groups.addOwner, groups.addModerator or groups.addLeader`,
    when: 'a room role (owner, moderator, leader)',
    example: ['owner'],
  }),
  invalidRoleProperties: define({
    type: 'error-invalid-role-properties',
    message: () => 'The parameter "roleId" or "roleName" is required',
    when: 'no `roleId`/`roleName`',
  }),
  roleNotFound: define({
    type: 'error-role-not-found',
    message: () => 'Role not found',
    when: 'no such role',
  }),
  invalidRoleId: define({
    type: 'error-invalid-roleId',
    message: () => 'This role does not exist',
    when: 'no such role',
  }),
  userAlreadyInRole: define({
    type: 'error-user-already-in-role',
    message: () => 'User already in role',
    when: 'a user who already has the role',
  }),
  userNotInRole: define({
    type: 'error-user-not-in-role',
    message: () => 'User is not in this role',
    when: 'a user who does not have the role',
  }),
  invalidPermission: define({
    type: 'error-invalid-permission',
    message: () => 'Invalid permission',
    when: 'a permission that does not exist',
  }),

  // Outgoing webhooks.
  webhooksNotConfigured: define({
    type: 'error-webhooks-not-configured',
    message: () => 'Webhooks need WEBHOOK_ENCRYPTION_KEY to be set on the server',
    when: 'the server has no WEBHOOK_ENCRYPTION_KEY to keep secrets with',
  }),
  invalidWebhookUrl: define({
    type: 'error-invalid-url',
    message: () => 'The url must be an absolute http or https URL without credentials',
    when: 'a `url` that is not http or https, or carries a user name or password',
  }),
  webhookNotFound: define({
    type: 'error-webhook-not-found',
    message: () => 'No webhook has this webhookId',
    when: 'an unknown `webhookId`',
  }),
  webhookDeliveryNotFound: define({
    type: 'error-delivery-not-found',
    message: () => 'This webhook has no delivery with this deliveryId',
    when: 'a `deliveryId` not of this webhook',
  }),
  webhookEventNotFound: define({
    type: 'error-event-not-found',
    message: () => 'The event log does not hold this event (unknown, or pruned)',
    when: 'an `after` the event log does not hold',
  }),
  redeliverWhat: define({
    type: 'error-invalid-params',
    message: () => 'Give either deliveryId or after',
    when: 'both or neither of `deliveryId` and `after`',
  }),
}

type Catalogue = typeof catalogue
/** The name of a refusal in this catalogue. */
export type ErrorCode = keyof Catalogue
/** Every `errorType` the service can answer. */
export type ErrorType = Exclude<Catalogue[ErrorCode]['type'], undefined>
type ArgsOf<C extends ErrorCode> = Parameters<Catalogue[C]['message']>

/**
 * A refusal as it is thrown. The error handler answers `statusCode` with `body`: the envelope
 * `{success:false, error, errorType}`, or Rocket.Chat's own 401 body.
 */
export class ApiError extends Error {
  readonly code: ErrorCode
  readonly errorType: ErrorType | undefined
  readonly statusCode: number

  constructor(code: ErrorCode, message: string) {
    super(message)
    const definition: { type: ErrorType | undefined; status?: number } = catalogue[code]
    this.name = 'ApiError'
    this.code = code
    this.errorType = definition.type
    this.statusCode = definition.status ?? 400
  }

  get body(): RefusalBody | UnauthorizedBody {
    if (this.statusCode === 401) {
      return {
        success: false,
        status: 'error',
        message: this.message,
        error: this.errorType ?? this.message,
      }
    }
    return this.errorType
      ? { success: false, error: refusalText(this), errorType: this.errorType }
      : { success: false, error: this.message }
  }
}

/** A refusal in one line, as the envelope's `error` says it: the reason, then its type in brackets. */
export function refusalText(error: ApiError): string {
  return error.errorType ? `${error.message} [${error.errorType}]` : error.message
}

export interface RefusalBody {
  success: false
  error: string
  errorType?: string
}

export interface UnauthorizedBody {
  success: false
  status: 'error'
  message: string
  error: string
}

/** A catalogue entry as code meets it: call it to get the error to throw. */
export interface Refusal<C extends ErrorCode = ErrorCode> {
  (...args: ArgsOf<C>): ApiError
  readonly code: C
  readonly status: number
  readonly when: string
  readonly anyRoute: boolean
  readonly routeExample: boolean
  /** The error with the documentation's example arguments. */
  example(): ApiError
}

function refusalOf<C extends ErrorCode>(code: C): Refusal<C> {
  const definition = catalogue[code] as Definition<ErrorType | undefined, ArgsOf<C>>
  const create = (...args: ArgsOf<C>) => new ApiError(code, definition.message(...args))
  return Object.assign(create, {
    code,
    status: definition.status ?? 400,
    when: definition.when,
    anyRoute: definition.anyRoute ?? false,
    routeExample: definition.routeExample ?? false,
    example: () => create(...((definition.example ?? []) as ArgsOf<C>)),
  })
}

export const errors = Object.fromEntries(
  (Object.keys(catalogue) as ErrorCode[]).map((code) => [code, refusalOf(code)]),
) as { readonly [C in ErrorCode]: Refusal<C> }
