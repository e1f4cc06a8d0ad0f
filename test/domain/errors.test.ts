// database-free
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { type ErrorCode, errors } from '../../domain/errors.js'
import { projectFile, sourceFiles } from '../support/paths.js'

const PRODUCTION_DIRS = ['domain', 'db', 'routes', 'plugins', 'schemas', 'docs', 'cli', 'scripts']

// Paths from the checkout's root, wherever the test runs from.
const production = [
  ...PRODUCTION_DIRS.flatMap((dir) => sourceFiles(dir)),
  'app.ts',
  'server.ts',
].filter((file) => file !== join('domain', 'errors.ts'))

t.test('refusals are made by the catalogue alone', async (t) => {
  const offenders = production.filter((file) =>
    /new ApiError\(/.test(readFileSync(projectFile(file), 'utf8')),
  )
  t.same(offenders, [])
})

t.test('no refusal message is written again outside the catalogue', async (t) => {
  const texts = production.map((file) => [file, readFileSync(projectFile(file), 'utf8')] as const)
  const repeated: string[] = []
  // These pass on the reason they are given: their example is an argument, not their words.
  const passThrough: ErrorCode[] = ['invalidParams', 'notReady']
  for (const code of Object.keys(errors) as ErrorCode[]) {
    const message = errors[code].example().message
    if (message.length < 16 || passThrough.includes(code)) continue
    for (const [file, text] of texts) {
      if (text.includes(message)) repeated.push(`${code} in ${file}`)
    }
  }
  t.same(repeated, [])
})

t.test('every entry has a status, a rule in words and an example', async (t) => {
  for (const code of Object.keys(errors) as ErrorCode[]) {
    const refusal = errors[code]
    const example = refusal.example()
    t.equal(example.code, code)
    t.equal(example.statusCode, refusal.status, `${code} keeps its status`)
    t.ok(refusal.when.length > 0, `${code} says when`)
    t.ok(example.message.length > 0, `${code} has a message`)
  }
})

t.test('bodies: the envelope, its plain form, and the 401 body', async (t) => {
  t.same(errors.roomArchived('team').body, {
    success: false,
    error: 'The private group, team, is archived [error-room-archived]',
    errorType: 'error-room-archived',
  })
  t.same(errors.bodyParamRequired('name').body, {
    success: false,
    error: 'The bodyParam "name" is required',
  })
  t.same(errors.notLoggedIn().body, {
    success: false,
    status: 'error',
    message: 'You must be logged in to do this.',
    error: 'You must be logged in to do this.',
  })
  t.same(errors.userNotActivated().body, {
    success: false,
    status: 'error',
    message: 'User is not activated',
    error: 'error-user-is-not-activated',
  })
  t.equal(errors.forbidden().statusCode, 403)
})
