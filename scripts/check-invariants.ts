import { ConfigError, loadConfig } from '../config.js'
import { createDatabase } from '../db/database.js'
import { findViolations } from '../db/queries/invariants.js'

/** Checks the configured database against the data invariants; exits 1 on any violation. */
async function checkInvariants() {
  const config = loadConfig()
  const db = createDatabase({
    url: config.DATABASE_URL,
    poolSize: 1,
    dataDir: config.DATA_DIR,
    preparedStatements: config.DATABASE_PREPARED_STATEMENTS,
  })
  try {
    const violations = await findViolations(db)
    for (const violation of violations) {
      process.stdout.write(`violation: ${violation.rule}: ${violation.subject}\n`)
    }
    process.stdout.write(`${violations.length} invariant violations\n`)
    return violations.length === 0
  } finally {
    await db.destroy()
  }
}

checkInvariants().then(
  (ok) => process.exit(ok ? 0 : 1),
  (error: unknown) => {
    process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`)
    process.exit(1)
  },
)
