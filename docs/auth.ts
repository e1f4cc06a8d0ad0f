import type { EndpointDoc } from './endpoint-doc.js'

/** Logging in and out. */
export const authDocs = {
  login: {
    tag: 'Authentication',
    summary: 'Log in',
    description: `No login needed. Send \`user\` (a username, or an email when it contains @), \`username\` or \`email\` with \`password\`; or \`resume\` with a token still valid. Usernames and emails are compared without case. Use the answer's \`userId\` and \`authToken\` as the \`X-User-Id\` and \`X-Auth-Token\` headers.

{refusals} A 401 names the refusal in \`error\` and explains it in \`message\`.

Every password attempt counts as a failure until it succeeds; a successful login clears the failures counted for its name.`,
  },
  logout: {
    tag: 'Authentication',
    summary: 'Log out',
    description:
      "Any logged-in user. Invalidates the token the request was sent with; the user's other tokens stay valid.",
  },
  me: {
    tag: 'Authentication',
    summary: 'The logged-in user',
    description: 'Any logged-in user: their own profile, with emails, global roles and dates.',
  },
} satisfies Record<string, EndpointDoc>
