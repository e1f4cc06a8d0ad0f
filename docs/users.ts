import type { EndpointDoc } from './endpoint-doc.js'

/** Who may see a user's emails, roles and dates besides the user themself. */
const fullInfo = 'callers with `view-full-other-user-info` (admins)'

/** Users: their accounts, as an admin manages them and as they see themselves. */
export const userDocs = {
  'users.create': {
    tag: 'Administration',
    summary: 'Create a user',
    description: `Permission required: the global \`create-user\` (admins).

{refusals}

New users get the \`user\` role unless \`roles\` says otherwise, and are active unless \`active\` is false. \`verified\`, \`requirePasswordChange\`, \`joinDefaultChannels\` and \`sendWelcomeEmail\` are accepted for Rocket.Chat's clients and have no effect.`,
  },
  'users.info': {
    tag: 'Administration',
    summary: 'A user',
    description: `Any logged-in user, by \`userId\` or \`username\` (without case; \`userId\` wins), deactivated users included. Emails, roles and dates are shown for oneself and to ${fullInfo} only.`,
  },
  'users.list': {
    tag: 'Administration',
    summary: 'Every user',
    description: `Any logged-in user; emails, roles and dates only for ${fullInfo}. \`sort\` takes the fields \`username\`, \`name\`, \`createdAt\` (default \`{"username":1}\`); \`query\` filters on \`username\`, \`name\` (equal, or \`$regex\`, without case when \`$options\` is \`i\`) and \`active\` (equal), combined with \`$and\`/\`$or\`. \`offset\` defaults to 0, \`count\` to 50 (above 100 is cut to 100).

{refusals} A regular expression PostgreSQL refuses is \`error-invalid-query\` too.`,
  },
  'users.update': {
    tag: 'Administration',
    summary: 'Change a user',
    description: `Anyone may change their own \`name\`, \`username\`, \`email\` and \`password\`. Changing another user needs the global \`edit-other-user-info\` (admins), so does changing \`active\`, even one's own; a different set of \`roles\` needs \`assign-roles\` (admins).

{refusals}

Deactivating logs the user out everywhere. A new username is shown everywhere the user appears, group creators and messages included.`,
  },
  'users.delete': {
    tag: 'Administration',
    summary: 'Delete a user',
    description: `Permission required: the global \`delete-user\` (admins).

{refusals}

The user leaves every group (each counts one member less) and is logged out; the messages they wrote stay.`,
  },
  'users.register': {
    tag: 'Administration',
    summary: 'Sign up',
    description:
      'No login needed; off unless the service runs with `ALLOW_REGISTRATION=true`. Creates an active user with the `user` role (a blank `name` becomes the username). Log in afterwards to get a token.',
  },
} satisfies Record<string, EndpointDoc>
