// database-free
import { readFileSync } from 'node:fs'
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript'
import t from 'tap'
import { loadConfig } from '../config.js'
import { buildApp, embeddedDatabase, projectFile } from './helper.js'

// Built as scripts/openapi.ts builds it: the document depends on the code alone.
const db = await embeddedDatabase(t)

const REGENERATE = 'run `npm run openapi` to regenerate openapi.json and types/api.d.ts'

function readRootFile(name: string): string {
  return readFileSync(projectFile(name), 'utf8')
}

t.test('openapi.json is the document the server serves', async (t) => {
  // The settings scripts/openapi.ts documents: the defaults, rate limits on (they add the 429s).
  const app = await buildApp(t, db, loadConfig({ LOG_LEVEL: 'silent' }))
  const response = await app.inject({ method: 'GET', url: '/api/docs/json' })
  t.equal(response.statusCode, 200)
  const served = response.json<OpenAPI3>()
  const text = readRootFile('openapi.json')
  if (t.strictSame(JSON.parse(text), served, `openapi.json is out of date: ${REGENERATE}`)) {
    t.equal(
      text,
      `${JSON.stringify(served, null, 2)}\n`,
      `openapi.json is not written as the script writes it: ${REGENERATE}`,
    )
  }
})

t.test('types/api.d.ts is what openapi-typescript generates from openapi.json', async (t) => {
  const document = JSON.parse(readRootFile('openapi.json')) as OpenAPI3
  const generated = COMMENT_HEADER + astToString(await openapiTS(document, { silent: true }))
  t.equal(readRootFile('types/api.d.ts'), generated, `types/api.d.ts is out of date: ${REGENERATE}`)
})
