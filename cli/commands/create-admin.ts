import { createUser } from '../../domain/users/create.js'
import { type Command, requireOption } from '../command.js'
import { readPassword, withDatabase } from '../io.js'

export const createAdmin: Command = {
  name: 'create-admin',
  summary: 'create a user with the admin role',
  help: `Usage: private-groups create-admin --username <name> --email <address> [--name <display name>]

Creates a user holding the global roles admin and user. The password comes
from the ADMIN_PASS environment variable, else from the first line of stdin;
it is never taken from the command line. The database is migrated first, so
this works on a fresh database.

Options:
  --username <name>     login name (letters, digits, - _ .)
  --email <address>     email address
  --name <display>      display name (default: the username)
  -h, --help            show this help

Examples:
  ADMIN_PASS='s3cret phrase' private-groups create-admin --username root --email root@example.com
  printf '%s\\n' "$PASSWORD" | private-groups create-admin --username root --email root@example.com
`,
  options: {
    username: { type: 'string' },
    email: { type: 'string' },
    name: { type: 'string' },
  },
  positionals: [],
  async run(args, io) {
    const username = requireOption(args, 'username')
    const email = requireOption(args, 'email')
    const name = typeof args.values.name === 'string' ? args.values.name.trim() : ''
    const password = await readPassword(io, 'ADMIN_PASS')
    const user = await withDatabase(io, (db) =>
      createUser(db, null, {
        username,
        email,
        name: name || username,
        password,
        roles: ['admin', 'user'],
      }),
    )
    io.stdout.write(`created admin ${user.username} (${user._id})\n`)
  },
}
