import { type Static, Type } from '@sinclair/typebox'
import { Success, TimestampSchema, UserRefProperties, withExamples } from './common.js'
import { examplePermission, exampleRole } from './examples.js'

export const PermissionSchema = Type.Object({
  _id: Type.String({ examples: ['edit-room'] }),
  roles: Type.Array(Type.String(), {
    description: 'The roles granted the permission',
    examples: [['admin', 'owner', 'moderator']],
  }),
  _updatedAt: TimestampSchema,
})
export type PermissionView = Static<typeof PermissionSchema>

export const PermissionsListAllQuerySchema = Type.Object({
  updatedSince: Type.Optional(
    Type.String({
      maxLength: 64,
      description:
        'Only permissions changed after this moment (an ISO-8601 date from year 0001 to 9999)',
      examples: ['2016-12-09T15:08:58.042Z'],
    }),
  ),
})

export const PermissionsListAllResponseSchema = withExamples(
  Success({
    update: Type.Array(PermissionSchema),
    remove: Type.Array(PermissionSchema, {
      description: 'Always empty: permissions are never deleted',
    }),
  }),
  {
    update: [
      {
        _id: 'create-p',
        roles: ['admin', 'app', 'bot', 'user'],
        _updatedAt: examplePermission._updatedAt,
      },
      examplePermission,
    ],
    remove: [],
    success: true,
  },
)

export const PermissionsUpdateBodySchema = Type.Object(
  {
    permissions: Type.Array(
      Type.Object(
        {
          _id: Type.String({ minLength: 1, maxLength: 128 }),
          roles: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
            maxItems: 64,
            uniqueItems: true,
            description: 'The complete new list of roles granted the permission',
          }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 256 },
    ),
  },
  {
    additionalProperties: false,
    examples: [{ permissions: [{ _id: 'edit-room', roles: ['admin', 'owner'] }] }],
  },
)
export type PermissionsUpdateBody = Static<typeof PermissionsUpdateBodySchema>

export const PermissionsUpdateResponseSchema = withExamples(
  Success({
    permissions: Type.Array(PermissionSchema, { description: 'Every permission, as it now is' }),
  }),
  {
    permissions: [
      {
        _id: 'create-p',
        roles: ['admin', 'app', 'bot', 'user'],
        _updatedAt: examplePermission._updatedAt,
      },
      { ...examplePermission, roles: ['admin', 'owner'], _updatedAt: '2016-12-10T09:30:00.000Z' },
    ],
    success: true,
  },
)

export const RoleSchema = Type.Object({
  _id: Type.String({ examples: ['admin'] }),
  name: Type.String({ examples: ['admin'] }),
  scope: Type.Union([Type.Literal('Users'), Type.Literal('Subscriptions')], {
    description: '`Users` for global roles, `Subscriptions` for roles held in a room',
  }),
  description: Type.String(),
  protected: Type.Boolean(),
  mandatory2fa: Type.Boolean(),
})
export type RoleView = Static<typeof RoleSchema>

export const RolesListResponseSchema = withExamples(Success({ roles: Type.Array(RoleSchema) }), {
  roles: [
    { ...exampleRole, _id: 'admin', name: 'admin', description: 'Administrator' },
    exampleRole,
    {
      ...exampleRole,
      _id: 'owner',
      name: 'owner',
      scope: 'Subscriptions',
      description: 'Room owner',
    },
  ],
  success: true,
})

export const RoleUserBodySchema = Type.Object(
  {
    roleId: Type.Optional(
      Type.String({ maxLength: 64, description: 'The role (wins over roleName)' }),
    ),
    roleName: Type.Optional(Type.String({ maxLength: 64 })),
    ...UserRefProperties,
  },
  { additionalProperties: false, examples: [{ roleId: 'bot', username: 'rocket.cat' }] },
)
export type RoleUserBody = Static<typeof RoleUserBodySchema>

export const RoleResponseSchema = withExamples(Success({ role: RoleSchema }), {
  role: exampleRole,
  success: true,
})
