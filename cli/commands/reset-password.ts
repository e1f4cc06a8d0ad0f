import { resetPassword as resetUserPassword } from '../../domain/users/reset-password.js'
import { type Command, requireOption } from '../command.js'
import { readPassword, withDatabase } from '../io.js'

export const resetPassword: Command = {
  name: 'reset-password',
  summary: "set a user's password and log them out everywhere",
  help: `Usage: private-groups reset-password --username <name>

Sets the user's password and deletes all their login tokens, so every session
of theirs must log in again. The password comes from the NEW_PASSWORD
environment variable, else from the first line of stdin; it is never taken
from the command line.

Options:
  --username <name>     whose password to set (matched without case)
  -h, --help            show this help

Example:
  NEW_PASSWORD='another phrase' private-groups reset-password --username bob
`,
  options: { username: { type: 'string' } },
  positionals: [],
  async run(args, io) {
    const username = requireOption(args, 'username')
    const password = await readPassword(io, 'NEW_PASSWORD')
    const user = await withDatabase(io, (db) => resetUserPassword(db, null, { username, password }))
    io.stdout.write(`password of ${user.username} (${user.id}) reset; logged out everywhere\n`)
  },
}
