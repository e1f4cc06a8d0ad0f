import { exportGroup as exportOneGroup } from '../../domain/groups/export.js'
import type { Command } from '../command.js'
import { withDatabase } from '../io.js'

export const exportGroup: Command = {
  name: 'export-group',
  summary: 'print a group, its members and roles, and its messages as JSON',
  help: `Usage: private-groups export-group <roomId>

Prints one private group as JSON on stdout, read in one consistent snapshot:
  group      the group as groups.info shows it
  members    each member's _id, username, name, room roles and joinedAt
  messages   every message, oldest first, as groups.history shows them
Archived groups are exported too.

Options:
  -h, --help            show this help

Example:
  private-groups export-group ByehQjC44FwMeiLbX > group.json
`,
  options: {},
  positionals: ['roomId'],
  async run(args, io) {
    const [roomId = ''] = args.positionals
    const exported = await withDatabase(io, (db) => exportOneGroup(db, roomId))
    io.stdout.write(`${JSON.stringify(exported, null, 2)}\n`)
  },
}
