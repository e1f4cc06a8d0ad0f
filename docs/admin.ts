import type { EndpointDoc } from './endpoint-doc.js'

/** Who may change a user's global roles, and how the role and the user are named. */
const roleChange =
  'Permission required: the global `assign-roles` (admins). The role is named by `roleId` (or `roleName`), the user by `userId` or `username` (`userId` wins), deactivated users included.'

/** Roles and permissions. */
export const adminDocs = {
  'roles.list': {
    tag: 'Administration',
    summary: 'Every role',
    description:
      'Any logged-in user. Every role, by id; scope `Users` marks global roles, `Subscriptions` the roles held in a room.',
  },
  'roles.addUserToRole': {
    tag: 'Administration',
    summary: 'Give a user a global role',
    description: `${roleChange}

{refusals}

Returns the role.`,
  },
  'roles.removeUserFromRole': {
    tag: 'Administration',
    summary: 'Take a global role from a user',
    description: `${roleChange}

{refusals}

Returns the role.`,
  },
  'permissions.listAll': {
    tag: 'Administration',
    summary: 'Every permission and the roles granted it',
    description: `Any logged-in user. Every permission with the roles granted it, by id; with \`updatedSince\`, only the permissions changed after that moment. \`remove\` is always empty.

{refusals} The \`errorType\` is the one Rocket.Chat gives.`,
  },
  'permissions.update': {
    tag: 'Administration',
    summary: 'Set the roles granted permissions',
    description: `Permission required: the global \`access-permissions\` (admins).

Each listed permission gets exactly the roles given, all in one change; room roles (owner, moderator, leader) may be listed. The change holds from the next request on, in every process sharing the database. Returns every permission as it now is.

{refusals} A refusal changes nothing.`,
  },
} satisfies Record<string, EndpointDoc>
