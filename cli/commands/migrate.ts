import { migrateToLatest } from '../../db/database.js'
import type { Command } from '../command.js'
import { withDatabase } from '../io.js'

export const migrate: Command = {
  name: 'migrate',
  summary: 'apply pending migrations to the configured database',
  help: `Usage: private-groups migrate

Applies every pending migration to the database named by DATABASE_URL (or the
embedded database under DATA_DIR when DATABASE_URL is empty), then exits. The
server also migrates on start; run this first to migrate ahead of a deploy.
`,
  options: {},
  positionals: [],
  async run(_args, io) {
    const applied = await withDatabase(io, migrateToLatest, { migrate: false })
    io.stdout.write(
      applied.length > 0 ? `applied: ${applied.join(', ')}\n` : 'already up to date\n',
    )
  },
}
