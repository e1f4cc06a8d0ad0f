// database-free
// scripts/build.mjs --for-start (npm's prestart), on a small copy of the project in a temporary
// directory so the builds it runs touch nothing here.
import { spawnSync } from 'node:child_process'
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import t from 'tap'
import { projectRoot } from '../support/paths.js'

const root = projectRoot
const copy = mkdtempSync(join(tmpdir(), 'groups-build-'))
t.teardown(() => rmSync(copy, { recursive: true, force: true }))
for (const file of [
  'config.ts',
  'db/connection-failure.ts',
  'scripts/check-config.ts',
  'scripts/build.mjs',
]) {
  mkdirSync(dirname(join(copy, file)), { recursive: true })
  copyFileSync(join(root, file), join(copy, file))
}
const { compilerOptions } = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8'))
writeFileSync(join(copy, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts'] }))
writeFileSync(
  join(copy, 'tsconfig.build.json'),
  JSON.stringify({ extends: './tsconfig.json', include: ['*.ts', 'db', 'scripts'] }),
)
writeFileSync(join(copy, 'package.json'), JSON.stringify({ type: 'module' }))
symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'))

const stamp = join(copy, 'dist', '.build-stamp')
const building = 'building dist/: sources changed since the last build\n'

function prestart(env: Record<string, string> = {}) {
  const outcome = spawnSync(process.execPath, ['scripts/build.mjs', '--for-start'], {
    cwd: copy,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  })
  return { code: outcome.status, stderr: outcome.stderr }
}

t.test('a fresh clone is built, then its settings checked', async (t) => {
  t.same(prestart({ PORT: 'abc' }), {
    code: 1,
    stderr: `${building}Invalid configuration: PORT must be a whole number\n`,
  })
  t.ok(statSync(stamp).isFile(), 'the build is stamped')
})

t.test('unchanged sources: no rebuild, and a bad setting is reported at once', async (t) => {
  const builtAt = statSync(stamp).mtimeMs

  t.same(prestart(), { code: 0, stderr: '' })
  const started = Date.now()
  t.same(prestart({ LOG_LEVEL: 'verbose' }), {
    code: 1,
    stderr:
      'Invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")\n',
  })
  t.ok(Date.now() - started < 5000, 'within seconds')
  t.equal(statSync(stamp).mtimeMs, builtAt, 'not rebuilt')
})

t.test('a changed source is rebuilt once', async (t) => {
  const later = new Date(Date.now() + 60_000)
  utimesSync(join(copy, 'db/connection-failure.ts'), later, later)

  t.same(prestart(), { code: 0, stderr: building })
  const beforeBuild = new Date(statSync(stamp).mtimeMs - 1000)
  utimesSync(join(copy, 'db/connection-failure.ts'), beforeBuild, beforeBuild)
  t.same(prestart(), { code: 0, stderr: '' }, 'and then no more')
})
