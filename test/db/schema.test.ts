// db/schema.sql is the live schema of a freshly migrated database (tables, indexes, functions,
// triggers), the one place to read a trigger or function as it now stands. It is generated
// (`npm run schema`); this checks it is current, on each database the suite runs on.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { readSchema } from '../../db/schema.js'
import { projectRoot, testDatabase } from '../helper.js'

const db = await testDatabase(t)

t.test('db/schema.sql is the schema the migrations make', async (t) => {
  const file = join(projectRoot, 'db', 'schema.sql')
  const checkedIn = readFileSync(file, 'utf8')
  const live = await readSchema(db)
  t.equal(
    live,
    checkedIn,
    'db/schema.sql is current (if not: run `npm run schema` and commit db/schema.sql)',
  )
})

t.test('the schema is read in a stable order', async (t) => {
  t.equal(await readSchema(db), await readSchema(db))
})
