// Makes the migrated databases the test files copy (test/support/template.ts) before the passes
// start, so that the first files of passes running at once do not each make one: the embedded
// database's dumped data directory, and the template database on TEST_DATABASE_URL's server when
// it is set. Each is kept for later runs until the migrations change. Run by scripts/test.mjs,
// after the build.
import pg from 'pg'

const { embeddedTemplate, postgresTemplate } = await import('../dist/test/support/template.js')
await embeddedTemplate()
const url = process.env.TEST_DATABASE_URL
if (url) {
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  try {
    await postgresTemplate(admin, url)
  } finally {
    await admin.end()
  }
}
